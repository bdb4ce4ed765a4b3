// Store: where records, their change events and the exchange log live (docs/architecture.md,
// "The store"). One interface made of one part per concern, so that a reader sees what an
// engine must implement:
//
//   write_transaction.h   StoreWrites: a call's writes + change events + exchange-log entry,
//                         one commit (group_commit.h batches them)
//   dossier_reads.h       DossierReads
//   kpi_counts.h          KpiCountReads: KPI counts kept per day and month with the dossiers
//   record_reads.h        RecordReads
//   change_log.h          ChangeLogReads: the change log in cursor order, commit listeners
//   delivery_state.h      DeliveryStateReads: subscriptions, checkpoints, dead letters
//   exchange_log_reads.h  ExchangeLogReads
//   exchange_log_timestamps.h  ExchangeLogTimestampReads: RFC 3161 tokens of the log's head
//   leases.h              LeaseStore: work one replica at a time does, with fencing
//
// Two engines implement it: SQLite (sqlite/, the embedded default: one process, one file) and
// PostgreSQL (postgres/: several replicas on one database). tests/unit/store/ holds one
// contract suite that both pass; open_store.h picks one from the config.
#pragma once

#include "absl/status/status.h"
#include "services/store/change_log.h"
#include "services/store/delivery_state.h"
#include "services/store/dossier_reads.h"
#include "services/store/exchange_log_reads.h"
#include "services/store/exchange_log_timestamps.h"
#include "services/store/kpi_counts.h"
#include "services/store/leases.h"
#include "services/store/record_reads.h"
#include "services/store/write_transaction.h"

namespace lienthong::store {

class Store : public StoreWrites,
              public DossierReads,
              public KpiCountReads,
              public RecordReads,
              public ChangeLogReads,
              public DeliveryStateReads,
              public ExchangeLogReads,
              public ExchangeLogTimestampReads,
              public LeaseStore {
 public:
  using ExchangeLogEnds = store::ExchangeLogEnds;
  ~Store() override = default;

  // OK while the store can take writes; UNAVAILABLE naming the cause while its database cannot
  // be reached (health checks report NOT_SERVING then).
  virtual absl::Status Health() { return absl::OkStatus(); }

  // Stops accepting writes, commits what is queued, and closes. Idempotent.
  virtual void Close() = 0;
};

}  // namespace lienthong::store
