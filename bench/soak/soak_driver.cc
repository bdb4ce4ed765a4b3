// lienthong_soak_driver: the client side of bench/run_soak.sh. For --duration it keeps a mixed
// load on one gateway over mutual TLS: dossier submissions and status moves (member motcua),
// education record upserts (member giaoduc), and durable subscribers (giaoduc) that connect,
// read for a random while, acknowledge, drop, and come back from their acknowledged cursor.
// At the end it prints every failed call by method and code, and whether every subscriber saw
// every change: no gap in the commit order, each one up to the newest change. Exit status 0
// only when no call failed and every change was delivered.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "grpcpp/client_context.h"
#include "lienthong/v1/change_feed_service.grpc.pb.h"
#include "lienthong/v1/dossier_service.grpc.pb.h"
#include "lienthong/v1/education_record_service.grpc.pb.h"
#include "services/security/client_credentials.h"
#include "services/store/change_cursor.h"
#include "tests/support/sample_dossiers.h"

ABSL_FLAG(std::string, target, "127.0.0.1:7443", "Gateway address.");
ABSL_FLAG(std::string, pki, "var/pki", "PKI folder (members/<member>.crt/.key, ca.crt).");
ABSL_FLAG(absl::Duration, duration, absl::Minutes(30), "How long to keep the load on.");
ABSL_FLAG(int, dossier_rate, 20, "Dossier submissions per second (each later moved once).");
ABSL_FLAG(int, record_rate, 100, "Education records upserted per second (10 per call).");
ABSL_FLAG(int, subscribers, 8, "Durable subscribers that connect and drop.");
ABSL_FLAG(absl::Duration, drain, absl::Seconds(20),
          "After the load: how long subscribers get to reach the newest change.");
ABSL_FLAG(uint64_t, start_index, 0, "First sample index (0: derived from the clock).");

namespace lienthong::bench {
namespace {

std::shared_ptr<grpc::Channel> Channel(const std::string& member, int id) {
  const std::string pki = absl::GetFlag(FLAGS_pki);
  auto pem = security::ReadClientTlsFiles({absl::StrCat(pki, "/members/", member, ".key"),
                                           absl::StrCat(pki, "/members/", member, ".crt"),
                                           absl::StrCat(pki, "/ca.crt")});
  if (!pem.ok()) {
    std::fprintf(stderr, "%s\n", std::string(pem.status().message()).c_str());
    std::exit(2);
  }
  grpc::ChannelArguments args;
  args.SetInt("lienthong.soak.channel", id);  // a distinct argument: its own connection
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return security::MakeMutualTlsChannel(absl::GetFlag(FLAGS_target), *pem, "", args);
}

// Calls by method and outcome code.
class Outcomes {
 public:
  void Add(const std::string& method, grpc::StatusCode code) {
    absl::MutexLock lock(&mu_);
    ++counts_[{method, code}];
  }
  // Prints every count; returns the number of failed calls.
  int64_t Print() {
    absl::MutexLock lock(&mu_);
    int64_t failed = 0;
    for (const auto& [key, count] : counts_) {
      std::printf("calls %-28s %-20s %lld\n", key.first.c_str(), CodeName(key.second),
                  static_cast<long long>(count));
      if (key.second != grpc::StatusCode::OK) failed += count;
    }
    return failed;
  }

 private:
  static const char* CodeName(grpc::StatusCode code) {
    static const char* const kNames[] = {
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
        "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
        "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
        "UNAUTHENTICATED"};
    const int i = static_cast<int>(code);
    return i >= 0 && i <= 16 ? kNames[i] : "?";
  }
  absl::Mutex mu_;
  std::map<std::pair<std::string, grpc::StatusCode>, int64_t> counts_ ABSL_GUARDED_BY(mu_);
};

void SetDeadline(grpc::ClientContext* context, absl::Duration d = absl::Seconds(20)) {
  context->set_deadline(absl::ToChronoTime(absl::Now() + d));
}

// Paces a loop at `per_second` iterations until `end`; false once the end is reached.
class Pacer {
 public:
  Pacer(double per_second, absl::Time end)
      : interval_(absl::Seconds(1) / std::max(per_second, 0.01)), next_(absl::Now()), end_(end) {}
  bool Next() {
    next_ += interval_;
    const absl::Time now = absl::Now();
    if (next_ > now) absl::SleepFor(next_ - now);
    return absl::Now() < end_;
  }

 private:
  absl::Duration interval_;
  absl::Time next_;
  absl::Time end_;
};

// Submits dossiers and moves each, about a second later, from ACCEPTED to IN_PROCESS.
void DossierLoad(uint64_t first_index, absl::Time end, Outcomes* outcomes,
                 std::atomic<int64_t>* changes) {
  auto stub = v1::DossierService::NewStub(Channel("motcua", 1000));
  struct Submitted {
    v1::Dossier dossier;
    absl::Time at;
  };
  std::vector<Submitted> to_move;
  uint64_t index = first_index;
  for (Pacer pacer(absl::GetFlag(FLAGS_dossier_rate), end); pacer.Next();) {
    {
      v1::SubmitDossierRequest request;
      *request.mutable_dossier() = demo::MakeSampleDossier(index++, absl::Now());
      v1::SubmitDossierResponse response;
      grpc::ClientContext context;
      SetDeadline(&context);
      const grpc::Status status = stub->SubmitDossier(&context, request, &response);
      outcomes->Add("SubmitDossier", status.error_code());
      if (status.ok()) {
        if (!response.already_existed()) changes->fetch_add(1);
        to_move.push_back({response.dossier(), absl::Now()});
      }
    }
    if (!to_move.empty() && absl::Now() - to_move.front().at > absl::Seconds(1)) {
      const v1::Dossier dossier = std::move(to_move.front().dossier);
      to_move.erase(to_move.begin());
      v1::UpdateDossierStatusRequest request;
      request.set_code(dossier.code());
      request.set_expected_version(dossier.version());
      request.set_new_status(v1::DOSSIER_STATUS_IN_PROCESS);
      request.set_from_unit(dossier.receiving_agency_code());
      request.set_to_unit(dossier.handling_agency_code());
      request.set_handler("Nguyễn Thị Thu Hà");
      request.set_content("Chuyển phòng chuyên môn xử lý");
      v1::Dossier response;
      grpc::ClientContext context;
      SetDeadline(&context);
      const grpc::Status status = stub->UpdateDossierStatus(&context, request, &response);
      outcomes->Add("UpdateDossierStatus", status.error_code());
      if (status.ok()) changes->fetch_add(1);
    }
  }
}

// Upserts schools and students, 10 records per call; every record is a new one or a change.
void RecordLoad(uint64_t first_index, absl::Time end, Outcomes* outcomes,
                std::atomic<int64_t>* changes) {
  auto stub = v1::EducationRecordService::NewStub(Channel("giaoduc", 1001));
  uint64_t index = first_index;
  constexpr int kPerCall = 10;
  for (Pacer pacer(absl::GetFlag(FLAGS_record_rate) / double{kPerCall}, end); pacer.Next();) {
    v1::UpsertRecordsRequest request;
    const v1::EducationRecord school = demo::MakeSampleSchool(index++);
    *request.add_records() = school;
    for (int i = 1; i < kPerCall; ++i) {
      *request.add_records() = demo::MakeSampleStudent(index++, school.school().school_code());
    }
    v1::UpsertRecordsResponse response;
    grpc::ClientContext context;
    SetDeadline(&context);
    const grpc::Status status = stub->UpsertRecords(&context, request, &response);
    outcomes->Add("UpsertRecords", status.error_code());
    if (status.ok()) changes->fetch_add(kPerCall);
  }
}

// One durable subscriber: connects, reads for 3 to 30 s (acknowledging every second), drops,
// and comes back from its acknowledged cursor, until the load and the drain are over. Changes
// arrive again after a reconnect (those after the last ack): they are counted once.
class SoakSubscriber {
 public:
  SoakSubscriber(int id, Outcomes* outcomes) : id_(id), outcomes_(outcomes) {}

  void Run(absl::Time end) {
    auto channel = Channel("giaoduc", id_);
    auto stub = v1::ChangeFeedService::NewStub(channel);
    std::mt19937 random(static_cast<uint32_t>(id_ * 7919 + 17));
    const std::string name = absl::StrCat("soak-", id_);
    while (absl::Now() < end) {
      grpc::ClientContext context;
      const absl::Duration hold = absl::Seconds(std::uniform_int_distribution<int>(3, 30)(random));
      const bool last = absl::Now() + hold >= end;
      context.set_deadline(absl::ToChronoTime(std::min(absl::Now() + hold, end)));
      v1::SubscribeRequest request;
      request.set_subscription_name(name);
      request.set_max_events_per_message(64);
      auto reader = stub->Subscribe(&context, request);
      v1::SubscribeResponse response;
      absl::Time last_ack = absl::Now();
      while (reader->Read(&response)) {
        if (response.has_event()) Take(response.event());
        for (const auto& event : response.events().events()) Take(event);
        if (absl::Now() - last_ack > absl::Seconds(1)) {
          Ack(stub.get(), name);
          last_ack = absl::Now();
        }
      }
      const grpc::Status status = reader->Finish();
      // The stream ends at its deadline: that is the drop, not a failure.
      outcomes_->Add(status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED
                         ? "Subscribe (dropped)" : "Subscribe",
                     status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED
                         ? grpc::StatusCode::OK : status.error_code());
      Ack(stub.get(), name);
      ++sessions_;
      if (last) break;
    }
  }

  int64_t first() const { return first_; }
  int64_t highest() const { return highest_; }
  int64_t distinct() const { return distinct_; }
  int64_t gaps() const { return gaps_; }
  int64_t sessions() const { return sessions_; }

 private:
  void Take(const v1::ChangeEvent& event) {
    auto cursor = store::DecodeCursor(event.cursor());
    if (!cursor.ok()) {
      ++gaps_;  // a cursor that does not read is as bad as a lost change
      return;
    }
    const int64_t seq = cursor->seq;
    if (seq <= highest_) return;  // again after a reconnect
    if (highest_ != 0 && seq != highest_ + 1) {
      std::fprintf(stderr, "subscriber %d: gap after %lld: next is %lld\n", id_,
                   static_cast<long long>(highest_), static_cast<long long>(seq));
      ++gaps_;
    }
    if (first_ == 0) first_ = seq;
    highest_ = seq;
    ++distinct_;
    last_cursor_ = event.cursor();
  }

  void Ack(v1::ChangeFeedService::Stub* stub, const std::string& name) {
    if (last_cursor_.empty()) return;
    v1::AckRequest request;
    request.set_subscription_name(name);
    request.set_cursor(last_cursor_);
    v1::AckResponse response;
    grpc::ClientContext context;
    SetDeadline(&context);
    outcomes_->Add("Ack", stub->Ack(&context, request, &response).error_code());
  }

  const int id_;
  Outcomes* outcomes_;
  int64_t first_ = 0;
  int64_t highest_ = 0;
  int64_t distinct_ = 0;
  int64_t gaps_ = 0;
  int64_t sessions_ = 0;
  std::string last_cursor_;
};

int Run() {
  Outcomes outcomes;
  std::atomic<int64_t> changes{0};
  uint64_t index = absl::GetFlag(FLAGS_start_index);
  if (index == 0) index = static_cast<uint64_t>(absl::ToUnixSeconds(absl::Now()) % 100000) * 100000;
  const absl::Time load_end = absl::Now() + absl::GetFlag(FLAGS_duration);
  const absl::Time end = load_end + absl::GetFlag(FLAGS_drain);

  // Subscribers first: each durable subscription is created at the head before any write.
  std::vector<std::unique_ptr<SoakSubscriber>> subscribers;
  std::vector<std::thread> threads;
  for (int i = 0; i < absl::GetFlag(FLAGS_subscribers); ++i) {
    subscribers.push_back(std::make_unique<SoakSubscriber>(i, &outcomes));
  }
  for (auto& s : subscribers) threads.emplace_back([&s, end] { s->Run(end); });
  absl::SleepFor(absl::Seconds(3));
  std::thread dossiers(DossierLoad, index, load_end, &outcomes, &changes);
  std::thread records(RecordLoad, index + 50'000'000, load_end, &outcomes, &changes);
  dossiers.join();
  records.join();
  std::printf("load over: %lld changes acknowledged to writers\n",
              static_cast<long long>(changes.load()));
  std::fflush(stdout);
  for (auto& t : threads) t.join();

  const int64_t failed = outcomes.Print();
  int64_t newest = 0, oldest = 0;
  for (auto& s : subscribers) {
    newest = std::max(newest, s->highest());
    if (s->first() != 0) oldest = oldest == 0 ? s->first() : std::min(oldest, s->first());
  }
  bool delivered = newest - oldest + 1 == changes.load();
  for (size_t i = 0; i < subscribers.size(); ++i) {
    const auto& s = *subscribers[i];
    const bool all = s.gaps() == 0 && s.first() == oldest && s.highest() == newest;
    delivered = delivered && all;
    std::printf("subscriber %zu: %lld sessions, changes %lld..%lld, %lld distinct, %lld gaps%s\n",
                i, static_cast<long long>(s.sessions()), static_cast<long long>(s.first()),
                static_cast<long long>(s.highest()), static_cast<long long>(s.distinct()),
                static_cast<long long>(s.gaps()), all ? "" : "  <- MISSED CHANGES");
  }
  std::printf("changes written %lld, commit order %lld..%lld: %s\n",
              static_cast<long long>(changes.load()), static_cast<long long>(oldest),
              static_cast<long long>(newest),
              delivered ? "every change delivered to every subscriber" : "NOT all delivered");
  std::printf("failed calls: %lld\n", static_cast<long long>(failed));
  return failed == 0 && delivered ? 0 : 1;
}

}  // namespace
}  // namespace lienthong::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return lienthong::bench::Run();
}
