#include "core/cpe.h"
#include "core/datetime.h"
#include "core/ids.h"
#include "core/json_writer.h"

#include <catch2/catch.hpp>
#include <random>
#include <string>

namespace {

/// True when `text` is well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF).
bool isValidUtf8(const std::string& text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<unsigned char>(text[i]);
        std::size_t length = 0;
        std::uint32_t code = 0;
        if (lead < 0x80) {
            ++i;
            continue;
        } else if ((lead & 0xE0) == 0xC0) {
            length = 2;
            code = lead & 0x1F;
        } else if ((lead & 0xF0) == 0xE0) {
            length = 3;
            code = lead & 0x0F;
        } else if ((lead & 0xF8) == 0xF0) {
            length = 4;
            code = lead & 0x07;
        } else {
            return false;
        }
        if (i + length > text.size()) {
            return false;
        }
        for (std::size_t k = 1; k < length; ++k) {
            const auto b = static_cast<unsigned char>(text[i + k]);
            if ((b & 0xC0) != 0x80) {
                return false;
            }
            code = (code << 6) | (b & 0x3F);
        }
        const std::uint32_t minimum = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000;
        if (code < minimum || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
            return false;
        }
        i += length;
    }
    return true;
}

/// Random text mixing id fragments, digits, separators and arbitrary bytes.
std::string randomText(std::mt19937& rng) {
    static const char* const pieces[] = {
        "CVE-", "JVN",     "JVNDB-",       "JVNVU",    "JVNTA",  "#",    "%23", "JPCERT-AT-", "-",
        "2021", "0050",    "44228",        "12345678", "001A",   "at/",  "/at", "210050",     "VU#",
        "X",    " ",       "\xE3\x80\x80", "（",       "\xFF",   "\xC0", "\n",  "\"",         "\\",
        ":",    "cpe:/a:", "cpe:2.3:",     "T",        "+09:00", "Z"};
    std::uniform_int_distribution<int> count(0, 12);
    std::uniform_int_distribution<std::size_t> pick(0, std::size(pieces));
    std::uniform_int_distribution<int> byte(0, 255);
    std::string text;
    for (int n = count(rng); n > 0; --n) {
        const std::size_t choice = pick(rng);
        if (choice == std::size(pieces)) {
            text += static_cast<char>(byte(rng));
        } else {
            text += pieces[choice];
        }
    }
    return text;
}

} // namespace

TEST_CASE("Random input never yields malformed ids or JSON", "[core][ids][json]") {
    std::mt19937 rng(20231102);
    for (int round = 0; round < 20000; ++round) {
        const std::string text = randomText(rng);
        INFO("input: " << text);

        for (const auto& id : vw::extractIds(text)) {
            REQUIRE(vw::idKind(id));
            REQUIRE(vw::normalizeId(id) == id);
        }
        if (const auto id = vw::normalizeId(text)) {
            REQUIRE(vw::idKind(*id));
        }

        std::string json;
        vw::appendJsonString(json, text);
        REQUIRE(isValidUtf8(json));
        REQUIRE(json.size() >= 2);
        for (const char c : json) {
            REQUIRE(static_cast<unsigned char>(c) >= 0x20);
        }

        if (const auto cpe = vw::parseCpe(text)) {
            REQUIRE_FALSE(cpe->vendor.empty());
            REQUIRE_FALSE(cpe->product.empty());
        }
        if (const auto date = vw::parseIsoDateTime(text)) {
            REQUIRE(vw::parseIsoDateTime(vw::formatIsoDateTime(*date)) == date);
        }
    }
}
