// The advisories pages (docs/web.md "Advisories"): /advisories searches the clusters (one per
// vulnerability) by any alias or text with filters, newest first, a page at a time (a keyset
// cursor on first_seen and id, as GET /api/v1/advisories); /advisories/ID shows one
// vulnerability (its records per channel, mentions, revisions with what changed, matches and
// cases) or one advisory (the vulnerabilities it covers), the data of GET /api/v1/advisories/ID.
#include "core/correlate.h"
#include "core/datetime.h"
#include "core/ids.h"
#include "core/text.h"
#include "store/cases.h"
#include "store/store.h"
#include "web/advisory_search.h"
#include "web/page_routes.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <map>
#include <tuple>
#include <variant>

namespace vw::web {
namespace {

constexpr int kPageSize = 50;
constexpr std::size_t kMaxQuery = 200;

/// A problem with the request, shown as a 400 page.
struct BadRequest {
    std::string message;
};

/// What the list shows: the search form's values, checked.
struct ListFilter {
    std::string q;
    double minScore = 0.0;
    std::string minScoreText; // as given ("" for any)
    std::string product;
    bool matched = false;
    std::string fromText, toText; // YYYY-MM-DD as given
    std::int64_t from = 0;        // first seen at or after (JST midnight), 0: no bound
    std::int64_t to = 0;          // first seen before (the day after `toText`), 0: no bound
    std::optional<std::pair<std::int64_t, std::int64_t>> cursor; // first_seen, id of the last
};

std::string severityClass(double score) {
    return score >= 9.0   ? "critical"
           : score >= 7.0 ? "high"
           : score >= 4.0 ? "medium"
           : score > 0.0  ? "low"
                          : "none";
}

std::string scoreText(double score) {
    if (score <= 0.0) {
        return "-";
    }
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "%.1f", score);
    return buffer;
}

/// A day "YYYY-MM-DD" as the Unix time of its JST midnight.
std::optional<std::int64_t> dayStart(std::string_view text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
        return std::nullopt;
    }
    const auto parsed = parseIsoDateTime(std::string(text) + "T00:00:00+09:00");
    if (!parsed) {
        return std::nullopt;
    }
    return parsed->epoch;
}

ListFilter readFilter(const PageCall& call) {
    ListFilter f;
    f.q = std::string(trim(call.param("q")));
    if (f.q.size() > kMaxQuery) {
        throw BadRequest{
            call.t("検索語は 200 バイトまでです", "the search text is limited to 200 bytes")};
    }
    f.minScoreText = std::string(trim(call.param("min_score")));
    if (!f.minScoreText.empty()) {
        const char* begin = f.minScoreText.data();
        const char* end = begin + f.minScoreText.size();
        const auto [ptr, ec] = std::from_chars(begin, end, f.minScore);
        if (ec != std::errc() || ptr != end || f.minScore < 0.0 || f.minScore > 10.0) {
            throw BadRequest{call.t("CVSS の下限は 0〜10 の数値です ('",
                                    "the minimum CVSS score must be a number from 0 to 10 (not '") +
                             f.minScoreText + "')"};
        }
    }
    f.product = call.param("product");
    if (f.product.size() > kMaxQuery) {
        throw BadRequest{
            call.t("製品名は 200 バイトまでです", "the product name is limited to 200 bytes")};
    }
    const std::string matched = call.param("matched");
    f.matched = matched == "1" || matched == "on" || matched == "true";
    f.fromText = std::string(trim(call.param("from")));
    f.toText = std::string(trim(call.param("to")));
    for (auto [text, slot, isEnd] :
         {std::tuple{&f.fromText, &f.from, false}, std::tuple{&f.toText, &f.to, true}}) {
        if (text->empty()) {
            continue;
        }
        const auto start = dayStart(*text);
        if (!start) {
            throw BadRequest{call.t("日付は YYYY-MM-DD で指定してください ('",
                                    "dates are written YYYY-MM-DD (not '") +
                             *text + "')"};
        }
        *slot = isEnd ? *start + 86400 : *start;
    }
    if (f.from != 0 && f.to != 0 && f.to <= f.from) {
        throw BadRequest{
            call.t("期間の終わり (" + f.toText + ") が始まり (" + f.fromText + ") より前です",
                   "the period ends (" + f.toText + ") before it starts (" + f.fromText + ")")};
    }
    const std::string cursor = call.param("cursor");
    if (!cursor.empty()) {
        const auto dot = cursor.find('.');
        std::int64_t seen = 0;
        std::int64_t id = 0;
        const char* begin = cursor.data();
        const char* end = begin + cursor.size();
        bool ok = dot != std::string::npos && dot > 0;
        if (ok) {
            const auto a = std::from_chars(begin, begin + dot, seen);
            const auto b = std::from_chars(begin + dot + 1, end, id);
            ok = a.ec == std::errc() && a.ptr == begin + dot && b.ec == std::errc() &&
                 b.ptr == end && seen >= 0 && id > 0;
        }
        if (!ok) {
            throw BadRequest{call.t(
                "ページ位置 (cursor) が正しくありません。一覧の「次へ」のリンクを使ってください",
                "the page position (cursor) is not valid; use the list's Next link")};
        }
        f.cursor = std::pair{seen, id};
    }
    return f;
}

/// The query string of the filter (without the cursor), for the pager's links.
std::string filterQuery(const ListFilter& f) {
    std::string out;
    const auto add = [&out](std::string_view name, const std::string& value) {
        if (!value.empty()) {
            out += (out.empty() ? "" : "&") + std::string(name) + "=" + urlEncode(value);
        }
    };
    add("q", f.q);
    add("min_score", f.minScoreText);
    add("product", f.product);
    add("matched", f.matched ? "1" : "");
    add("from", f.fromText);
    add("to", f.toText);
    return out;
}

/// One page of clusters (kPageSize + 1 to know whether more follow), newest first.
std::vector<ClusterSummary> findClusters(Store& store, const ListFilter& f) {
    std::vector<std::int64_t> ids;
    const bool byMatch = f.matched || !f.product.empty();
    // With a match filter the (few) matched clusters drive the query; else the first_seen
    // index, newest first. A text matches the shown title or any alias (substring, ASCII
    // letters in any case), as GET /api/v1/advisories?q= does.
    // Only the conditions that apply, so that SQLite can seek the index (a row value for the
    // cursor). Each parameter is numbered as it is added: PostgreSQL needs the type of every
    // parameter number, so none may be left unused.
    std::vector<std::variant<std::int64_t, double, std::string>> binds;
    const auto param = [&binds](std::variant<std::int64_t, double, std::string> value) {
        binds.push_back(std::move(value));
        return "?" + std::to_string(binds.size());
    };
    std::string where = "1 = 1";
    if (f.cursor) {
        where += " AND (c.first_seen, c.id) < (" + param(f.cursor->first) + ", " +
                 param(f.cursor->second) + ")";
    }
    if (!f.q.empty()) {
        const std::string pattern = param(likePattern(f.q));
        where += " AND (c.title LIKE " + pattern + " ESCAPE '\\' OR c.aliases LIKE " + pattern +
                 " ESCAPE '\\')";
    }
    if (f.minScore > 0.0) {
        where += " AND c.max_score >= " + param(f.minScore);
    }
    if (f.from != 0) {
        where += " AND c.first_seen >= " + param(f.from);
    }
    if (f.to != 0) {
        where += " AND c.first_seen < " + param(f.to);
    }
    if (byMatch) {
        where += f.product.empty()
                     ? " AND c.id IN (SELECT m.cluster_id FROM match m)"
                     : " AND c.id IN (SELECT m.cluster_id FROM match m WHERE m.product = " +
                           param(f.product) + ")";
    }
    const std::string sql = "SELECT c.id FROM cluster c WHERE " + where +
                            " ORDER BY c.first_seen DESC, c.id DESC LIMIT " +
                            param(std::int64_t{kPageSize + 1});
    Statement s = store.db().prepare(sql);
    for (std::size_t i = 0; i < binds.size(); ++i) {
        std::visit([&](const auto& value) { s.bind(static_cast<int>(i) + 1, value); }, binds[i]);
    }
    while (s.step()) {
        ids.push_back(s.integer(0));
    }
    std::vector<ClusterSummary> out;
    out.reserve(ids.size());
    for (const std::int64_t id : ids) {
        out.push_back(store.cluster(id));
    }
    return out;
}

/// The registered product names (removed ones too: their matches stay), by name.
std::vector<std::string> productNames(Store& store) {
    Statement s = store.db().prepare("SELECT name FROM product ORDER BY name");
    std::vector<std::string> names;
    while (s.step()) {
        names.push_back(s.text(0));
    }
    return names;
}

std::string joinIds(const std::vector<std::string>& ids, std::size_t max = 6) {
    std::string out;
    for (std::size_t i = 0; i < ids.size() && i < max; ++i) {
        out += (i == 0 ? "" : ", ") + ids[i];
    }
    if (ids.size() > max) {
        out += ", … (+" + std::to_string(ids.size() - max) + ")";
    }
    return out;
}

HttpResponse listPage(PageCall& call) {
    ListFilter f;
    try {
        f = readFilter(call);
    } catch (const BadRequest& e) {
        return errorPage(call, 400, e.message);
    }
    Store::ReadTransaction read(call.store);
    // An id the store knows goes straight to its page.
    if (!f.q.empty() && !f.cursor) {
        if (const auto id = normalizeId(f.q)) {
            if (call.store.clusterOf(*id) || call.store.advisoryOf(*id)) {
                return redirect("/advisories/" + urlEncode(*id));
            }
        }
    }
    std::vector<ClusterSummary> found = findClusters(call.store, f);
    View v;
    v.text("l_q", call.t("ID またはテキスト (JVNDB-、CVE-、JVN#、JVNVU#、JPCERT-AT-、タイトル)",
                         "ID or text (JVNDB-, CVE-, JVN#, JVNVU#, JPCERT-AT-, title)"));
    v.text("q", f.q);
    v.text("l_min_score", call.t("CVSS 基本値の下限", "Minimum CVSS base score"));
    struct ScoreOption {
        std::string_view value, ja, en;
    };
    constexpr ScoreOption kScores[] = {{"", "すべて", "any"},
                                       {"4.0", "4.0 以上 (警告以上)", "4.0 or more (Medium+)"},
                                       {"7.0", "7.0 以上 (重要以上)", "7.0 or more (High+)"},
                                       {"9.0", "9.0 以上 (緊急)", "9.0 or more (Critical)"}};
    bool known = false;
    for (const ScoreOption& o : kScores) {
        View& item = v.item("score_options");
        item.text("value", o.value).text("label", call.t(o.ja, o.en));
        const bool selected = o.value == f.minScoreText;
        known = known || selected;
        item.flag("selected", selected);
    }
    if (!known) {
        View& item = v.item("score_options");
        item.text("value", f.minScoreText)
            .text("label", f.minScoreText + call.t(" 以上", " or more"));
        item.flag("selected", true);
    }
    v.text("l_product", call.t("照合した製品", "Matched product"));
    v.text("l_any_product", call.t("すべて", "any"));
    bool productKnown = f.product.empty();
    for (const std::string& name : productNames(call.store)) {
        View& item = v.item("products");
        item.text("name", name).flag("selected", name == f.product);
        productKnown = productKnown || name == f.product;
    }
    if (!productKnown) {
        v.item("products").text("name", f.product).flag("selected", true);
    }
    v.text("l_matched", call.t("製品に該当したものだけ", "Matched to a product only"));
    v.flag("matched", f.matched);
    v.text("l_from", call.t("初回取得日 (から)", "First seen from"));
    v.text("l_to", call.t("初回取得日 (まで)", "First seen until"));
    v.text("from", f.fromText).text("to", f.toText);
    v.text("l_search", call.t("検索", "Search"));
    v.text("l_reset", call.t("条件をクリア", "Clear the filters"));
    v.text("l_id", "ID").text("l_title", call.t("タイトル", "Title"));
    v.text("l_score", "CVSS").text("l_aliases", call.t("別名", "Aliases"));
    v.text("l_first_seen", call.t("初回取得", "First seen"));
    v.text("l_none", call.t("条件に合う脆弱性情報はありません。", "No advisory matches."));
    v.text("l_pager", call.t("ページ", "Pages"));
    v.text("l_first", call.t("最初のページ", "First page"));
    v.text("l_next", call.t("次のページ", "Next page"));
    v.text("l_caption", call.t("脆弱性情報 (初回取得の新しい順)", "Advisories, newest first"));
    const bool more = found.size() > static_cast<std::size_t>(kPageSize);
    if (more) {
        found.resize(kPageSize);
    }
    for (const ClusterSummary& c : found) {
        View& row = v.item("rows");
        const std::string id = c.primaryId.empty() ? c.key : c.primaryId;
        row.text("id", id).text("href", urlEncode(id));
        row.text("title", c.title);
        row.text("score", scoreText(c.maxScore)).text("sev", severityClass(c.maxScore));
        std::vector<std::string> others;
        for (const std::string& alias : c.ids) {
            if (alias != id) {
                others.push_back(alias);
            }
        }
        row.text("aliases", joinIds(others));
        row.text("first_seen", pageTime(c.firstSeen));
    }
    v.flag("has_rows", !found.empty());
    const std::string query = filterQuery(f);
    if (f.cursor) {
        v.text("first_href", "/advisories" + (query.empty() ? "" : "?" + query));
    }
    if (more) {
        const ClusterSummary& last = found.back();
        v.text("next_href", "/advisories?" + (query.empty() ? "" : query + "&") +
                                "cursor=" + std::to_string(last.firstSeen) + "." +
                                std::to_string(last.clusterId));
    }
    v.flag("pager", f.cursor.has_value() || more);
    return templatePage(call, call.t("脆弱性情報", "Advisories"), "advisories", "advisories_list",
                        v);
}

// --- one vulnerability or advisory ------------------------------------------------------

Poco::JSON::Object::Ptr parseObject(const std::string& json) {
    try {
        Poco::JSON::Parser parser;
        const Poco::Dynamic::Var parsed = parser.parse(json);
        if (parsed.type() == typeid(Poco::JSON::Object::Ptr)) {
            return parsed.extract<Poco::JSON::Object::Ptr>();
        }
    } catch (const Poco::Exception&) {
    } catch (const std::exception&) {
    }
    return nullptr;
}

Poco::JSON::Array::Ptr parseArray(const std::string& json) {
    try {
        Poco::JSON::Parser parser;
        const Poco::Dynamic::Var parsed = parser.parse(json);
        if (parsed.type() == typeid(Poco::JSON::Array::Ptr)) {
            return parsed.extract<Poco::JSON::Array::Ptr>();
        }
    } catch (const Poco::Exception&) {
    } catch (const std::exception&) {
    }
    return nullptr;
}

std::string stringOf(const Poco::JSON::Object::Ptr& o, const std::string& key) {
    if (!o || !o->has(key)) {
        return {};
    }
    const Poco::Dynamic::Var v = o->get(key);
    if (v.isEmpty()) {
        return {};
    }
    try {
        return v.convert<std::string>();
    } catch (const Poco::Exception&) {
        return {};
    }
}

/// A link target only for http(s) URLs (a record's url is feed text).
std::string safeUrl(const std::string& url) {
    const std::string lower = lowerAscii(url.substr(0, 8));
    return lower.rfind("https://", 0) == 0 || lower.rfind("http://", 0) == 0 ? url : "";
}

/// One channel's record: where it came from, when first and last seen, and what it said.
void recordView(const PageCall& call, View& row, const RecordRow& r, bool withContent) {
    row.text("channel", r.channel).text("source", r.source).text("record_id", r.recordId);
    row.text("title", r.title);
    row.text("first_seen", pageTime(r.firstSeen)).text("last_seen", pageTime(r.lastSeen));
    if (!withContent) {
        return;
    }
    const auto o = parseObject(r.json);
    const std::string summary = stringOf(o, "summary");
    row.text("summary", summary).flag("has_summary", !summary.empty());
    const std::string url = safeUrl(stringOf(o, "url"));
    row.flag("has_url", !url.empty());
    row.text("url", url);
    row.text("published", stringOf(o, "published")).text("modified", stringOf(o, "modified"));
    bool withdrawn = false;
    if (o && o->has("withdrawn")) {
        try {
            withdrawn = o->getValue<bool>("withdrawn");
        } catch (const Poco::Exception&) {
        }
    }
    row.flag("withdrawn", withdrawn);
    row.text("l_withdrawn", call.t("取り下げ", "withdrawn"));
    std::string cvss;
    if (const auto list = o ? o->getArray("cvss") : nullptr) {
        for (std::size_t i = 0; i < list->size(); ++i) {
            const auto c = list->getObject(static_cast<unsigned>(i));
            if (!c) {
                continue;
            }
            cvss += (cvss.empty() ? "" : "; ") + std::string("v") + stringOf(c, "version") + " " +
                    stringOf(c, "score") + " " + stringOf(c, "severity");
            const std::string vector = stringOf(c, "vector");
            if (!vector.empty()) {
                cvss += " (" + vector + ")";
            }
        }
    }
    row.text("cvss", cvss.empty() ? "-" : cvss);
}

void recordLabels(const PageCall& call, View& v) {
    v.text("l_channel", call.t("経路", "Channel"));
    v.text("l_source", call.t("形式", "Source"));
    v.text("l_record", call.t("記録の ID", "Record id"));
    v.text("l_title", call.t("タイトル", "Title"));
    v.text("l_first_seen", call.t("初回取得", "First seen"));
    v.text("l_last_seen", call.t("最終取得", "Last seen"));
    v.text("l_summary", call.t("概要", "Summary"));
    v.text("l_published", call.t("公開", "Published"));
    v.text("l_modified", call.t("更新", "Modified"));
    v.text("l_url", call.t("出典", "Source page"));
    v.text("l_cvss", "CVSS");
    v.text("l_mentions", call.t("言及 (ID を挙げているが属さない記録)",
                                "Mentions (records naming it without belonging to it)"));
    v.text("l_no_mentions", call.t("言及はありません。", "No mentions."));
}

HttpResponse clusterPage(PageCall& call, std::int64_t clusterId) {
    const ClusterSummary summary = call.store.cluster(clusterId);
    const ClusterDetail d = call.store.clusterDetail(clusterId);
    View v;
    recordLabels(call, v);
    v.text("title", summary.title);
    v.text("l_aliases", call.t("ID", "IDs")).text("aliases", joinIds(d.aliases, d.aliases.size()));
    v.text("l_score", call.t("CVSS 基本値 (最大)", "CVSS base score (highest)"));
    v.text("score", scoreText(summary.maxScore)).text("sev", severityClass(summary.maxScore));
    v.text("l_cluster_first_seen", call.t("初回取得", "First seen"));
    v.text("first_seen", pageTime(d.firstSeen));
    v.text("l_records", call.t("経路ごとの記録 (各経路が最初に伝えた日時)",
                               "Records per channel (when each channel first said it)"));
    std::map<std::int64_t, const RecordRow*> byRowId;
    for (const RecordRow& r : d.records) {
        byRowId[r.rowId] = &r;
        recordView(call, v.item("records"), r, true);
    }
    v.flag("has_records", !d.records.empty());
    v.text("l_advisories", call.t("この脆弱性を扱うアドバイザリ", "Advisories covering it"));
    for (const std::string& ident : d.advisories) {
        v.item("advisories").text("id", ident).text("href", urlEncode(ident));
    }
    v.flag("has_advisories", !d.advisories.empty());
    v.text("l_no_advisories", call.t("ありません。", "None."));
    for (const RecordRow& r : d.mentions) {
        recordView(call, v.item("mentions"), r, false);
    }
    v.flag("has_mentions", !d.mentions.empty());
    v.text("l_revisions", call.t("改訂と変更点", "Revisions and what changed"));
    v.text("l_rev_seen", call.t("取得日時", "Seen"));
    v.text("l_rev_class", call.t("分類", "Class"));
    v.text("l_rev_changes", call.t("変更 (前 → 後)", "Changes (before → after)"));
    v.text("l_no_revisions", call.t("改訂はありません。", "No revisions."));
    for (const RevisionRow& rev : d.revisions) {
        View& row = v.item("revisions");
        const auto from = byRowId.find(rev.recordRowId);
        row.text("channel", from != byRowId.end() ? from->second->channel : "");
        row.text("record_id", from != byRowId.end() ? from->second->recordId : "");
        const std::string cls = rev.revisionClass;
        row.text("class", cls == "new"        ? call.t("新規 (new)", "new")
                          : cls == "material" ? call.t("重要な変更 (material)", "material")
                          : cls == "cosmetic" ? call.t("軽微な変更 (cosmetic)", "cosmetic")
                                              : cls);
        row.flag("material", cls == "material");
        row.text("seen", pageTime(rev.seenAt));
        if (const auto changes = parseArray(rev.changes.empty() ? "[]" : rev.changes)) {
            for (std::size_t i = 0; i < changes->size(); ++i) {
                const auto c = changes->getObject(static_cast<unsigned>(i));
                if (!c) {
                    continue;
                }
                View& change = row.item("changes");
                change.text("field", stringOf(c, "field"));
                change.text("before", stringOf(c, "before"));
                change.text("after", stringOf(c, "after"));
                change.flag("material", stringOf(c, "material") == "true");
            }
        }
    }
    v.flag("has_revisions", !d.revisions.empty());
    v.text("l_material", call.t("重要", "material"));
    v.text("l_matches", call.t("製品との照合", "Matches"));
    v.text("l_product", call.t("製品", "Product")).text("l_version", call.t("版", "Version"));
    v.text("l_component", call.t("コンポーネント", "Component"));
    v.text("l_verdict", call.t("判定", "Verdict"));
    v.text("l_confidence", call.t("確度", "Confidence"));
    v.text("l_reason", call.t("理由", "Reason"));
    v.text("l_state", call.t("状態", "State"));
    v.text("l_no_matches", call.t("どの製品にも該当していません。", "No product matched."));
    const std::vector<MatchRow> matches = call.store.matchesOfCluster(clusterId);
    for (const MatchRow& m : matches) {
        View& row = v.item("matches");
        row.text("product", m.match.product).text("version", m.match.version);
        row.text("component", m.match.component);
        row.text("verdict", m.match.verdict).number("confidence", m.match.confidence);
        row.text("method", m.match.method).text("reason", m.match.reason);
        row.text("state", m.state);
    }
    v.flag("has_matches", !matches.empty());
    v.text("l_cases", call.t("対応案件", "Cases"));
    v.text("l_case", call.t("案件", "Case"));
    v.text("l_no_cases", call.t("案件はありません。", "No cases."));
    const std::vector<Case> cases = casesOfCluster(call.store, clusterId);
    for (const Case& c : cases) {
        View& row = v.item("cases");
        row.number("id", c.id);
        row.text("state",
                 call.lang == Lang::En ? caseStateName(c.state) : caseStateJapanese(c.state));
        row.text("product", c.product).text("version", c.version);
    }
    v.flag("has_cases", !cases.empty());
    const std::string id = d.primaryId.empty() ? d.key : d.primaryId;
    return templatePage(call, id, "advisories", "advisories_cluster", v);
}

HttpResponse advisoryPage(PageCall& call, std::int64_t advisoryId) {
    const AdvisoryDetail d = call.store.advisoryDetail(advisoryId);
    View v;
    recordLabels(call, v);
    v.text("l_kind", call.t("アドバイザリ (複数の脆弱性を扱う文書)",
                            "Advisory (a document covering vulnerabilities)"));
    v.text("l_adv_first_seen", call.t("初回取得", "First seen"));
    v.text("first_seen", pageTime(d.firstSeen));
    v.text("l_records", call.t("経路ごとの記録", "Records per channel"));
    for (const RecordRow& r : d.records) {
        recordView(call, v.item("records"), r, true);
    }
    v.flag("has_records", !d.records.empty());
    v.text("l_clusters", call.t("扱っている脆弱性", "Vulnerabilities it covers"));
    v.text("l_id", "ID").text("l_score", "CVSS").text("l_aliases", call.t("別名", "Aliases"));
    v.text("l_no_clusters", call.t("ありません。", "None."));
    for (const ClusterSummary& c : d.clusters) {
        View& row = v.item("clusters");
        const std::string id = c.primaryId.empty() ? c.key : c.primaryId;
        row.text("id", id).text("href", urlEncode(id)).text("title", c.title);
        row.text("score", scoreText(c.maxScore)).text("sev", severityClass(c.maxScore));
        std::vector<std::string> others;
        for (const std::string& alias : c.ids) {
            if (alias != id) {
                others.push_back(alias);
            }
        }
        row.text("aliases", joinIds(others));
        row.text("first_seen", pageTime(c.firstSeen));
    }
    v.flag("has_clusters", !d.clusters.empty());
    for (const RecordRow& r : d.mentions) {
        recordView(call, v.item("mentions"), r, false);
    }
    v.flag("has_mentions", !d.mentions.empty());
    return templatePage(call, d.ident, "advisories", "advisories_advisory", v);
}

HttpResponse detailPage(PageCall& call, const std::string& raw) {
    if (raw.size() > kMaxQuery) {
        return errorPage(call, 404, call.t("ID が長すぎます", "the id is too long"));
    }
    // As GET /api/v1/advisories/{id}: a vulnerability id names a cluster, an advisory id an
    // advisory; anything else is tried as both.
    const std::optional<std::string> id = normalizeId(raw);
    const std::string key = id ? *id : std::string(trim(raw));
    const std::optional<IdClass> known = id ? idClass(*id) : std::nullopt;
    const bool advisoryId = known && *known == IdClass::Advisory;
    const bool vulnerabilityId = known && *known == IdClass::Vulnerability;
    Store::ReadTransaction read(call.store);
    if (!advisoryId) {
        if (const auto cluster = call.store.clusterOf(key)) {
            return clusterPage(call, *cluster);
        }
    }
    if (!vulnerabilityId) {
        if (const auto advisory = call.store.advisoryOf(key)) {
            return advisoryPage(call, *advisory);
        }
    }
    return errorPage(call, 404,
                     call.t("'" + raw + "' という ID の脆弱性・アドバイザリはありません",
                            "nothing is known as '" + raw + "'"));
}

} // namespace

HttpResponse advisoriesRoute(PageCall& call, const std::vector<std::string>& rest) {
    if (call.isPost()) {
        HttpResponse r =
            errorPage(call, 405, call.t("このページは表示だけです", "this page is read-only"));
        r.setHeader("Allow", "GET, HEAD");
        return r;
    }
    if (rest.empty()) {
        return listPage(call);
    }
    if (rest.size() == 1) {
        return detailPage(call, rest[0]);
    }
    return errorPage(call, 404, call.t("ページがありません", "no such page"));
}

} // namespace vw::web
