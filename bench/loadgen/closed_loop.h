// A closed loop of SubmitDossier calls on gRPC's callback API: a fixed number of slots, each
// with exactly one call in flight, each completion issuing the slot's next call at once. No
// thread per call: completions run on gRPC's callback threads.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/time/time.h"
#include "bench/loadgen/load_summary.h"
#include "lienthong/v1/dossier_service.grpc.pb.h"

namespace lienthong::bench {

struct ClosedLoopOptions {
  // Calls in flight at any time (slots).
  int concurrency = 64;
  // Calls completing in the first `warmup` are not measured (connections, caches, allocators).
  absl::Duration warmup = absl::Seconds(3);
  // Length of the measured window that follows the warm-up.
  absl::Duration duration = absl::Seconds(20);
  // Deadline of each call, so that a stuck server cannot hold the run open.
  absl::Duration call_deadline = absl::Seconds(10);
};

// Makes a reused request body into submission number `sequence` (0, 1, 2, ... across all
// slots) just before it is sent; it must be cheap, it runs inside the measured loop.
using PrepareSubmission =
    std::function<void(uint64_t sequence, v1::SubmitDossierRequest* request)>;

struct ClosedLoopResult {
  LoadSummary summary;      // finished: latencies sorted
  uint64_t submissions = 0;  // sequence numbers handed out, warm-up included
};

// Runs the loop for warmup + duration and returns once every slot's last call has finished.
// Slot i sends on stubs[i % stubs.size()] and cycles through bodies[i] (which must not be
// empty); `bodies` has one entry per slot. The stubs must outlive the call.
ClosedLoopResult RunSubmitDossierLoop(const ClosedLoopOptions& options,
                                      const std::vector<v1::DossierService::Stub*>& stubs,
                                      std::vector<std::vector<v1::SubmitDossierRequest>> bodies,
                                      const PrepareSubmission& prepare);

}  // namespace lienthong::bench
