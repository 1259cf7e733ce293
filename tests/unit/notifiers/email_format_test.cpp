#include "notifiers/email_notifier.h"

#include <Poco/Net/MessageHeader.h>
#include <catch2/catch.hpp>
#include <sstream>
#include <stdexcept>
#include <string>

TEST_CASE("smtp URLs give host, port and TLS mode", "[notifiers]") {
    auto e = vw::parseSmtpUrl("smtp://smtp.example.co.jp:587");
    REQUIRE(e.has_value());
    CHECK_FALSE(e->implicitTls);
    CHECK(e->host == "smtp.example.co.jp");
    CHECK(e->port == 587);

    e = vw::parseSmtpUrl("SMTPS://mail.example.jp/");
    REQUIRE(e.has_value());
    CHECK(e->implicitTls);
    CHECK(e->host == "mail.example.jp");
    CHECK(e->port == 465);

    e = vw::parseSmtpUrl("smtp://127.0.0.1");
    REQUIRE(e.has_value());
    CHECK(e->port == 25);

    e = vw::parseSmtpUrl("smtp://[::1]:2525");
    REQUIRE(e.has_value());
    CHECK(e->host == "::1");
    CHECK(e->port == 2525);

    for (const char* bad :
         {"", "http://x", "smtp://", "smtp://:25", "smtp://h:0", "smtp://h:65536", "smtp://h:2x",
          "smtp://user@h", "smtp://h/path", "smtp://h:", "smtp://a:b:c", "smtp://[::1"}) {
        CAPTURE(bad);
        CHECK_FALSE(vw::parseSmtpUrl(bad).has_value());
    }
}

TEST_CASE("EmailNotifier rejects a malformed smtp setting", "[notifiers]") {
    vw::NotifierConfig config;
    config.name = "mail";
    config.smtp = "smtp.example.jp:25";
    CHECK_THROWS_AS(vw::EmailNotifier(config), std::invalid_argument);
    config.smtp = "smtp://smtp.example.jp:25";
    config.starttls = "sometimes";
    CHECK_THROWS_AS(vw::EmailNotifier(config), std::invalid_argument);
    config.starttls = "required";
    config.charset = "shift_jis";
    CHECK_THROWS_WITH(vw::EmailNotifier(config),
                      Catch::Contains("charset must be utf-8 or iso-2022-jp"));
    config.charset = "iso-2022-jp";
    vw::EmailNotifier notifier(config);
    CHECK(notifier.name() == "mail");
}

TEST_CASE("header text is RFC 2047 encoded in whole characters", "[notifiers]") {
    CHECK(vw::encodeHeaderText("plain ascii") == "plain ascii");

    std::string subject = "[vulnwatch] 脆弱性: ";
    for (int i = 0; i < 40; ++i) {
        subject += "製品";
    }
    const std::string encoded = vw::encodeHeaderText(subject);
    CHECK(encoded.rfind("=?UTF-8?B?", 0) == 0);

    // Every encoded-word fits the 75-character limit and decodes to valid text on its own.
    std::istringstream words(encoded);
    std::string word;
    std::string decoded;
    int count = 0;
    while (words >> word) {
        ++count;
        CAPTURE(word);
        CHECK(word.size() <= 75);
        CHECK(word.rfind("=?UTF-8?B?", 0) == 0);
        const std::string piece = Poco::Net::MessageHeader::decodeWord(word, "UTF-8");
        CHECK(piece.find('?') == std::string::npos); // no replacement of a cut character
        decoded += piece;
    }
    CHECK(count > 1);
    CHECK(decoded == subject);
    // Folded with CRLF SP between the words.
    CHECK(encoded.find("?=\r\n =?UTF-8?B?") != std::string::npos);
}
