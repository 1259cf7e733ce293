// The products area of the pages (docs/web.md "Products"): the registry at /products, one
// product at /products/NAME with its versions, the components and matches of one version
// (paginated), and the SBOM upload: a multipart post that shows the difference against the
// version as registered without changing anything (the document kept in a staging file), then
// a confirm form that commits exactly that document (inventory/sbom_import.h, as `products
// import-sbom` does) and re-matches the version, or a cancel that deletes it.
#include "core/ssvc.h"
#include "core/text.h"
#include "inventory/sbom_import.h"
#include "store/cases.h"
#include "store/store.h"
#include "store/users.h"
#include "web/page_routes.h"
#include "web/sbom_upload.h"
#include "web/upload.h"

#include <Poco/Net/HTMLForm.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/MessageHeader.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/Net/PartHandler.h>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace vw::web {
namespace {

constexpr std::int64_t kProductsPerPage = 50;
constexpr std::int64_t kComponentsPerPage = 100;
constexpr std::int64_t kMatchesPerPage = 50;
/// Rows of each list (added, removed, changed) the preview shows; the counts are complete.
constexpr std::size_t kPreviewRows = 500;

/// A list column of the store (each item ends in '\n'; '\' and newlines escaped).
std::vector<std::string> storedList(const std::string& text) {
    std::vector<std::string> items;
    std::string current;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\n') {
            items.push_back(std::move(current));
            current.clear();
        } else if (c == '\\' && i + 1 < text.size()) {
            ++i;
            current += text[i] == 'n' ? '\n' : text[i];
        } else {
            current += c;
        }
    }
    if (!current.empty()) {
        items.push_back(std::move(current));
    }
    return items;
}

/// A 1-based page number from the query ("" or anything else: 1).
std::int64_t pageParam(const PageCall& call, std::string_view name) {
    const std::string text = call.param(name);
    std::int64_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || n < 1 ||
        n > 1'000'000) {
        return 1;
    }
    return n;
}

std::string missionLabel(const PageCall& call, const std::string& mission) {
    if (mission == "high") {
        return call.t("高 (患者安全に関わる)", "high (patient safety)");
    }
    if (mission == "medium") {
        return call.t("中", "medium");
    }
    if (mission == "low") {
        return call.t("低", "low");
    }
    return call.t("未設定 (中として扱う)", "not set (taken as medium)");
}

std::string versionLabel(const PageCall& call, const std::string& version) {
    return version.empty() ? call.t("(バージョンなし)", "(no version)") : version;
}

std::string verdictLabel(const PageCall& call, const std::string& verdict) {
    if (verdict == "affected") {
        return call.t("影響あり", "affected");
    }
    if (verdict == "not-affected") {
        return call.t("影響なし", "not affected");
    }
    if (verdict == "needs-review") {
        return call.t("要確認", "needs review");
    }
    return verdict;
}

/// The folder of staged SBOM uploads (private, created when missing).
std::string stagingDir(const PageCall& call) {
    std::string base = call.settings.uploadDir;
    if (base.empty()) {
        const auto parent = std::filesystem::path(call.settings.dbPath).parent_path();
        base = (parent.empty() ? std::filesystem::temp_directory_path() : parent).string() +
               "/vulnwatch-uploads";
    }
    const std::string dir = base + "/staged";
    ensurePrivateDir(base);
    ensurePrivateDir(dir);
    return dir;
}

struct ProductRow {
    std::int64_t id = 0;
    std::string name;
    std::vector<std::string> owners;
    std::vector<std::string> keywords;
    std::vector<std::string> cpes;
    std::string mission;
};

std::optional<ProductRow> productNamed(Store& store, const std::string& name) {
    Statement s = store.db().prepare("SELECT id, owners, keywords, cpes, mission FROM product "
                                     "WHERE name = ?1 AND removed_at IS NULL");
    s.bind(1, name);
    if (!s.step()) {
        return std::nullopt;
    }
    return ProductRow{s.integer(0),          name,     storedList(s.text(1)), storedList(s.text(2)),
                      storedList(s.text(3)), s.text(4)};
}

void addComponent(View& row, const Component& c) {
    row.text("name", c.name);
    row.text("version", c.version);
    row.text("supplier", c.supplier);
    row.text("purl", c.purl);
    row.list("cpes");
    for (const auto& cpe : c.cpes) {
        row.item("cpes").text("v", cpe);
    }
}

// --- GET /products ----------------------------------------------------------------------

HttpResponse listProducts(PageCall& call) {
    const std::int64_t page = pageParam(call, "page");
    Store::ReadTransaction read(call.store);
    Statement s = call.store.db().prepare(
        "SELECT p.id, p.name, p.owners, p.mission, "
        "(SELECT COUNT(*) FROM component c JOIN product_version v ON c.version_id = v.id "
        " WHERE v.product_id = p.id AND v.removed_at IS NULL) "
        "FROM product p WHERE p.removed_at IS NULL ORDER BY p.name LIMIT ?1 OFFSET ?2");
    s.bind(1, kProductsPerPage + 1).bind(2, (page - 1) * kProductsPerPage);
    Statement versions = call.store.db().prepare(
        "SELECT version FROM product_version WHERE product_id = ?1 AND removed_at IS NULL "
        "ORDER BY id");
    View view;
    view.text("l_caption", call.t("登録製品", "Registered products"));
    view.text("l_name", call.t("製品", "Product"));
    view.text("l_versions", call.t("バージョン", "Versions"));
    view.text("l_components", call.t("構成品数", "Components"));
    view.text("l_owners", call.t("担当者", "Owners"));
    view.text("l_mission", call.t("ミッション (SSVC)", "Mission (SSVC)"));
    view.text("l_none", call.t("製品はまだ登録されていません (vulnwatch products add)",
                               "no products are registered yet (vulnwatch products add)"));
    view.list("rows");
    std::int64_t shown = 0;
    bool more = false;
    while (s.step()) {
        if (shown == kProductsPerPage) {
            more = true;
            break;
        }
        ++shown;
        View& row = view.item("rows");
        const std::string name = s.text(1);
        row.text("name", name);
        row.text("href", urlEncode(name));
        row.list("owners");
        for (const auto& o : storedList(s.text(2))) {
            row.item("owners").text("v", o);
        }
        row.text("mission", missionLabel(call, s.text(3)));
        row.number("components", s.integer(4));
        row.list("versions");
        versions.reset();
        versions.bind(1, s.integer(0));
        while (versions.step()) {
            row.item("versions").text("label", versionLabel(call, versions.text(0)));
        }
    }
    view.flag("has_rows", shown > 0);
    if (page > 1 || more) {
        View& pager = view.object("pager");
        view.text("l_pager", call.t("製品一覧のページ", "Product pages"));
        view.text("l_prev", call.t("前へ", "Previous"));
        view.text("l_next", call.t("次へ", "Next"));
        if (page > 1) {
            pager.text("prev_href", "/products?page=" + std::to_string(page - 1));
        }
        if (more) {
            pager.text("next_href", "/products?page=" + std::to_string(page + 1));
        }
    }
    return templatePage(call, call.t("製品", "Products"), "products", "products_list", view);
}

// --- GET /products/NAME ------------------------------------------------------------------

HttpResponse showProduct(PageCall& call, const ProductRow& product) {
    Store::ReadTransaction read(call.store);
    View view;
    const std::string href = urlEncode(product.name);
    const std::string base = "/products/" + href;
    view.text("product_href", href);
    view.text("l_owners", call.t("担当者", "Owners"));
    view.text("l_mission", call.t("ミッション (SSVC)", "Mission (SSVC)"));
    view.text("l_keywords", call.t("キーワード", "Keywords"));
    view.text("l_versions", call.t("バージョン", "Versions"));
    view.text("l_versions_caption",
              call.t("登録バージョン (選ぶと構成品と照合結果を表示)",
                     "Registered versions (choose one for its components and matches)"));
    view.text("l_version", call.t("バージョン", "Version"));
    view.text("l_components", call.t("構成品数", "Components"));
    view.text("l_matches", call.t("照合数", "Matches"));
    view.text("l_name", call.t("名前", "Name"));
    view.text("l_supplier", call.t("供給者", "Supplier"));
    view.text("l_advisory", call.t("脆弱性", "Vulnerability"));
    view.text("l_component", call.t("構成品", "Component"));
    view.text("l_verdict", call.t("判定", "Verdict"));
    view.text("l_confidence", call.t("確度", "Confidence"));
    view.text("l_reason", call.t("理由", "Reason"));
    view.text("l_case", call.t("対応案件", "Case"));
    view.text("l_prev", call.t("前へ", "Previous"));
    view.text("l_next", call.t("次へ", "Next"));
    view.text("l_no_components",
              call.t("このバージョンには構成品がありません", "this version has no components"));
    view.text("l_no_matches", call.t("このバージョンに照合した脆弱性はありません",
                                     "no vulnerabilities matched this version"));
    view.text("l_components_pager", call.t("構成品のページ", "Component pages"));
    view.text("l_matches_pager", call.t("照合結果のページ", "Match pages"));
    if (call.param("imported") == "1") {
        view.text("notice", call.t("SBOM を登録しました。このバージョンを照合し直しました。",
                                   "The SBOM was imported and this version re-matched."));
    } else if (call.param("imported") == "0") {
        view.text("notice", call.t("SBOM は登録済みの内容と同じでした。何も変更していません。",
                                   "The SBOM was the same as registered; nothing changed."));
    } else if (call.param("cancelled") == "1") {
        view.text("notice", call.t("アップロードを取り消しました。何も変更していません。",
                                   "The upload was cancelled; nothing changed."));
    }
    view.list("owners");
    for (const auto& o : product.owners) {
        view.item("owners").text("v", o);
    }
    view.text("mission", missionLabel(call, product.mission));
    view.flag("has_cpes", !product.cpes.empty());
    view.list("cpes");
    for (const auto& c : product.cpes) {
        view.item("cpes").text("v", c);
    }
    view.flag("has_keywords", !product.keywords.empty());
    view.list("keywords");
    for (const auto& k : product.keywords) {
        view.item("keywords").text("v", k);
    }

    struct VersionRow {
        std::int64_t id;
        std::string version;
        std::int64_t components;
        std::int64_t matches;
        std::vector<std::string> owners;
    };
    std::vector<VersionRow> versions;
    {
        Statement s = call.store.db().prepare(
            "SELECT v.id, v.version, v.owners, "
            "(SELECT COUNT(*) FROM component c WHERE c.version_id = v.id), "
            "(SELECT COUNT(*) FROM match m WHERE m.product = ?2 AND m.version = v.version) "
            "FROM product_version v WHERE v.product_id = ?1 AND v.removed_at IS NULL "
            "ORDER BY v.id");
        s.bind(1, product.id).bind(2, product.name);
        while (s.step()) {
            versions.push_back(
                {s.integer(0), s.text(1), s.integer(3), s.integer(4), storedList(s.text(2))});
        }
    }
    // The version shown: ?version=, else the newest.
    const VersionRow* selected = versions.empty() ? nullptr : &versions.back();
    const bool asked = std::any_of(call.query.begin(), call.query.end(),
                                   [](const auto& kv) { return kv.first == "version"; });
    if (asked) {
        selected = nullptr;
        for (const auto& v : versions) {
            if (v.version == call.param("version")) {
                selected = &v;
            }
        }
        if (selected == nullptr) {
            return errorPage(call, 404,
                             call.t("製品 " + product.name + " にバージョン '" +
                                        call.param("version") + "' はありません",
                                    "product " + product.name + " has no version '" +
                                        call.param("version") + "'"));
        }
    }
    view.list("versions");
    for (const auto& v : versions) {
        View& row = view.item("versions");
        row.text("label", versionLabel(call, v.version));
        row.text("href", base + "?version=" + urlEncode(v.version));
        row.number("components", v.components);
        row.number("matches", v.matches);
        row.flag("selected", &v == selected);
        row.list("owners");
        for (const auto& o : v.owners) {
            row.item("owners").text("v", o);
        }
    }
    if (selected != nullptr) {
        View& version = view.object("version");
        const std::string label = versionLabel(call, selected->version);
        const std::string self = base + "?version=" + urlEncode(selected->version);
        version.text("l_components_of",
                     call.t("構成品: バージョン ", "Components of version ") + label);
        version.text("l_matches_of",
                     call.t("照合結果: バージョン ", "Matches of version ") + label);
        const std::int64_t cpage = pageParam(call, "cpage");
        const std::int64_t mpage = pageParam(call, "mpage");
        const std::string cpageText = "&cpage=" + std::to_string(cpage);
        const std::string mpageText = "&mpage=" + std::to_string(mpage);
        // Components, in document order, a page at a time.
        Statement c = call.store.db().prepare(
            "SELECT name, version, supplier, purl, cpes, vendor FROM component "
            "WHERE version_id = ?1 ORDER BY id LIMIT ?2 OFFSET ?3");
        c.bind(1, selected->id)
            .bind(2, kComponentsPerPage + 1)
            .bind(3, (cpage - 1) * kComponentsPerPage);
        std::int64_t shown = 0;
        bool more = false;
        version.list("components");
        while (c.step()) {
            if (shown == kComponentsPerPage) {
                more = true;
                break;
            }
            ++shown;
            Component comp{c.text(5), c.text(0), c.text(1), storedList(c.text(4)),
                           c.text(3), c.text(2)};
            addComponent(version.item("components"), comp);
        }
        version.flag("has_components", shown > 0);
        const std::int64_t firstShown = (cpage - 1) * kComponentsPerPage + 1;
        version.text("components_caption", call.t("構成品 ", "Components ") +
                                               std::to_string(firstShown) + "–" +
                                               std::to_string(firstShown + shown - 1) + " / " +
                                               std::to_string(selected->components));
        if (cpage > 1 || more) {
            View& pager = version.object("components_pager");
            if (cpage > 1) {
                pager.text("prev_href", self + "&cpage=" + std::to_string(cpage - 1) + mpageText);
            }
            if (more) {
                pager.text("next_href", self + "&cpage=" + std::to_string(cpage + 1) + mpageText);
            }
        }
        // Matches of this version, newest first, with their case.
        Statement m = call.store.db().prepare(
            "SELECT cluster_id, advisory, component, confidence, verdict, reason FROM match "
            "WHERE product = ?1 AND version = ?2 ORDER BY id DESC LIMIT ?3 OFFSET ?4");
        m.bind(1, product.name)
            .bind(2, selected->version)
            .bind(3, kMatchesPerPage + 1)
            .bind(4, (mpage - 1) * kMatchesPerPage);
        struct MatchLine {
            std::int64_t cluster;
            std::string advisory, component;
            std::int64_t confidence;
            std::string verdict, reason;
        };
        std::vector<MatchLine> lines;
        while (m.step()) {
            lines.push_back(
                {m.integer(0), m.text(1), m.text(2), m.integer(3), m.text(4), m.text(5)});
        }
        const bool moreMatches = lines.size() > static_cast<std::size_t>(kMatchesPerPage);
        if (moreMatches) {
            lines.resize(static_cast<std::size_t>(kMatchesPerPage));
        }
        version.list("matches");
        for (const auto& line : lines) {
            View& row = version.item("matches");
            const std::string key = call.store.clusterKey(line.cluster);
            row.text("advisory", line.advisory);
            row.text("advisory_href", urlEncode(key.empty() ? line.advisory : key));
            row.text("component", line.component);
            row.text("verdict", line.verdict);
            row.text("verdict_label", verdictLabel(call, line.verdict));
            row.number("confidence", line.confidence);
            row.text("reason", line.reason);
            if (const auto c2 = caseFor(call.store, key, product.name, selected->version)) {
                row.number("case_id", c2->id);
                row.text("case_state", caseStateName(c2->state));
            }
        }
        version.flag("has_matches", !lines.empty());
        version.text("matches_caption", call.t("照合結果 (新しい順)", "Matches (newest first)"));
        if (mpage > 1 || moreMatches) {
            View& pager = version.object("matches_pager");
            if (mpage > 1) {
                pager.text("prev_href", self + cpageText + "&mpage=" + std::to_string(mpage - 1));
            }
            if (moreMatches) {
                pager.text("next_href", self + cpageText + "&mpage=" + std::to_string(mpage + 1));
            }
        }
    }
    if (mayTriage(call.principal->user, product.name)) {
        view.flag("may_upload", true);
        view.text("upload_version", selected != nullptr ? selected->version : std::string());
        view.text("l_upload", call.t("SBOM のアップロード", "Upload an SBOM"));
        view.text("l_format", call.t("形式", "Format"));
        view.text("l_format_auto", call.t("自動判別", "Detect"));
        view.text("l_file", call.t("SBOM ファイル (CycloneDX JSON/XML、SPDX JSON/タグ値)",
                                   "SBOM file (CycloneDX JSON/XML, SPDX JSON/tag-value)"));
        view.text("l_upload_hint",
                  call.t("アップロードしただけでは変更されません。次の画面で登録済みの内容との差分"
                         "を確認してから登録します。",
                         "Uploading changes nothing yet: the next page shows the difference "
                         "against the version as registered before you commit it."));
        view.text("l_upload_button", call.t("差分を確認", "Show the difference"));
    }
    return templatePage(call, product.name, "products", "products_show", view);
}

// --- POST /products/NAME/sbom (multipart) ------------------------------------------------

/// The `sbom` file part written to a new file in the staging folder; every other file part
/// drained. Past `max` bytes the file is dropped and tooLarge set.
class SbomPartHandler : public Poco::Net::PartHandler {
public:
    SbomPartHandler(std::string dir, std::size_t max) : dir_(std::move(dir)), max_(max) {}
    ~SbomPartHandler() override { discard(); }
    SbomPartHandler(const SbomPartHandler&) = delete;
    SbomPartHandler& operator=(const SbomPartHandler&) = delete;

    void handlePart(const Poco::Net::MessageHeader& header, std::istream& stream) override {
        std::string disposition;
        Poco::Net::NameValueCollection params;
        if (header.has("Content-Disposition")) {
            Poco::Net::MessageHeader::splitParameters(header.get("Content-Disposition"),
                                                      disposition, params);
        }
        std::vector<char> piece(64 * 1024);
        if (params.get("name", "") != "sbom" || !path_.empty()) {
            while (stream.read(piece.data(), static_cast<std::streamsize>(piece.size())) ||
                   stream.gcount() > 0) {
            }
            return;
        }
        fileName_ = params.get("filename", "");
        NewFile file = createPrivateFile(dir_, "upload-");
        path_ = file.path;
        bool failed = false;
        while (true) {
            stream.read(piece.data(), static_cast<std::streamsize>(piece.size()));
            const auto got = static_cast<std::size_t>(stream.gcount());
            if (got == 0) {
                break;
            }
            size_ += got;
            if (size_ > max_) {
                tooLarge_ = true;
                continue; // drained, not written
            }
            if (!failed && ::write(file.fd, piece.data(), got) != static_cast<ssize_t>(got)) {
                failed = true;
            }
        }
        ::close(file.fd);
        if (failed) {
            discard();
            throw std::runtime_error("cannot write the uploaded SBOM to the staging folder");
        }
    }

    /// The uploaded file ("" when there was no `sbom` part).
    const std::string& path() const { return path_; }
    const std::string& fileName() const { return fileName_; }
    std::size_t size() const { return size_; }
    bool tooLarge() const { return tooLarge_; }
    /// Removes the file.
    void discard() {
        if (!path_.empty()) {
            std::error_code ec;
            std::filesystem::remove(path_, ec);
            path_.clear();
        }
    }
    /// Keeps the file (it was moved away).
    void release() { path_.clear(); }

private:
    std::string dir_;
    std::size_t max_;
    std::string path_;
    std::string fileName_;
    std::size_t size_ = 0;
    bool tooLarge_ = false;
};

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read " + path);
    }
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

/// The refusal of an upload by someone who may not change this product (nullopt: allowed).
std::optional<HttpResponse> uploadRefused(PageCall& call, const std::string& product) {
    const User& user = call.principal->user;
    if (mayTriage(user, product)) {
        return std::nullopt;
    }
    return errorPage(call, 403,
                     user.role == UserRole::Viewer
                         ? call.t("閲覧者は SBOM を登録できません", "a viewer cannot upload SBOMs")
                         : call.t(user.name + " は製品 " + product + " の担当ではありません",
                                  user.name + " does not triage product " + product));
}

HttpResponse previewUpload(PageCall& call, const ProductRow& product) {
    const std::string type = call.request.header("Content-Type");
    if (lowerAscii(type).rfind("multipart/form-data", 0) != 0) {
        return errorPage(call, 400,
                         call.t("SBOM はファイルとして (multipart/form-data で) 送ってください",
                                "send the SBOM as a file (multipart/form-data)"));
    }
    const std::string dir = stagingDir(call);
    expireStagedSboms(dir);
    const SbomLimits limits;
    SbomPartHandler part(dir, limits.maxBytes);
    Poco::Net::HTMLForm form;
    form.setFieldLimit(20);
    try {
        Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, "/");
        request.setContentType(type);
        if (!call.request.bodyFile.empty()) {
            std::ifstream in(call.request.bodyFile, std::ios::binary);
            form.load(request, in, part);
        } else {
            std::istringstream in(call.request.body);
            form.load(request, in, part);
        }
    } catch (const Poco::Exception& e) {
        part.discard();
        return errorPage(call, 400,
                         call.t("フォームを読めません: ", "the form does not decode: ") +
                             e.displayText());
    }
    // The router does not check a multipart form's token: before anything else.
    if (!call.csrfValid(form.get("csrf", ""))) {
        part.discard();
        return errorPage(call, 403,
                         call.t("フォームの確認トークンが一致しません。ページを開き直してください",
                                "the form's CSRF token does not match; reload the page"));
    }
    if (auto refused = uploadRefused(call, product.name)) {
        part.discard();
        return std::move(*refused);
    }
    const std::string version(trim(form.get("version", "")));
    const std::string formatName = form.get("format", "auto");
    const std::optional<SbomFormat> format = parseSbomFormat(formatName);
    if (!format) {
        part.discard();
        return errorPage(call, 400,
                         call.t("形式は auto, cyclonedx, spdx のいずれかです ('",
                                "the format must be auto, cyclonedx or spdx (not '") +
                             formatName + "')");
    }
    if (version.find_first_of("\r\n") != std::string::npos || version.size() > 200) {
        part.discard();
        return errorPage(call, 400,
                         call.t("バージョンは 200 バイトまでの 1 行です",
                                "the version is one line of at most 200 bytes"));
    }
    if (part.tooLarge()) {
        part.discard();
        return errorPage(
            call, 413,
            call.t("SBOM は " + std::to_string(limits.maxBytes) + " バイトまでです",
                   "an SBOM may have at most " + std::to_string(limits.maxBytes) + " bytes"));
    }
    if (part.path().empty() || part.size() == 0) {
        part.discard();
        return errorPage(call, 400,
                         call.t("SBOM ファイルを選んでください (空のファイルは読めません)",
                                "choose an SBOM file (an empty file cannot be read)"));
    }
    const std::string fileName = part.fileName().empty() ? "sbom" : part.fileName();
    SbomBatch batch;
    try {
        batch.add(fileName, readFile(part.path()), *format, limits);
    } catch (const SbomError& e) {
        part.discard();
        return errorPage(call, 422,
                         call.t("SBOM を読めません (何も変更していません): ",
                                "the SBOM cannot be read (nothing was changed): ") +
                             e.what());
    }
    const SbomDocument& doc = batch.document();
    const SbomImportOutcome preview =
        previewSbomImport(call.store, product.name, version, doc.components);

    // Staged: the document as uploaded, for this user, for an hour.
    StagedSbom staged;
    staged.token = randomHexToken();
    staged.user = call.principal->user.name;
    staged.product = product.name;
    staged.version = version;
    staged.format = lowerAscii(formatName);
    staged.fileName = fileName;
    staged.createdAt = call.now;
    staged.path = dir + "/" + staged.token + ".sbom";
    std::filesystem::rename(part.path(), staged.path);
    part.release();
    try {
        saveStagedSbom(dir, staged);
    } catch (...) {
        removeStagedSbom(dir, staged.token);
        throw;
    }

    View view;
    view.text("product_href", urlEncode(product.name));
    view.text("staged", staged.token);
    view.text("l_file", call.t("ファイル", "File"));
    view.text("l_format", call.t("形式", "Format"));
    view.text("l_version", call.t("バージョン", "Version"));
    view.text("l_compared", call.t("比較対象", "Compared with"));
    view.text("l_warnings", call.t("警告", "Warnings"));
    view.text("l_added", call.t("追加される構成品", "Components added"));
    view.text("l_removed", call.t("削除される構成品", "Components removed"));
    view.text("l_changed", call.t("変更される構成品", "Components changed"));
    view.text("l_name", call.t("名前", "Name"));
    view.text("l_change", call.t("変更内容", "Change"));
    view.text("l_commit", call.t("この内容で登録", "Commit this SBOM"));
    view.text("l_cancel", call.t("取り消す", "Cancel"));
    view.text("file_name", fileName);
    view.text("format", doc.format);
    view.text("version", versionLabel(call, version));
    view.text(
        "compared",
        preview.comparedWith
            ? (preview.existing ? call.t("登録済みのこのバージョン", "this version as registered")
                                : call.t("新しいバージョン。最新の登録バージョン ",
                                         "a new version; the newest registered version ") +
                                      versionLabel(call, *preview.comparedWith))
            : call.t("新しいバージョン (比較対象なし)", "a new version (nothing to compare)"));
    const std::string counts =
        std::to_string(doc.components.size()) + call.t(" 件の構成品: 追加 ", " components: ") +
        std::to_string(preview.diff.added.size()) + call.t("、削除 ", " added, ") +
        std::to_string(preview.diff.removed.size()) + call.t("、変更 ", " removed, ") +
        std::to_string(preview.diff.changed.size()) + call.t("、変更なし ", " changed, ") +
        std::to_string(preview.diff.unchanged) + call.t("", " unchanged");
    view.text("summary", preview.changes ? counts + call.t("。まだ何も変更していません。",
                                                           ". Nothing has changed yet.")
                                         : counts + call.t("。登録済みの内容と同じです。",
                                                           ". It is the same as registered."));
    view.flag("changes", preview.changes);
    view.flag("has_warnings", !doc.warnings.empty());
    view.list("warnings");
    for (const auto& w : doc.warnings) {
        view.item("warnings").text("v", w);
    }
    bool truncated = false;
    view.list("added");
    for (std::size_t i = 0; i < preview.diff.added.size(); ++i) {
        if (i == kPreviewRows) {
            truncated = true;
            break;
        }
        addComponent(view.item("added"), preview.diff.added[i]);
    }
    view.list("removed");
    for (std::size_t i = 0; i < preview.diff.removed.size(); ++i) {
        if (i == kPreviewRows) {
            truncated = true;
            break;
        }
        addComponent(view.item("removed"), preview.diff.removed[i]);
    }
    view.list("changed");
    for (std::size_t i = 0; i < preview.diff.changed.size(); ++i) {
        if (i == kPreviewRows) {
            truncated = true;
            break;
        }
        View& row = view.item("changed");
        row.text("name", preview.diff.changed[i].second.name);
        row.text("change",
                 componentChange(preview.diff.changed[i].first, preview.diff.changed[i].second));
    }
    view.number("added_count", static_cast<std::int64_t>(preview.diff.added.size()));
    view.number("removed_count", static_cast<std::int64_t>(preview.diff.removed.size()));
    view.number("changed_count", static_cast<std::int64_t>(preview.diff.changed.size()));
    view.flag("has_added", !preview.diff.added.empty());
    view.flag("has_removed", !preview.diff.removed.empty());
    view.flag("has_changed", !preview.diff.changed.empty());
    if (truncated) {
        view.text("truncated", call.t("各一覧は最初の " + std::to_string(kPreviewRows) +
                                          " 件だけを表示しています (件数はすべてを数えています)",
                                      "each list shows its first " + std::to_string(kPreviewRows) +
                                          " entries (the counts are complete)"));
    }
    return templatePage(call,
                        call.t("SBOM の差分: ", "SBOM difference: ") + product.name + " " +
                            versionLabel(call, version),
                        "products", "products_preview", view);
}

// --- POST /products/NAME/sbom/commit | cancel ----------------------------------------------

HttpResponse commitUpload(PageCall& call, const ProductRow& product) {
    if (auto refused = uploadRefused(call, product.name)) {
        return std::move(*refused);
    }
    const std::string dir = stagingDir(call);
    const std::string token = call.field("staged");
    const std::optional<StagedSbom> staged =
        loadStagedSbom(dir, token, call.principal->user.name, call.now);
    if (!staged || staged->product != product.name) {
        return errorPage(call, 409,
                         call.t("このアップロードはもうありません (登録済み、取り消し済み、または "
                                "1 時間を過ぎて期限切れ)。もう一度アップロードしてください",
                                "this upload is gone (committed, cancelled, or expired after an "
                                "hour); upload the SBOM again"));
    }
    const std::optional<SbomFormat> format = parseSbomFormat(staged->format);
    SbomBatch batch;
    try {
        batch.add(staged->fileName, readFile(staged->path), format.value_or(SbomFormat::Auto));
    } catch (const SbomError& e) {
        removeStagedSbom(dir, token);
        return errorPage(call, 422,
                         call.t("SBOM を読めません: ", "the SBOM cannot be read: ") + e.what());
    }
    const SbomImportOutcome outcome =
        commitSbomImport(call.store, product.name, staged->version, batch, staged->fileName,
                         call.principal->user.name, call.now);
    removeStagedSbom(dir, token);
    if (outcome.changes && call.settings.api.rematch) {
        call.settings.api.rematch(call.store, product.name, staged->version, call.now);
    }
    return redirect("/products/" + urlEncode(product.name) + "?version=" +
                    urlEncode(staged->version) + (outcome.changes ? "&imported=1" : "&imported=0"));
}

HttpResponse cancelUpload(PageCall& call, const ProductRow& product) {
    const std::string dir = stagingDir(call);
    const std::string token = call.field("staged");
    if (loadStagedSbom(dir, token, call.principal->user.name, call.now)) {
        removeStagedSbom(dir, token);
    }
    return redirect("/products/" + urlEncode(product.name) + "?cancelled=1");
}

} // namespace

HttpResponse productsRoute(PageCall& call, const std::vector<std::string>& rest) {
    if (rest.empty()) {
        if (call.isPost()) {
            return errorPage(call, 405, call.t("GET だけが使えます", "only GET is allowed"));
        }
        return listProducts(call);
    }
    const std::optional<ProductRow> product = productNamed(call.store, rest[0]);
    if (!product) {
        return errorPage(call, 404,
                         call.t("製品 '" + rest[0] + "' は登録されていません",
                                "no product '" + rest[0] + "' is registered"));
    }
    if (rest.size() == 1 && !call.isPost()) {
        return showProduct(call, *product);
    }
    if (rest.size() >= 2 && rest.size() <= 3 && rest[1] == "sbom") {
        if (!call.isPost()) {
            return redirect("/products/" + urlEncode(product->name));
        }
        if (rest.size() == 2) {
            return previewUpload(call, *product);
        }
        if (rest[2] == "commit") {
            return commitUpload(call, *product);
        }
        if (rest[2] == "cancel") {
            return cancelUpload(call, *product);
        }
    }
    return errorPage(call, 404, call.t("このページはありません", "no such page"));
}

} // namespace vw::web
