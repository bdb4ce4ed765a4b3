// A SectorSinkService for tests that records each call: how many, the calling member, the request.
//
// It sends the member back in the "x-member" initial metadata, and can answer late.
// Registered as an extra service of an in-process gateway, it proves whether a client got as
// far as a handler. As a stand-alone server it is the remote sink of the grpc adapter.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "lienthong/config/v1/config.pb.h"
#include "lienthong/v1/sector_sink_service.grpc.pb.h"

namespace lienthong::test {

class RecordingSink final : public v1::SectorSinkService::CallbackService {
 public:
  // Initial-metadata key naming the calling member ("" when the caller has no member identity).
  static constexpr char kMemberHeader[] = "x-member";

  struct Options {
    // Where the member id is read from, as the gateway's listener reads it.
    config::v1::MemberIdSource member_id_source = config::v1::MEMBER_ID_SOURCE_URI_SAN;
    // Each answer is sent this long after the call arrives, from another thread (as a store
    // commit thread would). A call cancelled meanwhile is answered CANCELLED at once.
    absl::Duration answer_delay = absl::ZeroDuration();
  };

  RecordingSink() : RecordingSink(Options()) {}
  explicit RecordingSink(Options options) : options_(options) {}
  // Waits for delayed answers still pending.
  ~RecordingSink() override;

  // Answers OK with `applied` = the number of calls so far (this one included).
  grpc::ServerUnaryReactor* ApplyChanges(grpc::CallbackServerContext* context,
                                         const v1::ApplyChangesRequest* request,
                                         v1::ApplyChangesResponse* response) override;

  // Calls that reached the handler.
  int calls() const;
  // The member of each call, in arrival order.
  std::vector<std::string> members() const;
  // Each request, in arrival order.
  std::vector<v1::ApplyChangesRequest> requests() const;
  // Waits until at least `n` calls have reached the handler; false after `timeout`.
  bool WaitForCalls(int n, absl::Duration timeout) const;

 private:
  const Options options_;
  mutable std::mutex mutex_;
  mutable std::condition_variable arrived_;
  std::vector<std::string> members_;
  std::vector<v1::ApplyChangesRequest> requests_;
  std::vector<std::thread> answerers_;
};

}  // namespace lienthong::test
