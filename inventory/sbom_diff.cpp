// The difference between two component lists: componentKey() and diffComponents().
#include "core/text.h"
#include "inventory/sbom.h"

#include <algorithm>
#include <deque>
#include <map>

namespace vw {
namespace {

/// `purl` split at its qualifiers / subpath: (`pkg:type/ns/name@version`, `?…#…`).
std::pair<std::string_view, std::string_view> splitPurl(std::string_view purl) {
    const std::size_t cut = purl.find_first_of("?#");
    if (cut == std::string_view::npos) {
        return {purl, {}};
    }
    return {purl.substr(0, cut), purl.substr(cut)};
}

/// `head` without its `@version`: the last `@` that does not start a path segment (an npm
/// scope `@angular` does).
std::string_view withoutVersion(std::string_view head) {
    const std::size_t at = head.rfind('@');
    if (at != std::string_view::npos && at > 0 && head[at - 1] != '/') {
        return head.substr(0, at);
    }
    return head;
}

std::string normalizedName(std::string_view name) {
    std::string out;
    bool space = false;
    for (const char c : trim(name)) {
        if (isSpace(c)) {
            space = true;
            continue;
        }
        if (space) {
            out += ' ';
            space = false;
        }
        out += toLower(c);
    }
    return out;
}

// The keys of the three pairing passes, each the component key and something more.
using PassKey = std::string (*)(const Component&, const std::string& key);

std::string equalKey(const Component& c, const std::string& key) {
    std::string out = key;
    for (const std::string* field : {&c.vendor, &c.name, &c.version, &c.purl, &c.supplier}) {
        out += '\x1f';
        out += *field;
    }
    for (const std::string& cpe : c.cpes) {
        out += '\x1e';
        out += cpe;
    }
    return out;
}

std::string purlKey(const Component& c, const std::string& key) {
    const std::string_view purl = trim(c.purl);
    const auto [head, tail] = splitPurl(purl);
    return key + '\x1f' + lowerAscii(withoutVersion(head)) + std::string(tail);
}

std::string sameKey(const Component&, const std::string& key) {
    return key;
}

} // namespace

std::string componentKey(const Component& component) {
    const std::string_view purl = trim(component.purl);
    if (!purl.empty()) {
        return "purl:" + lowerAscii(withoutVersion(splitPurl(purl).first));
    }
    const std::string& owner = component.vendor.empty() ? component.supplier : component.vendor;
    return "name:" + normalizedName(component.name) + "|" + normalizedName(owner);
}

SbomDiff diffComponents(const std::vector<Component>& before, const std::vector<Component>& after) {
    std::vector<std::string> beforeKeys;
    std::vector<std::string> afterKeys;
    for (const Component& c : before) {
        beforeKeys.push_back(componentKey(c));
    }
    for (const Component& c : after) {
        afterKeys.push_back(componentKey(c));
    }
    std::vector<bool> beforeUsed(before.size(), false);
    std::vector<bool> afterUsed(after.size(), false);
    std::vector<std::pair<std::size_t, std::size_t>> changed; // (after, before) indices
    SbomDiff diff;

    // Each pass pairs the components still open whose pass keys are equal, in document order.
    const auto pass = [&](PassKey passKey, bool equal) {
        std::map<std::string, std::deque<std::size_t>> open;
        for (std::size_t i = 0; i < before.size(); ++i) {
            if (!beforeUsed[i]) {
                open[passKey(before[i], beforeKeys[i])].push_back(i);
            }
        }
        for (std::size_t j = 0; j < after.size(); ++j) {
            if (afterUsed[j]) {
                continue;
            }
            const auto it = open.find(passKey(after[j], afterKeys[j]));
            if (it == open.end() || it->second.empty()) {
                continue;
            }
            const std::size_t i = it->second.front();
            it->second.pop_front();
            beforeUsed[i] = true;
            afterUsed[j] = true;
            if (equal) {
                ++diff.unchanged;
            } else {
                changed.emplace_back(j, i);
            }
        }
    };
    pass(equalKey, true);
    pass(purlKey, false);
    pass(sameKey, false);

    std::sort(changed.begin(), changed.end());
    for (const auto& [j, i] : changed) {
        diff.changed.emplace_back(before[i], after[j]);
    }
    for (std::size_t i = 0; i < before.size(); ++i) {
        if (!beforeUsed[i]) {
            diff.removed.push_back(before[i]);
        }
    }
    for (std::size_t j = 0; j < after.size(); ++j) {
        if (!afterUsed[j]) {
            diff.added.push_back(after[j]);
        }
    }
    return diff;
}

} // namespace vw
