#include "web/svg_chart.h"

#include "web/view.h"

#include <algorithm>

namespace vw::web {
namespace {

constexpr int kMarginX = 8;
constexpr int kPlotTop = 24; // room for the tallest bar's value
constexpr int kPlotBottom = kPlotTop + kChartPlotHeight;
constexpr int kLabelY = kPlotBottom + 20;

/// `id` reduced to characters an id and a CSS selector take as they are.
std::string safeId(const std::string& id) {
    std::string out;
    for (const char c : id) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '-' || c == '_';
        out += ok ? c : '-';
    }
    return out.empty() ? std::string("chart") : out;
}

} // namespace

int barHeight(std::int64_t value, std::int64_t max) {
    if (max <= 0 || value <= 0) {
        return 0;
    }
    const std::int64_t v = std::min(value, max);
    // Rounded to the nearest pixel, at least 1 so a small count stays visible.
    const long double scaled = static_cast<long double>(v) * kChartPlotHeight / max;
    const int h = static_cast<int>(scaled + 0.5L);
    return std::clamp(h, 1, kChartPlotHeight);
}

std::string barChartSvg(const BarChart& chart) {
    const std::string id = safeId(chart.id);
    std::int64_t max = 0;
    for (const ChartBar& bar : chart.bars) {
        max = std::max(max, bar.value);
    }
    std::string out;
    out.reserve(512 + chart.bars.size() * 256);
    out += "<svg class=\"bar-chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " +
           std::to_string(kChartWidth) + " " + std::to_string(kChartHeight) + "\" width=\"" +
           std::to_string(kChartWidth) + "\" height=\"" + std::to_string(kChartHeight) +
           "\" role=\"img\" aria-labelledby=\"" + id + "-title " + id + "-desc\" id=\"" + id +
           "\">";
    out += "<title id=\"" + id + "-title\">" + htmlEscape(chart.title) + "</title>";
    out += "<desc id=\"" + id + "-desc\">" + htmlEscape(chart.description) + "</desc>";
    out += "<line class=\"axis\" x1=\"" + std::to_string(kMarginX) + "\" y1=\"" +
           std::to_string(kPlotBottom) + "\" x2=\"" + std::to_string(kChartWidth - kMarginX) +
           "\" y2=\"" + std::to_string(kPlotBottom) + "\"/>";
    const int n = static_cast<int>(chart.bars.size());
    if (n == 0 || max <= 0) {
        out += "<text class=\"empty\" x=\"" + std::to_string(kChartWidth / 2) + "\" y=\"" +
               std::to_string(kPlotTop + kChartPlotHeight / 2) + "\" text-anchor=\"middle\">" +
               htmlEscape(chart.emptyText) + "</text>";
    }
    const int slot = n > 0 ? (kChartWidth - 2 * kMarginX) / n : 0;
    const int width = std::max(1, slot * 7 / 10);
    for (int i = 0; i < n; ++i) {
        const ChartBar& bar = chart.bars[static_cast<std::size_t>(i)];
        const int center = kMarginX + slot * i + slot / 2;
        const int h = barHeight(bar.value, max);
        if (h > 0) {
            out += "<rect class=\"bar\" x=\"" + std::to_string(center - width / 2) + "\" y=\"" +
                   std::to_string(kPlotBottom - h) + "\" width=\"" + std::to_string(width) +
                   "\" height=\"" + std::to_string(h) + "\"/>";
        }
        if (max > 0) {
            out += "<text class=\"value\" x=\"" + std::to_string(center) + "\" y=\"" +
                   std::to_string(kPlotBottom - h - 6) + "\" text-anchor=\"middle\">" +
                   std::to_string(std::max<std::int64_t>(bar.value, 0)) + "</text>";
        }
        out += "<text class=\"label\" x=\"" + std::to_string(center) + "\" y=\"" +
               std::to_string(kLabelY) + "\" text-anchor=\"middle\">" + htmlEscape(bar.label) +
               "</text>";
    }
    out += "</svg>";
    return out;
}

std::string barChartTable(const BarChart& chart) {
    std::string out = "<table class=\"chart-data\" id=\"" + safeId(chart.id) + "-data\"><caption>" +
                      htmlEscape(chart.title) + "</caption><thead><tr><th scope=\"col\">" +
                      htmlEscape(chart.labelHeader) + "</th><th scope=\"col\" class=\"num\">" +
                      htmlEscape(chart.valueHeader) + "</th></tr></thead><tbody>";
    for (const ChartBar& bar : chart.bars) {
        out += "<tr><th scope=\"row\">" + htmlEscape(bar.label) + "</th><td class=\"num\">" +
               std::to_string(std::max<std::int64_t>(bar.value, 0)) + "</td></tr>";
    }
    out += "</tbody></table>";
    return out;
}

} // namespace vw::web
