// Dossier reads: one dossier by code, keyset-paged listings, and the scan KPI statistics make.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/store/change_cursor.h"

namespace lienthong::store {

// A dossier as stored: indexed columns beside the serialized v1.Dossier.
struct DossierRow {
  std::string code;
  std::string receiving_agency;
  std::string handling_agency;
  std::string procedure_code;
  int status = 0;
  int channel = 0;
  int result_delivery = 0;
  bool paid_online = false;
  bool digitised = false;
  absl::Time received_at;
  std::optional<absl::Time> due_at;
  std::optional<absl::Time> finished_at;
  int64_t version = 0;
  ChangeCursor created_change;  // cursor of the change that created it
  std::string request_digest;  // SHA-256 of the dossier as submitted (idempotency)
  std::string payload;         // serialized lienthong.v1.Dossier
  int kpi_flags = 0;           // the payload's KPI facts (kpi_counts.h, DossierKpiFlagsOf)
};

struct DossierQuery {
  std::string agency;  // receiving or handling agency
  std::string procedure_code;
  std::vector<int> statuses;
  int channel = 0;
  std::optional<absl::Time> received_from;
  std::optional<absl::Time> received_to;
  std::optional<absl::Time> overdue_at;  // status 2 or 4 with due_at < this
  // Keyset pagination: rows strictly after (after_received_at, after_code).
  std::optional<std::pair<absl::Time, std::string>> after;
  int limit = 100;
};

// The facts KPI statistics need about one dossier.
struct DossierStatsRow {
  std::string receiving_agency;
  std::string procedure_code;
  int status = 0;
  int channel = 0;
  int result_delivery = 0;
  bool paid_online = false;
  bool digitised = false;
  absl::Time received_at;
  std::optional<absl::Time> due_at;
  std::optional<absl::Time> finished_at;
};

class DossierReads {
 public:
  virtual ~DossierReads() = default;
  virtual absl::StatusOr<std::optional<DossierRow>> GetDossier(const std::string& code) = 0;
  // In (received_at, code) order.
  virtual absl::StatusOr<std::vector<DossierRow>> ListDossiers(const DossierQuery& query) = 0;
  // Every dossier that can count in a period [from, to): received in it, finished in it, or
  // still in process with a due time before `overdue_before`.
  virtual absl::Status ScanDossierStats(absl::Time from, absl::Time to, absl::Time overdue_before,
                                        const std::string& agency,
                                        const std::string& procedure_code,
                                        const std::function<void(const DossierStatsRow&)>& fn) = 0;
};

}  // namespace lienthong::store
