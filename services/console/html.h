// HTML building blocks of the operator console (docs/console.md): escaping, Vietnamese number
// formats, the page frame with its navigation, tables. Pages are built server-side as strings;
// nothing here runs in the browser.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace lienthong::console {

// Text as HTML text or attribute value: & < > " ' escaped.
std::string Escape(absl::string_view text);

// A query-string value, percent-encoded (RFC 3986 unreserved characters kept).
std::string UrlEncode(absl::string_view text);

// Vietnamese number formats: "1.234.567" (dot between thousands), "85,3 %" (comma before the
// decimals), as Vietnamese administrative reports print them.
std::string FormatCount(int64_t value);
std::string FormatPercent(double rate, int decimals = 1);  // rate in [0, 1]
std::string FormatDecimal(double value, int decimals);

// Vietnam's civil time (UTC+7, no daylight saving): every date a person reads is in it.
absl::TimeZone VietnamTime();
std::string FormatDateTime(absl::Time t);  // "06/12/2026 14:05"
std::string FormatDate(absl::Time t);      // "06/12/2026"

// The console's pages, for the navigation bar.
enum class Page { kIndicators, kOverdue, kOperations, kExchangeLog, kNone };

struct PageFrame {
  std::string title;         // shown in <title> and as <h1>
  Page active = Page::kNone;
  std::string viewer;        // the member the console acts as, shown in the header
  bool printable = false;    // the A4 report layout, without navigation
};

// The whole document around `body`: doctype, lang="vi", UTF-8, the style sheet, the header and
// navigation (unless printable).
std::string RenderPage(const PageFrame& frame, absl::string_view body);

// A message box on a page: what was wrong with the request, in words (never a stack trace).
std::string ErrorBox(absl::string_view message);

// A table: header cells (text, escaped) and rows of cells (already HTML).
struct Table {
  std::string id;       // element id (tests and links find tables by it)
  std::string caption;  // escaped
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::string empty_text = "Không có dữ liệu.";
};
std::string RenderTable(const Table& table);

// A figure with its fraction: "85,3 %" with "(853 / 1.000)" beside it and as its tooltip.
std::string RateCell(double rate, int64_t numerator, int64_t denominator);

}  // namespace lienthong::console
