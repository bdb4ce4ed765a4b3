// The console's pages (docs/console.md), each a function from a request to a response, built on
// ConsoleBackend: Chỉ số (indicators, CSV and the printable report), Hồ sơ quá hạn (overdue
// dossiers and one dossier's processing history), Vận hành (operations, with the adapter
// actions), Nhật ký trao đổi (the exchange-log search). Served by console_http.h.
#pragma once

#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/console/console_backend.h"

namespace lienthong::console {

struct ConsoleSettings {
  // Targets drawn as lines on the indicator charts, by indicator name (online_rate,
  // on_time_rate, ...; admin_http.console_targets), as rates in [0, 1].
  std::map<std::string, double> targets;
};

struct PageRequest {
  std::string member;  // who the console acts for
  std::multimap<std::string, std::string> params;  // query string or form fields
  absl::Time now;
};

struct PageResponse {
  int http_status = 200;
  std::string content_type = "text/html; charset=utf-8";
  std::string body;
  std::string download_name;  // set: Content-Disposition attachment with this file name
  std::string redirect;       // set: 303 See Other to this path
};

PageResponse HomePage(ConsoleBackend& backend, const PageRequest& request);
PageResponse IndicatorsPage(ConsoleBackend& backend, const ConsoleSettings& settings,
                            const PageRequest& request);
PageResponse IndicatorsCsv(ConsoleBackend& backend, const PageRequest& request);
PageResponse IndicatorsReport(ConsoleBackend& backend, const ConsoleSettings& settings,
                              const PageRequest& request);
PageResponse OverduePage(ConsoleBackend& backend, const PageRequest& request);
PageResponse DossierPage(ConsoleBackend& backend, const PageRequest& request);
PageResponse OperationsPage(ConsoleBackend& backend, const PageRequest& request);
// POST: hanh-dong=tam-dung|tiep-tuc|gui-lai, bo-chuyen-doi=<adapter>; then back to the page with
// the outcome.
PageResponse OperationsAction(ConsoleBackend& backend, const PageRequest& request);
PageResponse ExchangeLogPage(ConsoleBackend& backend, const PageRequest& request);

// A page for a refused or failed request: the status in words, with the right HTTP status
// (400 bad input, 403 not allowed, 404 not found, 503 the store cannot be read).
PageResponse ErrorPage(const std::string& member, const std::string& title,
                       const absl::Status& status);

}  // namespace lienthong::console
