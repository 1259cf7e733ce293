#include "notifiers/mail_templates.h"

#include "core/fold.h"
#include "core/text.h"
#include "notifiers/mail_templates_builtin.h"

#include <array>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <kainjow/mustache.hpp>
#include <set>
#include <system_error>
#include <utility>

namespace vw {

namespace {

namespace fs = std::filesystem;
namespace mustache = kainjow::mustache;

constexpr std::size_t kMaxTemplateBytes = 256u * 1024u;
constexpr std::array kKinds{MailKind::Match, MailKind::Update, MailKind::Digest, MailKind::Notice};
constexpr std::array kParts{MailPart::Subject, MailPart::Text, MailPart::Html};
const std::string kBuiltInOrigin = "built-in";

std::string_view kindName(MailKind kind) {
    switch (kind) {
    case MailKind::Match:
        return "match";
    case MailKind::Update:
        return "update";
    case MailKind::Digest:
        return "digest";
    case MailKind::Notice:
        return "notice";
    }
    return "match";
}

/// Whether a kind has a template for `part`: a digest's subject and text are written in C++.
bool hasPart(MailKind kind, MailPart part) {
    return kind != MailKind::Digest || part == MailPart::Html;
}

std::string_view partName(MailPart part) {
    switch (part) {
    case MailPart::Subject:
        return "subject";
    case MailPart::Text:
        return "text";
    case MailPart::Html:
        return "html";
    }
    return "text";
}

/// The position of `language` in MailTemplates::languages(); 0 (Japanese) when unknown.
std::size_t languageIndex(std::string_view language) {
    const auto& all = MailTemplates::languages();
    for (std::size_t i = 0; i < all.size(); ++i) {
        if (all[i] == language) {
            return i;
        }
    }
    return 0;
}

std::size_t entryIndex(MailKind kind, std::size_t language, MailPart part) {
    const auto kindIndex = static_cast<std::size_t>(kind);
    return (kindIndex * MailTemplates::languages().size() + language) * kParts.size() +
           static_cast<std::size_t>(part);
}

/// kainjow reports where a template breaks as " at OFFSET"; people read lines.
std::string withLine(const std::string& message, const std::string& source) {
    const auto at = message.rfind(" at ");
    if (at == std::string::npos) {
        return message;
    }
    std::size_t offset = 0;
    const char* first = message.data() + at + 4;
    const char* last = message.data() + message.size();
    const auto [end, error] = std::from_chars(first, last, offset);
    if (error != std::errc() || end != last || offset > source.size()) {
        return message;
    }
    std::size_t line = 1;
    for (std::size_t i = 0; i < offset; ++i) {
        line += source[i] == '\n' ? 1 : 0;
    }
    return message.substr(0, at) + " (line " + std::to_string(line) + ")";
}

/// The parse error of a template, or "" when it parses.
std::string parseError(const std::string& source) {
    mustache::mustache parsed{source};
    return parsed.is_valid() ? std::string() : withLine(parsed.error_message(), source);
}

/// Builds the template data: strings HTML-escaped for HTML templates, left out when empty.
class DataBuilder {
public:
    explicit DataBuilder(bool html) : html_(html) {}

    void text(mustache::data& target, const std::string& key, const std::string& value) const {
        if (!value.empty()) {
            target.set(key, mustache::data(html_ ? htmlEscape(value) : value));
        }
    }

    static void flag(mustache::data& target, const std::string& key, bool value) {
        target.set(key, mustache::data(value));
    }

    mustache::data strings(const std::vector<std::string>& values) const {
        mustache::data list(mustache::data::type::list);
        for (const auto& value : values) {
            list.push_back(mustache::data(html_ ? htmlEscape(value) : value));
        }
        return list;
    }

private:
    bool html_;
};

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    if (text.empty()) {
        return out;
    }
    std::size_t start = 0;
    while (true) {
        const auto end = text.find('\n', start);
        out.push_back(text.substr(start, end == std::string::npos ? end : end - start));
        if (end == std::string::npos) {
            return out;
        }
        start = end + 1;
    }
}

/// A colour for the severity badge of the HTML mail (CVSS v3 bands), from the score.
std::string severityColor(const std::string& maxScore) {
    double score = 0.0;
    std::from_chars(maxScore.data(), maxScore.data() + maxScore.size(), score);
    if (score >= 9.0) {
        return "#8b0000";
    }
    if (score >= 7.0) {
        return "#c62828";
    }
    if (score >= 4.0) {
        return "#b35900";
    }
    if (score > 0.0) {
        return "#2e7d32";
    }
    return "#57606a";
}

mustache::data viewData(const MailView& v, bool html, std::string_view language,
                        const std::string& subject) {
    const DataBuilder b(html);
    mustache::data d;
    b.text(d, "lang", std::string(language));
    b.text(d, "subject", subject);
    b.text(d, "id", v.id);
    d.set("aliases", b.strings(v.aliases));
    b.text(d, "aliases_text", join(v.aliases, ", "));
    b.text(d, "title", v.title);
    b.text(d, "title_short", v.titleShort);
    DataBuilder::flag(d, "withdrawn", v.withdrawn);
    mustache::data cvss(mustache::data::type::list);
    for (const auto& c : v.cvss) {
        mustache::data item;
        b.text(item, "cvss_version", c.version);
        b.text(item, "cvss_score", c.score);
        b.text(item, "cvss_severity", c.severity);
        b.text(item, "cvss_vector", c.vector);
        cvss.push_back(item);
    }
    d.set("cvss", cvss);
    b.text(d, "max_score", v.maxScore);
    b.text(d, "max_severity", v.maxSeverity);
    if (!v.maxScore.empty()) {
        b.text(d, "severity_color", severityColor(v.maxScore));
    }
    b.text(d, "published", v.published);
    b.text(d, "modified", v.modified);
    b.text(d, "url", v.url);
    b.text(d, "summary", v.summary);
    d.set("summary_lines", b.strings(lines(v.summary)));
    mustache::data references(mustache::data::type::list);
    for (const auto& r : v.references) {
        mustache::data item;
        b.text(item, "ref_source", r.source);
        b.text(item, "ref_id", r.id);
        b.text(item, "ref_url", r.url);
        references.push_back(item);
    }
    d.set("references", references);
    DataBuilder::flag(d, "has_references", !v.references.empty());
    b.text(d, "product", v.product);
    b.text(d, "product_version", v.productVersion);
    b.text(d, "component", v.component);
    DataBuilder::flag(d, "needs_review", v.needsReview);
    b.text(d, "confidence", std::to_string(v.confidence));
    b.text(d, "method", v.method);
    b.text(d, "reason", v.reason);
    DataBuilder::flag(d, "withdrawn_now", v.withdrawnNow);
    mustache::data changes(mustache::data::type::list);
    for (const auto& c : v.changes) {
        mustache::data item;
        b.text(item, "change_field", c.field);
        b.text(item, "change_before", c.before);
        b.text(item, "change_after", c.after);
        DataBuilder::flag(item, "change_material", c.material);
        changes.push_back(item);
    }
    d.set("changes", changes);
    return d;
}

/// A colour (`#rrggbb`) for a digest's CVSS band heading, as severityColor().
std::string bandColor(int band) {
    switch (band) {
    case 4:
        return "#8b0000";
    case 3:
        return "#c62828";
    case 2:
        return "#b35900";
    case 1:
        return "#2e7d32";
    default:
        return "#57606a";
    }
}

mustache::data digestData(const DigestMailView& v, std::string_view language,
                          const std::string& subject) {
    const DataBuilder b(true);
    mustache::data d;
    b.text(d, "lang", std::string(language));
    b.text(d, "subject", subject);
    b.text(d, "recipient", v.recipient);
    b.text(d, "period_start", v.periodStart);
    b.text(d, "period_end", v.periodEnd);
    b.text(d, "count", std::to_string(v.count));
    b.text(d, "news", std::to_string(v.news));
    b.text(d, "updates", std::to_string(v.updates));
    DataBuilder::flag(d, "heartbeat", v.count == 0);
    mustache::data groups(mustache::data::type::list);
    for (const auto& g : v.groups) {
        mustache::data group;
        b.text(group, "product", g.product);
        b.text(group, "product_version", g.version);
        mustache::data bands(mustache::data::type::list);
        for (const auto& band : g.bands) {
            mustache::data bandData;
            b.text(bandData, "band", std::to_string(band.band));
            b.text(bandData, "band_label", band.label);
            b.text(bandData, "band_color", bandColor(band.band));
            mustache::data items(mustache::data::type::list);
            for (const auto& e : band.items) {
                mustache::data item;
                b.text(item, "kind", e.kind);
                b.text(item, "kind_label", e.kindLabel);
                b.text(item, "advisory", e.advisory);
                b.text(item, "title", e.title);
                b.text(item, "url", e.url);
                b.text(item, "score", e.score);
                b.text(item, "component", e.component);
                b.text(item, "method", e.method);
                b.text(item, "verdict", e.verdict);
                b.text(item, "confidence", std::to_string(e.confidence));
                b.text(item, "reason", e.reason);
                mustache::data changes(mustache::data::type::list);
                for (const auto& c : e.changes) {
                    mustache::data change;
                    b.text(change, "change_field", c.field);
                    b.text(change, "change_before", c.before);
                    b.text(change, "change_after", c.after);
                    changes.push_back(change);
                }
                item.set("changes", changes);
                DataBuilder::flag(item, "has_changes", !e.changes.empty());
                items.push_back(item);
            }
            bandData.set("items", items);
            bands.push_back(bandData);
        }
        group.set("bands", bands);
        groups.push_back(group);
    }
    d.set("groups", groups);
    mustache::data sources(mustache::data::type::list);
    for (const auto& source : v.sources) {
        mustache::data item;
        b.text(item, "source_name", source.name);
        b.text(item, "source_last_success", source.lastSuccess);
        sources.push_back(item);
    }
    d.set("sources", sources);
    mustache::data cases(mustache::data::type::list);
    for (const auto& c : v.cases) {
        mustache::data item;
        b.text(item, "case_id", c.id);
        b.text(item, "case_product", c.product);
        b.text(item, "case_version", c.version);
        b.text(item, "case_title", c.title);
        b.text(item, "case_advisory", c.advisory);
        b.text(item, "case_state", c.state);
        b.text(item, "case_due", c.due);
        b.text(item, "case_clock", c.clock);
        DataBuilder::flag(item, "case_overdue", c.overdue);
        b.text(item, "case_ssvc", c.ssvc);
        cases.push_back(item);
    }
    d.set("cases", cases);
    DataBuilder::flag(d, "has_cases", v.openCases > 0);
    b.text(d, "open_cases", std::to_string(v.openCases));
    b.text(d, "overdue_cases", std::to_string(v.overdueCases));
    if (v.moreCases > 0) {
        b.text(d, "more_cases", std::to_string(v.moreCases));
    }
    b.text(d, "audit_head", v.auditHead);
    return d;
}

mustache::data callerData(const MailData& v, bool html, std::string_view language,
                          const std::string& subject) {
    const DataBuilder b(html);
    mustache::data d;
    b.text(d, "lang", std::string(language));
    b.text(d, "subject", subject);
    for (const auto& [key, value] : v.texts) {
        b.text(d, key, value);
    }
    for (const auto& [key, value] : v.flags) {
        DataBuilder::flag(d, key, value);
    }
    for (const auto& [key, values] : v.strings) {
        d.set(key, b.strings(values));
    }
    for (const auto& [key, items] : v.lists) {
        mustache::data list(mustache::data::type::list);
        for (const MailData& item : items) {
            list.push_back(callerData(item, html, language, subject));
        }
        d.set(key, list);
    }
    return d;
}

/// One template rendered with `data`. Values arrive escaped as each part needs (DataBuilder),
/// so the template's own escaping is off: {{x}} and {{{x}}} insert the same text.
std::string renderOne(const std::string& source, const std::string& origin,
                      const mustache::data& data) {
    mustache::mustache tmpl{source};
    tmpl.set_custom_escape([](const std::string& text) { return text; });
    std::string out = tmpl.render(data);
    if (!tmpl.is_valid()) {
        throw MailTemplateError(origin, withLine(tmpl.error_message(), source));
    }
    return out;
}

/// `text` on one line: line breaks and tabs become spaces, runs of spaces one, ends trimmed.
std::string subjectLine(const std::string& text) {
    std::string out;
    bool space = false;
    for (char ch : text) {
        const auto byte = static_cast<unsigned char>(ch);
        if (byte < 0x20 || byte == 0x7F || ch == ' ') {
            space = !out.empty();
            continue;
        }
        if (space) {
            out += ' ';
            space = false;
        }
        out += ch;
    }
    return out;
}

} // namespace

MailTemplateError::MailTemplateError(std::string file, const std::string& message)
    : std::runtime_error(file + ": " + message), file_(std::move(file)) {}

const std::vector<std::string>& MailTemplates::languages() {
    static const std::vector<std::string> all{"ja", "en"};
    return all;
}

std::string MailTemplates::fileName(MailKind kind, std::string_view language, MailPart part) {
    return std::string(kindName(kind)) + "." + std::string(language) + "." +
           std::string(partName(part)) + ".mustache";
}

std::shared_ptr<const MailTemplates> MailTemplates::builtIn() {
    static const std::shared_ptr<const MailTemplates> templates = [] {
        std::shared_ptr<MailTemplates> set(new MailTemplates());
        set->entries_.resize(kKinds.size() * languages().size() * kParts.size());
        for (const MailKind kind : kKinds) {
            for (std::size_t lang = 0; lang < languages().size(); ++lang) {
                for (const MailPart part : kParts) {
                    if (!hasPart(kind, part)) {
                        continue;
                    }
                    const std::string name = fileName(kind, languages()[lang], part);
                    Entry& entry = set->entries_[entryIndex(kind, lang, part)];
                    entry.origin = kBuiltInOrigin;
                    bool found = false;
                    for (const auto& file : builtin_mail::kFiles) {
                        if (file.name == name) {
                            entry.source = std::string(file.text);
                            found = true;
                        }
                    }
                    if (!found) {
                        throw std::logic_error("built-in mail template " + name + " is missing");
                    }
                    if (const auto error = parseError(entry.source); !error.empty()) {
                        throw std::logic_error("built-in mail template " + name + ": " + error);
                    }
                }
            }
        }
        return std::shared_ptr<const MailTemplates>(std::move(set));
    }();
    return templates;
}

std::shared_ptr<const MailTemplates> MailTemplates::load(const std::string& dir) {
    std::shared_ptr<MailTemplates> set(new MailTemplates(*builtIn()));
    std::set<std::string> known;
    for (const MailKind kind : kKinds) {
        for (const auto& language : languages()) {
            for (const MailPart part : kParts) {
                if (hasPart(kind, part)) {
                    known.insert(fileName(kind, language, part));
                }
            }
        }
    }
    std::error_code error;
    fs::directory_iterator it(dir, error);
    if (error) {
        throw MailTemplateError(dir, "cannot read the directory: " + error.message());
    }
    std::vector<fs::path> files;
    for (; it != fs::directory_iterator(); it.increment(error)) {
        const fs::path path = it->path();
        if (path.extension() == ".mustache") {
            if (known.count(path.filename().string()) == 0) {
                throw MailTemplateError(path.string(),
                                        "not a template name vulnwatch knows (expected "
                                        "match|update|notice . ja|en . subject|text|html "
                                        ".mustache "
                                        "or digest . ja|en . html .mustache, e.g. "
                                        "match.ja.html.mustache)");
            }
            files.push_back(path);
        }
    }
    if (error) {
        throw MailTemplateError(dir, "cannot read the directory: " + error.message());
    }
    for (const auto& path : files) {
        const std::string file = path.string();
        std::unique_ptr<std::FILE, int (*)(std::FILE*)> in(std::fopen(file.c_str(), "rb"),
                                                           &std::fclose);
        if (!in) {
            throw MailTemplateError(
                file, "cannot read: " + std::error_code(errno, std::generic_category()).message());
        }
        std::string source;
        char buffer[8192];
        std::size_t count = 0;
        while ((count = std::fread(buffer, 1, sizeof buffer, in.get())) > 0) {
            source.append(buffer, count);
            if (source.size() > kMaxTemplateBytes) {
                throw MailTemplateError(
                    file, "larger than " + std::to_string(kMaxTemplateBytes / 1024u) + " KiB");
            }
        }
        if (std::ferror(in.get()) != 0) {
            throw MailTemplateError(file, "cannot read");
        }
        if (!isWellFormedUtf8(source)) {
            throw MailTemplateError(file, "not UTF-8 text");
        }
        if (const auto why = parseError(source); !why.empty()) {
            throw MailTemplateError(file, why);
        }
        for (const MailKind kind : kKinds) {
            for (std::size_t lang = 0; lang < languages().size(); ++lang) {
                for (const MailPart part : kParts) {
                    if (fileName(kind, languages()[lang], part) == path.filename().string()) {
                        Entry& entry = set->entries_[entryIndex(kind, lang, part)];
                        entry.source = source;
                        entry.origin = file;
                    }
                }
            }
        }
    }
    return set;
}

const MailTemplates::Entry& MailTemplates::entry(MailKind kind, std::string_view language,
                                                 MailPart part) const {
    return entries_.at(entryIndex(kind, languageIndex(language), part));
}

const std::string& MailTemplates::origin(MailKind kind, std::string_view language,
                                         MailPart part) const {
    return entry(kind, language, part).origin;
}

RenderedMail MailTemplates::render(MailKind kind, std::string_view language,
                                   const MailView& view) const {
    if (kind == MailKind::Digest) {
        throw std::invalid_argument("digest mails are rendered by renderDigestHtml");
    }
    const std::string_view used = languages()[languageIndex(language)];
    RenderedMail out;
    const Entry& subject = entry(kind, used, MailPart::Subject);
    out.subject = subjectLine(
        renderOne(subject.source, subject.origin, viewData(view, false, used, std::string())));
    const Entry& text = entry(kind, used, MailPart::Text);
    out.text = renderOne(text.source, text.origin, viewData(view, false, used, out.subject));
    const Entry& html = entry(kind, used, MailPart::Html);
    out.html = renderOne(html.source, html.origin, viewData(view, true, used, out.subject));
    return out;
}

RenderedMail MailTemplates::renderData(MailKind kind, std::string_view language,
                                       const MailData& data) const {
    if (kind != MailKind::Notice) {
        throw std::invalid_argument("only notices are rendered from caller-built data");
    }
    const std::string_view used = languages()[languageIndex(language)];
    RenderedMail out;
    const Entry& subject = entry(kind, used, MailPart::Subject);
    out.subject = subjectLine(
        renderOne(subject.source, subject.origin, callerData(data, false, used, std::string())));
    const Entry& text = entry(kind, used, MailPart::Text);
    out.text = renderOne(text.source, text.origin, callerData(data, false, used, out.subject));
    const Entry& html = entry(kind, used, MailPart::Html);
    out.html = renderOne(html.source, html.origin, callerData(data, true, used, out.subject));
    return out;
}

std::string MailTemplates::renderDigestHtml(std::string_view language, const DigestMailView& view,
                                            const std::string& subject) const {
    const std::string_view used = languages()[languageIndex(language)];
    const Entry& html = entry(MailKind::Digest, used, MailPart::Html);
    return renderOne(html.source, html.origin, digestData(view, used, subject));
}

} // namespace vw
