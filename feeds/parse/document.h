// Format detection and dispatch for local documents (`vulnwatch parse`, `vulnwatch import`).
#pragma once

#include "feeds/source.h"

#include <string>
#include <string_view>
#include <vector>

namespace vw {

/// The formats `parse --format` accepts, "auto" first.
const std::vector<std::string>& documentFormats();

/// documentFormats() as one line for messages: "auto, jvn-rss, vuldef, …".
std::string formatList();

/// Tells the formats apart by content: "jvn-rss" (iPedia RSS, MyJVN overview), "vuldef",
/// "myjvn-alert" (an Atom feed that is a MyJVN getAlertList response: `getAlertList` anywhere
/// in `content`, or the alert service's feed id `…myjvn_alert…` in its first 4 KiB), "mail",
/// "kev" (CISA's KEV catalog: looksLikeKevCatalog), "csaf" (a CSAF document: looksLikeCsaf);
/// "" when it is none of them.
std::string detectFormat(std::string_view content);

/// Parses `content` as `format` ("auto" detects). Throws ParseError for unreadable documents
/// and std::invalid_argument for a format this build cannot parse yet.
ParseResult parseDocument(std::string_view content, const std::string& format);

} // namespace vw
