// Config `type` → factory, for sources and notifiers. Adding a kind is one new file in feeds/
// or notifiers/ plus one line in registry.cpp.
#pragma once

#include "config/config.h"
#include "core/http.h"
#include "feeds/source.h"
#include "notifiers/notifier.h"

#include <atomic>
#include <memory>

namespace vw {

/// What a source may use besides its config: the shared HTTP client and the daemon's stop
/// flag (waits and transfers end soon after it becomes true; null: never cancelled).
struct SourceContext {
    HttpClient& http;
    const std::atomic<bool>* cancel = nullptr;
};

/// Throws std::invalid_argument for a type without a factory.
std::unique_ptr<Source> makeSource(const SourceConfig& config, const SourceContext& context);
std::unique_ptr<Notifier> makeNotifier(const NotifierConfig& config, HttpClient& http);

} // namespace vw
