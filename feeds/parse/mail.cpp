#include "feeds/parse/mail.h"

#include "core/ids.h"
#include "core/text.h"
#include "feeds/parse/charset.h"
#include "feeds/parse/mime.h"

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace vw {

namespace {

constexpr std::string_view kBeginSigned = "-----BEGIN PGP SIGNED MESSAGE-----";
constexpr std::string_view kBeginSignature = "-----BEGIN PGP SIGNATURE-----";
constexpr std::string_view kEndSignature = "-----END PGP SIGNATURE-----";

/// The hosts whose https URLs name an advisory page (subdomains included).
constexpr std::string_view kAdvisoryHosts[] = {"jpcert.or.jp", "ipa.go.jp", "jvn.jp"};

/// Splits into lines at '\n', dropping a '\r' before it.
std::vector<std::string_view> splitLines(std::string_view text) {
    std::vector<std::string_view> lines;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        const auto nl = text.find('\n', pos);
        const std::size_t end = nl == std::string_view::npos ? text.size() : nl;
        std::string_view line = text.substr(pos, end - pos);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        lines.push_back(line);
        if (nl == std::string_view::npos) {
            break;
        }
        pos = nl + 1;
    }
    return lines;
}

/// Line endings to '\n', trailing blanks of each line removed, the whole text trimmed.
std::string normalizeText(std::string_view text) {
    std::string unified;
    unified.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r') {
            unified.push_back('\n');
            if (i + 1 < text.size() && text[i + 1] == '\n') {
                ++i;
            }
        } else {
            unified.push_back(text[i]);
        }
    }
    std::string out;
    out.reserve(unified.size());
    for (std::string_view line : splitLines(unified)) {
        while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) {
            line.remove_suffix(1);
        }
        out.append(line).push_back('\n');
    }
    return std::string(trim(out));
}

/// Runs of whitespace (folding, tabs) become one space; trimmed.
std::string collapseSpaces(std::string_view text) {
    std::string out;
    for (char c : trim(text)) {
        if (isSpace(c)) {
            if (!out.empty() && out.back() != ' ') {
                out.push_back(' ');
            }
        } else {
            out.push_back(c);
        }
    }
    return out;
}

/// Every line ending as CRLF: the form an OpenPGP signature over a MIME part covers.
std::string withCrlf(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 32);
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\r') {
            out += "\r\n";
            if (i + 1 < text.size() && text[i + 1] == '\n') {
                ++i;
            }
        } else if (c == '\n') {
            out += "\r\n";
        } else {
            out.push_back(c);
        }
    }
    return out;
}

/// The offset of the first line that is `marker` alone (trailing blanks allowed), or npos.
std::size_t findMarkerLine(std::string_view text, std::string_view marker, std::size_t from = 0) {
    for (auto pos = text.find(marker, from); pos != std::string_view::npos;
         pos = text.find(marker, pos + 1)) {
        if (pos != 0 && text[pos - 1] != '\n') {
            continue;
        }
        std::size_t end = pos + marker.size();
        while (end < text.size() && (text[end] == ' ' || text[end] == '\t' || text[end] == '\r')) {
            ++end;
        }
        if (end == text.size() || text[end] == '\n') {
            return pos;
        }
    }
    return std::string_view::npos;
}

std::string sha256Hex(std::string_view bytes) {
    Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
    engine.update(bytes.data(), static_cast<unsigned>(bytes.size()));
    return Poco::DigestEngine::digestToHex(engine.digest());
}

/// The first https URL on an advisory host, trailing punctuation removed; "" when none.
std::string firstAdvisoryUrl(std::string_view text) {
    for (auto pos = text.find("https://"); pos != std::string_view::npos;
         pos = text.find("https://", pos + 1)) {
        std::size_t end = pos;
        while (end < text.size()) {
            const auto c = static_cast<unsigned char>(text[end]);
            if (c <= 32 || c >= 127 ||
                std::string_view("<>\"'()[]{}|\\^`").find(static_cast<char>(c)) !=
                    std::string_view::npos) {
                break;
            }
            ++end;
        }
        std::string_view url = text.substr(pos, end - pos);
        while (!url.empty() &&
               std::string_view(".,;:!?").find(url.back()) != std::string_view::npos) {
            url.remove_suffix(1);
        }
        const std::string_view rest = url.substr(8);
        const std::string host = lowerAscii(rest.substr(0, rest.find_first_of("/?#:")));
        for (std::string_view domain : kAdvisoryHosts) {
            if (host == domain || (host.size() > domain.size() && host.ends_with(domain) &&
                                   host[host.size() - domain.size() - 1] == '.')) {
                return std::string(url);
            }
        }
    }
    return "";
}

/// The reference for one normalized id, with its canonical page.
Reference referenceFor(const std::string& id) {
    Reference ref{"", id, ""};
    const auto kind = idKind(id);
    if (!kind) {
        return ref;
    }
    switch (*kind) {
    case IdKind::Cve:
        ref.source = "CVE";
        ref.url = "https://www.cve.org/CVERecord?id=" + id;
        break;
    case IdKind::Jvn:
        ref.source = "JVN";
        ref.url = "https://jvn.jp/jp/JVN" + id.substr(4) + "/";
        break;
    case IdKind::Jvnvu:
        ref.source = "JVN";
        ref.url = "https://jvn.jp/vu/JVNVU" + id.substr(6) + "/";
        break;
    case IdKind::Jvnta:
        ref.source = "JVN";
        if (id.rfind("JVNTA#", 0) == 0) {
            ref.url = "https://jvn.jp/ta/JVNTA" + id.substr(6) + "/";
        }
        break;
    case IdKind::Jvndb:
        // JVNDB-YYYY-NNNNNN
        ref.source = "JVNDB";
        ref.url = "https://jvndb.jvn.jp/ja/contents/" + id.substr(6, 4) + "/" + id + ".html";
        break;
    case IdKind::JpcertAt:
        // JPCERT-AT-YYYY-NNNN → /at/YYYY/atYYNNNN.html
        ref.source = "JPCERT";
        ref.url = "https://www.jpcert.or.jp/at/" + id.substr(10, 4) + "/at" + id.substr(12, 2) +
                  id.substr(15, 4) + ".html";
        break;
    }
    return ref;
}

/// The text of a clearsigned block without its armor, dash-escaping undone.
std::string stripClearsign(std::string_view block) {
    const auto lines = splitLines(block);
    std::string out;
    std::size_t i = 1; // past the BEGIN line
    while (i < lines.size() && !trim(lines[i]).empty()) {
        ++i; // armor headers (Hash: …)
    }
    ++i;
    for (; i < lines.size(); ++i) {
        std::string_view line = lines[i];
        if (line == kBeginSignature) {
            break;
        }
        if (line.substr(0, 2) == "- ") {
            line.remove_prefix(2);
        }
        out.append(line).push_back('\n');
    }
    return out;
}

class MailParser {
public:
    MailParser(std::string_view raw, const MailOptions& options) : raw_(raw), options_(options) {}

    ParseResult run() {
        std::vector<std::string> mimeProblems;
        const mime::Entity root = mime::parseEntity(raw_, mimeProblems);
        if (root.headers.empty()) {
            throw ParseError("not a mail message: no header fields");
        }
        Advisory record;
        record.source = "mail";
        record.list = options_.list;
        if (const auto* messageId = root.header("Message-ID")) {
            record.id = messageIdOf(*messageId);
        }
        const bool syntheticId = record.id.empty();
        if (syntheticId) {
            record.id = "sha256:" + sha256Hex(raw_);
        }
        id_ = record.id;
        if (syntheticId) {
            problem("no Message-ID: the record id is the SHA-256 of the message");
        }
        for (auto& message : mimeProblems) {
            problem(std::move(message));
        }

        if (const auto* subject = root.header("Subject")) {
            std::vector<std::string> headerProblems;
            record.title = collapseSpaces(mime::decodeHeader(*subject, headerProblems));
            for (auto& message : headerProblems) {
                problem("Subject " + message.substr(message.find(':') + 2));
            }
        } else {
            problem("no Subject header");
        }
        if (const auto* date = root.header("Date")) {
            record.published = mime::parseMailDate(*date);
            if (!record.published) {
                problem("unreadable Date header '" + std::string(date->substr(0, 80)) + "'");
            }
            record.modified = record.published;
        } else {
            problem("no Date header");
        }

        std::vector<std::string> texts;
        collect(root, texts, 0);
        std::string body;
        for (const auto& text : texts) {
            const std::string clean = normalizeText(text);
            if (clean.empty()) {
                continue;
            }
            if (!body.empty()) {
                body += "\n\n";
            }
            body += clean;
        }
        record.summary = std::move(body);
        if (record.title.empty() && record.summary.empty()) {
            throw ParseError("mail message with neither a subject nor any text");
        }
        record.signature = check_ ? check_->status : "unsigned";
        record.url = firstAdvisoryUrl(record.summary);
        record.aliases = extractIds(record.title + "\n" + record.summary);
        canonicalizeAliases(record.aliases, record.id);
        for (const auto& alias : record.aliases) {
            record.references.push_back(referenceFor(alias));
        }
        ParseResult result;
        result.records.push_back(std::move(record));
        result.problems = std::move(problems_);
        return result;
    }

private:
    static std::string messageIdOf(std::string_view value) {
        value = trim(value);
        const auto open = value.find('<');
        if (open != std::string_view::npos) {
            const auto close = value.find('>', open);
            value = value.substr(open + 1, close == std::string_view::npos ? std::string_view::npos
                                                                           : close - open - 1);
        }
        return std::string(trim(value));
    }

    void problem(std::string message) {
        problems_.push_back(ItemProblem{id_, 1, std::move(message)});
    }

    static bool isAttachment(const mime::Entity& entity) {
        const auto* disposition = entity.header("Content-Disposition");
        if (disposition == nullptr) {
            return false;
        }
        std::vector<std::pair<std::string, std::string>> params;
        return mime::parseStructured(*disposition, params) == "attachment";
    }

    static bool hasTextOfType(const mime::Entity& entity, std::string_view type) {
        if (!entity.parts.empty()) {
            for (const auto& part : entity.parts) {
                if (hasTextOfType(part, type)) {
                    return true;
                }
            }
            return false;
        }
        return entity.type == type && !isAttachment(entity);
    }

    /// Appends the readable text of `entity` to `texts`.
    void collect(const mime::Entity& entity, std::vector<std::string>& texts, int depth) {
        if (depth > 32) {
            return;
        }
        if (entity.type.rfind("multipart/", 0) == 0) {
            if (entity.type == "multipart/signed" && entity.parts.size() >= 2) {
                verifyDetached(entity);
                collect(entity.parts[0], texts, depth + 1);
                return;
            }
            if (entity.type == "multipart/alternative") {
                for (std::string_view preferred : {"text/plain", "text/html"}) {
                    for (const auto& part : entity.parts) {
                        if (hasTextOfType(part, preferred)) {
                            collect(part, texts, depth + 1);
                            return;
                        }
                    }
                }
                return;
            }
            for (const auto& part : entity.parts) {
                collect(part, texts, depth + 1);
            }
            if (entity.parts.empty() && !entity.body.empty()) {
                // A multipart with no readable parts: nothing here is text.
                problem(entity.type + " with no parts");
            }
            return;
        }
        if (isAttachment(entity) || (entity.type != "text/plain" && entity.type != "text/html")) {
            return;
        }
        texts.push_back(leafText(entity));
    }

    std::string transferDecoded(const mime::Entity& entity) {
        std::string encoding;
        if (const auto* header = entity.header("Content-Transfer-Encoding")) {
            encoding = lowerAscii(trim(*header));
        }
        if (encoding == "base64") {
            bool truncated = false;
            std::string bytes = mime::decodeBase64(entity.body, truncated);
            if (truncated) {
                problem("base64 " + entity.type + " part is truncated; kept what decodes");
            }
            return bytes;
        }
        if (encoding == "quoted-printable") {
            return mime::decodeQuotedPrintable(entity.body);
        }
        if (!encoding.empty() && encoding != "7bit" && encoding != "8bit" && encoding != "binary") {
            problem("unknown Content-Transfer-Encoding '" + printableLabel(encoding, 40) +
                    "', read as 8bit");
        }
        return std::string(entity.body);
    }

    std::string leafText(const mime::Entity& entity) {
        std::string bytes = transferDecoded(entity);
        bytes = unwrapClearsigned(bytes);
        const std::string charset = entity.param("charset");
        ConvertedText converted = toUtf8(bytes, charset);
        if (!converted.problem.empty()) {
            problem(entity.type + " part: " + converted.problem);
        }
        if (entity.type == "text/html") {
            return mime::htmlToText(converted.text);
        }
        return std::move(converted.text);
    }

    /// Replaces a clearsigned block in `bytes` (still in the part's charset) by its text and
    /// records the signature check.
    std::string unwrapClearsigned(const std::string& bytes) {
        const auto begin = findMarkerLine(bytes, kBeginSigned);
        if (begin == std::string_view::npos) {
            return bytes;
        }
        std::size_t end = bytes.size();
        const auto endMarker = findMarkerLine(bytes, kEndSignature, begin);
        if (endMarker == std::string_view::npos) {
            problem("clearsigned text without '-----END PGP SIGNATURE-----'");
        } else {
            const auto nl = bytes.find('\n', endMarker);
            end = nl == std::string::npos ? bytes.size() : nl + 1;
        }
        const std::string_view block = std::string_view(bytes).substr(begin, end - begin);
        SignatureCheck check;
        if (options_.verifier) {
            check = options_.verifier(block, {});
        } else {
            check.status = "unknown-key";
        }
        std::string text = check.status == "valid" && !check.signedText.empty()
                               ? check.signedText
                               : stripClearsign(block);
        if (!check_) {
            check_ = std::move(check);
        }
        if (!text.empty() && text.back() != '\n') {
            text.push_back('\n');
        }
        return bytes.substr(0, begin) + text + bytes.substr(end);
    }

    void verifyDetached(const mime::Entity& signedEntity) {
        const std::string protocol = lowerAscii(signedEntity.param("protocol"));
        SignatureCheck check;
        if (protocol != "application/pgp-signature") {
            problem("multipart/signed with protocol '" + protocol.substr(0, 60) +
                    "' (not OpenPGP): not checked");
            check.status = "unknown-key";
        } else if (options_.verifier) {
            const std::string data = withCrlf(signedEntity.parts[0].raw);
            const std::string signature = transferDecoded(signedEntity.parts[1]);
            check = options_.verifier(data, signature);
        } else {
            check.status = "unknown-key";
        }
        if (!check_) {
            check_ = std::move(check);
        }
    }

    std::string_view raw_;
    const MailOptions& options_;
    std::string id_;
    std::vector<ItemProblem> problems_;
    std::optional<SignatureCheck> check_;
};

} // namespace

ParseResult parseMail(std::string_view raw, const MailOptions& options) {
    return MailParser(raw, options).run();
}

} // namespace vw
