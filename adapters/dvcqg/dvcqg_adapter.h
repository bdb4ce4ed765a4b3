// DvcqgAdapter: delivers dossier changes to the National Public Service Portal (Cổng Dịch vụ
// công quốc gia) as the portal's DongBoHoSoMC and CapNhatTienDoHoSoMC calls (docs/dvcqg.md).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "adapters/adapter.h"
#include "adapters/dvcqg/dossier_mapping.h"
#include "adapters/dvcqg/portal_session.h"
#include "adapters/dvcqg/recent_memory.h"

namespace lienthong::adapters::dvcqg {

struct DvcqgOptions {
  PortalAccount account;
  HttpOptions http;
  PortalCodes codes;
  // Dossiers and events remembered (what the portal holds); past it, the oldest are re-sent if
  // they come again.
  size_t memory = 1 << 20;
};

// What is sent for a batch, in this order, one call per service (docs/dvcqg.md, "What is sent
// when"):
//   1. DongBoHoSoMC isUpdating:false: every dossier created in the batch, as created;
//   2. DongBoHoSoMC isUpdating:true: every dossier whose own fields (all but its status) changed
//      in the batch, or whose state the adapter does not know (after a restart), and every
//      resync, each dossier once, as the batch's newest version;
//   3. CapNhatTienDoHoSoMC: the step each status move added, in commit order.
// Parts already accepted for an event are not sent again when the engine retries the batch or
// applies it one event at a time; an event older than the version the portal holds sends its
// step only, never its older state.
class DvcqgAdapter final : public Adapter {
 public:
  explicit DvcqgAdapter(DvcqgOptions options);

  absl::Status Apply(absl::Span<const v1::ChangeEvent> events) override;

  // Logins made so far (tests, benchmarks).
  int logins();

 private:
  // Parts of an event, as a bit mask.
  // kCreateUnknown: the creation was POSTed and its answer lost (a timeout, a 5xx): the portal
  // may hold the dossier, so it is sent again as isUpdating:true, never as a second creation.
  enum Part : uint8_t { kCreate = 1, kUpdate = 2, kProgress = 4, kCreateUnknown = 8 };
  // What the portal holds of one dossier, as far as this adapter knows.
  struct Known {
    int64_t version = 0;
    size_t fingerprint = 0;  // of its own fields (all but the status)
  };
  absl::Status ApplyLocked(absl::Span<const v1::ChangeEvent> events)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  uint8_t SentParts(const std::string& event_id) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void MarkSent(const std::string& event_id, uint8_t parts) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const PortalCodes codes_;
  absl::Mutex mu_;  // Apply is called from one thread at a time; this only makes it certain
  PortalSession session_ ABSL_GUARDED_BY(mu_);
  RecentMemory<Known> known_ ABSL_GUARDED_BY(mu_);       // by dossier code
  RecentMemory<uint8_t> sent_ ABSL_GUARDED_BY(mu_);      // parts sent, by event id
};

}  // namespace lienthong::adapters::dvcqg
