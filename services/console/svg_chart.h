// Charts as inline SVG, drawn by the server: the console works without JavaScript and fetches
// nothing at run time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lienthong::console {

// One point of a rate series: the rate and the counts it comes from (shown as the tooltip).
struct RatePoint {
  double rate = 0;  // [0, 1]
  int64_t numerator = 0;
  int64_t denominator = 0;
};

struct RateSeries {
  std::string name;   // legend text
  std::string color;  // CSS colour
  std::vector<RatePoint> points;  // one per x label; a point with denominator 0 is not drawn
};

// A horizontal target line (e.g. the province's online-rate target).
struct TargetLine {
  std::string name;
  std::string color;
  double rate = 0;
};

struct RateChart {
  std::string id;      // element id
  std::string title;   // accessible title
  std::vector<std::string> x_labels;  // e.g. "01/2026"
  std::vector<RateSeries> series;
  std::vector<TargetLine> targets;
  int width = 760;
  int height = 300;
};

// The chart as an <svg> element: axes from 0 % to 100 %, one polyline per series with a circle
// per point (tooltip: "tháng: rate (numerator / denominator)"), dashed target lines, a legend.
std::string RenderRateChart(const RateChart& chart);

}  // namespace lienthong::console
