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

std::vector<const std::string*> Advisory::namedCpes() const {
    std::vector<const std::string*> names;
    names.reserve(cpes.size() + affected.size());
    for (const auto& cpe : cpes) {
        names.push_back(&cpe);
    }
    for (const auto& item : affected) {
        if (!item.cpe.empty()) {
            names.push_back(&item.cpe);
        }
    }
    return names;
}

bool hasWithdrawnMarker(const std::string& text) {
    static const char* const markers[] = {"** 削除 **", "** 未確定 **", "** サポート外 **"};
    return std::any_of(std::begin(markers), std::end(markers),
                       [&](const char* m) { return text.find(m) != std::string::npos; });
}

} // namespace vw
