// web/view.cpp keeps parsed page templates for the next render (issue 13 "Performance";
// docs/performance.md "Web (issue 13)"): a kept template renders each view's own values, also
// when threads render it at once, and sections switch as the values say.
#include "web/view.h"

#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

using namespace vw::web;

namespace {

std::string renderError(const std::string& message, bool loggedIn) {
    View v;
    v.text("message", message);
    v.text("home_label", "ホーム");
    v.flag("logged_in", loggedIn);
    return renderTemplate("error", v);
}

} // namespace

TEST_CASE("A kept template renders each view's own values", "[web][view]") {
    const std::string first = renderError("最初の <エラー>", true);
    const std::string second = renderError("second error", false);
    const std::string third = renderError("最初の <エラー>", true);
    CHECK(first.find("最初の &lt;エラー&gt;") != std::string::npos);
    CHECK(first.find("href=\"/\"") != std::string::npos);
    CHECK(first.find("second error") == std::string::npos);
    CHECK(second.find("second error") != std::string::npos);
    CHECK(second.find("最初の") == std::string::npos);
    CHECK(second.find("href=\"/login\"") != std::string::npos);
    CHECK(second.find("href=\"/\"") == std::string::npos);
    CHECK(third == first);
}

TEST_CASE("Threads render the same template at once without mixing values", "[web][view]") {
    constexpr int kThreads = 8;
    constexpr int kRenders = 200;
    std::vector<int> wrong(kThreads, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([t, &wrong] {
            const std::string mine = "message of thread " + std::to_string(t) + ".";
            for (int i = 0; i < kRenders; ++i) {
                const std::string out = renderError(mine, i % 2 == 0);
                const bool ok = out.find(mine) != std::string::npos &&
                                (out.find("href=\"/login\"") != std::string::npos) == (i % 2 != 0);
                wrong[static_cast<std::size_t>(t)] += ok ? 0 : 1;
            }
        });
    }
    for (auto& th : threads) {
        th.join();
    }
    for (int t = 0; t < kThreads; ++t) {
        CAPTURE(t);
        CHECK(wrong[static_cast<std::size_t>(t)] == 0);
    }
}
