// A closed-loop SubmitDossier load for tests that kill or cut off a gateway under load.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "lienthong/v1/dossier_service.grpc.pb.h"
#include "tests/support/sample_dossiers.h"
#include "tests/support/test_gateway.h"

namespace lienthong::test {

// A closed loop of `callers` asynchronous SubmitDossier callers, each submitting a new sample
// dossier as soon as its previous call is answered, until Stop(). Records the code of every
// dossier the gateway acknowledged.
class SubmitLoad {
 public:
  // Dossiers are demo::MakeSampleDossier(first_index + i, received_at) for i = 0, 1, 2...:
  // loads with index ranges far apart submit different dossiers.
  SubmitLoad(std::shared_ptr<grpc::Channel> channel, absl::Time received_at,
             uint64_t first_index = 0, absl::Duration deadline = absl::Seconds(5))
      : stub_(v1::DossierService::NewStub(std::move(channel))),
        received_at_(received_at),
        deadline_(deadline),
        next_index_(first_index) {}

  void Start(int callers) {
    for (int i = 0; i < callers; ++i) Issue();
  }
  // No new call is made after this returns; calls in flight finish on their own.
  void Stop() { stopping_ = true; }
  // Waits until no call is in flight; false after `timeout`.
  bool WaitIdle(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return in_flight_ == 0; };
    return mu_.AwaitWithTimeout(absl::Condition(&idle), timeout);
  }
  std::vector<std::string> acknowledged() {
    absl::MutexLock lock(&mu_);
    return acknowledged_;
  }
  int failed() {
    absl::MutexLock lock(&mu_);
    return failed_;
  }
  // The status codes of failed calls, counted.
  std::map<grpc::StatusCode, int> failures() {
    absl::MutexLock lock(&mu_);
    return failures_;
  }

 private:
  struct Call {
    grpc::ClientContext context;
    v1::SubmitDossierRequest request;
    v1::SubmitDossierResponse response;
  };

  void Issue() {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      ++in_flight_;
    }
    auto* call = new Call();
    *call->request.mutable_dossier() = demo::MakeSampleDossier(next_index_++, received_at_);
    SetDeadline(&call->context, deadline_);
    stub_->async()->SubmitDossier(&call->context, &call->request, &call->response,
                                  [this, call](grpc::Status status) {
                                    Finish(call, status);
                                  });
  }

  void Finish(Call* call, const grpc::Status& status) {
    {
      absl::MutexLock lock(&mu_);
      if (status.ok()) {
        acknowledged_.push_back(call->request.dossier().code());
      } else {
        ++failed_;
        ++failures_[status.error_code()];
      }
    }
    delete call;
    Issue();
    absl::MutexLock lock(&mu_);
    --in_flight_;
  }

  std::unique_ptr<v1::DossierService::Stub> stub_;
  const absl::Time received_at_;
  const absl::Duration deadline_;
  std::atomic<uint64_t> next_index_;
  std::atomic<bool> stopping_{false};
  absl::Mutex mu_;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  int failed_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<grpc::StatusCode, int> failures_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> acknowledged_ ABSL_GUARDED_BY(mu_);
};

}  // namespace lienthong::test
