// Config `type` → factory, for sources and notifiers. Adding a kind is one new file in feeds/
// or notifiers/ plus one line in registry.cpp.
#pragma once

#include "config/config.h"
#include "core/http.h"
#include "feeds/source.h"
#include "notifiers/notifier.h"

#include <memory>

namespace vw {

/// Throws std::invalid_argument for a type without a factory.
std::unique_ptr<Source> makeSource(const SourceConfig& config, HttpClient& http);
std::unique_ptr<Notifier> makeNotifier(const NotifierConfig& config, HttpClient& http);

} // namespace vw
