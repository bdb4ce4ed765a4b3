// Three lienthongd replicas on one PostgreSQL (a throwaway cluster the test starts), each a
// real process on its own loopback port, under load on all of them:
// - one is killed with SIGKILL mid-load: every acknowledged dossier is stored with exactly one
//   change event, the surviving replicas stream identical sequences, a cursor from one resumes
//   on the other with no gap, the adapter the killed replica ran is taken over and every change
//   reaches the sector database once (deduplicated by event id), the exchange log verifies;
// - PostgreSQL is stopped under load and started again: calls fail fast with UNAVAILABLE,
//   health says NOT_SERVING, and service resumes without a restart.
#include <signal.h>

#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lienthong/v1/change_feed_service.grpc.pb.h"
#include "services/store/postgres/postgres_store.h"
#include "tests/support/child_process.h"
#include "tests/support/postgres_cluster.h"
#include "tests/support/register_gateway.h"
#include "tests/support/status_assertions.h"
#include "tests/support/store_scan.h"
#include "tests/support/submit_load.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_gateway.h"
#include "tests/support/test_pki.h"

namespace lienthong {
namespace {

using test::SubmitLoad;

constexpr int kCallersPerReplica = 6;
constexpr size_t kAcknowledgedBeforeKill = 600;
constexpr size_t kAcknowledgedAfterKill = 300;

// The change events a member's Subscribe stream delivers after `from_cursor` ("" = oldest),
// until it has delivered the one at `through_cursor`.
absl::StatusOr<std::vector<v1::ChangeEvent>> StreamThrough(
    const std::shared_ptr<grpc::Channel>& channel, const std::string& from_cursor,
    const std::string& through_cursor) {
  auto stub = v1::ChangeFeedService::NewStub(channel);
  grpc::ClientContext context;
  test::SetDeadline(&context, absl::Seconds(60));
  v1::SubscribeRequest request;
  if (from_cursor.empty()) {
    request.set_from_oldest(true);
  } else {
    request.set_from_cursor(from_cursor);
  }
  request.add_record_types(v1::RECORD_TYPE_DOSSIER);
  auto reader = stub->Subscribe(&context, request);
  std::vector<v1::ChangeEvent> events;
  v1::SubscribeResponse response;
  while (reader->Read(&response)) {
    if (response.has_event()) {
      events.push_back(response.event());
      if (response.event().cursor() == through_cursor) {
        context.TryCancel();
        break;
      }
    }
  }
  grpc::Status finished = reader->Finish();
  if (!events.empty() && events.back().cursor() == through_cursor) return events;
  return absl::InternalError(absl::StrCat("stream ended after ", events.size(),
                                          " events before ", through_cursor, ": ",
                                          finished.error_message()));
}

class ReplicasTest : public ::testing::Test {
 protected:
  struct Replica {
    std::string name;
    std::unique_ptr<test::ChildProcess> daemon;
    int port = 0;
    std::shared_ptr<grpc::Channel> one_stop;
    std::shared_ptr<grpc::Channel> education;
  };

  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(cluster_, test::PostgresCluster::Start());
    ASSERT_OK(cluster_->Query("CREATE SCHEMA gateway; CREATE SCHEMA sector").status());
    ASSERT_OK_AND_ASSIGN(auto pki, test::TestPki::Create(dir_.Path("pki")));
    pki_ = std::make_unique<test::TestPki>(std::move(pki));
    ASSERT_OK_AND_ASSIGN(one_stop_, pki_->IssueMember(test::kOneStopMember));
    ASSERT_OK_AND_ASSIGN(education_, pki_->IssueMember(test::kEducationMember));
  }

  void TearDown() override {
    for (auto& replica : replicas_) {
      if (replica.daemon != nullptr) (void)replica.daemon->Signal(SIGKILL);
    }
  }

  std::string StoreConninfo() const {
    return absl::StrCat(cluster_->conninfo(), " options='-c search_path=gateway'");
  }

  // Starts replica `name` of lienthongd with the POSTGRES store and a postgres adapter into
  // the sector schema, and waits until it serves.
  void StartReplica(const std::string& name) {
    config::v1::GatewayConfig config = test::MinimalGatewayConfig(*pki_, dir_.Path(name));
    test::AddRegisterSettings(&config);
    config.mutable_admin_http()->set_disabled(true);
    config.mutable_logging()->set_access_log(false);
    config.mutable_listener()->set_address(test::LoopbackTarget(0));
    auto* store = config.mutable_store();
    store->set_kind(config::v1::STORE_KIND_POSTGRES);
    store->clear_sqlite_file();
    store->mutable_postgres()->set_conninfo(StoreConninfo());
    store->mutable_postgres()->set_replica_name(name);
    store->mutable_postgres()->set_writer_connections(2);
    store->mutable_postgres()->set_reader_connections(2);
    auto* adapter = config.add_adapters();
    adapter->set_name("sector");
    adapter->set_start_from_oldest(true);
    adapter->add_record_types("dossier");
    adapter->mutable_postgres()->set_conninfo(cluster_->conninfo());
    adapter->mutable_postgres()->set_schema("sector");
    const std::string path = dir_.Path(name + ".yaml");
    ASSERT_OK(test::WriteGatewayConfigFile(path, config));
    Replica replica;
    replica.name = name;
    ASSERT_OK_AND_ASSIGN(replica.daemon,
                         test::ChildProcess::Start({LIENTHONGD_PATH, "--config", path}));
    ASSERT_OK_AND_ASSIGN(replica.port,
                         test::WaitForListeningPort(*replica.daemon, absl::Seconds(60)));
    replica.one_stop = test::MakeClientChannel(replica.port, one_stop_.pem);
    replica.education = test::MakeClientChannel(replica.port, education_.pem);
    ASSERT_OK(test::WaitForServing(replica.one_stop, absl::Seconds(60)))
        << replica.daemon->Stderr();
    replicas_.push_back(std::move(replica));
  }

  Replica* ReplicaNamed(const std::string& name) {
    for (auto& replica : replicas_) {
      if (replica.name == name) return &replica;
    }
    return nullptr;
  }

  absl::StatusOr<std::string> AdapterHolder() {
    return cluster_->QueryValue(
        "SELECT holder FROM gateway.leases WHERE name = 'adapter/sector' AND "
        "expires_at > clock_timestamp()");
  }

  test::TempDir dir_{"replicas_test"};
  std::unique_ptr<test::PostgresCluster> cluster_;
  std::unique_ptr<test::TestPki> pki_;
  test::TestMember one_stop_;
  test::TestMember education_;
  std::vector<Replica> replicas_;
};

TEST_F(ReplicasTest, AKilledReplicaLosesNoAcknowledgedWriteAndItsAdapterMovesOn) {
  for (const char* name : {"r1", "r2", "r3"}) ASSERT_NO_FATAL_FAILURE(StartReplica(name));
  const absl::Time received_at = absl::Now() - absl::Hours(2);
  // Load on every replica; dossier numbers far apart, so no two replicas submit the same one.
  std::vector<std::unique_ptr<SubmitLoad>> loads;
  const absl::Time load_started = absl::Now();
  for (size_t i = 0; i < replicas_.size(); ++i) {
    loads.push_back(std::make_unique<SubmitLoad>(replicas_[i].one_stop, received_at,
                                                 /*first_index=*/1'000'000 * (i + 1)));
    loads.back()->Start(kCallersPerReplica);
  }
  auto acknowledged = [&] {
    size_t n = 0;
    for (auto& load : loads) n += load->acknowledged().size();
    return n;
  };
  auto stop_all = [&] {
    for (auto& load : loads) load->Stop();
    for (auto& load : loads) {
      if (!load->WaitIdle(absl::Seconds(20))) (void)load.release();  // late callbacks: leak
    }
  };
  if (!test::PollUntil([&] { return acknowledged() >= kAcknowledgedBeforeKill; },
                       absl::Seconds(120))) {
    stop_all();
    FAIL() << "fewer than " << kAcknowledgedBeforeKill << " dossiers acknowledged in 120 s";
  }

  std::cerr << kAcknowledgedBeforeKill << " acknowledged in " << absl::Now() - load_started
            << " before the kill\n";
  // Kill the replica that runs the adapter, in the middle of its load.
  ASSERT_OK_AND_ASSIGN(const std::string holder, AdapterHolder());
  Replica* victim = ReplicaNamed(holder.substr(0, holder.find('#')));
  ASSERT_NE(victim, nullptr) << "holder " << holder;
  ASSERT_OK(victim->daemon->Signal(SIGKILL));
  // Its callers stop there (those in flight finish): each of their calls would now fail at once
  // and be made again, a busy loop (470,000 calls in 2 minutes under ASan) that took the CPU the
  // survivors need on a 2-core machine and failed the test under ASan.
  loads[static_cast<size_t>(victim - replicas_.data())]->Stop();
  ASSERT_OK_AND_ASSIGN(const test::ProcessExit killed, victim->daemon->Wait(absl::Seconds(10)));
  EXPECT_EQ(killed.signal, SIGKILL);
  victim->daemon.reset();
  const size_t at_kill = acknowledged();
  const absl::Time killed_at = absl::Now();
  // What each replica's callers saw, for a failure message: acknowledged, then failed by code.
  auto outcomes = [&] {
    std::string text;
    for (size_t i = 0; i < loads.size(); ++i) {
      absl::StrAppend(&text, " ", replicas_[i].name, ": ", loads[i]->acknowledged().size(),
                      " acknowledged");
      for (const auto& [code, count] : loads[i]->failures()) {
        absl::StrAppend(&text, ", ", count, " failed with code ", static_cast<int>(code));
      }
      absl::StrAppend(&text, ";");
    }
    return text;
  };
  if (!test::PollUntil([&] { return acknowledged() >= at_kill + kAcknowledgedAfterKill; },
                       absl::Seconds(120))) {
    const std::string seen = outcomes();
    stop_all();
    FAIL() << "the surviving replicas did not go on taking dossiers: " << acknowledged() - at_kill
           << " acknowledged in the " << absl::Now() - killed_at << " after the kill of "
           << holder << ";" << seen;
  }
  std::cerr << "after the kill of " << holder << ": " << kAcknowledgedAfterKill
            << " acknowledged in " << absl::Now() - killed_at << ";" << outcomes() << "\n";
  stop_all();
  std::set<std::string> acked;
  for (auto& load : loads) {
    if (load == nullptr) continue;
    for (const auto& code : load->acknowledged()) acked.insert(code);
  }
  ASSERT_GE(acked.size(), kAcknowledgedBeforeKill + kAcknowledgedAfterKill);

  // The database: every acknowledged dossier, exactly one change event each, one chain.
  store::postgres::PostgresOptions options;
  options.conninfo = StoreConninfo();
  options.writer_connections = 1;
  ASSERT_OK_AND_ASSIGN(auto store, store::postgres::PostgresStore::Open(options));
  // A survivor's transaction still open (a checkpoint) hides younger commits for a moment.
  std::vector<store::ChangeRow> changes;
  test::PollUntil(
      [&] {
        auto read = test::ReadAllChanges(*store);
        if (!read.ok()) return false;
        changes = std::move(*read);
        std::set<std::string> keys;
        for (const auto& change : changes) keys.insert(change.key);
        for (const auto& code : acked) {
          if (keys.count(code) == 0) return false;
        }
        return true;
      },
      absl::Seconds(30), absl::Milliseconds(100));
  std::map<std::string, int> events_of;
  for (const auto& change : changes) ++events_of[change.key];
  for (const auto& [code, events] : events_of) EXPECT_EQ(events, 1) << code;
  int missing = 0;
  for (const auto& code : acked) {
    if (events_of.count(code) == 0 && ++missing <= 10) ADD_FAILURE() << "lost " << code;
  }
  EXPECT_EQ(missing, 0) << "of " << acked.size() << " acknowledged";
  ASSERT_OK_AND_ASSIGN(const std::string stored,
                       cluster_->QueryValue("SELECT count(*) FROM gateway.dossiers"));
  EXPECT_EQ(std::stoul(stored), events_of.size());
  EXPECT_OK(test::VerifyExchangeLogChain(*store));
  const std::string head = store::EncodeCursor(changes.back().cursor);

  // The survivors stream the same sequence, and a cursor from one resumes on the other.
  std::vector<Replica*> survivors;
  for (auto& replica : replicas_) {
    if (replica.daemon != nullptr) survivors.push_back(&replica);
  }
  ASSERT_EQ(survivors.size(), 2u);
  ASSERT_OK_AND_ASSIGN(const auto first, StreamThrough(survivors[0]->education, "", head));
  ASSERT_OK_AND_ASSIGN(const auto second, StreamThrough(survivors[1]->education, "", head));
  ASSERT_EQ(first.size(), changes.size());
  ASSERT_EQ(second.size(), changes.size());
  for (size_t i = 0; i < first.size(); ++i) {
    ASSERT_EQ(first[i].event_id(), second[i].event_id()) << "at " << i;
    ASSERT_EQ(first[i].event_id(), changes[i].event_id) << "at " << i;
  }
  const size_t middle = first.size() / 2;
  ASSERT_OK_AND_ASSIGN(const auto resumed,
                       StreamThrough(survivors[1]->education, first[middle].cursor(), head));
  ASSERT_EQ(resumed.size(), first.size() - middle - 1);
  EXPECT_EQ(resumed.front().event_id(), first[middle + 1].event_id());

  // The adapter moved to a survivor and delivered every change once.
  ASSERT_TRUE(test::PollUntil(
      [&] {
        auto moved = AdapterHolder();
        return moved.ok() && *moved != holder;
      },
      absl::Seconds(60)))
      << "nobody took over the adapter";
  const std::string total = std::to_string(changes.size());
  EXPECT_TRUE(test::PollUntil(
      [&] {
        auto applied = cluster_->QueryValue("SELECT count(*) FROM sector.applied_events");
        return applied.ok() && *applied == total;
      },
      absl::Seconds(120)))
      << "the sector database did not receive all " << total << " changes";
  ASSERT_OK_AND_ASSIGN(const std::string distinct,
                       cluster_->QueryValue("SELECT count(DISTINCT event_id) FROM "
                                            "sector.applied_events"));
  EXPECT_EQ(distinct, total);
  RecordProperty("acknowledged", static_cast<int>(acked.size()));
  RecordProperty("changes", static_cast<int>(changes.size()));
}

TEST_F(ReplicasTest, PostgresStoppedUnderLoadFailsFastAndServiceResumesWithoutARestart) {
  ASSERT_NO_FATAL_FAILURE(StartReplica("r1"));
  Replica& replica = replicas_.front();
  const absl::Time received_at = absl::Now() - absl::Hours(2);
  auto load = std::make_unique<SubmitLoad>(replica.one_stop, received_at, 5'000'000,
                                           absl::Seconds(10));
  load->Start(kCallersPerReplica);
  ASSERT_TRUE(test::PollUntil([&] { return load->acknowledged().size() >= 200; },
                              absl::Seconds(60)));
  ASSERT_OK(cluster_->Stop());
  // Calls fail fast with UNAVAILABLE, and health turns NOT_SERVING.
  EXPECT_TRUE(test::PollUntil(
      [&] {
        auto health = test::CheckHealth(replica.one_stop, absl::Seconds(5));
        return health.ok() && *health == grpc::health::v1::HealthCheckResponse::NOT_SERVING;
      },
      absl::Seconds(20)));
  const size_t during_before = load->acknowledged().size();
  absl::SleepFor(absl::Seconds(2));
  EXPECT_EQ(load->acknowledged().size(), during_before) << "acknowledged while PostgreSQL was down";
  const auto failures = load->failures();
  EXPECT_GT(failures.count(grpc::StatusCode::UNAVAILABLE), 0u);
  EXPECT_EQ(failures.count(grpc::StatusCode::DEADLINE_EXCEEDED), 0u)
      << "calls waited instead of failing fast";

  ASSERT_OK(cluster_->Restart());
  ASSERT_TRUE(test::PollUntil([&] { return load->acknowledged().size() >= during_before + 200; },
                              absl::Seconds(60)))
      << "service did not resume";
  EXPECT_OK(test::WaitForServing(replica.one_stop, absl::Seconds(20)));
  load->Stop();
  if (!load->WaitIdle(absl::Seconds(20))) (void)load.release();
  // Nothing half-written: every acknowledged dossier has its one change event.
  store::postgres::PostgresOptions options;
  options.conninfo = StoreConninfo();
  options.writer_connections = 1;
  ASSERT_OK_AND_ASSIGN(auto store, store::postgres::PostgresStore::Open(options));
  ASSERT_OK_AND_ASSIGN(const auto changes, test::ReadAllChanges(*store));
  std::set<std::string> keys;
  for (const auto& change : changes) EXPECT_TRUE(keys.insert(change.key).second) << change.key;
  if (load != nullptr) {
    for (const auto& code : load->acknowledged()) EXPECT_EQ(keys.count(code), 1u) << code;
  }
  EXPECT_OK(test::VerifyExchangeLogChain(*store));
}

}  // namespace
}  // namespace lienthong
