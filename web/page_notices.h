// The hospital notices part of the case page (issue 14 part 2; docs/notices.md, docs/web.md
// "Cases"): the notices of the case's group with each letter's state and its text as stored
// (the preview of what is sent, escaped), and the forms that prepare, approve and send them
// (POST /cases/N/notices) through the daemon's notice work (ApiSettings::notices).
#pragma once

#include "core/cases.h"
#include "store/cases.h"
#include "web/page_routes.h"

#include <cstdint>
#include <optional>
#include <string>

namespace vw::web {

/// What the case page says when a form was made from a stale view (web/page_cases.cpp; docs/
/// cases.md "Sites"), in the page's language: someone else (`change`: who, at which site, when;
/// `changedAt` when the chain does not have the event) changed `what` ("この案件" / "this
/// case") after the page was opened, it is now in `state`, and `notRecorded` says what was not
/// recorded ("送信された遷移は記録していません" / "Your transition was not recorded"). Transitions,
/// SSVC points and notices say it alike.
std::string staleViewPageText(const PageCall& call, const std::optional<CaseEventRow>& change,
                              std::int64_t changedAt, const std::string& whatJa,
                              const std::string& whatEn, const std::string& state,
                              const std::string& notRecordedJa, const std::string& notRecordedEn);
/// 409: the case page of case `caseId` as it is now with `message` as its error, marked as a
/// conflict (web/page_cases.cpp).
HttpResponse caseConflictPage(PageCall& call, std::int64_t caseId, const std::string& message);

/// Fills `v`'s `notices_section` for case `c`: its group's notices (newest first, at most 5)
/// and, for whoever may triage the product, the forms.
void noticesView(const PageCall& call, View& v, const Case& c);

/// POST /cases/N/notices: `action` prepare | approve | send, `notice` (the notice's id, for
/// approve and send). CSRF-checked; 403 for a viewer, someone not triaging the product or the
/// preparer approving, 404 for no such case or notice, 409 for a notice in the wrong state,
/// 422 for anything else refused; 303 back to the case page when done.
HttpResponse postNotice(PageCall& call, std::int64_t caseId);

} // namespace vw::web
