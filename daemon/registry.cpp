#include "daemon/registry.h"

#include "daemon/log.h"
#include "feeds/csaf_source.h"
#include "feeds/imap_source.h"
#include "feeds/jvn_rss_source.h"
#include "feeds/kev_source.h"
#include "feeds/myjvn_alert_source.h"
#include "feeds/myjvn_source.h"
#include "feeds/pgp.h"
#include "notifiers/email_notifier.h"
#include "notifiers/webhook_notifier.h"

#include <functional>
#include <map>
#include <stdexcept>

namespace vw {
namespace {

using SourceFactory =
    std::function<std::unique_ptr<Source>(const SourceConfig&, const SourceContext&)>;
using NotifierFactory =
    std::function<std::unique_ptr<Notifier>(const NotifierConfig&, HttpClient&)>;

ImapSourceOptions imapOptions(const SourceConfig& c, const SourceContext& ctx) {
    ImapSourceOptions o;
    o.connection.url = c.url;
    o.connection.user = c.user;
    o.connection.password = c.password.value;
    o.connection.starttls = c.starttls;
    o.connection.caFile = c.caFile;
    o.connection.proxy = c.proxy;
    o.connection.timeoutMs = static_cast<long>(c.timeout.count()) * 1000;
    o.connection.cancel = ctx.cancel;
    o.afterProcessing = c.afterProcessing;
    o.moveTo = c.moveTo;
    o.maxMessageBytes = c.maxMessageBytes;
    o.keyring = c.keyring;
    o.unsignedPolicy = c.unsignedPolicy;
    o.invalidPolicy = c.invalidPolicy;
    o.list = c.list.empty() ? c.name : c.list;
    o.log = [component = "feeds." + c.name](std::string_view level, const std::string& message) {
        VW_LOG(log::parseLevel(level), component, message); // the source uses the four names
    };
    return o;
}

CsafSourceOptions csafOptions(const SourceConfig& c) {
    CsafSourceOptions o;
    o.url = c.url;
    o.path = c.path;
    o.timeoutMs = static_cast<long>(c.timeout.count()) * 1000;
    o.maxBytes = c.maxBytes;
    o.caFile = c.caFile;
    o.proxy = c.proxy;
    if (!c.keyring.empty()) {
        o.verifier = makeGpgmeVerifier(c.keyring);
    }
    o.log = [component = "feeds." + c.name](std::string_view level, const std::string& message) {
        VW_LOG(log::parseLevel(level), component, message);
    };
    return o;
}

const std::map<std::string, SourceFactory>& sourceFactories() {
    static const std::map<std::string, SourceFactory> factories = {
        {"jvn-rss",
         [](const SourceConfig& c, const SourceContext& ctx) -> std::unique_ptr<Source> {
             return std::make_unique<JvnRssSource>(c.name, c.url, ctx.http,
                                                   static_cast<long>(c.timeout.count()) * 1000,
                                                   c.maxBytes, c.caFile, c.proxy);
         }},
        {"myjvn",
         [](const SourceConfig& c, const SourceContext& ctx) -> std::unique_ptr<Source> {
             return std::make_unique<MyJvnSource>(c, ctx.http, Pacer::system(ctx.cancel));
         }},
        {"myjvn-alert",
         [](const SourceConfig& c, const SourceContext& ctx) -> std::unique_ptr<Source> {
             return std::make_unique<MyJvnAlertSource>(c, ctx.http, Pacer::system(ctx.cancel));
         }},
        {"imap",
         [](const SourceConfig& c, const SourceContext& ctx) -> std::unique_ptr<Source> {
             return std::make_unique<ImapSource>(c.name, imapOptions(c, ctx));
         }},
        {"kev",
         [](const SourceConfig& c, const SourceContext& ctx) -> std::unique_ptr<Source> {
             return std::make_unique<KevSource>(c.name, c.url, ctx.http,
                                                static_cast<long>(c.timeout.count()) * 1000,
                                                c.maxBytes, c.caFile, c.proxy);
         }},
        {"csaf",
         [](const SourceConfig& c, const SourceContext& ctx) -> std::unique_ptr<Source> {
             return std::make_unique<CsafSource>(c.name, csafOptions(c), ctx.http);
         }},
    };
    return factories;
}

/// Every type delivered by one HTTP POST: the payload is rendered for the type (notifiers/
/// chat_format.h), the request built for it (WebhookNotifier).
std::unique_ptr<Notifier> makeWebhookNotifier(const NotifierConfig& c, HttpClient& http) {
    return std::make_unique<WebhookNotifier>(c, http);
}

const std::map<std::string, NotifierFactory>& notifierFactories() {
    static const std::map<std::string, NotifierFactory> factories = {
        {"email",
         [](const NotifierConfig& c, HttpClient&) -> std::unique_ptr<Notifier> {
             return std::make_unique<EmailNotifier>(c);
         }},
        {"webhook", makeWebhookNotifier},
        {"slack", makeWebhookNotifier},
        {"teams", makeWebhookNotifier},
        {"mattermost", makeWebhookNotifier},
        {"chatwork", makeWebhookNotifier},
    };
    return factories;
}

} // namespace

std::unique_ptr<Source> makeSource(const SourceConfig& config, const SourceContext& context) {
    auto it = sourceFactories().find(config.type);
    if (it == sourceFactories().end()) {
        throw std::invalid_argument("source '" + config.name + "': type '" + config.type +
                                    "' is not supported by this build");
    }
    return it->second(config, context);
}

std::unique_ptr<Notifier> makeNotifier(const NotifierConfig& config, HttpClient& http) {
    auto it = notifierFactories().find(config.type);
    if (it == notifierFactories().end()) {
        throw std::invalid_argument("notifier '" + config.name + "': type '" + config.type +
                                    "' is not supported by this build");
    }
    return it->second(config, http);
}

} // namespace vw
