#include "daemon/alerts.h"

#include "core/datetime.h"
#include "core/redact.h"
#include "daemon/log.h"
#include "notifiers/render.h"

namespace vw {

namespace {

std::string when(std::int64_t t) {
    return t == 0 ? std::string("-") : formatIsoDateTime(DateTime{t, 540}); // JST
}

} // namespace

int enqueueAdminAlert(Store& store, const Config& config, const std::string& subject,
                      const std::string& text, const std::string& episode, std::int64_t now) {
    int queued = 0;
    bool anyEmail = false;
    for (const auto& n : config.notifiers) {
        if (n.type != "email") {
            continue;
        }
        anyEmail = true;
        for (const auto& admin : config.admins) {
            OutMessage m;
            m.notifier = n.name;
            m.recipient = admin;
            m.subject = std::string(kAdminSubjectPrefix) + subject;
            m.text = text + "\n\n-- \nvulnwatch\n";
            m.idempotencyKey = idempotencyKey(n.name, "admin-alert", episode, "", admin);
            queued += store.enqueue(m, now, now) != 0 ? 1 : 0;
        }
    }
    store.logEvent("alert", subject, now);
    if (config.admins.empty() || !anyEmail) {
        VW_LOG_ERROR("alert", subject << " (no one is told: "
                                      << (config.admins.empty() ? "set [daemon] admin"
                                                                : "configure an e-mail notifier")
                                      << ")");
    } else {
        VW_LOG_WARNING("alert", subject << " (" << queued << " messages to the admins)");
    }
    return queued;
}

bool checkSourceHealth(Store& store, const Config& config, const SourceConfig& source,
                       SourceStateRow& row, bool pollOk, bool newItems, std::int64_t now) {
    bool changed = false;
    if (pollOk && (newItems || row.lastNewItem == 0)) {
        row.lastNewItem = now; // the first good poll starts the count
        changed = true;
    }
    const std::string& name = source.name;
    const std::string since = std::to_string(row.alertSince);
    // Failing: alert_after_failures polls in a row; over at the next good poll.
    if (!pollOk && row.alert != "failing" && row.errorCount >= source.alertAfterFailures) {
        row.alert = "failing";
        row.alertSince = now;
        changed = true;
        enqueueAdminAlert(store, config,
                          "情報源 " + name + " の取得が " + std::to_string(row.errorCount) +
                              " 回続けて失敗しています (source " + name + " has failed " +
                              std::to_string(row.errorCount) + " times in a row)",
                          "情報源 (source): " + name + " (" + source.type +
                              ")\nURL: " + redactSecrets(source.url) +
                              "\n最後のエラー (last error): " + redactSecrets(row.lastError) +
                              "\n最後の成功 (last success): " + when(row.lastSuccess) +
                              "\n\n回復すると、もう一度お知らせします。(You will be told once "
                              "more when it recovers.)",
                          name + ":failing:" + std::to_string(now), now);
        return changed;
    }
    if (pollOk && row.alert == "failing") {
        row.alert.clear();
        changed = true;
        enqueueAdminAlert(store, config,
                          "情報源 " + name + " は回復しました (source " + name + " recovered)",
                          "情報源 (source): " + name + " (" + source.type +
                              ")\n失敗の始まり (failing since): " + when(row.alertSince) +
                              "\n回復 (recovered): " + when(now),
                          name + ":recovered:" + since, now);
        row.alertSince = 0;
    }
    // Silent: nothing new for the silence limit; over when something new arrives.
    const std::int64_t limit = silenceLimit(source).count();
    if (pollOk && row.alert.empty() && limit > 0 && row.lastNewItem > 0 &&
        now - row.lastNewItem >= limit) {
        row.alert = "silent";
        row.alertSince = now;
        changed = true;
        const std::string days = std::to_string(limit / 86400);
        enqueueAdminAlert(store, config,
                          "情報源 " + name + " から " + days +
                              " 日以上新しい情報が届いていません (no new item from source " + name +
                              " for " + days + " days)",
                          "情報源 (source): " + name + " (" + source.type +
                              ")\nURL: " + redactSecrets(source.url) +
                              "\n最後の新しい情報 (last new item): " + when(row.lastNewItem) +
                              "\n取得は成功しています。配信元の変更や、購読・設定の誤りを確認して"
                              "ください。(The source answers, but brings nothing new: check "
                              "the feed, the subscription and the settings.)",
                          name + ":silent:" + std::to_string(now), now);
    } else if (newItems && row.alert == "silent") {
        row.alert.clear();
        changed = true;
        enqueueAdminAlert(store, config,
                          "情報源 " + name + " から新しい情報が再び届きました (source " + name +
                              " brings new items again)",
                          "情報源 (source): " + name + " (" + source.type +
                              ")\n沈黙の始まり (silent since): " + when(row.alertSince),
                          name + ":items-again:" + since, now);
        row.alertSince = 0;
    }
    return changed;
}

} // namespace vw
