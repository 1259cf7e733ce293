// The hospital notices part of the case page (issue 14 part 2; docs/notices.md, docs/web.md
// "Cases"): the notices of the case's group with each letter's state and its text as stored
// (the preview of what is sent, escaped), and the forms that prepare, approve and send them
// (POST /cases/N/notices) through the daemon's notice work (ApiSettings::notices).
#pragma once

#include "core/cases.h"
#include "web/page_routes.h"

#include <cstdint>

namespace vw::web {

/// Fills `v`'s `notices_section` for case `c`: its group's notices (newest first, at most 5)
/// and, for whoever may triage the product, the forms.
void noticesView(const PageCall& call, View& v, const Case& c);

/// POST /cases/N/notices: `action` prepare | approve | send, `notice` (the notice's id, for
/// approve and send). CSRF-checked; 403 for a viewer, someone not triaging the product or the
/// preparer approving, 404 for no such case or notice, 409 for a notice in the wrong state,
/// 422 for anything else refused; 303 back to the case page when done.
HttpResponse postNotice(PageCall& call, std::int64_t caseId);

} // namespace vw::web
