// The closed loop: slots that reissue from their own completion callback.
#include "bench/loadgen/closed_loop.h"

#include <time.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <utility>

#include "absl/synchronization/blocking_counter.h"
#include "grpcpp/client_context.h"

namespace lienthong::bench {
namespace {

using Clock = std::chrono::steady_clock;

// CPU time this process has used so far, all threads, user + system.
absl::Duration ProcessCpuTime() {
  timespec now{};
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now) != 0) return absl::ZeroDuration();
  return absl::DurationFromTimespec(now);
}

// What every slot shares: the window, the stop signal, the sequence counter.
struct LoopState {
  const ClosedLoopOptions* options;
  const PrepareSubmission* prepare;
  Clock::time_point window_start;
  Clock::time_point window_end;
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> next_sequence{0};
  absl::BlockingCounter idle_slots;

  LoopState(const ClosedLoopOptions* o, const PrepareSubmission* p, int slots)
      : options(o), prepare(p), idle_slots(slots) {}
};

// One call in flight at a time. Only the callback of the slot's own call touches the slot after
// it starts, so its measurements need no lock.
class SubmitSlot {
 public:
  SubmitSlot(LoopState* loop, v1::DossierService::Stub* stub,
             std::vector<v1::SubmitDossierRequest> bodies)
      : loop_(loop), stub_(stub), bodies_(std::move(bodies)) {}

  // Sends the next call, or retires the slot once the loop is stopping.
  void Issue() {
    if (loop_->stop.load(std::memory_order_acquire)) {
      loop_->idle_slots.DecrementCount();
      return;
    }
    v1::SubmitDossierRequest* request = &bodies_[next_body_];
    next_body_ = (next_body_ + 1) % bodies_.size();
    (*loop_->prepare)(loop_->next_sequence.fetch_add(1, std::memory_order_relaxed), request);
    context_ = std::make_unique<grpc::ClientContext>();
    context_->set_deadline(std::chrono::system_clock::now() +
                           absl::ToChronoMilliseconds(loop_->options->call_deadline));
    response_.Clear();
    started_ = Clock::now();
    stub_->async()->SubmitDossier(context_.get(), request, &response_,
                                  [this](grpc::Status status) { OnDone(status); });
  }

  const LoadSummary& measured() const { return measured_; }

 private:
  void OnDone(const grpc::Status& status) {
    const Clock::time_point finished = Clock::now();
    if (finished >= loop_->window_start && finished < loop_->window_end) {
      const int code = status.error_code();
      ++measured_.calls;
      ++measured_.by_code[code >= 0 && code < kGrpcCodeCount ? code : grpc::StatusCode::UNKNOWN];
      if (status.ok() && response_.already_existed()) ++measured_.already_existed;
      measured_.latencies_ns.push_back(
          std::chrono::duration_cast<std::chrono::nanoseconds>(finished - started_).count());
    }
    Issue();
  }

  LoopState* loop_;
  v1::DossierService::Stub* stub_;
  std::vector<v1::SubmitDossierRequest> bodies_;
  std::size_t next_body_ = 0;
  std::unique_ptr<grpc::ClientContext> context_;
  v1::SubmitDossierResponse response_;
  Clock::time_point started_;
  LoadSummary measured_;
};

}  // namespace

ClosedLoopResult RunSubmitDossierLoop(const ClosedLoopOptions& options,
                                      const std::vector<v1::DossierService::Stub*>& stubs,
                                      std::vector<std::vector<v1::SubmitDossierRequest>> bodies,
                                      const PrepareSubmission& prepare) {
  const int slot_count = static_cast<int>(bodies.size());
  LoopState loop(&options, &prepare, slot_count);
  std::vector<std::unique_ptr<SubmitSlot>> slots;
  slots.reserve(bodies.size());
  for (int i = 0; i < slot_count; ++i) {
    slots.push_back(std::make_unique<SubmitSlot>(&loop, stubs[i % stubs.size()],
                                                 std::move(bodies[i])));
  }

  const Clock::time_point start = Clock::now();
  loop.window_start = start + absl::ToChronoNanoseconds(options.warmup);
  loop.window_end = loop.window_start + absl::ToChronoNanoseconds(options.duration);
  for (auto& slot : slots) slot->Issue();
  std::this_thread::sleep_until(loop.window_start);
  const absl::Duration cpu_at_window_start = ProcessCpuTime();
  std::this_thread::sleep_until(loop.window_end);
  const absl::Duration cpu_in_window = ProcessCpuTime() - cpu_at_window_start;
  loop.stop.store(true, std::memory_order_release);
  loop.idle_slots.Wait();

  ClosedLoopResult result;
  result.summary.window = options.duration;
  result.summary.client_cpu = cpu_in_window;
  for (const auto& slot : slots) result.summary.Merge(slot->measured());
  result.summary.Finish();
  result.submissions = loop.next_sequence.load();
  return result;
}

}  // namespace lienthong::bench
