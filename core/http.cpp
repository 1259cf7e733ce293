#include "core/http.h"

namespace vw {

std::string HttpResponse::header(const std::string& lowerName) const {
    for (const auto& [name, value] : headers) {
        if (name == lowerName) {
            return value;
        }
    }
    return {};
}

} // namespace vw
