#include "core/advisory.h"

#include <algorithm>

namespace vw {

double Advisory::maxScore() const {
    double best = 0.0;
    for (const auto& c : cvss) {
        best = std::max(best, c.score);
    }
    return best;
}

bool hasWithdrawnMarker(const std::string& text) {
    static const char* const markers[] = {"** 削除 **", "** 未確定 **", "** サポート外 **"};
    return std::any_of(std::begin(markers), std::end(markers),
                       [&](const char* m) { return text.find(m) != std::string::npos; });
}

} // namespace vw
