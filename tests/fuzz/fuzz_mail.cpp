// libFuzzer target: parseMail, the MIME helpers and extractIds on arbitrary bytes. Built only
// with clang (tests/CMakeLists.txt); scripts/fuzz.sh runs it over tests/data/mail.
#include "core/ids.h"
#include "feeds/parse/charset.h"
#include "feeds/parse/mail.h"
#include "feeds/parse/mime.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    try {
        const vw::ParseResult result = vw::parseMail(input, vw::MailOptions{"fuzz", {}});
        for (const auto& record : result.records) {
            (void)vw::extractIds(record.summary);
        }
    } catch (const vw::ParseError&) {
        // unusable input is allowed to be rejected, nothing else may escape
    }
    (void)vw::extractIds(input);
    (void)vw::mime::htmlToText(input);
    (void)vw::mime::parseMailDate(input);
    (void)vw::toUtf8(input, "iso-2022-jp");
    (void)vw::toUtf8(input, "shift_jis");
    return 0;
}
