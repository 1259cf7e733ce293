#include "core/ssvc.h"

#include "core/json_writer.h"

#include <array>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <utility>
#include <vector>

namespace vw {
namespace {

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equalsFolded(std::string_view text, std::string_view name) {
    if (text.size() != name.size()) {
        return false;
    }
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (lower(text[i]) != lower(name[i])) {
            return false;
        }
    }
    return true;
}

/// The value of `E` whose name is `text` (case-insensitive), among `values`.
template <typename E, std::size_t N>
std::optional<E> parseName(std::string_view text, const std::array<E, N>& values) {
    for (E value : values) {
        if (equalsFolded(text, ssvcName(value))) {
            return value;
        }
    }
    return std::nullopt;
}

constexpr std::array<SsvcExploitation, 3> kExploitations{
    SsvcExploitation::None, SsvcExploitation::Poc, SsvcExploitation::Active};
constexpr std::array<SsvcAutomatable, 2> kAutomatables{SsvcAutomatable::No, SsvcAutomatable::Yes};
constexpr std::array<SsvcTechnicalImpact, 2> kImpacts{SsvcTechnicalImpact::Partial,
                                                      SsvcTechnicalImpact::Total};
constexpr std::array<SsvcMission, 3> kMissions{SsvcMission::Low, SsvcMission::Medium,
                                               SsvcMission::High};
constexpr std::array<SsvcDecision, 4> kDecisions{SsvcDecision::Track, SsvcDecision::TrackStar,
                                                 SsvcDecision::Attend, SsvcDecision::Act};

// CISA's deployer decision tree (CISA SSVC Guide, November 2022, "Decision Tree"), as a table:
// [exploitation][automatable][technical impact][mission & well-being]. Each innermost triple
// is low, medium, high.
constexpr SsvcDecision T = SsvcDecision::Track;
constexpr SsvcDecision S = SsvcDecision::TrackStar;
constexpr SsvcDecision A = SsvcDecision::Attend;
constexpr SsvcDecision X = SsvcDecision::Act;
constexpr SsvcDecision kTable[3][2][2][3] = {
    // none
    {{{T, T, T}, {T, T, S}},  // automatable no: partial, total
     {{T, T, A}, {T, T, A}}}, // automatable yes
    // poc
    {{{T, T, S}, {T, S, A}}, //
     {{T, T, A}, {T, S, A}}},
    // active
    {{{T, T, A}, {T, A, X}}, //
     {{A, A, X}, {A, X, X}}},
};

// --- CVSS vectors ---------------------------------------------------------------------------

/// A CVSS vector read into its metrics: version 2, 3 or 4 and metric → value.
struct Vector {
    int version = 0;
    std::map<std::string, std::string, std::less<>> metrics;
    std::string_view get(std::string_view metric) const {
        const auto it = metrics.find(metric);
        return it == metrics.end() ? std::string_view() : std::string_view(it->second);
    }
};

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '(')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == ')')) {
        text.remove_suffix(1);
    }
    return text;
}

/// nullopt for a text that is not a CVSS vector of a known version with the metrics SSVC
/// reads (AV, AC, C/I or VC/VI, and PR/UI or Au).
std::optional<Vector> readVector(std::string_view text) {
    text = trim(text);
    Vector v;
    if (text.starts_with("CVSS:4.0/")) {
        v.version = 4;
        text.remove_prefix(9);
    } else if (text.starts_with("CVSS:3.0/") || text.starts_with("CVSS:3.1/")) {
        v.version = 3;
        text.remove_prefix(9);
    } else if (text.starts_with("CVSS:")) {
        return std::nullopt; // a version this build does not know
    } else {
        v.version = 2;
    }
    while (!text.empty()) {
        const auto slash = text.find('/');
        const std::string_view part = text.substr(0, slash);
        const auto colon = part.find(':');
        if (colon == std::string_view::npos || colon == 0 || colon + 1 == part.size()) {
            return std::nullopt;
        }
        const std::string key(part.substr(0, colon));
        if (!v.metrics.emplace(key, std::string(part.substr(colon + 1))).second) {
            return std::nullopt; // a metric given twice
        }
        text = slash == std::string_view::npos ? std::string_view() : text.substr(slash + 1);
    }
    const std::vector<const char*> needed =
        v.version == 4   ? std::vector<const char*>{"AV", "AC", "AT", "PR", "UI", "VC", "VI"}
        : v.version == 3 ? std::vector<const char*>{"AV", "AC", "PR", "UI", "C", "I"}
                         : std::vector<const char*>{"AV", "AC", "Au", "C", "I"};
    for (const char* metric : needed) {
        if (v.get(metric).empty()) {
            return std::nullopt;
        }
    }
    return v;
}

/// The metrics that keep a vector from being automatable ("AV:L", "UI:R"), empty when it is.
std::vector<std::string> automatableBlockers(const Vector& v) {
    std::vector<std::pair<const char*, const char*>> wanted;
    if (v.version == 4) {
        wanted = {{"AV", "N"}, {"AC", "L"}, {"AT", "N"}, {"PR", "N"}, {"UI", "N"}};
    } else if (v.version == 3) {
        wanted = {{"AV", "N"}, {"AC", "L"}, {"PR", "N"}, {"UI", "N"}};
    } else {
        wanted = {{"AV", "N"}, {"AC", "L"}, {"Au", "N"}};
    }
    std::vector<std::string> blockers;
    for (const auto& [metric, value] : wanted) {
        if (v.get(metric) != value) {
            blockers.push_back(std::string(metric) + ":" + std::string(v.get(metric)));
        }
    }
    return blockers;
}

std::string wantedText(int version) {
    return version == 4   ? "AV:N/AC:L/AT:N/PR:N/UI:N"
           : version == 3 ? "AV:N/AC:L/PR:N/UI:N"
                          : "AV:N/AC:L/Au:N";
}

std::string joined(const std::vector<std::string>& items, std::string_view separator) {
    std::string out;
    for (const auto& item : items) {
        out += (out.empty() ? "" : std::string(separator)) + item;
    }
    return out;
}

SsvcPoint exploitationPoint(const SsvcInputs& in) {
    std::vector<std::string> why;
    if (in.inKev) {
        why.push_back((in.kevCve.empty() ? std::string("a CVE of the case") : in.kevCve) +
                      " is in CISA's KEV catalog");
    }
    if (in.jpcertAlert) {
        why.push_back("JPCERT/CC alert " +
                      (in.jpcertAlertId.empty() ? std::string() : in.jpcertAlertId + " ") +
                      "names it");
    }
    if (!why.empty()) {
        std::string reason = joined(why, "; ");
        if (in.exploitationSet && *in.exploitationSet != SsvcExploitation::Active) {
            reason += " (over the triager's " + std::string(ssvcName(*in.exploitationSet)) + ")";
        }
        return {std::string(ssvcName(SsvcExploitation::Active)), reason};
    }
    if (in.exploitationSet) {
        return {std::string(ssvcName(*in.exploitationSet)), "set by a triager"};
    }
    return {std::string(ssvcName(SsvcExploitation::None)),
            "not in CISA's KEV catalog, no JPCERT/CC alert names it, no triager's setting"};
}

SsvcPoint automatablePoint(const SsvcInputs& in, const std::optional<Vector>& vector) {
    if (in.automatableSet) {
        return {std::string(ssvcName(*in.automatableSet)), "set by a triager"};
    }
    const std::string no(ssvcName(SsvcAutomatable::No));
    if (in.cvssVector.empty()) {
        return {no, "no CVSS vector (taken as no)"};
    }
    if (!vector) {
        return {no, "CVSS vector '" + in.cvssVector + "' cannot be read (taken as no)"};
    }
    const auto blockers = automatableBlockers(*vector);
    if (blockers.empty()) {
        return {std::string(ssvcName(SsvcAutomatable::Yes)),
                "CVSS " + wantedText(vector->version) +
                    ": network attack, low complexity, no privileges or user interaction (" +
                    in.cvssVector + ")"};
    }
    return {no, "CVSS " + joined(blockers, "/") + " (automatable needs " +
                    wantedText(vector->version) + "; " + in.cvssVector + ")"};
}

SsvcPoint impactPoint(const SsvcInputs& in, const std::optional<Vector>& vector) {
    if (in.impactSet) {
        return {std::string(ssvcName(*in.impactSet)), "set by a triager"};
    }
    const std::string partial(ssvcName(SsvcTechnicalImpact::Partial));
    if (in.cvssVector.empty()) {
        return {partial, "no CVSS vector (taken as partial)"};
    }
    if (!vector) {
        return {partial, "CVSS vector '" + in.cvssVector + "' cannot be read (taken as partial)"};
    }
    const bool v4 = vector->version == 4;
    const std::string_view c = vector->get(v4 ? "VC" : "C");
    const std::string_view i = vector->get(v4 ? "VI" : "I");
    const std::string_view full = vector->version == 2 ? "C" : "H";
    const std::string stated =
        std::string(v4 ? "VC:" : "C:") + std::string(c) + (v4 ? "/VI:" : "/I:") + std::string(i);
    if (c == full && i == full) {
        return {std::string(ssvcName(SsvcTechnicalImpact::Total)),
                "CVSS " + stated + ": total loss of confidentiality and integrity (" +
                    in.cvssVector + ")"};
    }
    return {partial, "CVSS " + stated + ": not both confidentiality and integrity " +
                         (vector->version == 2 ? "Complete" : "High") + " (" + in.cvssVector + ")"};
}

SsvcPoint missionPoint(const SsvcInputs& in) {
    if (in.mission) {
        return {std::string(ssvcName(*in.mission)), "the product's mission & well-being setting"};
    }
    return {std::string(ssvcName(SsvcMission::Medium)),
            "the product has no mission & well-being setting (taken as medium)"};
}

// --- reading the JSON form ----------------------------------------------------------------
// core has no JSON library (docs/architecture.md): the one shape ssvcToJson writes, objects of
// strings, is read here, strictly.

class Reader {
public:
    explicit Reader(std::string_view text) : text_(text) {}

    [[noreturn]] void fail(const std::string& what) const {
        throw std::invalid_argument("SSVC JSON: " + what + " at offset " + std::to_string(pos_));
    }

    void space() {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                       text_[pos_] == '\n' || text_[pos_] == '\r')) {
            ++pos_;
        }
    }

    bool peek(char c) {
        space();
        return pos_ < text_.size() && text_[pos_] == c;
    }

    void expect(char c) {
        if (!peek(c)) {
            fail(std::string("expected '") + c + "'");
        }
        ++pos_;
    }

    bool atEnd() {
        space();
        return pos_ == text_.size();
    }

    /// An object whose members are all read by `member(key)`; each key once.
    template <typename F>
    void object(F&& member) {
        expect('{');
        std::vector<std::string> seen;
        if (peek('}')) {
            ++pos_;
            return;
        }
        while (true) {
            const std::string key = string();
            for (const auto& other : seen) {
                if (other == key) {
                    fail("\"" + key + "\" is given twice");
                }
            }
            seen.push_back(key);
            expect(':');
            member(key);
            if (peek(',')) {
                ++pos_;
                continue;
            }
            expect('}');
            return;
        }
    }

    std::string string() {
        expect('"');
        std::string out;
        while (true) {
            if (pos_ >= text_.size()) {
                fail("unterminated string");
            }
            const char c = text_[pos_++];
            if (c == '"') {
                return out;
            }
            if (static_cast<unsigned char>(c) < 0x20) {
                fail("control character in a string");
            }
            if (c != '\\') {
                out += c;
                continue;
            }
            if (pos_ >= text_.size()) {
                fail("unterminated string");
            }
            const char e = text_[pos_++];
            switch (e) {
            case '"':
            case '\\':
            case '/':
                out += e;
                break;
            case 'b':
                out += '\b';
                break;
            case 'f':
                out += '\f';
                break;
            case 'n':
                out += '\n';
                break;
            case 'r':
                out += '\r';
                break;
            case 't':
                out += '\t';
                break;
            case 'u':
                appendUtf8(out, codePoint());
                break;
            default:
                fail(std::string("unknown escape \\") + e);
            }
        }
    }

private:
    unsigned hex4() {
        if (pos_ + 4 > text_.size()) {
            fail("short \\u escape");
        }
        unsigned value = 0;
        for (int i = 0; i < 4; ++i) {
            const char c = text_[pos_++];
            value <<= 4;
            if (c >= '0' && c <= '9') {
                value |= static_cast<unsigned>(c - '0');
            } else if (lower(c) >= 'a' && lower(c) <= 'f') {
                value |= static_cast<unsigned>(lower(c) - 'a' + 10);
            } else {
                fail("bad \\u escape");
            }
        }
        return value;
    }

    std::uint32_t codePoint() {
        const unsigned first = hex4();
        if (first >= 0xDC00 && first <= 0xDFFF) {
            fail("lone low surrogate");
        }
        if (first < 0xD800 || first > 0xDBFF) {
            return first;
        }
        if (pos_ + 2 > text_.size() || text_[pos_] != '\\' || text_[pos_ + 1] != 'u') {
            fail("lone high surrogate");
        }
        pos_ += 2;
        const unsigned second = hex4();
        if (second < 0xDC00 || second > 0xDFFF) {
            fail("bad surrogate pair");
        }
        return 0x10000u + ((first - 0xD800u) << 10) + (second - 0xDC00u);
    }

    static void appendUtf8(std::string& out, std::uint32_t cp) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        }
    }

    std::string_view text_;
    std::size_t pos_ = 0;
};

/// {"reason":…,"value":…} whose value `parse` accepts; the value is stored by its own name.
template <typename E, typename Parse>
SsvcPoint readPoint(Reader& reader, const std::string& key, Parse parse, std::optional<E>& out) {
    SsvcPoint point;
    bool hasValue = false;
    bool hasReason = false;
    reader.object([&](const std::string& member) {
        if (member == "value") {
            const std::string text = reader.string();
            out = parse(text);
            if (!out) {
                reader.fail("\"" + key + "\" has no value '" + text + "'");
            }
            point.value = std::string(ssvcName(*out));
            hasValue = true;
        } else if (member == "reason") {
            point.reason = reader.string();
            hasReason = true;
        } else {
            reader.fail("\"" + key + "\" has an unknown member \"" + member + "\"");
        }
    });
    if (!hasValue || !hasReason) {
        reader.fail("\"" + key + "\" needs \"value\" and \"reason\"");
    }
    return point;
}

void writePoint(JsonWriter& json, std::string_view key, const SsvcPoint& point) {
    json.key(key).beginObject();
    json.key("reason").value(std::string_view(point.reason));
    json.key("value").value(std::string_view(point.value));
    json.endObject();
}

} // namespace

std::string_view ssvcName(SsvcExploitation value) {
    switch (value) {
    case SsvcExploitation::None:
        return "none";
    case SsvcExploitation::Poc:
        return "poc";
    case SsvcExploitation::Active:
        return "active";
    }
    return "none";
}

std::string_view ssvcName(SsvcAutomatable value) {
    return value == SsvcAutomatable::Yes ? "yes" : "no";
}

std::string_view ssvcName(SsvcTechnicalImpact value) {
    return value == SsvcTechnicalImpact::Total ? "total" : "partial";
}

std::string_view ssvcName(SsvcMission value) {
    switch (value) {
    case SsvcMission::Low:
        return "low";
    case SsvcMission::Medium:
        return "medium";
    case SsvcMission::High:
        return "high";
    }
    return "medium";
}

std::string_view ssvcName(SsvcDecision value) {
    switch (value) {
    case SsvcDecision::Track:
        return "Track";
    case SsvcDecision::TrackStar:
        return "Track*";
    case SsvcDecision::Attend:
        return "Attend";
    case SsvcDecision::Act:
        return "Act";
    }
    return "Track";
}

std::optional<SsvcExploitation> parseSsvcExploitation(std::string_view text) {
    return parseName(text, kExploitations);
}

std::optional<SsvcAutomatable> parseSsvcAutomatable(std::string_view text) {
    return parseName(text, kAutomatables);
}

std::optional<SsvcTechnicalImpact> parseSsvcTechnicalImpact(std::string_view text) {
    return parseName(text, kImpacts);
}

std::optional<SsvcMission> parseSsvcMission(std::string_view text) {
    return parseName(text, kMissions);
}

std::optional<SsvcDecision> parseSsvcDecision(std::string_view text) {
    if (equalsFolded(text, "trackstar")) {
        return SsvcDecision::TrackStar;
    }
    return parseName(text, kDecisions);
}

SsvcDecision ssvcDecide(SsvcExploitation exploitation, SsvcAutomatable automatable,
                        SsvcTechnicalImpact impact, SsvcMission mission) {
    return kTable[static_cast<int>(exploitation)][static_cast<int>(automatable)]
                 [static_cast<int>(impact)][static_cast<int>(mission)];
}

SsvcResult ssvcEvaluate(const SsvcInputs& inputs) {
    const std::optional<Vector> vector =
        inputs.cvssVector.empty() ? std::nullopt : readVector(inputs.cvssVector);
    SsvcResult result;
    result.exploitation = exploitationPoint(inputs);
    result.automatable = automatablePoint(inputs, vector);
    result.technicalImpact = impactPoint(inputs, vector);
    result.mission = missionPoint(inputs);
    result.decision = ssvcDecide(*parseSsvcExploitation(result.exploitation.value),
                                 *parseSsvcAutomatable(result.automatable.value),
                                 *parseSsvcTechnicalImpact(result.technicalImpact.value),
                                 *parseSsvcMission(result.mission.value));
    return result;
}

std::string ssvcToJson(const SsvcResult& result) {
    JsonWriter json;
    json.beginObject();
    writePoint(json, "automatable", result.automatable);
    json.key("decision").value(ssvcName(result.decision));
    writePoint(json, "exploitation", result.exploitation);
    writePoint(json, "mission", result.mission);
    writePoint(json, "technical_impact", result.technicalImpact);
    json.endObject();
    return json.str();
}

SsvcResult ssvcFromJson(std::string_view json) {
    Reader reader(json);
    SsvcResult result;
    std::optional<SsvcExploitation> exploitation;
    std::optional<SsvcAutomatable> automatable;
    std::optional<SsvcTechnicalImpact> impact;
    std::optional<SsvcMission> mission;
    std::optional<SsvcDecision> decision;
    reader.object([&](const std::string& key) {
        if (key == "exploitation") {
            result.exploitation = readPoint(reader, key, parseSsvcExploitation, exploitation);
        } else if (key == "automatable") {
            result.automatable = readPoint(reader, key, parseSsvcAutomatable, automatable);
        } else if (key == "technical_impact") {
            result.technicalImpact = readPoint(reader, key, parseSsvcTechnicalImpact, impact);
        } else if (key == "mission") {
            result.mission = readPoint(reader, key, parseSsvcMission, mission);
        } else if (key == "decision") {
            const std::string text = reader.string();
            decision = parseSsvcDecision(text);
            if (!decision) {
                reader.fail("\"decision\" '" + text + "' is not Track, Track*, Attend or Act");
            }
        } else {
            reader.fail("unknown key \"" + key + "\"");
        }
    });
    if (!reader.atEnd()) {
        reader.fail("text after the object");
    }
    if (!exploitation || !automatable || !impact || !mission || !decision) {
        reader.fail("needs \"decision\", \"exploitation\", \"automatable\", "
                    "\"technical_impact\" and \"mission\"");
    }
    const SsvcDecision table = ssvcDecide(*exploitation, *automatable, *impact, *mission);
    if (*decision != table) {
        reader.fail("the decision " + std::string(ssvcName(*decision)) +
                    " does not follow from its points (CISA's table gives " +
                    std::string(ssvcName(table)) + ")");
    }
    result.decision = *decision;
    return result;
}

} // namespace vw
