// Chỉ số: the reform indicators of GetDossierStats for a period, per agency and per procedure,
// the 12-month trend with the configured targets, the CSV download and the printable report.
#include <algorithm>
#include <functional>
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "services/common/proto_time.h"
#include "services/console/console_pages.h"
#include "services/console/html.h"
#include "services/console/report_period.h"
#include "services/console/svg_chart.h"
#include "services/domain/kpi_names.h"

namespace lienthong::console {
namespace {

// One indicator: a rate of GetDossierStats with its numerator and denominator.
struct Indicator {
  const char* name;   // config and CSV name (domain/kpi_names.h, which also holds the label)
  std::function<double(const v1::DossierKpis&)> rate;
  std::function<int64_t(const v1::DossierKpis&)> numerator;
  std::function<int64_t(const v1::DossierKpis&)> denominator;
  const char* color;
};

const std::vector<Indicator>& Indicators() {
  using K = v1::DossierKpis;
  static const auto* const kIndicators = new std::vector<Indicator>{
      {"online_rate", [](const K& k) { return k.online_rate(); },
       [](const K& k) { return k.received_online(); }, [](const K& k) { return k.received(); },
       "#1f6feb"},
      {"on_time_rate", [](const K& k) { return k.on_time_rate(); },
       [](const K& k) { return k.finished_early() + k.finished_on_time(); },
       [](const K& k) { return k.finished(); }, "#2d7d46"},
      {"postal_rate",
       [](const K& k) { return k.postal_rate(); },
       [](const K& k) { return k.received_or_returned_postal(); },
       [](const K& k) { return k.received(); }, "#8e44ad"},
      {"online_payment_rate",
       [](const K& k) { return k.online_payment_rate(); }, [](const K& k) { return k.paid_online(); },
       [](const K& k) { return k.carrying_fees(); }, "#d35400"},
      {"digitisation_rate", [](const K& k) { return k.digitisation_rate(); },
       [](const K& k) { return k.digitised(); }, [](const K& k) { return k.received(); },
       "#16a085"},
      {"electronic_result_rate",
       [](const K& k) { return k.electronic_result_rate(); },
       [](const K& k) { return k.electronic_results(); },
       [](const K& k) { return k.finished_with_result(); }, "#7f8c8d"},
      {"reused_data_rate", [](const K& k) { return k.reused_data_rate(); },
       [](const K& k) { return k.reused_data(); }, [](const K& k) { return k.received(); },
       "#c0392b"},
      {"online_rate_of_offered",
       [](const K& k) { return k.online_rate_of_offered(); },
       [](const K& k) { return k.received_online_of_offered(); },
       [](const K& k) { return k.received_offered_online(); }, "#2c3e50"},
      {"electronic_exchange_rate",
       [](const K& k) { return k.electronic_exchange_rate(); },
       [](const K& k) { return k.exchanged_electronically(); },
       [](const K& k) { return k.inter_agency(); }, "#b7950b"},
  };
  return *kIndicators;
}

std::string LabelOf(const Indicator& indicator) {
  for (const domain::KpiRateName& known : domain::kKpiRateNames) {
    if (known.name == indicator.name) return std::string(known.label);
  }
  return indicator.name;
}

const Indicator* FindIndicator(const std::string& name) {
  for (const Indicator& indicator : Indicators()) {
    if (name == indicator.name) return &indicator;
  }
  return nullptr;
}

std::string QueryString(const std::map<std::string, std::string>& query) {
  std::vector<std::string> parts;
  for (const auto& [key, value] : query) parts.push_back(absl::StrCat(key, "=", UrlEncode(value)));
  return absl::StrJoin(parts, "&");
}

// The agency and procedure the page is narrowed to (co-quan, thu-tuc); empty for all.
struct Scope {
  std::string agency;
  std::string procedure;
};

std::string ParamOf(const std::multimap<std::string, std::string>& params, const std::string& key) {
  auto it = params.find(key);
  return it == params.end() ? "" : it->second;
}

absl::StatusOr<v1::GetDossierStatsResponse> StatsFor(ConsoleBackend& backend,
                                                     const std::string& member, const Scope& scope,
                                                     absl::Time from, absl::Time to) {
  v1::GetDossierStatsRequest request;
  ToProtoTimestamp(from, request.mutable_from());
  ToProtoTimestamp(to, request.mutable_to());
  request.set_agency_code(scope.agency);
  request.set_procedure_code(scope.procedure);
  return backend.GetDossierStats(member, request);
}

// The period form: the kind and its fields, sent with GET so that a page is a link.
std::string PeriodForm(const std::multimap<std::string, std::string>& params,
                       const ReportPeriod* period) {
  auto value = [&](const std::string& key, const std::string& fallback) {
    auto it = params.find(key);
    if (it != params.end()) return Escape(it->second);
    if (period != nullptr) {
      auto q = period->query.find(key);
      if (q != period->query.end()) return Escape(q->second);
    }
    return Escape(fallback);
  };
  const std::string kind = value("ky", "thang");
  auto option = [&](const char* v, const char* label) {
    return absl::StrCat("<option value=\"", v, "\"", kind == v ? " selected" : "", ">", label,
                        "</option>");
  };
  return absl::StrCat(
      "<form class=\"filters\" method=\"get\" action=\"/chi-so\"><label>Kỳ báo cáo <select "
      "name=\"ky\" id=\"ky\">",
      option("thang", "Tháng"), option("quy", "Quý"), option("nam", "Năm"),
      option("tuy-chon", "Tùy chọn"),
      "</select></label><label>Năm <input name=\"nam\" id=\"nam\" size=\"5\" value=\"",
      value("nam", ""), "\"></label><label>Tháng <input name=\"thang\" id=\"thang\" size=\"3\" value=\"",
      value("thang", ""), "\"></label><label>Quý <input name=\"quy\" id=\"quy\" size=\"2\" value=\"",
      value("quy", ""),
      "\"></label><label>Từ ngày <input name=\"tu\" id=\"tu\" size=\"10\" placeholder=\"2026-11-01\" "
      "value=\"",
      value("tu", ""),
      "\"></label><label>Đến ngày <input name=\"den\" id=\"den\" size=\"10\" "
      "placeholder=\"2026-11-30\" value=\"",
      value("den", ""),
      "\"></label><label>Cơ quan <input name=\"co-quan\" id=\"co-quan\" size=\"14\" value=\"",
      value("co-quan", ""),
      "\"></label><label>Thủ tục <input name=\"thu-tuc\" id=\"thu-tuc\" size=\"10\" value=\"",
      value("thu-tuc", ""), "\"></label><button type=\"submit\">Xem</button></form>");
}

// The table of every indicator for one group (the whole scope).
std::string SummaryTable(const v1::DossierKpis& k) {
  Table table;
  table.id = "tong-hop";
  table.header = {"Chỉ số", "Giá trị (tử số / mẫu số)"};
  for (const Indicator& indicator : Indicators()) {
    table.rows.push_back({absl::StrCat("<td>", LabelOf(indicator), "</td>"),
                          RateCell(indicator.rate(k), indicator.numerator(k),
                                   indicator.denominator(k))});
  }
  auto count_row = [&](const char* label, int64_t value, const char* id) {
    table.rows.push_back({absl::StrCat("<td>", label, "</td>"),
                          absl::StrCat("<td class=\"num\" id=\"", id, "\">", FormatCount(value),
                                       "</td>")});
  };
  count_row("Số hồ sơ tiếp nhận", k.received(), "so-tiep-nhan");
  count_row("Số hồ sơ đã giải quyết", k.finished(), "so-da-giai-quyet");
  count_row("Trong đó: trước hạn", k.finished_early(), "so-truoc-han");
  count_row("Trong đó: đúng hạn", k.finished_on_time(), "so-dung-han");
  count_row("Trong đó: quá hạn", k.finished_late(), "so-qua-han");
  count_row("Số hồ sơ quá hạn đang xử lý (cuối kỳ)", k.overdue_in_process(), "so-qua-han-dang-xu-ly");
  return RenderTable(table);
}

// One row per group (agency or procedure), the main indicators as columns.
std::string GroupTable(const std::string& id, const std::string& first_column,
                       const google::protobuf::Map<std::string, v1::DossierKpis>& groups) {
  Table table;
  table.id = id;
  table.header = {first_column,       "Tiếp nhận", "Trực tuyến", "Bưu chính", "Đã giải quyết",
                  "Đúng hạn",         "Quá hạn đang xử lý", "Thanh toán trực tuyến", "Số hóa"};
  std::vector<std::string> keys;
  for (const auto& [key, kpis] : groups) keys.push_back(key);
  std::sort(keys.begin(), keys.end());
  for (const std::string& key : keys) {
    const v1::DossierKpis& k = groups.at(key);
    table.rows.push_back({
        absl::StrCat("<td>", Escape(key), "</td>"),
        absl::StrCat("<td class=\"num\">", FormatCount(k.received()), "</td>"),
        RateCell(k.online_rate(), k.received_online(), k.received()),
        RateCell(k.postal_rate(), k.received_or_returned_postal(), k.received()),
        absl::StrCat("<td class=\"num\">", FormatCount(k.finished()), "</td>"),
        RateCell(k.on_time_rate(), k.finished_early() + k.finished_on_time(), k.finished()),
        absl::StrCat("<td class=\"num\">", FormatCount(k.overdue_in_process()), "</td>"),
        RateCell(k.online_payment_rate(), k.paid_online(), k.carrying_fees()),
        RateCell(k.digitisation_rate(), k.digitised(), k.received()),
    });
  }
  return RenderTable(table);
}

struct IndicatorData {
  ReportPeriod period;
  Scope scope;
  v1::GetDossierStatsResponse stats;
  std::vector<MonthSpan> months;
  std::vector<v1::DossierKpis> trend;  // one per month
};

absl::StatusOr<IndicatorData> LoadIndicators(ConsoleBackend& backend, const PageRequest& request,
                                             bool with_trend) {
  IndicatorData data;
  auto period = ParseReportPeriod(request.params, request.now);
  if (!period.ok()) return period.status();
  data.period = std::move(*period);
  data.scope = {ParamOf(request.params, "co-quan"), ParamOf(request.params, "thu-tuc")};
  // The links (CSV, report) keep the scope.
  if (!data.scope.agency.empty()) data.period.query["co-quan"] = data.scope.agency;
  if (!data.scope.procedure.empty()) data.period.query["thu-tuc"] = data.scope.procedure;
  auto stats = StatsFor(backend, request.member, data.scope, data.period.from, data.period.to);
  if (!stats.ok()) return stats.status();
  data.stats = std::move(*stats);
  if (with_trend) {
    data.months = TrendMonths(data.period);
    for (const MonthSpan& month : data.months) {
      if (month.from == data.period.from && month.to == data.period.to) {
        data.trend.push_back(data.stats.total());  // the period is this month: asked already
        continue;
      }
      auto month_stats = StatsFor(backend, request.member, data.scope, month.from, month.to);
      if (!month_stats.ok()) return month_stats.status();
      data.trend.push_back(month_stats->total());
    }
  }
  return data;
}

std::string TrendChart(const IndicatorData& data, const ConsoleSettings& settings) {
  RateChart chart;
  chart.id = "bieu-do-xu-huong";
  chart.title = "Xu hướng 12 tháng";
  chart.width = 980;
  chart.height = 380;
  for (const MonthSpan& month : data.months) chart.x_labels.push_back(month.label);
  // The four the reform reports lead with, and every other one the config sets a target for
  // (so that each target is drawn beside its series).
  std::vector<std::string> names = {"online_rate", "on_time_rate", "digitisation_rate",
                                    "online_payment_rate"};
  for (const Indicator& indicator : Indicators()) {
    if (settings.targets.count(indicator.name) > 0 &&
        std::find(names.begin(), names.end(), indicator.name) == names.end()) {
      names.push_back(indicator.name);
    }
  }
  for (const std::string& name : names) {
    const Indicator& indicator = *FindIndicator(name);
    RateSeries series;
    series.name = LabelOf(indicator);
    series.color = indicator.color;
    for (const v1::DossierKpis& k : data.trend) {
      series.points.push_back({indicator.rate(k), indicator.numerator(k), indicator.denominator(k)});
    }
    chart.series.push_back(std::move(series));
    auto target = settings.targets.find(name);
    if (target != settings.targets.end()) {
      chart.targets.push_back(
          {absl::StrCat("Chỉ tiêu: ", LabelOf(indicator)), indicator.color, target->second});
    }
  }
  return RenderRateChart(chart);
}

std::string Cards(const v1::DossierKpis& k) {
  auto card = [](const std::string& id, const std::string& value, const std::string& label,
                 const std::string& fraction) {
    return absl::StrCat("<div class=\"card\" id=\"", id, "\" title=\"", fraction,
                        "\"><div class=\"value\">", value, "</div><div class=\"label\">", label,
                        "</div><div class=\"frac\">", fraction, "</div></div>");
  };
  auto fraction = [](int64_t n, int64_t d) { return absl::StrCat(FormatCount(n), " / ", FormatCount(d)); };
  return absl::StrCat(
      "<div class=\"cards\">",
      card("the-truc-tuyen", FormatPercent(k.online_rate()), "Tỷ lệ hồ sơ trực tuyến",
           fraction(k.received_online(), k.received())),
      card("the-dung-han", FormatPercent(k.on_time_rate()), "Tỷ lệ giải quyết đúng hạn",
           fraction(k.finished_early() + k.finished_on_time(), k.finished())),
      card("the-qua-han", FormatCount(k.overdue_in_process()), "Hồ sơ quá hạn đang xử lý",
           "cuối kỳ hoặc hiện tại"),
      card("the-so-hoa", FormatPercent(k.digitisation_rate()), "Tỷ lệ số hóa hồ sơ",
           fraction(k.digitised(), k.received())),
      "</div>");
}

}  // namespace

PageResponse IndicatorsPage(ConsoleBackend& backend, const ConsoleSettings& settings,
                            const PageRequest& request) {
  const char* const kTitle = "Chỉ số cải cách hành chính";
  auto data = LoadIndicators(backend, request, /*with_trend=*/true);
  if (!data.ok()) {
    if (data.status().code() == absl::StatusCode::kInvalidArgument) {
      PageResponse response = ErrorPage(request.member, kTitle, data.status());
      // The form stays, so the person can correct the period.
      PageFrame frame{kTitle, Page::kIndicators, request.member};
      response.body = RenderPage(frame, absl::StrCat(PeriodForm(request.params, nullptr),
                                                     ErrorBox(data.status().message())));
      return response;
    }
    return ErrorPage(request.member, kTitle, data.status());
  }
  const std::string query = QueryString(data->period.query);
  const v1::DossierKpis& total = data->stats.total();
  std::string scope_line;
  if (!data->scope.agency.empty() || !data->scope.procedure.empty()) {
    scope_line = absl::StrCat("<p id=\"pham-vi\">Phạm vi: ",
                              data->scope.agency.empty() ? "" : "cơ quan " + Escape(data->scope.agency),
                              data->scope.agency.empty() || data->scope.procedure.empty() ? "" : ", ",
                              data->scope.procedure.empty() ? "" : "thủ tục " + Escape(data->scope.procedure),
                              "</p>");
    bool any = false;
    for (const v1::DossierKpis& month : data->trend) any = any || month.received() > 0 || month.finished() > 0;
    if (total.received() == 0 && total.finished() == 0 && total.overdue_in_process() == 0 && !any) {
      scope_line += absl::StrCat(
          "<div class=\"notice\" id=\"khong-co-ho-so\">Không có hồ sơ nào ",
          data->scope.agency.empty() ? "" : "của cơ quan " + Escape(data->scope.agency) + " ",
          data->scope.procedure.empty() ? "" : "thuộc thủ tục " + Escape(data->scope.procedure) + " ",
          "trong kỳ này và 12 tháng qua: hãy kiểm tra lại mã.</div>");
    }
  }
  std::string body = absl::StrCat(
      PeriodForm(request.params, &data->period), "<h2 id=\"ky-bao-cao\">", Escape(data->period.label),
      "</h2>", scope_line, Cards(total), "<p class=\"noprint\"><a id=\"tai-csv\" href=\"/chi-so.csv?", Escape(query),
      "\">Tải xuống CSV</a> · <a id=\"bao-cao-in\" href=\"/chi-so/bao-cao?", Escape(query),
      "\">Báo cáo để in (A4)</a></p>", "<h2>Tổng hợp</h2>", SummaryTable(total),
      "<h2>Xu hướng 12 tháng</h2>", TrendChart(*data, settings),
      "<h2>Theo cơ quan tiếp nhận</h2>",
      GroupTable("theo-co-quan", "Cơ quan", data->stats.by_agency()),
      "<h2>Theo thủ tục hành chính</h2>",
      GroupTable("theo-thu-tuc", "Thủ tục", data->stats.by_procedure()));
  PageResponse response;
  response.body = RenderPage({kTitle, Page::kIndicators, request.member}, body);
  return response;
}

PageResponse IndicatorsReport(ConsoleBackend& backend, const ConsoleSettings& settings,
                              const PageRequest& request) {
  const char* const kTitle = "Báo cáo chỉ số cải cách hành chính";
  auto data = LoadIndicators(backend, request, /*with_trend=*/true);
  if (!data.ok()) return ErrorPage(request.member, kTitle, data.status());
  const v1::DossierKpis& total = data->stats.total();
  std::string body = absl::StrCat(
      "<p id=\"ky-bao-cao\"><b>Kỳ báo cáo:</b> ", Escape(data->period.label), " (từ ",
      FormatDate(data->period.from), " đến hết ", FormatDate(data->period.to - absl::Hours(1)),
      ")<br><b>Lập lúc:</b> ", FormatDateTime(request.now), " · <b>Người xem:</b> ",
      Escape(request.member), "</p>", "<h2>1. Tổng hợp</h2>", SummaryTable(total),
      "<h2>2. Xu hướng 12 tháng</h2>", TrendChart(*data, settings),
      "<h2>3. Theo cơ quan tiếp nhận</h2>",
      GroupTable("theo-co-quan", "Cơ quan", data->stats.by_agency()),
      "<h2>4. Theo thủ tục hành chính</h2>",
      GroupTable("theo-thu-tuc", "Thủ tục", data->stats.by_procedure()),
      "<p class=\"noprint\">In trang này bằng lệnh In của trình duyệt (Ctrl+P): khổ A4.</p>");
  PageResponse response;
  PageFrame frame{kTitle, Page::kIndicators, request.member, /*printable=*/true};
  response.body = RenderPage(frame, body);
  return response;
}

PageResponse IndicatorsCsv(ConsoleBackend& backend, const PageRequest& request) {
  auto data = LoadIndicators(backend, request, /*with_trend=*/false);
  if (!data.ok()) return ErrorPage(request.member, "Tải xuống CSV", data.status());
  // One row per group and indicator: the numbers themselves, machine-readable (dot decimals),
  // with a UTF-8 byte order mark so that spreadsheet programs read the Vietnamese text right.
  std::string csv = "\xEF\xBB\xBFky_bao_cao,tu,den,nhom,ma,chi_so,ten_chi_so,tu_so,mau_so,ty_le\r\n";
  auto quote = [](const std::string& text) {
    // A cell that starts like a formula is kept as text by spreadsheet programs.
    std::string out = !text.empty() && std::string("=+-@").find(text[0]) != std::string::npos
                          ? "\"'"
                          : "\"";
    for (char c : text) out += (c == '"') ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
  };
  const std::string from = absl::FormatTime("%Y-%m-%d", data->period.from, VietnamTime());
  const std::string to =
      absl::FormatTime("%Y-%m-%d", data->period.to - absl::Hours(1), VietnamTime());
  auto rows = [&](const std::string& group, const std::string& code, const v1::DossierKpis& k) {
    for (const Indicator& indicator : Indicators()) {
      absl::StrAppend(&csv, quote(data->period.label), ",", from, ",", to, ",", group, ",",
                      quote(code), ",", indicator.name, ",", quote(LabelOf(indicator)), ",",
                      indicator.numerator(k), ",", indicator.denominator(k), ",",
                      absl::StrFormat("%.6f", indicator.rate(k)), "\r\n");
    }
    absl::StrAppend(&csv, quote(data->period.label), ",", from, ",", to, ",", group, ",",
                    quote(code), ",overdue_in_process,",
                    quote("Số hồ sơ quá hạn đang xử lý"), ",", k.overdue_in_process(), ",,\r\n");
  };
  rows("tong", "", data->stats.total());
  std::map<std::string, v1::DossierKpis> agencies(data->stats.by_agency().begin(),
                                                  data->stats.by_agency().end());
  for (const auto& [code, k] : agencies) rows("co_quan", code, k);
  std::map<std::string, v1::DossierKpis> procedures(data->stats.by_procedure().begin(),
                                                    data->stats.by_procedure().end());
  for (const auto& [code, k] : procedures) rows("thu_tuc", code, k);
  PageResponse response;
  response.content_type = "text/csv; charset=utf-8";
  response.body = std::move(csv);
  response.download_name = absl::StrCat("chi-so-", from, "-", to, ".csv");
  return response;
}

}  // namespace lienthong::console
