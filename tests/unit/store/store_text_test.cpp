// record_text: the folded text of records that name no CPE, an FTS5 trigram index that a keyword
// re-match narrows its candidates with (schema 7).
#include "core/keywords.h"
#include "store/store.h"
#include "store_test_support.h"

#include <catch2/catch.hpp>

using vw::Store;

TEST_CASE("recordsWithText finds the records a keyword may hit, through the index",
          "[store][keywords]") {
    auto store = Store::inMemory();
    auto mail = vw::test::makeAdvisory("<a@ipa.go.jp>", {"CVE-2021-44228"},
                                       "Ａｐａｃｈｅ Ｌｏｇ４ｊ の脆弱性対策について");
    mail.source = "mail";
    const auto m = store->upsertRecord("ipa-mail", mail, 100);
    auto jvn = vw::test::makeAdvisory("JVN#00000001", {}, "株式会社日立製作所 製品における脆弱性");
    jvn.source = "jvn";
    jvn.affected = {{"サイボウズ株式会社", "サイボウズ・ガルーン", "", {}}};
    const auto j = store->upsertRecord("jvn", jvn, 100);
    // A record naming a CPE is not in the index: keywords do not apply to it.
    auto withCpe = vw::test::makeAdvisory("JVNDB-2021-005429", {}, "Apache Log4j の脆弱性");
    withCpe.cpes = {"cpe:/a:apache:log4j"};
    store->upsertRecord("jvndb", withCpe, 100);

    const auto find = [&](const std::string& keyword) {
        const vw::KeywordIndex index({keyword});
        return store->recordsWithText({index.searchForm(0)});
    };
    using Ids = std::vector<std::int64_t>;
    CHECK(find("log4j") == Ids{m.recordId});
    CHECK(find("LOG4J") == Ids{m.recordId});
    CHECK(find("サイボウズ ガルーン") == Ids{j.recordId}); // the affected product, any separator
    CHECK(find("日立") == Ids{j.recordId});                // two characters: LIKE, no trigram
    CHECK(find("Apache Log4j") == Ids{m.recordId});        // every word, in any order
    CHECK(find("tomcat").empty());
    CHECK(store->recordsWithText({}).empty());
    // Many keywords (a big SBOM's component names) take one pass over the table instead of a
    // query each: the same answer.
    std::vector<std::string> many;
    for (int i = 0; i < 100; ++i) {
        many.push_back("component" + std::to_string(i));
    }
    CHECK(store->recordsWithText(many).empty());
    many.push_back("log4j");
    many.push_back("日立");
    CHECK(store->recordsWithText(many) == (Ids{m.recordId, j.recordId}));

    // A changed record is re-indexed; one that now names a CPE leaves the index.
    mail.title = "Apache Tomcat の脆弱性";
    store->upsertRecord("ipa-mail", mail, 200);
    CHECK(find("tomcat") == Ids{m.recordId});
    CHECK(find("log4j").empty());
    mail.cpes = {"cpe:/a:apache:tomcat"};
    store->upsertRecord("ipa-mail", mail, 300);
    CHECK(find("tomcat").empty());
}
