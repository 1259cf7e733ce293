// [evidence] retention_days: how long evidence bytes are kept (store/evidence.h).
#include "config_test_util.h"

using namespace vw;
using vw::test::errorOf;

TEST_CASE("[evidence] retention_days is days or forever with 3650 by default",
          "[config][evidence]") {
    CHECK(parseConfig("[daemon]\n", "t.conf").evidence.retentionDays == 3650);
    CHECK(parseConfig("[evidence]\nretention_days = 365\n", "t.conf").evidence.retentionDays ==
          365);
    const Config forever = parseConfig("[evidence]\nretention_days = forever\n", "t.conf");
    CHECK(forever.evidence.retentionDays == 0);
    CHECK_THAT(redacted(forever), Catch::Contains("\n[evidence]\nretention_days = forever\n"));
    CHECK_THAT(redacted(parseConfig("[daemon]\n", "t.conf")),
               Catch::Contains("\n[evidence]\nretention_days = 3650\n"));
    // What config check prints reads back as the same setting.
    CHECK(parseConfig(redacted(forever), "again.conf").evidence == forever.evidence);
}

TEST_CASE("a bad retention_days names the line and what is allowed", "[config][evidence][errors]") {
    for (const char* bad : {"0", "-5", "30d", "1.5", "36501", "never"}) {
        INFO(bad);
        const auto error = errorOf(std::string("[evidence]\nretention_days = ") + bad + "\n");
        CHECK(error.line() == 2);
        CHECK_THAT(std::string(error.what()),
                   Catch::Contains("t.conf:2: [evidence] retention_days:") &&
                       Catch::Contains("nor 'forever'"));
    }
    const auto unknown = errorOf("[evidence]\nretention = 30\n");
    CHECK(unknown.line() == 2);
}
