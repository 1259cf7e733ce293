#include "web/problem.h"

#include "core/json_writer.h"
#include "core/text.h"

namespace vw::web {
namespace {

struct Title {
    std::string_view slug;
    std::string_view ja;
    std::string_view en;
};

constexpr Title kTitles[] = {
    {"bad-request", "リクエストが正しくありません", "Bad request"},
    {"unauthorized", "認証が必要です", "Authentication required"},
    {"invalid-credentials", "認証情報が無効です", "Invalid credentials"},
    {"too-many-failures", "認証の失敗が多すぎます", "Too many failed authentications"},
    {"forbidden", "権限がありません", "Forbidden"},
    {"csrf", "CSRF トークンがないか一致しません", "Missing or wrong CSRF token"},
    {"cross-origin", "別のオリジンからの要求は受け付けません", "Cross-origin request refused"},
    {"not-found", "見つかりません", "Not found"},
    {"method-not-allowed", "このメソッドは使えません", "Method not allowed"},
    {"payload-too-large", "リクエスト本文が大きすぎます", "Request body too large"},
    {"unsupported-media-type", "本文の形式に対応していません", "Unsupported media type"},
    {"invalid-input", "入力が正しくありません", "Invalid input"},
    {"transition-refused", "この遷移はできません", "Transition refused"},
    {"conflict", "案件はほかの人が先に変更しました", "The case was changed meanwhile"},
    {"internal", "サーバ内部のエラーです", "Internal server error"},
    {"unavailable", "一時的に利用できません", "Service unavailable"},
};

} // namespace

Lang preferredLang(std::string_view acceptLanguage) {
    const std::string_view first = trim(acceptLanguage.substr(0, acceptLanguage.find(',')));
    const std::string_view tag = trim(first.substr(0, first.find(';')));
    if (equalsIgnoreCase(tag, "en") || startsWithIgnoreCase(tag, "en-")) {
        return Lang::En;
    }
    return Lang::Ja;
}

std::string problemTitle(std::string_view slug, Lang lang) {
    for (const Title& t : kTitles) {
        if (t.slug == slug) {
            return tr(lang, t.ja, t.en);
        }
    }
    return {};
}

HttpResponse problemResponse(const Problem& problem, Lang lang, std::string_view instance) {
    JsonWriter w;
    w.beginObject();
    w.key("type").value("urn:vulnwatch:problem:" + problem.slug);
    w.key("title").value(problemTitle(problem.slug, lang));
    w.key("status").value(problem.status);
    w.key("detail").value(problem.detail);
    w.key("instance").value(instance);
    for (const auto& [name, json] : problem.extensions) {
        w.key(name).raw(json);
    }
    w.endObject();
    HttpResponse r;
    r.status = problem.status;
    r.contentType = "application/problem+json";
    r.body = w.str();
    r.setHeader("Content-Language", lang == Lang::En ? "en" : "ja");
    return r;
}

} // namespace vw::web
