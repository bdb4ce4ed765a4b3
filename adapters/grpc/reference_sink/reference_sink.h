// ReferenceSink: a small SectorSinkService that stores what it receives as JSON lines, keyed by
// event_id (idempotent), for tests and the demo. It can pretend to be down for a while (the
// first N calls, or until a time) and refuse chosen records, to exercise the gateway's retries
// and dead letters.
#pragma once

#include <atomic>
#include <memory>
#include <set>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "adapters/jsonl/jsonl_adapter.h"
#include "grpcpp/security/server_credentials.h"
#include "lienthong/v1/sector_sink_service.grpc.pb.h"
#include "services/security/client_credentials.h"

namespace lienthong::adapters::grpc_sink {

struct ReferenceSinkOptions {
  // Where received events are appended (one JSON line each).
  std::string output_file;
  // The first this-many calls are answered UNAVAILABLE.
  int fail_first_n = 0;
  // Calls before this time are answered UNAVAILABLE.
  absl::Time fail_until = absl::InfinitePast();
  // Record keys (RecordKey.key) refused with INVALID_ARGUMENT, as a sector system refuses a
  // record it cannot take.
  std::set<std::string> reject_keys;
};

// Mutual-TLS server credentials for a sink: its own key and certificate (checked to match and to
// chain to `files.ca_file` first), client certificates required and verified against
// `files.ca_file`.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> SinkServerCredentials(
    const security::ClientTlsFiles& files);

class ReferenceSink final : public v1::SectorSinkService::CallbackService {
 public:
  explicit ReferenceSink(ReferenceSinkOptions options);

  grpc::ServerUnaryReactor* ApplyChanges(grpc::CallbackServerContext* context,
                                         const v1::ApplyChangesRequest* request,
                                         v1::ApplyChangesResponse* response) override;

  // Replaces the refused keys (tests: "the sector system was fixed").
  void SetRejectKeys(std::set<std::string> keys);
  // Calls received, and those answered with an error on purpose.
  int calls() const { return calls_.load(); }
  int failed_calls() const { return failed_calls_.load(); }

 private:
  absl::Status Handle(const v1::ApplyChangesRequest& request, v1::ApplyChangesResponse* response);

  const ReferenceSinkOptions options_;
  jsonl::JsonlAdapter store_;
  std::atomic<int> calls_{0};
  std::atomic<int> failed_calls_{0};
  absl::Mutex mu_;
  std::set<std::string> reject_keys_ ABSL_GUARDED_BY(mu_);
};

}  // namespace lienthong::adapters::grpc_sink
