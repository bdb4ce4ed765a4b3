// Inline SVG rate charts.
#include "services/console/svg_chart.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/console/html.h"

namespace lienthong::console {
namespace {

// Characters, not bytes: Vietnamese letters take two or three bytes of UTF-8.
size_t CodePoints(const std::string& text) {
  size_t count = 0;
  for (unsigned char c : text) count += (c & 0xC0) != 0x80;
  return count;
}

}  // namespace

std::string RenderRateChart(const RateChart& chart) {
  // The legend: one entry per series and target, wrapped into rows under the x labels.
  struct LegendItem {
    std::string name;
    std::string color;
    bool dashed;
    double x = 0;
    int row = 0;
  };
  std::vector<LegendItem> legend;
  for (const RateSeries& series : chart.series) legend.push_back({series.name, series.color, false});
  for (const TargetLine& target : chart.targets) legend.push_back({target.name, target.color, true});
  const int left = 56, right = 32, top = 16;
  int rows = legend.empty() ? 0 : 1;
  double lx = left;
  for (LegendItem& item : legend) {
    const double width = 30 + 6.5 * static_cast<double>(CodePoints(item.name));
    if (lx + width > chart.width - right && lx > left) {
      ++rows;
      lx = left;
    }
    item.x = lx;
    item.row = rows - 1;
    lx += width;
  }
  const int bottom = 30 + 18 * rows;
  const int plot_w = chart.width - left - right;
  const int plot_h = chart.height - top - bottom;
  const size_t n = chart.x_labels.size();
  auto x_of = [&](size_t i) {
    return left + (n <= 1 ? plot_w / 2.0 : plot_w * static_cast<double>(i) / (n - 1));
  };
  auto y_of = [&](double rate) { return top + plot_h * (1.0 - std::clamp(rate, 0.0, 1.0)); };
  std::string out = absl::StrCat("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"",
                                 Escape(chart.id), "\" width=\"", chart.width, "\" height=\"",
                                 chart.height, "\" role=\"img\" aria-label=\"", Escape(chart.title),
                                 "\" style=\"background:#fff;border:1px solid #cfd6de\"><title>",
                                 Escape(chart.title), "</title>");
  // Grid and y axis labels every 20 %.
  for (int pct = 0; pct <= 100; pct += 20) {
    const double y = y_of(pct / 100.0);
    absl::StrAppend(&out, "<line x1=\"", left, "\" y1=\"", y, "\" x2=\"", left + plot_w,
                    "\" y2=\"", y, "\" stroke=\"#e3e8ee\"/><text x=\"", left - 6, "\" y=\"", y + 4,
                    "\" font-size=\"11\" text-anchor=\"end\" fill=\"#5b6875\">", pct, " %</text>");
  }
  for (size_t i = 0; i < n; ++i) {
    absl::StrAppend(&out, "<text x=\"", x_of(i), "\" y=\"", top + plot_h + 16,
                    "\" font-size=\"11\" text-anchor=\"middle\" fill=\"#5b6875\">",
                    Escape(chart.x_labels[i]), "</text>");
  }
  for (const TargetLine& target : chart.targets) {
    const double y = y_of(target.rate);
    absl::StrAppend(&out, "<line class=\"target\" x1=\"", left, "\" y1=\"", y, "\" x2=\"",
                    left + plot_w, "\" y2=\"", y, "\" stroke=\"", Escape(target.color),
                    "\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"><title>",
                    Escape(target.name), ": ", FormatPercent(target.rate), "</title></line>");
  }
  for (const RateSeries& series : chart.series) {
    std::string points;
    std::string dots;
    for (size_t i = 0; i < series.points.size() && i < n; ++i) {
      const RatePoint& p = series.points[i];
      if (p.denominator == 0) continue;
      absl::StrAppend(&points, points.empty() ? "" : " ", x_of(i), ",", y_of(p.rate));
      absl::StrAppend(&dots, "<circle cx=\"", x_of(i), "\" cy=\"", y_of(p.rate),
                      "\" r=\"3.5\" fill=\"", Escape(series.color), "\"><title>",
                      Escape(series.name), " ", Escape(chart.x_labels[i]), ": ",
                      FormatPercent(p.rate), " (", FormatCount(p.numerator), " / ",
                      FormatCount(p.denominator), ")</title></circle>");
    }
    if (!points.empty()) {
      absl::StrAppend(&out, "<polyline fill=\"none\" stroke=\"", Escape(series.color),
                      "\" stroke-width=\"2\" points=\"", points, "\"/>");
    }
    absl::StrAppend(&out, dots);
  }
  for (const LegendItem& item : legend) {
    const double ly = top + plot_h + 34 + 18 * item.row;
    absl::StrAppend(&out, "<line x1=\"", item.x, "\" y1=\"", ly, "\" x2=\"", item.x + 18,
                    "\" y2=\"", ly, "\" stroke=\"", Escape(item.color), "\" stroke-width=\"2\"",
                    item.dashed ? " stroke-dasharray=\"6 4\"" : "", "/><text x=\"", item.x + 22,
                    "\" y=\"", ly + 4, "\" font-size=\"12\">", Escape(item.name), "</text>");
  }
  absl::StrAppend(&out, "</svg>");
  return out;
}

}  // namespace lienthong::console
