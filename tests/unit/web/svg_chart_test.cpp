// The server-rendered bar charts (web/svg_chart.h): labels escaped, bars scaled to the largest
// value, empty data, and the accessible parts (role, title, the numbers as a table).
#include "web/svg_chart.h"

#include <catch2/catch.hpp>
#include <regex>

using namespace vw::web;

namespace {

/// The height="N" of every <rect class="bar">, in order.
std::vector<int> barHeights(const std::string& svg) {
    std::vector<int> out;
    const std::regex rect("<rect class=\"bar\"[^>]* height=\"(\\d+)\"");
    for (auto it = std::sregex_iterator(svg.begin(), svg.end(), rect); it != std::sregex_iterator();
         ++it) {
        out.push_back(std::stoi((*it)[1]));
    }
    return out;
}

std::size_t count(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
        ++n;
    }
    return n;
}

} // namespace

TEST_CASE("A bar chart escapes its labels and title in the SVG and the table", "[web][chart]") {
    BarChart chart;
    chart.id = "c1";
    chart.title = "<script>alert(1)</script>";
    chart.description = "\"><img src=x onerror=alert(1)>";
    chart.labelHeader = "週 & <b>";
    chart.valueHeader = "件数";
    chart.bars = {{"<b>x</b>", 3}, {"\"><img src=x onerror=alert(1)>", 1}};
    const std::string svg = barChartSvg(chart);
    const std::string table = barChartTable(chart);
    for (const std::string& out : {svg, table}) {
        CHECK(out.find("<script") == std::string::npos);
        CHECK(out.find("<img") == std::string::npos);
        CHECK(out.find("<b>") == std::string::npos);
    }
    CHECK(svg.find("<title id=\"c1-title\">&lt;script&gt;alert(1)&lt;/script&gt;</title>") !=
          std::string::npos);
    CHECK(svg.find("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;") != std::string::npos);
    CHECK(table.find("<caption>&lt;script&gt;") != std::string::npos);
    CHECK(table.find("<th scope=\"col\">週 &amp; &lt;b&gt;</th>") != std::string::npos);
    CHECK(table.find("<th scope=\"row\">&lt;b&gt;x&lt;/b&gt;</th><td class=\"num\">3</td>") !=
          std::string::npos);
    // An id that is not a plain name cannot break out of the attribute.
    chart.id = "a\" onload=\"x";
    const std::string odd = barChartSvg(chart);
    CHECK(odd.find("onload=") == std::string::npos);
    CHECK(odd.find("id=\"a--onload--x\"") != std::string::npos);
}

TEST_CASE("A bar chart is an image labelled by its title and description", "[web][chart]") {
    BarChart chart;
    chart.id = "weeks";
    chart.title = "New matches per week";
    chart.description = "How many";
    chart.bars = {{"11/17", 2}, {"11/24", 5}};
    const std::string svg = barChartSvg(chart);
    CHECK(svg.rfind("<svg class=\"bar-chart\"", 0) == 0);
    CHECK(svg.find("role=\"img\"") != std::string::npos);
    CHECK(svg.find("aria-labelledby=\"weeks-title weeks-desc\"") != std::string::npos);
    CHECK(svg.find("<desc id=\"weeks-desc\">How many</desc>") != std::string::npos);
    CHECK(svg.find("style=") == std::string::npos); // the CSP forbids inline styles
    CHECK(count(svg, "<text class=\"label\"") == 2);
    CHECK(svg.find(">11/24</text>") != std::string::npos);
    CHECK(svg.find(">5</text>") != std::string::npos);
    const std::string table = barChartTable(chart);
    CHECK(count(table, "<tr>") == 3); // the header and one row per bar
}

TEST_CASE("Bars are scaled to the largest value", "[web][chart]") {
    CHECK(barHeight(10, 10) == kChartPlotHeight);
    CHECK(barHeight(5, 10) == kChartPlotHeight / 2);
    CHECK(barHeight(0, 10) == 0);
    CHECK(barHeight(-3, 10) == 0);
    CHECK(barHeight(1, 1'000'000) == 1); // small but not invisible
    CHECK(barHeight(3, 0) == 0);
    CHECK(barHeight(20, 10) == kChartPlotHeight); // never past the plot
    BarChart chart;
    chart.id = "s";
    chart.bars = {{"a", 4}, {"b", 0}, {"c", 1}, {"d", 2}};
    const std::vector<int> heights = barHeights(barChartSvg(chart));
    // No rect for a zero; the others proportional to 4.
    REQUIRE(heights.size() == 3);
    CHECK(heights[0] == kChartPlotHeight);
    CHECK(heights[1] == kChartPlotHeight / 4);
    CHECK(heights[2] == kChartPlotHeight / 2);
    // Large numbers do not overflow the scaling.
    chart.bars = {{"a", 9'000'000'000'000'000'000}, {"b", 4'500'000'000'000'000'000}};
    const std::vector<int> big = barHeights(barChartSvg(chart));
    REQUIRE(big.size() == 2);
    CHECK(big[0] == kChartPlotHeight);
    CHECK(big[1] == kChartPlotHeight / 2);
}

TEST_CASE("A chart without data says so instead of drawing bars", "[web][chart]") {
    BarChart chart;
    chart.id = "e";
    chart.title = "Open cases by age";
    chart.emptyText = "No open case <none>";
    std::string svg = barChartSvg(chart);
    CHECK(barHeights(svg).empty());
    CHECK(svg.find("<text class=\"empty\"") != std::string::npos);
    CHECK(svg.find("No open case &lt;none&gt;") != std::string::npos);
    chart.bars = {{"0–7", 0}, {"8–30", 0}};
    svg = barChartSvg(chart);
    CHECK(barHeights(svg).empty());
    CHECK(svg.find("No open case") != std::string::npos);
    CHECK(count(svg, "<text class=\"label\"") == 2); // the labels stay
    CHECK(barChartTable(chart).find("<td class=\"num\">0</td>") != std::string::npos);
    chart.bars = {{"0–7", 1}};
    CHECK(barChartSvg(chart).find("No open case") == std::string::npos);
}
