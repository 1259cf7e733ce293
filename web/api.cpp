#include "web/api.h"

#include "core/correlate.h"
#include "core/ids.h"
#include "core/json_writer.h"
#include "core/text.h"
#include "store/audit.h"
#include "store/cases.h"
#include "store/store.h"
#include "store/users.h"
#include "web/advisory_search.h"
#include "web/auth.h"
#include "web/json_views.h"
#include "web/openapi_document.h"
#include "web/problem.h"
#include "web/sbom_upload.h"
#include "web/upload.h"
#include "web/url.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <algorithm>
#include <charconv>
#include <memory>
#include <mutex>
#include <set>

namespace vw::web {
namespace {

constexpr int kDefaultLimit = 50;
constexpr int kMaxLimit = 500;

/// A request under way: what every handler needs.
struct Call {
    const HttpRequest& request;
    Store& store;
    std::int64_t now;
    Lang lang;
    std::vector<std::pair<std::string, std::string>> query;
    std::optional<Principal> principal; // set once authenticated
};

/// A problem raised by a handler (caught in Api::handle).
struct ProblemError {
    Problem problem;
};

[[noreturn]] void fail(int status, std::string slug, std::string detail,
                       std::vector<std::pair<std::string, std::string>> extensions = {}) {
    throw ProblemError{Problem{status, std::move(slug), std::move(detail), std::move(extensions)}};
}

HttpResponse json(std::string body, int status = 200) {
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    return r;
}

std::string jsonString(std::string_view text) {
    std::string out;
    appendJsonString(out, text);
    return out;
}

std::string jsonStrings(const std::vector<std::string>& items) {
    JsonWriter w;
    w.stringArray(items);
    return w.str();
}

/// Checks the query against the names a call accepts and returns one parameter's value.
class Query {
public:
    Query(const Call& call, std::initializer_list<std::string_view> known) : call_(call) {
        std::set<std::string> seen;
        for (const auto& [name, value] : call.query) {
            if (std::find(known.begin(), known.end(), name) == known.end()) {
                std::vector<std::string> names(known.begin(), known.end());
                std::string list;
                for (const auto& n : names) {
                    list += (list.empty() ? "" : ", ") + n;
                }
                fail(400, "bad-request",
                     tr(call.lang, "不明なクエリパラメータ '", "unknown query parameter '") + name +
                         "' (" + tr(call.lang, "使えるもの: ", "known: ") +
                         (list.empty() ? std::string("-") : list) + ")");
            }
            if (!seen.insert(name).second) {
                fail(400, "bad-request",
                     tr(call.lang, "クエリパラメータ '", "query parameter '") + name +
                         tr(call.lang, "' が複数あります", "' is given more than once"));
            }
        }
    }
    std::optional<std::string> get(std::string_view name) const {
        for (const auto& [n, v] : call_.query) {
            if (n == name) {
                return v;
            }
        }
        return std::nullopt;
    }
    bool flag(std::string_view name) const {
        const auto v = get(name);
        if (!v) {
            return false;
        }
        if (*v == "true" || *v == "1" || v->empty()) {
            return true;
        }
        if (*v == "false" || *v == "0") {
            return false;
        }
        fail(400, "bad-request",
             std::string(name) +
                 tr(call_.lang, " は true か false で指定してください ('",
                    " must be true or false (not '") +
                 *v + "')");
    }
    int limit() const {
        const auto v = get("limit");
        if (!v) {
            return kDefaultLimit;
        }
        int n = 0;
        const auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
        if (ec != std::errc() || end != v->data() + v->size() || n < 1 || n > kMaxLimit) {
            fail(400, "bad-request",
                 tr(call_.lang, "limit は 1〜500 の整数です ('",
                    "limit must be a whole number "
                    "from 1 to 500 (not '") +
                     *v + "')");
        }
        return n;
    }
    /// The cursor as numbers separated by '.' (`parts` of them), or nullopt when absent.
    std::optional<std::vector<std::int64_t>> cursor(std::size_t parts) const {
        const auto v = get("cursor");
        if (!v) {
            return std::nullopt;
        }
        std::vector<std::int64_t> numbers;
        std::string_view rest = *v;
        while (true) {
            const std::size_t dot = std::min(rest.find('.'), rest.size());
            std::int64_t n = 0;
            const auto [end, ec] = std::from_chars(rest.data(), rest.data() + dot, n);
            if (dot == 0 || ec != std::errc() || end != rest.data() + dot || n < 0) {
                numbers.clear();
                break;
            }
            numbers.push_back(n);
            if (dot == rest.size()) {
                break;
            }
            rest.remove_prefix(dot + 1);
        }
        if (numbers.size() != parts) {
            fail(400, "bad-request",
                 tr(call_.lang,
                    "cursor が正しくありません (前の応答の next_cursor をそのまま渡してください)",
                    "invalid cursor (pass a previous response's next_cursor as it is)"));
        }
        return numbers;
    }

private:
    const Call& call_;
};

/// {"items":[…],"next_cursor":…} from the items' JSON.
std::string page(const std::string& itemsJson, const std::optional<std::string>& next) {
    std::string out = "{\"items\":" + itemsJson + ",\"next_cursor\":";
    out += next ? jsonString(*next) : std::string("null");
    out += "}";
    return out;
}

// --- authentication ----------------------------------------------------------------------

void requireUser(Call& call, FailedAuthLimiter& limiter) {
    const AuthResult auth = authenticate(call.request, call.store, limiter, call.now);
    switch (auth.kind) {
    case AuthResult::Kind::Ok:
        call.principal = auth.principal;
        break;
    case AuthResult::Kind::Missing:
        fail(401, "unauthorized",
             tr(call.lang, "Authorization: Bearer <API トークン> かログインセッションが必要です",
                "send Authorization: Bearer <API token> or log in"));
    case AuthResult::Kind::Malformed:
        fail(401, "invalid-credentials",
             tr(call.lang, "Authorization ヘッダは 'Bearer <トークン>' の形式で送ってください",
                "the Authorization header must be 'Bearer <token>'"));
    case AuthResult::Kind::Invalid:
        fail(401, "invalid-credentials",
             tr(call.lang,
                "トークンまたはセッションが無効です (期限切れ、失効、または存在しません)",
                "the token or session is not valid (expired, revoked or unknown)"));
    case AuthResult::Kind::Blocked:
        fail(429, "too-many-failures",
             tr(call.lang, "認証の失敗が続いたため、しばらく受け付けません。",
                "too many failed authentications from this address; ") +
                 tr(call.lang, std::to_string(auth.retryAfter) + " 秒後に再試行してください",
                    "try again in " + std::to_string(auth.retryAfter) + " s"),
             {{"retry_after", std::to_string(auth.retryAfter)}});
    }
    if (const auto why = csrfProblem(call.request, *call.principal)) {
        if (*why == "csrf") {
            fail(403, "csrf",
                 tr(call.lang,
                    "ログインセッションでの変更には X-CSRF-Token ヘッダ (セッションの CSRF "
                    "トークン) が必要です",
                    "a change made with the login session needs the session's CSRF token in "
                    "the X-CSRF-Token header"));
        }
        fail(403, "cross-origin",
             tr(call.lang, "別のオリジンからの変更要求は受け付けません (Origin / Sec-Fetch-Site)",
                "changes from another origin are refused (Origin / Sec-Fetch-Site)"));
    }
}

// --- handlers ----------------------------------------------------------------------------

HttpResponse getHealth(Call& call) {
    Query q(call, {});
    JsonWriter w;
    w.beginObject().key("status").value("ok");
    w.key("schema_version").value(call.store.schemaVersion()).endObject();
    return json(w.str());
}

HttpResponse getMe(Call& call) {
    Query q(call, {});
    JsonWriter w;
    w.beginObject().key("user");
    writeUser(w, call.principal->user);
    w.key("auth").value(call.principal->viaSession ? "session" : "token").endObject();
    return json(w.str());
}

HttpResponse getAdvisories(Call& call) {
    Query q(call, {"q", "limit", "cursor"});
    const int limit = q.limit();
    const auto cursor = q.cursor(2); // first_seen.id of the last item shown
    const std::string text(trim(q.get("q").value_or("")));
    if (text.size() > 200) {
        fail(400, "bad-request",
             tr(call.lang, "q は 200 バイトまでです", "q is limited to 200 bytes"));
    }
    Store::ReadTransaction read(call.store);
    std::vector<ClusterSummary> found;
    const auto named = text.empty() ? std::nullopt : clustersNamedBy(call.store, text);
    if (named) {
        for (const std::int64_t id : *named) {
            found.push_back(call.store.cluster(id));
        }
        std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
            return std::tie(a.firstSeen, a.clusterId) > std::tie(b.firstSeen, b.clusterId);
        });
        if (cursor) {
            found.erase(std::remove_if(found.begin(), found.end(),
                                       [&](const ClusterSummary& c) {
                                           return std::tie(c.firstSeen, c.clusterId) >=
                                                  std::tie((*cursor)[0], (*cursor)[1]);
                                       }),
                        found.end());
        }
        if (found.size() > static_cast<std::size_t>(limit) + 1) {
            found.resize(static_cast<std::size_t>(limit) + 1);
        }
    } else {
        // Newest first; a text matches the shown title or any alias (substring, ASCII letters
        // in any case).
        Statement s = call.store.db().prepare(
            "SELECT c.id FROM cluster c WHERE (?1 = 0 OR c.first_seen < ?2 OR "
            "(c.first_seen = ?2 AND c.id < ?3)) AND (?4 = '' OR c.title LIKE ?4 ESCAPE '\\' OR "
            "c.aliases LIKE ?4 ESCAPE '\\') ORDER BY c.first_seen DESC, c.id DESC LIMIT ?5");
        s.bind(1, cursor ? 1 : 0)
            .bind(2, cursor ? (*cursor)[0] : 0)
            .bind(3, cursor ? (*cursor)[1] : 0)
            .bind(4, text.empty() ? std::string() : likePattern(text))
            .bind(5, limit + 1);
        std::vector<std::int64_t> ids;
        while (s.step()) {
            ids.push_back(s.integer(0));
        }
        for (const std::int64_t id : ids) {
            found.push_back(call.store.cluster(id));
        }
    }
    std::optional<std::string> next;
    if (found.size() > static_cast<std::size_t>(limit)) {
        found.resize(static_cast<std::size_t>(limit));
        next =
            std::to_string(found.back().firstSeen) + "." + std::to_string(found.back().clusterId);
    }
    JsonWriter w;
    w.beginArray();
    for (const auto& c : found) {
        writeClusterSummary(w, c);
    }
    w.endArray();
    return json(page(w.str(), next));
}

HttpResponse getAdvisory(Call& call, const std::string& raw) {
    Query q(call, {});
    const std::optional<std::string> id = normalizeId(raw);
    const std::string key = id ? *id : std::string(trim(raw));
    const std::optional<IdClass> known = id ? idClass(*id) : std::nullopt;
    const bool advisoryId = known && *known == IdClass::Advisory;
    const bool vulnerabilityId = known && *known == IdClass::Vulnerability;
    JsonWriter w;
    if (!advisoryId) {
        if (const auto cluster = call.store.clusterOf(key)) {
            writeClusterDetail(w, call.store, *cluster);
            return json(w.str());
        }
    }
    if (!vulnerabilityId) {
        if (const auto advisory = call.store.advisoryOf(key)) {
            writeAdvisoryDetail(w, call.store, *advisory);
            return json(w.str());
        }
    }
    fail(404, "not-found",
         tr(call.lang, "'" + raw + "' という ID の脆弱性・アドバイザリはありません",
            "nothing is known as '" + raw + "'"));
}

/// The registry's JSON, made again only when the registry changed (its generation, raised by
/// triggers on every change), and sent from one buffer (HttpResponse::sharedBody): 10k
/// components are 1 MB of JSON, 35 ms to read and write each time and 1 MB more memory per
/// answer under way (docs/performance.md "Web (issue 13)"). One file's registry at a time; an
/// in-memory store (tests) is never cached.
std::shared_ptr<const std::string> registryJson(Store& store, bool all) {
    struct Cached {
        std::string path;
        std::int64_t generation = -1;
        bool all = false;
        std::shared_ptr<const std::string> json;
    };
    static std::mutex mutex; // held while the JSON is made: requests at once make it once
    static Cached cached;
    Store::ReadTransaction read(store); // the generation and the registry of one snapshot
    const std::string path = store.db().path();
    const std::int64_t generation = store.registryGeneration();
    if (path.empty() || path == ":memory:") {
        return std::make_shared<const std::string>(toJson(store.registry(all)));
    }
    const std::lock_guard<std::mutex> lock(mutex);
    if (!cached.json || cached.path != path || cached.generation != generation ||
        cached.all != all) {
        cached = Cached{path, generation, all, nullptr};
        cached.json = std::make_shared<const std::string>(toJson(store.registry(all)));
    }
    return cached.json;
}

HttpResponse getProducts(Call& call) {
    Query q(call, {"all"});
    HttpResponse r;
    r.sharedBody = registryJson(call.store, q.flag("all"));
    return r;
}

HttpResponse getMatches(Call& call) {
    Query q(call, {"product", "limit", "cursor"});
    const int limit = q.limit();
    const auto cursor = q.cursor(1); // the id of the last match shown
    Store::ReadTransaction read(call.store);
    // One more than shown: whether more follow (docs/performance.md "Web (issue 13)").
    const std::vector<MatchRow> rows = call.store.matchesAfter(
        q.get("product").value_or(""), cursor ? (*cursor)[0] : 0, limit + 1);
    JsonWriter w;
    w.beginArray();
    int shown = 0;
    std::int64_t lastShown = 0;
    std::optional<std::string> next;
    std::map<std::int64_t, std::string> keys;
    for (const MatchRow& m : rows) {
        if (shown == limit) {
            next = std::to_string(lastShown); // more follow
            break;
        }
        lastShown = m.id;
        auto key = keys.find(m.clusterId);
        if (key == keys.end()) {
            key = keys.emplace(m.clusterId, call.store.clusterKey(m.clusterId)).first;
        }
        writeMatch(w, m, key->second);
        ++shown;
    }
    w.endArray();
    return json(page(w.str(), next));
}

std::string stateList() {
    std::string names;
    for (const CaseState s : allCaseStates()) {
        names += (names.empty() ? "" : ", ") + std::string(caseStateName(s));
    }
    return names;
}

HttpResponse getCases(Call& call) {
    Query q(call, {"product", "version", "state", "open", "overdue", "limit", "cursor"});
    const int limit = q.limit();
    const auto cursor = q.cursor(1); // how many were shown before
    CaseFilter filter;
    filter.product = q.get("product").value_or("");
    filter.version = q.get("version").value_or("");
    if (!filter.version.empty() && filter.product.empty()) {
        fail(400, "bad-request",
             tr(call.lang, "version には product も指定してください", "version needs product too"));
    }
    if (const auto state = q.get("state")) {
        filter.state = parseCaseState(*state);
        if (!filter.state) {
            fail(400, "bad-request",
                 tr(call.lang, "state は次のいずれかです: ", "state must be one of ") +
                     stateList() + " ('" + *state + "')");
        }
    }
    filter.openOnly = q.flag("open");
    if (q.flag("overdue")) {
        filter.overdueAt = call.now;
    }
    const std::size_t skip = cursor ? static_cast<std::size_t>((*cursor)[0]) : 0;
    filter.limit = static_cast<int>(std::min<std::size_t>(skip + limit + 1, 1u << 30));
    const std::vector<Case> cases = listCases(call.store, filter);
    JsonWriter w;
    w.beginArray();
    for (std::size_t i = skip; i < cases.size() && i < skip + limit; ++i) {
        writeCase(w, cases[i], call.now);
    }
    w.endArray();
    std::optional<std::string> next;
    if (cases.size() > skip + limit) {
        next = std::to_string(skip + limit);
    }
    return json(page(w.str(), next));
}

std::int64_t caseIdOf(const Call& call, const std::string& text) {
    std::int64_t id = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || id <= 0) {
        fail(404, "not-found",
             tr(call.lang, "案件は番号で指定します ('", "a case is named by its number (not '") +
                 text + "')");
    }
    return id;
}

Case caseOrNotFound(const Call& call, std::int64_t id) {
    std::optional<Case> c = caseById(call.store, id);
    if (!c) {
        fail(404, "not-found",
             tr(call.lang, "案件 " + std::to_string(id) + " はありません",
                "there is no case " + std::to_string(id)));
    }
    return std::move(*c);
}

HttpResponse getCase(Call& call, const std::string& idText) {
    Query q(call, {});
    const std::int64_t id = caseIdOf(call, idText);
    Store::ReadTransaction read(call.store);
    const Case c = caseOrNotFound(call, id);
    JsonWriter w;
    writeCase(w, c, call.now);
    std::string out = w.str();
    out.pop_back(); // reopen the object for the events
    JsonWriter events;
    events.beginArray();
    for (const CaseEventRow& e : caseEvents(call.store, id)) {
        writeCaseEvent(events, e);
    }
    events.endArray();
    return json(out + ",\"events\":" + events.str() + "}");
}

/// The body of a transition: {"state": NAME, "fields": {NAME: TEXT, …}, "expect_version": N}.
struct TransitionBody {
    CaseState state = CaseState::Received;
    std::map<std::string, std::string> fields;
    std::int64_t expectVersion = 0; // the case's last_event the caller saw; 0 = not checked
};

TransitionBody readTransitionBody(const Call& call, std::size_t maxBody) {
    const std::string type = lowerAscii(trim(call.request.header("Content-Type")));
    const std::string_view media = trim(std::string_view(type).substr(0, type.find(';')));
    if (media != "application/json") {
        fail(415, "unsupported-media-type",
             tr(call.lang, "本文は application/json で送ってください (Content-Type: '",
                "send the body as application/json (Content-Type was '") +
                 call.request.header("Content-Type") + "')");
    }
    if (call.request.body.size() > maxBody) {
        fail(413, "payload-too-large",
             tr(call.lang, "JSON 本文は " + std::to_string(maxBody) + " バイトまでです",
                "a JSON body may have at most " + std::to_string(maxBody) + " bytes"));
    }
    Poco::JSON::Object::Ptr object;
    try {
        Poco::JSON::Parser parser;
        const Poco::Dynamic::Var parsed = parser.parse(call.request.body);
        if (parsed.type() != typeid(Poco::JSON::Object::Ptr)) {
            throw std::runtime_error("not an object");
        }
        object = parsed.extract<Poco::JSON::Object::Ptr>();
    } catch (const Poco::Exception& e) {
        fail(400, "bad-request",
             tr(call.lang,
                "本文が JSON オブジェクトではありません: ", "the body is not a JSON object: ") +
                 e.displayText());
    } catch (const std::exception& e) {
        fail(400, "bad-request",
             tr(call.lang,
                "本文が JSON オブジェクトではありません: ", "the body is not a JSON object: ") +
                 e.what());
    }
    std::vector<std::string> names;
    object->getNames(names);
    for (const std::string& name : names) {
        if (name != "state" && name != "fields" && name != "expect_version") {
            fail(422, "invalid-input",
                 tr(call.lang, "本文に不明なメンバー '", "unknown member '") + name +
                     tr(call.lang, "' があります (state, fields, expect_version のみ)",
                        "' in the body (only state, fields and expect_version)"),
                 {{"field", jsonString(name)}});
        }
    }
    TransitionBody body;
    if (object->has("expect_version")) {
        const Poco::Dynamic::Var v = object->get("expect_version");
        std::int64_t version = 0;
        bool ok = v.isInteger();
        if (ok) {
            try {
                version = v.convert<std::int64_t>();
            } catch (const Poco::Exception&) {
                ok = false;
            }
        }
        if (!ok || version < 1) {
            fail(422, "invalid-input",
                 tr(call.lang, "expect_version は案件の版 (last_event、正の整数) です",
                    "expect_version is the case's version (its last_event, a positive integer)"),
                 {{"field", "\"expect_version\""}});
        }
        body.expectVersion = version;
    }
    const Poco::Dynamic::Var state = object->get("state");
    if (state.isEmpty() || !state.isString()) {
        fail(422, "invalid-input",
             tr(call.lang,
                "state (遷移先の状態名) が必要です: ", "state (the state to go to) is required: ") +
                 stateList(),
             {{"field", "\"state\""}});
    }
    const std::string stateName = state.convert<std::string>();
    const std::optional<CaseState> to = parseCaseState(stateName);
    if (!to) {
        fail(422, "invalid-input",
             tr(call.lang, "不明な状態 '", "unknown state '") + stateName + "' (" +
                 tr(call.lang, "状態: ", "states: ") + stateList() + ")",
             {{"field", "\"state\""}});
    }
    body.state = *to;
    if (object->has("fields")) {
        const Poco::Dynamic::Var fields = object->get("fields");
        if (fields.type() != typeid(Poco::JSON::Object::Ptr)) {
            fail(422, "invalid-input",
                 tr(call.lang, "fields は {名前: 文字列} のオブジェクトです",
                    "fields must be an object of {name: text}"),
                 {{"field", "\"fields\""}});
        }
        const auto f = fields.extract<Poco::JSON::Object::Ptr>();
        std::vector<std::string> fieldNames;
        f->getNames(fieldNames);
        for (const std::string& name : fieldNames) {
            const Poco::Dynamic::Var v = f->get(name);
            if (!v.isString()) {
                fail(422, "invalid-input",
                     tr(call.lang, "fields." + name + " は文字列で指定してください",
                        "fields." + name + " must be a string"),
                     {{"field", jsonString("fields." + name)}});
            }
            body.fields[name] = v.convert<std::string>();
        }
    }
    return body;
}

/// The required fields of the from -> to rule that `fields` lacks (for the problem's
/// missing_fields; the refusal's text says the same in words).
std::vector<std::string> missingFields(CaseState from, CaseState to,
                                       const std::map<std::string, std::string>& fields) {
    std::vector<std::string> missing;
    if (const CaseTransitionRule* rule = findTransitionRule(from, to)) {
        for (const std::string_view name : rule->required) {
            const auto it = fields.find(std::string(name));
            if (it == fields.end() || it->second.find_first_not_of(" \t") == std::string::npos) {
                missing.emplace_back(name);
            }
        }
    }
    return missing;
}

HttpResponse postTransition(Call& call, const std::string& idText, const ApiSettings& settings) {
    Query q(call, {});
    const User& user = call.principal->user;
    if (user.role == UserRole::Viewer || user.disabled) {
        fail(403, "forbidden",
             tr(call.lang, "閲覧者 (viewer) は案件を遷移できません", "a viewer cannot move cases"));
    }
    const std::int64_t id = caseIdOf(call, idText);
    const Case before = caseOrNotFound(call, id);
    if (!mayTriage(user, before.product)) {
        fail(403, "forbidden",
             tr(call.lang,
                user.name + " は製品 " + before.product + " の担当ではないため遷移できません",
                user.name + " does not triage product " + before.product));
    }
    const TransitionBody body = readTransitionBody(call, settings.maxJsonBody);
    if (!settings.transition) {
        fail(503, "unavailable",
             tr(call.lang, "このサーバでは遷移を扱えません", "transitions are not available"));
    }
    const TransitionOutcome outcome = settings.transition(
        call.store, id, body.state, user.name, body.fields, call.now, body.expectVersion);
    if (outcome.conflict) {
        // Changed after the version the caller saw: nothing was written. Who changed it last,
        // where and when, and the version to send again with.
        Store::ReadTransaction read(call.store);
        const Case now = caseOrNotFound(call, id);
        const std::optional<CaseEventRow> last = lastCaseChange(call.store, now);
        std::vector<std::pair<std::string, std::string>> ext{
            {"case", std::to_string(id)},
            {"expect_version", std::to_string(body.expectVersion)},
            {"last_event", std::to_string(now.lastEvent)},
            {"state", jsonString(caseStateName(now.state))}};
        if (last) {
            ext.emplace_back("changed_by", jsonString(last->actor));
            ext.emplace_back("changed_at_site", jsonString(last->site));
            JsonWriter at;
            writeTime(at, last->at);
            ext.emplace_back("changed_at", at.str());
        }
        fail(409, "conflict", outcome.refused, std::move(ext));
    }
    if (!outcome.done) {
        const auto missing = missingFields(before.state, body.state, body.fields);
        std::vector<std::pair<std::string, std::string>> ext{
            {"case", std::to_string(id)},
            {"from", jsonString(caseStateName(before.state))},
            {"to", jsonString(caseStateName(body.state))}};
        if (!missing.empty()) {
            ext.emplace_back("missing_fields", jsonStrings(missing));
        }
        fail(422, "transition-refused", outcome.refused, std::move(ext));
    }
    JsonWriter w;
    writeCase(w, *outcome.done, call.now);
    return json(w.str());
}

// --- SBOM upload (docs/web.md "SBOM upload") ---------------------------------------------

/// POST /products/{name}/versions/{version}/sbom: the raw body is an SBOM (CycloneDX or SPDX);
/// `dry_run` answers the difference against the version as registered without changing
/// anything; otherwise it is committed as `products import-sbom` does it and the version
/// re-matched. The server streamed the body to a file (web/upload.h).
HttpResponse postSbom(Call& call, const std::string& product, const std::string& version,
                      const ApiSettings& settings) {
    Query q(call, {"dry_run", "format"});
    const bool dryRun = q.flag("dry_run");
    const std::string formatName = q.get("format").value_or("auto");
    const std::optional<SbomFormat> format = parseSbomFormat(formatName);
    if (!format) {
        fail(400, "bad-request",
             tr(call.lang, "format は auto, cyclonedx, spdx のいずれかです ('",
                "format must be auto, cyclonedx or spdx (not '") +
                 formatName + "')");
    }
    const User& user = call.principal->user;
    if (!mayTriage(user, product)) {
        fail(
            403, "forbidden",
            user.role == UserRole::Viewer
                ? tr(call.lang, "閲覧者 (viewer) は SBOM を登録できません",
                     "a viewer cannot upload SBOMs")
                : tr(call.lang,
                     user.name + " は製品 " + product + " の担当ではないため SBOM を登録できません",
                     user.name + " does not triage product " + product));
    }
    {
        Statement s =
            call.store.db().prepare("SELECT 1 FROM product WHERE name = ?1 AND removed_at IS NULL");
        s.bind(1, product);
        if (!s.step()) {
            fail(404, "not-found",
                 tr(call.lang, "製品 '" + product + "' は登録されていません",
                    "no product '" + product + "' is registered"));
        }
    }
    if (version.find_first_of("\r\n") != std::string::npos) {
        fail(422, "invalid-input",
             tr(call.lang, "バージョンは 1 行で指定してください", "the version must be one line"),
             {{"field", "\"version\""}});
    }
    const SbomLimits limits;
    std::string body;
    try {
        body = requestBody(call.request, limits.maxBytes);
    } catch (const std::length_error&) {
        fail(413, "payload-too-large",
             tr(call.lang, "SBOM は " + std::to_string(limits.maxBytes) + " バイトまでです",
                "an SBOM may have at most " + std::to_string(limits.maxBytes) + " bytes"));
    }
    if (trim(body).empty()) {
        fail(400, "bad-request",
             tr(call.lang, "本文が空です。SBOM (CycloneDX または SPDX) を本文として送ってください",
                "the body is empty; send the SBOM (CycloneDX or SPDX) as the body"));
    }
    SbomBatch batch;
    try {
        batch.add("upload", std::move(body), *format, limits);
    } catch (const SbomError& e) {
        fail(422, "invalid-sbom",
             tr(call.lang, "SBOM を読めません (何も変更していません): ",
                "the SBOM cannot be read (nothing was changed): ") +
                 e.what());
    }
    SbomUploadReport report;
    report.product = product;
    report.version = version;
    report.document = batch.document();
    report.dryRun = dryRun;
    if (dryRun) {
        report.outcome =
            previewSbomImport(call.store, product, version, batch.document().components);
    } else {
        report.outcome = commitSbomImport(call.store, product, version, batch, "API upload",
                                          user.name, call.now);
        report.committed = report.outcome.changes;
        if (report.committed && settings.rematch) {
            report.newMatches = settings.rematch(call.store, product, version, call.now);
        }
    }
    return json(sbomUploadJson(report));
}

HttpResponse getDeliveries(Call& call) {
    Query q(call, {"state", "limit", "cursor"});
    const int limit = q.limit();
    const auto cursor = q.cursor(1); // the id of the last message shown (newest first)
    const std::string state = q.get("state").value_or("");
    if (!state.empty() && state != "pending" && state != "delivered" && state != "dead") {
        fail(400, "bad-request",
             tr(call.lang, "state は pending, delivered, dead のいずれかです ('",
                "state must be pending, delivered or dead (not '") +
                 state + "')");
    }
    Statement s = call.store.db().prepare(
        "SELECT id, notifier, recipient, subject, state, attempts, last_reply, due_at, "
        "created_at, updated_at FROM outbox WHERE (?1 = '' OR state = ?1) AND (?2 = 0 OR id < ?2) "
        "ORDER BY id DESC LIMIT ?3");
    s.bind(1, state).bind(2, cursor ? (*cursor)[0] : 0).bind(3, limit + 1);
    std::vector<OutboxRow> rows;
    while (s.step()) {
        rows.push_back({s.integer(0), s.text(1), s.text(2), s.text(3), s.text(4),
                        static_cast<int>(s.integer(5)), s.text(6), s.integer(7), s.integer(8),
                        s.integer(9)});
    }
    std::optional<std::string> next;
    if (rows.size() > static_cast<std::size_t>(limit)) {
        rows.resize(static_cast<std::size_t>(limit));
        next = std::to_string(rows.back().id);
    }
    JsonWriter w;
    w.beginArray();
    for (const OutboxRow& r : rows) {
        writeDelivery(w, r);
    }
    w.endArray();
    return json(page(w.str(), next));
}

HttpResponse getSources(Call& call, const ApiSettings& settings) {
    Query q(call, {});
    JsonWriter w;
    w.beginObject().key("items").beginArray();
    for (const SourceInfo& s : settings.sources) {
        const SourceStateRow state = call.store.sourceState(s.name);
        w.beginObject().key("name").value(s.name).key("type").value(s.type);
        w.key("url").value(s.url).key("enabled").value(s.enabled);
        w.key("interval_seconds").value(static_cast<long long>(s.interval.count()));
        w.key("last_success");
        writeTime(w, state.lastSuccess);
        w.key("last_attempt");
        writeTime(w, state.lastAttempt);
        w.key("error_count").value(state.errorCount).key("last_error").value(state.lastError);
        w.key("next_attempt");
        writeTime(w, state.nextAttempt);
        w.key("last_new_item");
        writeTime(w, state.lastNewItem);
        w.key("alert").value(state.alert).key("alert_since");
        writeTime(w, state.alertSince);
        w.endObject();
    }
    w.endArray().endObject();
    return json(w.str());
}

HttpResponse getAuditVerify(Call& call) {
    Query q(call, {});
    JsonWriter w;
    writeVerification(w, verifyAuditChain(call.store));
    return json(w.str());
}

/// A route: its path pattern ("*" = any one segment) and the methods it answers.
struct Route {
    std::vector<std::string_view> pattern;
    std::string_view method;
    bool needsAuth = true;
};

const std::vector<Route>& routes() {
    static const std::vector<Route> table{
        {{"openapi.json"}, "GET", false},
        {{"health"}, "GET", false},
        {{"me"}, "GET"},
        {{"advisories"}, "GET"},
        {{"advisories", "*"}, "GET"},
        {{"products"}, "GET"},
        {{"products", "*", "versions", "*", "sbom"}, "POST"},
        {{"matches"}, "GET"},
        {{"cases"}, "GET"},
        {{"cases", "*"}, "GET"},
        {{"cases", "*", "transition"}, "POST"},
        {{"deliveries"}, "GET"},
        {{"sources"}, "GET"},
        {{"audit", "verify"}, "GET"},
    };
    return table;
}

bool matches(const Route& route, const std::vector<std::string>& segments) {
    if (route.pattern.size() != segments.size()) {
        return false;
    }
    for (std::size_t i = 0; i < segments.size(); ++i) {
        if (route.pattern[i] != "*" && route.pattern[i] != segments[i]) {
            return false;
        }
    }
    return true;
}

} // namespace

Api::Api(ApiSettings settings, FailedAuthLimiter& limiter)
    : settings_(std::move(settings)), limiter_(limiter) {}

bool Api::handles(std::string_view path) {
    return path.substr(0, kApiPrefix.size()) == kApiPrefix &&
           (path.size() == kApiPrefix.size() || path[kApiPrefix.size()] == '/');
}

bool Api::needsStore(const HttpRequest& request) {
    return request.path != std::string(kApiPrefix) + "/openapi.json";
}

std::string_view openApiDocument() {
    return kOpenApiJson;
}

HttpResponse Api::handle(const HttpRequest& request, Store* store, std::int64_t now,
                         std::string* error) const {
    const Lang lang = preferredLang(request.header("Accept-Language"));
    try {
        const auto segments = pathSegments(request.path, kApiPrefix);
        if (!segments) {
            fail(400, "bad-request",
                 tr(lang, "パスのパーセントエンコードが正しくありません",
                    "the path's percent-encoding is broken"));
        }
        const Route* route = nullptr;
        std::vector<std::string> allowed;
        for (const Route& r : routes()) {
            if (matches(r, *segments)) {
                allowed.emplace_back(r.method);
                if (r.method == request.method) {
                    route = &r;
                }
            }
        }
        if (allowed.empty()) {
            fail(404, "not-found",
                 tr(lang, "この API はありません (一覧: /api/v1/openapi.json)",
                    "no such API (see /api/v1/openapi.json)"));
        }
        if (route == nullptr) {
            std::string allow;
            for (const auto& m : allowed) {
                allow += (allow.empty() ? "" : ", ") + m;
            }
            Problem p{405,
                      "method-not-allowed",
                      tr(lang, request.method + " は使えません。使えるメソッド: ",
                         request.method + " is not allowed here; allowed: ") +
                          allow,
                      {}};
            HttpResponse r = problemResponse(p, lang, request.path);
            r.setHeader("Allow", allow);
            return r;
        }
        const auto query = parseQuery(request.query);
        if (!query) {
            fail(400, "bad-request",
                 tr(lang, "クエリ文字列のパーセントエンコードが正しくありません",
                    "the query string's percent-encoding is broken"));
        }
        const auto& s = *segments;
        if (s[0] == "openapi.json") {
            if (!query->empty()) {
                fail(400, "bad-request",
                     tr(lang, "このパスはクエリパラメータを取りません",
                        "this path takes no query parameters"));
            }
            HttpResponse r = json(std::string(kOpenApiJson));
            r.contentType = "application/openapi+json";
            return r;
        }
        if (store == nullptr) {
            throw std::logic_error("Api::handle without a store for " + request.path);
        }
        Call call{request, *store, now, lang, *query, std::nullopt};
        if (s[0] == "health") {
            return getHealth(call);
        }
        if (route->needsAuth) {
            requireUser(call, limiter_);
        }
        HttpResponse response;
        if (s[0] == "me") {
            response = getMe(call);
        } else if (s[0] == "advisories") {
            response = s.size() == 1 ? getAdvisories(call) : getAdvisory(call, s[1]);
        } else if (s[0] == "products") {
            response = s.size() == 1 ? getProducts(call) : postSbom(call, s[1], s[3], settings_);
        } else if (s[0] == "matches") {
            response = getMatches(call);
        } else if (s[0] == "cases") {
            response = s.size() == 1   ? getCases(call)
                       : s.size() == 2 ? getCase(call, s[1])
                                       : postTransition(call, s[1], settings_);
        } else if (s[0] == "deliveries") {
            response = getDeliveries(call);
        } else if (s[0] == "sources") {
            response = getSources(call, settings_);
        } else {
            response = getAuditVerify(call);
        }
        response.user = call.principal ? call.principal->user.name : std::string();
        return response;
    } catch (const ProblemError& e) {
        HttpResponse r = problemResponse(e.problem, lang, request.path);
        if (e.problem.status == 401) {
            r.setHeader("WWW-Authenticate", "Bearer realm=\"vulnwatch\"");
        }
        if (e.problem.status == 429) {
            for (const auto& [name, value] : e.problem.extensions) {
                if (name == "retry_after") {
                    r.setHeader("Retry-After", value);
                }
            }
        }
        return r;
    } catch (const std::exception& e) {
        if (error != nullptr) {
            *error = e.what();
        }
        return problemResponse(Problem{500,
                                       "internal",
                                       tr(lang, "サーバ内部でエラーが起きました (ログを参照)",
                                          "an internal error occurred (see the server's log)"),
                                       {}},
                               lang, request.path);
    }
}

} // namespace vw::web
