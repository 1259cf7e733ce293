// Bar charts for the pages (the dashboard's new matches per week and open cases by age),
// rendered on the server as inline SVG: no script, no external file, nothing a CSP forbids
// (colours come from classes in web/static/app.css). Accessible: the SVG is role="img" with a
// <title> (and <desc>) it is labelled by, and the same numbers are given as a table for
// screen readers and for copying. Every text is escaped here, so the markup may go into a View
// with View::html. Pure.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vw::web {

struct ChartBar {
    std::string label;      // under the bar ("11/24", "0–7")
    std::int64_t value = 0; // negative values count as 0
};

struct BarChart {
    /// Makes the element ids unique on a page ("matches-week" -> "matches-week-title").
    std::string id;
    std::string title;       // the chart's accessible name (and the table's caption)
    std::string description; // one sentence on what is counted (the <desc>)
    std::string labelHeader; // the table's first column ("週", "Week")
    std::string valueHeader; // the table's second column ("件数", "Count")
    std::string emptyText;   // shown in the chart when every value is 0 or there are no bars
    std::vector<ChartBar> bars;
};

/// The chart's geometry, for tests and the CSS.
inline constexpr int kChartWidth = 640;
inline constexpr int kChartHeight = 220;
/// The tallest bar's height: the largest value reaches it, the others are scaled linearly
/// (rounded to whole pixels; a value above 0 is at least 1 pixel high).
inline constexpr int kChartPlotHeight = 160;

/// The SVG (<svg class="bar-chart" role="img" aria-labelledby=…>…</svg>): one <rect
/// class="bar"> per bar with a value above 0, its value above it and its label below.
std::string barChartSvg(const BarChart& chart);

/// The same numbers as a table (<table class="chart-data">, caption = title, <th> headers).
std::string barChartTable(const BarChart& chart);

/// The height in pixels of a bar of `value` when the largest is `max` (0 when max ≤ 0).
int barHeight(std::int64_t value, std::int64_t max);

} // namespace vw::web
