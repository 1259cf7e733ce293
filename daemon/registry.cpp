#include "daemon/registry.h"

#include "feeds/jvn_rss_source.h"
#include "notifiers/email_notifier.h"
#include "notifiers/webhook_notifier.h"

#include <functional>
#include <map>
#include <stdexcept>

namespace vw {
namespace {

using SourceFactory = std::function<std::unique_ptr<Source>(const SourceConfig&, HttpClient&)>;
using NotifierFactory =
    std::function<std::unique_ptr<Notifier>(const NotifierConfig&, HttpClient&)>;

const std::map<std::string, SourceFactory>& sourceFactories() {
    static const std::map<std::string, SourceFactory> factories = {
        {"jvn-rss",
         [](const SourceConfig& c, HttpClient& http) -> std::unique_ptr<Source> {
             return std::make_unique<JvnRssSource>(c.name, c.url, http,
                                                   static_cast<long>(c.timeout.count()) * 1000,
                                                   c.maxBytes, c.caFile);
         }},
    };
    return factories;
}

const std::map<std::string, NotifierFactory>& notifierFactories() {
    static const std::map<std::string, NotifierFactory> factories = {
        {"email",
         [](const NotifierConfig& c, HttpClient&) -> std::unique_ptr<Notifier> {
             return std::make_unique<EmailNotifier>(c);
         }},
        {"webhook",
         [](const NotifierConfig& c, HttpClient& http) -> std::unique_ptr<Notifier> {
             return std::make_unique<WebhookNotifier>(c, http);
         }},
    };
    return factories;
}

} // namespace

std::unique_ptr<Source> makeSource(const SourceConfig& config, HttpClient& http) {
    auto it = sourceFactories().find(config.type);
    if (it == sourceFactories().end()) {
        throw std::invalid_argument("source '" + config.name + "': type '" + config.type +
                                    "' is not supported by this build");
    }
    return it->second(config, http);
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
