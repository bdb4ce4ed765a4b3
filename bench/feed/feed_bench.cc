// lienthong_feed_bench: commit-to-delivery latency of the change feed with N subscribers at a
// fixed write rate (mode latency), or N idle subscribers held open (mode idle, for memory).
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/wire_format_lite.h"
#include "grpcpp/client_context.h"
#include "grpcpp/generic/generic_stub.h"
#include "lienthong/v1/change_feed_service.grpc.pb.h"
#include "lienthong/v1/education_record_service.grpc.pb.h"
#include "services/security/client_credentials.h"
#include "tests/support/sample_dossiers.h"

ABSL_FLAG(std::string, target, "127.0.0.1:7443", "Gateway address (the subscribers').");
ABSL_FLAG(std::string, write_target, "",
          "latency: the gateway the writes go to; empty: --target. Another replica on the same "
          "PostgreSQL store measures the delivery of changes that replica committed.");
ABSL_FLAG(std::string, pki, "var/pki", "PKI folder (members/<member>.crt/.key, ca.crt).");
ABSL_FLAG(std::string, member, "giaoduc", "Member certificate (writes schools, subscribes).");
ABSL_FLAG(std::string, mode, "latency", "latency | idle");
ABSL_FLAG(int, subscribers, 100, "Subscriber streams.");
ABSL_FLAG(int, channels, 4, "Separate connections the subscribers are spread over.");
ABSL_FLAG(int, rate, 2000, "latency: events written per second.");
ABSL_FLAG(int, batch, 20, "latency: records per UpsertRecords (one commit).");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(10), "latency: how long to write.");
ABSL_FLAG(absl::Duration, hold, absl::Seconds(10), "idle: how long to hold the streams open.");
ABSL_FLAG(uint64_t, start_index, 0, "First sample index (0: derived from the clock).");
ABSL_FLAG(uint32_t, max_events_per_message, 1,
          "SubscribeRequest.max_events_per_message: 1 = one event per message, more = batches.");

namespace lienthong::bench {
namespace {

std::shared_ptr<grpc::Channel> Channel(int id,
                                      const std::string& target = absl::GetFlag(FLAGS_target)) {
  const std::string pki = absl::GetFlag(FLAGS_pki);
  const std::string member = absl::GetFlag(FLAGS_member);
  auto pem = security::ReadClientTlsFiles({absl::StrCat(pki, "/members/", member, ".key"),
                                           absl::StrCat(pki, "/members/", member, ".crt"),
                                           absl::StrCat(pki, "/ca.crt")});
  if (!pem.ok()) {
    std::fprintf(stderr, "%s\n", std::string(pem.status().message()).c_str());
    std::exit(1);
  }
  grpc::ChannelArguments args;
  args.SetInt("lienthong.bench.channel", id);  // a distinct argument: its own connection
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return security::MakeMutualTlsChannel(target, *pem, "", args);
}

// The commit times of the events in one serialized SubscribeResponse, read straight off the
// wire: a subscriber of the bench stands in for a sector database on another machine, so it
// must not spend this machine's CPU building every record (a full parse costs the bench client
// about twice what the gateway spends delivering). False when the bytes do not parse.
bool CommitTimesOf(absl::string_view wire, std::vector<absl::Time>* times) {
  using google::protobuf::internal::WireFormatLite;
  using google::protobuf::io::CodedInputStream;
  // Field `number` (length-delimited) of the message in `in`, each occurrence, to `each`.
  auto for_each_field = [](absl::string_view message, int number, auto&& each) {
    CodedInputStream in(reinterpret_cast<const uint8_t*>(message.data()),
                        static_cast<int>(message.size()));
    for (uint32_t tag = in.ReadTag(); tag != 0; tag = in.ReadTag()) {
      if (WireFormatLite::GetTagFieldNumber(tag) == number &&
          WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
        uint32_t length = 0;
        if (!in.ReadVarint32(&length)) return false;
        const int at = in.CurrentPosition();
        if (!in.Skip(static_cast<int>(length))) return false;
        if (!each(message.substr(static_cast<size_t>(at), length))) return false;
      } else if (!WireFormatLite::SkipField(&in, tag)) {
        return false;
      }
    }
    return in.CurrentPosition() == static_cast<int>(message.size());
  };
  auto commit_time = [&](absl::string_view event) {
    return for_each_field(event, v1::ChangeEvent::kCommitTimeFieldNumber,
                          [&](absl::string_view timestamp) {
                            google::protobuf::Timestamp t;
                            if (!t.ParseFromArray(timestamp.data(), static_cast<int>(timestamp.size()))) {
                              return false;
                            }
                            times->push_back(absl::FromUnixSeconds(t.seconds()) +
                                             absl::Nanoseconds(t.nanos()));
                            return true;
                          });
  };
  return for_each_field(wire, v1::SubscribeResponse::kEventFieldNumber, commit_time) &&
         for_each_field(wire, v1::SubscribeResponse::kEventsFieldNumber,
                        [&](absl::string_view batch) {
                          return for_each_field(batch, v1::ChangeEventBatch::kEventsFieldNumber,
                                                commit_time);
                        });
}

// One subscriber: records the delay between each event's commit time and its arrival.
class Subscriber : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  Subscriber(grpc::GenericStub* stub, const v1::SubscribeRequest& request) {
    latencies_us_.reserve(1 << 16);
    const std::string bytes = request.SerializeAsString();
    grpc::Slice slice(bytes);
    request_ = grpc::ByteBuffer(&slice, 1);
    // A server-streaming call made through the generic stub: one request, then reads.
    stub->PrepareBidiStreamingCall(&context_, "/lienthong.v1.ChangeFeedService/Subscribe",
                                   grpc::StubOptions(), this);
    StartWriteLast(&request_, grpc::WriteOptions());
    StartRead(&response_);
    StartCall();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    const absl::Time arrived = absl::Now();
    grpc::Slice slice;
    times_.clear();
    const bool parsed =
        response_.DumpToSingleSlice(&slice).ok() &&
        CommitTimesOf(absl::string_view(reinterpret_cast<const char*>(slice.begin()), slice.size()),
                      &times_);
    {
      absl::MutexLock lock(&mu_);
      if (!parsed) ++unparsed_;
      for (absl::Time committed : times_) {
        const int64_t us = absl::ToInt64Microseconds(arrived - committed);
        latencies_us_.push_back(us);
        if (us > max_us_) {
          max_us_ = us;
          max_committed_ = committed;
        }
      }
    }
    StartRead(&response_);
  }
  void OnWriteDone(bool) override {}
  void OnDone(const grpc::Status& status) override {
    absl::MutexLock lock(&mu_);
    status_ = status;
    done_ = true;
  }
  void Cancel() { context_.TryCancel(); }
  void WaitDone() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&done_));
  }
  std::vector<int64_t> TakeLatencies() {
    absl::MutexLock lock(&mu_);
    return std::move(latencies_us_);
  }
  int64_t unparsed() {
    absl::MutexLock lock(&mu_);
    return unparsed_;
  }
  // The longest delay this subscriber saw, and the commit time of that event.
  std::pair<int64_t, absl::Time> Slowest() {
    absl::MutexLock lock(&mu_);
    return {max_us_, max_committed_};
  }

 private:
  grpc::ClientContext context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  std::vector<absl::Time> times_;  // reactor callbacks for one call never overlap
  absl::Mutex mu_;
  std::vector<int64_t> latencies_us_ ABSL_GUARDED_BY(mu_);
  int64_t unparsed_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t max_us_ ABSL_GUARDED_BY(mu_) = -1;
  absl::Time max_committed_ ABSL_GUARDED_BY(mu_);
  grpc::Status status_;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
};

double Percentile(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t i = std::min(sorted.size() - 1, static_cast<size_t>(p * sorted.size()));
  return sorted[i] / 1000.0;
}

int Run() {
  const int n = absl::GetFlag(FLAGS_subscribers);
  const int channels = std::max(1, absl::GetFlag(FLAGS_channels));
  std::vector<std::shared_ptr<grpc::Channel>> pool;
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs;
  for (int i = 0; i < channels; ++i) {
    pool.push_back(Channel(i));
    stubs.push_back(std::make_unique<grpc::GenericStub>(pool.back()));
  }
  const bool idle = absl::GetFlag(FLAGS_mode) == "idle";
  v1::SubscribeRequest request;  // from now
  if (idle) request.add_record_types(v1::RECORD_TYPE_DIPLOMA);  // nothing will match
  request.set_max_events_per_message(absl::GetFlag(FLAGS_max_events_per_message));
  std::vector<std::unique_ptr<Subscriber>> subscribers;
  for (int i = 0; i < n; ++i) {
    subscribers.push_back(std::make_unique<Subscriber>(stubs[i % channels].get(), request));
  }
  absl::SleepFor(absl::Seconds(2));  // let every stream reach the gateway

  if (idle) {
    std::printf("IDLE_OPEN %d\n", n);
    std::fflush(stdout);
    absl::SleepFor(absl::GetFlag(FLAGS_hold));
  } else {
    const std::string write_target = absl::GetFlag(FLAGS_write_target);
    auto writer = v1::EducationRecordService::NewStub(
        Channel(channels, write_target.empty() ? absl::GetFlag(FLAGS_target) : write_target));
    const int rate = absl::GetFlag(FLAGS_rate);
    const int batch = std::max(1, absl::GetFlag(FLAGS_batch));
    const absl::Duration interval = absl::Seconds(1) * batch / rate;
    uint64_t index = absl::GetFlag(FLAGS_start_index);
    if (index == 0) index = static_cast<uint64_t>(absl::ToUnixSeconds(absl::Now()) % 100000) * 100000;
    int64_t written = 0, failed = 0;
    const absl::Time start = absl::Now();
    const absl::Time end = start + absl::GetFlag(FLAGS_duration);
    absl::Time next = start;
    while (absl::Now() < end) {
      v1::UpsertRecordsRequest upsert;
      for (int i = 0; i < batch; ++i) *upsert.add_records() = demo::MakeSampleSchool(index++);
      grpc::ClientContext context;
      context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
      v1::UpsertRecordsResponse response;
      if (writer->UpsertRecords(&context, upsert, &response).ok()) {
        written += batch;
      } else {
        ++failed;
      }
      next += interval;
      const absl::Time now = absl::Now();
      if (next > now) absl::SleepFor(next - now);
    }
    const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
    absl::SleepFor(absl::Seconds(2));  // drain
    std::vector<int64_t> all;
    int64_t short_subscribers = 0, unparsed = 0;
    std::pair<int64_t, absl::Time> slowest{-1, absl::InfinitePast()};
    for (auto& s : subscribers) {
      unparsed += s->unparsed();
      slowest = std::max(slowest, s->Slowest());
      auto l = s->TakeLatencies();
      if (static_cast<int64_t>(l.size()) < written) ++short_subscribers;
      all.insert(all.end(), l.begin(), l.end());
    }
    std::sort(all.begin(), all.end());
    std::printf("max_events_per_message %u: ", absl::GetFlag(FLAGS_max_events_per_message));
    std::printf("subscribers %d, written %lld events in %.1f s (%.0f/s, %lld failed writes), "
                "delivered %zu (%lld subscribers missed events, %lld messages did not parse)\n",
                n, static_cast<long long>(written), seconds, written / seconds,
                static_cast<long long>(failed), all.size(), static_cast<long long>(short_subscribers),
                static_cast<long long>(unparsed));
    std::printf("commit-to-delivery ms: p50 %.2f  p99 %.2f  p999 %.2f  max %.2f\n",
                Percentile(all, 0.5), Percentile(all, 0.99), Percentile(all, 0.999),
                all.empty() ? 0 : all.back() / 1000.0);
    // Where the tail is: how many deliveries took 50 ms or more, and when the slowest event was
    // committed (a stall at the start is warm-up, one in the middle is the gateway or the host).
    const int64_t over_50ms = all.end() - std::lower_bound(all.begin(), all.end(), int64_t{50'000});
    std::printf("deliveries >= 50 ms: %lld of %zu; slowest event committed %.2f s after the first "
                "write\n",
                static_cast<long long>(over_50ms), all.size(),
                absl::ToDoubleSeconds(slowest.second - start));
    std::printf("RESULT {\"subscribers\":%d,\"rate\":%.0f,\"delivered\":%zu,\"missed_subscribers\":%lld,"
                "\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f}\n",
                n, written / seconds, all.size(), static_cast<long long>(short_subscribers),
                Percentile(all, 0.5), Percentile(all, 0.99), Percentile(all, 0.999));
  }
  for (auto& s : subscribers) s->Cancel();
  for (auto& s : subscribers) s->WaitDone();
  return 0;
}

}  // namespace
}  // namespace lienthong::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return lienthong::bench::Run();
}
