// [notices]: hospital notices (daemon/notices.h, docs/notices.md) — which e-mail notifier sends
// them, the contact every letter names and the letters' language.
#include "config_test_util.h"

using namespace vw;
using vw::test::errorOf;

namespace {

const std::string kMail = "[notifier.mail]\ntype = email\nsmtp = smtp://127.0.0.1:25\n"
                          "from = psirt@example.jp\n";

} // namespace

TEST_CASE("[notices] keys and their defaults", "[config][notices]") {
    const Config plain = parseConfig("[daemon]\n", "t.conf");
    CHECK(plain.notices.notifier.empty());
    CHECK(plain.notices.contact.empty());
    CHECK(plain.notices.language == "ja");
    CHECK_THAT(redacted(plain), !Catch::Contains("[notices]"));

    const Config c = parseConfig(kMail + "[notices]\nnotifier = mail\ncontact = 窓口\\nTEL 03-0000"
                                         "-0000\nlanguage = en\n",
                                 "t.conf");
    CHECK(c.notices.notifier == "mail");
    CHECK(c.notices.contact == "窓口\nTEL 03-0000-0000");
    CHECK(c.notices.language == "en");
    const std::string shown = redacted(c);
    CHECK_THAT(shown, Catch::Contains("\n[notices]\nnotifier = mail\ncontact = 窓口\\nTEL "
                                      "03-0000-0000\nlanguage = en\n"));
    // What config check prints reads back as the same setting.
    CHECK(parseConfig(shown, "again.conf").notices == c.notices);
}

TEST_CASE("[notices] refuses a notifier that is no e-mail notifier and a bad language",
          "[config][notices][errors]") {
    const auto missing = errorOf("[notices]\nnotifier = nope\n");
    CHECK(missing.line() == 2);
    CHECK_THAT(std::string(missing.what()),
               Catch::Contains("[notices] notifier: no e-mail notifier [notifier.nope]"));
    const auto webhook = errorOf("[notifier.hook]\ntype = webhook\nurl = https://x.example/\n"
                                 "[notices]\nnotifier = hook\n");
    CHECK(webhook.line() == 5);
    const auto language = errorOf("[notices]\nlanguage = fr\n");
    CHECK(language.line() == 2);
    CHECK_THAT(std::string(language.what()), Catch::Contains("neither ja nor en"));
    CHECK(errorOf("[notices]\nreply = x\n").line() == 2);
}
