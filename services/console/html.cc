// HTML building blocks of the operator console.
#include "services/console/html.h"

#include <cmath>
#include <cstdio>

#include "absl/strings/str_cat.h"

namespace lienthong::console {

std::string Escape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string UrlEncode(absl::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string FormatCount(int64_t value) {
  const bool negative = value < 0;
  // Via unsigned so that the most negative value has a magnitude too.
  uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  std::string digits = std::to_string(magnitude);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += '.';
    out += digits[i];
  }
  return negative ? "-" + out : out;
}

std::string FormatDecimal(double value, int decimals) {
  if (!std::isfinite(value)) return "–";
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.*f", decimals, value);
  std::string text(buffer);
  const size_t point = text.find('.');
  const std::string whole = text.substr(0, point);
  std::string out = FormatCount(std::stoll(whole));
  if (whole == "-0") out = "-0";
  if (point != std::string::npos) absl::StrAppend(&out, ",", text.substr(point + 1));
  return out;
}

std::string FormatPercent(double rate, int decimals) {
  return absl::StrCat(FormatDecimal(rate * 100.0, decimals), " %");
}

absl::TimeZone VietnamTime() { return absl::FixedTimeZone(7 * 3600); }

std::string FormatDateTime(absl::Time t) {
  return absl::FormatTime("%d/%m/%Y %H:%M", t, VietnamTime());
}

std::string FormatDate(absl::Time t) { return absl::FormatTime("%d/%m/%Y", t, VietnamTime()); }

namespace {

constexpr char kStyle[] = R"css(
body{font-family:"DejaVu Sans",Arial,sans-serif;margin:0;color:#1d2733;background:#f5f7fa}
header{background:#8a1c1c;color:#fff;padding:10px 24px;display:flex;align-items:center;gap:24px}
header .brand{font-weight:bold;font-size:18px}
header nav a{color:#fde8c8;text-decoration:none;margin-right:18px}
header nav a.active{color:#fff;font-weight:bold;border-bottom:2px solid #f2c94c}
header .viewer{margin-left:auto;font-size:13px;color:#fde8c8}
main{padding:16px 24px}
h1{font-size:22px;margin:4px 0 12px}
h2{font-size:17px;margin:20px 0 8px}
table{border-collapse:collapse;background:#fff;margin:6px 0 14px;font-size:14px}
th,td{border:1px solid #cfd6de;padding:5px 9px;text-align:left;vertical-align:top}
th{background:#e9eef3}
td.num{text-align:right;white-space:nowrap}
td a,td code{white-space:nowrap}
.frac{color:#5b6875;font-size:12px}
.error{border:1px solid #c0392b;background:#fdecea;color:#7b1d12;padding:10px 14px;margin:10px 0}
.notice{border:1px solid #2d7d46;background:#eaf6ee;color:#1e5631;padding:10px 14px;margin:10px 0}
.bad{color:#b3261e;font-weight:bold}
.good{color:#2d7d46}
form.filters{background:#fff;border:1px solid #cfd6de;padding:8px 12px;margin-bottom:12px}
form.filters label{margin-right:12px;font-size:14px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin-bottom:12px}
.card{background:#fff;border:1px solid #cfd6de;padding:10px 14px;min-width:180px}
.card .value{font-size:24px;font-weight:bold}
.card .label{font-size:13px;color:#5b6875}
svg text{font-family:"DejaVu Sans",Arial,sans-serif}
.print main{padding:0}
@media print{header,form.filters,.noprint{display:none} body{background:#fff}}
@page{size:A4;margin:15mm}
)css";

const char* PageLink(Page page) {
  switch (page) {
    case Page::kIndicators: return "/chi-so";
    case Page::kOverdue: return "/ho-so-qua-han";
    case Page::kOperations: return "/van-hanh";
    case Page::kExchangeLog: return "/nhat-ky";
    case Page::kNone: break;
  }
  return "/";
}

const char* PageName(Page page) {
  switch (page) {
    case Page::kIndicators: return "Chỉ số";
    case Page::kOverdue: return "Hồ sơ quá hạn";
    case Page::kOperations: return "Vận hành";
    case Page::kExchangeLog: return "Nhật ký trao đổi";
    case Page::kNone: break;
  }
  return "";
}

}  // namespace

std::string RenderPage(const PageFrame& frame, absl::string_view body) {
  std::string out = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>",
      Escape(frame.title), " – lienthong</title><style>", kStyle, "</style></head><body",
      frame.printable ? " class=\"print\"" : "", ">");
  if (!frame.printable) {
    absl::StrAppend(&out, "<header><span class=\"brand\">lienthong · Cổng liên thông</span><nav>");
    for (Page page : {Page::kIndicators, Page::kOverdue, Page::kOperations, Page::kExchangeLog}) {
      absl::StrAppend(&out, "<a href=\"", PageLink(page), "\"",
                      page == frame.active ? " class=\"active\"" : "", ">", PageName(page), "</a>");
    }
    absl::StrAppend(&out, "</nav><span class=\"viewer\">Thành viên: <b id=\"viewer\">",
                    Escape(frame.viewer), "</b></span></header>");
  }
  absl::StrAppend(&out, "<main><h1>", Escape(frame.title), "</h1>", body, "</main></body></html>\n");
  return out;
}

std::string ErrorBox(absl::string_view message) {
  return absl::StrCat("<div class=\"error\" id=\"error\" role=\"alert\">", Escape(message),
                      "</div>");
}

std::string RenderTable(const Table& table) {
  std::string out = absl::StrCat("<table", table.id.empty() ? "" : " id=\"" + Escape(table.id) + "\"",
                                 ">");
  if (!table.caption.empty()) absl::StrAppend(&out, "<caption>", Escape(table.caption), "</caption>");
  absl::StrAppend(&out, "<thead><tr>");
  for (const std::string& cell : table.header) absl::StrAppend(&out, "<th>", Escape(cell), "</th>");
  absl::StrAppend(&out, "</tr></thead><tbody>");
  if (table.rows.empty()) {
    absl::StrAppend(&out, "<tr><td colspan=\"", table.header.size(), "\">",
                    Escape(table.empty_text), "</td></tr>");
  }
  for (const auto& row : table.rows) {
    absl::StrAppend(&out, "<tr>");
    for (const std::string& cell : row) absl::StrAppend(&out, cell);
    absl::StrAppend(&out, "</tr>");
  }
  absl::StrAppend(&out, "</tbody></table>");
  return out;
}

std::string RateCell(double rate, int64_t numerator, int64_t denominator) {
  const std::string fraction = absl::StrCat(FormatCount(numerator), " / ", FormatCount(denominator));
  return absl::StrCat("<td class=\"num\" title=\"", fraction, "\">", FormatPercent(rate),
                      " <span class=\"frac\">(", fraction, ")</span></td>");
}

}  // namespace lienthong::console
