// [owner.NAME] sections and the chat notifiers' product filter (issue 11): what a good section
// gives, what it inherits from its notifier, and the specific error of each bad one.
#include "config/config.h"
#include "config_test_util.h"

#include <catch2/catch.hpp>
#include <string>

using vw::test::errorOf;

namespace {

const std::string mail = "[notifier.mail]\ntype = email\nsmtp = smtp://mx.example.jp\n"
                         "from = vw@example.jp\nmode = immediate\nmin_severity = 7.0\n"
                         "min_confidence = 60\n";
const std::string other = "[notifier.other]\ntype = email\nsmtp = smtp://mx2.example.jp\n"
                          "from = vw@example.jp\n";
const std::string chat = "[notifier.chat]\ntype = webhook\nurl = https://h.example.jp/hook/X\n";

vw::Config parse(const std::string& text) {
    return vw::parseConfig(text, "t.conf");
}

} // namespace

TEST_CASE("an owner section with only an address inherits its notifier's settings",
          "[config][owner]") {
    const auto config = parse(mail + "[owner.alice]\nemail = Alice <Alice@Example.jp>\n");
    REQUIRE(config.owners.size() == 1);
    const auto& o = config.owners[0];
    CHECK(o.name == "alice");
    CHECK(o.email == "Alice <Alice@Example.jp>");
    CHECK(o.notifier == "mail");
    CHECK(o.mode == "immediate");
    CHECK(o.minSeverity == 7.0);
    CHECK(o.minConfidence == 60);
    CHECK_FALSE(o.productsSet);
    CHECK(o.digest == vw::DigestSchedule{false, 1, 8, 30});
    CHECK(o.timezone == "Asia/Tokyo");
    CHECK(o.language == "ja");
    CHECK_FALSE(o.heartbeat);
    CHECK(vw::mailAddressOf(o.email) == "alice@example.jp");
    CHECK(vw::ownerFor(config.owners, "alice@EXAMPLE.jp") == &o);
    CHECK(vw::ownerFor(config.owners, "bob@example.jp") == nullptr);
}

TEST_CASE("every owner key is read", "[config][owner]") {
    const auto config = parse(mail + other +
                              "[owner.psirt]\nemail = psirt@example.jp\nproducts = Viewer, "
                              "Gateway X\nmode = digest\nmin_severity = 4.5\nmin_confidence = 30\n"
                              "digest = weekly FRI 17:05\ntimezone = Europe/Berlin\n"
                              "language = en\nheartbeat = yes\nnotifier = other\n"
                              "[owner.all]\nemail = all@example.jp\nproducts = *\n");
    REQUIRE(config.owners.size() == 2);
    const auto& o = config.owners[0];
    CHECK(o.productsSet);
    CHECK(o.products == std::vector<std::string>{"Viewer", "Gateway X"});
    CHECK(o.mode == "digest");
    CHECK(o.minSeverity == 4.5);
    CHECK(o.minConfidence == 30);
    CHECK(o.digest == vw::DigestSchedule{true, 5, 17, 5});
    CHECK(o.timezone == "Europe/Berlin");
    CHECK(o.language == "en");
    CHECK(o.heartbeat);
    CHECK(o.notifier == "other");
    CHECK(config.owners[1].productsSet);
    CHECK(config.owners[1].products.empty()); // * = every product
    CHECK(config.owners[1].notifier == "mail");
}

TEST_CASE("an owner section inherits the notifier's language unless it sets one",
          "[config][owner]") {
    const auto config = parse(mail + "language = en\n[owner.a]\nemail = a@example.jp\n"
                                     "[owner.b]\nemail = b@example.jp\nlanguage = ja\n");
    CHECK(config.owners.at(0).language == "en");
    CHECK(config.owners.at(1).language == "ja");
}

TEST_CASE("an owner section may come before its notifier", "[config][owner]") {
    const auto config = parse("[owner.a]\nemail = a@example.jp\nnotifier = other\n" + other);
    CHECK(config.owners.at(0).notifier == "other");
    CHECK(config.owners.at(0).mode == "immediate");
}

TEST_CASE("chat notifiers take a product filter", "[config][owner]") {
    const auto config = parse(chat + "products = Viewer , Gateway\n");
    CHECK(config.notifiers.at(0).products == std::vector<std::string>{"Viewer", "Gateway"});
    CHECK(parse(chat + "products = *\n").notifiers.at(0).products.empty());
}

TEST_CASE("the redacted form of owner sections parses back equal", "[config][owner][redact]") {
    const auto original =
        parse(mail + chat + "products = Viewer\n" +
              "[owner.psirt]\nemail = 担当 <psirt@example.jp>\nproducts = Viewer\n"
              "mode = digest\ndigest = weekly mon 08:00\ntimezone = America/New_York\n"
              "heartbeat = true\n[owner.b]\nemail = b@example.jp\n");
    const auto text = vw::redacted(original);
    INFO(text);
    CHECK(text.find("[owner.psirt]") != std::string::npos);
    CHECK(text.find("digest = weekly mon 08:00") != std::string::npos);
    const auto reparsed = vw::parseConfig(text, "t.conf");
    CHECK(reparsed.owners == original.owners);
    CHECK(reparsed.notifiers.at(1).products == std::vector<std::string>{"Viewer"});
}

TEST_CASE("bad owner sections are specific errors", "[config][owner][errors]") {
    SECTION("no email") {
        const auto e = errorOf(mail + "[owner.a]\nmode = digest\n");
        CHECK(std::string(e.what()) == "t.conf:8: [owner.a] email: required key missing");
    }
    SECTION("not a mail address") {
        const auto e = errorOf(mail + "[owner.a]\nemail = alice\n");
        CHECK(e.line() == 9);
        CHECK(e.key() == "email");
        CHECK_THAT(e.what(), Catch::Matchers::Contains("'alice' is not one mail address"));
    }
    SECTION("two addresses") {
        CHECK(errorOf(mail + "[owner.a]\nemail = a@example.jp, b@example.jp\n").key() == "email");
    }
    SECTION("an unknown key, with a hint") {
        const auto e = errorOf(mail + "[owner.a]\nemail = a@example.jp\ntimezome = UTC\n");
        CHECK(std::string(e.what()) ==
              "t.conf:10: [owner.a] timezome: unknown key (did you mean 'timezone'?)");
    }
    SECTION("a bad schedule") {
        const std::string head = mail + "[owner.a]\nemail = a@example.jp\n";
        CHECK_THAT(errorOf(head + "digest = hourly\n").what(),
                   Catch::Matchers::Contains("'hourly' is not a schedule (daily HH:MM or weekly "
                                             "DAY HH:MM"));
        CHECK_THAT(errorOf(head + "digest = daily 25:00\n").what(),
                   Catch::Matchers::Contains("'25:00' is not a time of day"));
        CHECK_THAT(errorOf(head + "digest = weekly someday 08:30\n").what(),
                   Catch::Matchers::Contains("'someday' is not a weekday"));
        CHECK_THAT(errorOf(head + "digest = daily\n").what(),
                   Catch::Matchers::Contains("is not daily HH:MM"));
        CHECK(errorOf(head + "digest = daily 8:3\n").key() == "digest");
    }
    SECTION("an unknown time zone") {
        const auto e = errorOf(mail + "[owner.a]\nemail = a@example.jp\ntimezone = Asia/Tokio\n");
        CHECK(e.key() == "timezone");
        CHECK_THAT(e.what(),
                   Catch::Matchers::Contains("'Asia/Tokio' is not a time zone of the tz database"));
    }
    SECTION("bad values of the other keys") {
        const std::string head = mail + "[owner.a]\nemail = a@example.jp\n";
        CHECK(errorOf(head + "mode = weekly\n").key() == "mode");
        CHECK(errorOf(head + "min_severity = 11\n").key() == "min_severity");
        CHECK(errorOf(head + "min_confidence = -1\n").key() == "min_confidence");
        CHECK(errorOf(head + "language = de\n").key() == "language");
        CHECK(errorOf(head + "heartbeat = sometimes\n").key() == "heartbeat");
        CHECK_THAT(errorOf(head + "products = Viewer, *\n").what(),
                   Catch::Matchers::Contains("* already means every product"));
        CHECK_THAT(errorOf(head + "products = Viewer,,X\n").what(),
                   Catch::Matchers::Contains("an empty product name"));
    }
    SECTION("a notifier that does not exist or does not send e-mail") {
        const std::string head = mail + chat + "[owner.a]\nemail = a@example.jp\n";
        CHECK_THAT(errorOf(head + "notifier = nope\n").what(),
                   Catch::Matchers::Contains("[owner.a] notifier: no [notifier.nope] section"));
        CHECK_THAT(errorOf(head + "notifier = chat\n").what(),
                   Catch::Matchers::Contains("is of type webhook; an owner's mail goes through "
                                             "an email notifier"));
    }
    SECTION("no e-mail notifier at all") {
        const auto e = errorOf(chat + "[owner.a]\nemail = a@example.jp\n");
        CHECK(e.line() == 4);
        CHECK_THAT(e.what(), Catch::Matchers::Contains("no email notifier to send this owner's "
                                                       "mail"));
    }
    SECTION("two sections for one address") {
        const auto e = errorOf(mail + "[owner.a]\nemail = a@example.jp\n"
                                      "[owner.b]\nemail = A <A@example.JP>\n");
        CHECK(e.section() == "owner.b");
        CHECK_THAT(e.what(), Catch::Matchers::Contains(
                                 "a@example.jp already has a section ([owner.a], line 8)"));
    }
    SECTION("a bad owner name") {
        CHECK(errorOf(mail + "[owner.a b]\nemail = a@example.jp\n").section() == "owner.a b");
    }
}

TEST_CASE("chat notifiers keep no digest and filter by product only", "[config][owner][errors]") {
    const auto e = errorOf(chat + "mode = digest\n");
    CHECK(e.key() == "mode");
    CHECK_THAT(e.what(), Catch::Matchers::Contains("digest applies only to email notifiers"));
    CHECK_THAT(errorOf(mail + "products = Viewer\n").what(),
               Catch::Matchers::Contains("applies only to webhook, slack, teams, mattermost, "
                                         "chatwork notifiers, not to type email"));
}
