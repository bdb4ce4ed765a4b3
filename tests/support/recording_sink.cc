// The recording sector sink.
#include "tests/support/recording_sink.h"

#include <chrono>
#include <memory>

#include "services/security/member_identity.h"

namespace lienthong::test {
namespace {

// A unary reactor answered from another thread after a delay, or at once when cancelled.
class DelayedAnswer : public grpc::ServerUnaryReactor {
 public:
  // Blocks the calling (answerer) thread until `delay` passes or the call is cancelled, then
  // finishes the call. The reactor may be gone as soon as Finish returns.
  void AnswerAfter(absl::Duration delay) {
    bool cancelled = false;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      cancelled = cancelled_changed_.wait_for(lock, absl::ToChronoNanoseconds(delay),
                                              [this] { return cancelled_; });
    }
    Finish(cancelled ? grpc::Status(grpc::StatusCode::CANCELLED, "cancelled while waiting")
                     : grpc::Status::OK);
  }

  void OnCancel() override {
    std::lock_guard<std::mutex> lock(mutex_);
    cancelled_ = true;
    cancelled_changed_.notify_all();
  }
  void OnDone() override { delete this; }

 private:
  std::mutex mutex_;
  std::condition_variable cancelled_changed_;
  bool cancelled_ = false;
};

}  // namespace

RecordingSink::~RecordingSink() {
  std::vector<std::thread> answerers;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    answerers.swap(answerers_);
  }
  for (std::thread& answerer : answerers) answerer.join();
}

grpc::ServerUnaryReactor* RecordingSink::ApplyChanges(grpc::CallbackServerContext* context,
                                                      const v1::ApplyChangesRequest* request,
                                                      v1::ApplyChangesResponse* response) {
  std::string member;
  if (context->auth_context() != nullptr) {
    auto id = security::MemberFromAuthContext(*context->auth_context(), options_.member_id_source);
    if (id.ok()) member = *id;
  }
  context->AddInitialMetadata(kMemberHeader, member);
  int calls = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    members_.push_back(member);
    requests_.push_back(*request);
    calls = static_cast<int>(members_.size());
    arrived_.notify_all();
  }
  response->set_applied(calls);

  if (options_.answer_delay <= absl::ZeroDuration()) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  auto* reactor = new DelayedAnswer();
  std::lock_guard<std::mutex> lock(mutex_);
  answerers_.emplace_back(
      [reactor, delay = options_.answer_delay] { reactor->AnswerAfter(delay); });
  return reactor;
}

int RecordingSink::calls() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int>(members_.size());
}

std::vector<std::string> RecordingSink::members() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return members_;
}

std::vector<v1::ApplyChangesRequest> RecordingSink::requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

bool RecordingSink::WaitForCalls(int n, absl::Duration timeout) const {
  std::unique_lock<std::mutex> lock(mutex_);
  return arrived_.wait_for(lock, absl::ToChronoNanoseconds(timeout),
                           [&] { return static_cast<int>(members_.size()) >= n; });
}

}  // namespace lienthong::test
