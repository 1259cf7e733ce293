// Placeholder: this area of the pages is being written (issue 13).
#include "web/page_routes.h"

namespace vw::web {

HttpResponse deliveriesRoute(PageCall& call, const std::vector<std::string>& /*rest*/) {
    return errorPage(call, 404,
                     call.t("このページはまだありません", "this page does not exist yet"));
}

} // namespace vw::web
