// SyncEngine on a real SQLite store with a scripted adapter: commit order and batches, start
// position, filters, outages, poison records and dead letters, stop-on-error, pause and resume,
// replay, restart from the checkpoint; seek (by cursor and by time, its refusals, past a record
// an adapter stopped on); adapters added, changed and removed while changes keep coming, each
// change delivered once.
#include "services/sync/sync_engine.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <thread>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "adapters/adapter_registry.h"
#include "adapters/builtin_adapters.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/rpc_status.h"
#include "services/store/sqlite/sqlite_store.h"
#include "services/store/write_and_wait.h"
#include "tests/support/store_scan.h"
#include "tests/support/sample_changes.h"
#include "tests/support/status_assertions.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_gateway.h"

namespace lienthong::sync {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// What the scripted destination holds and how it misbehaves. Thread-safe.
class ScriptedSink {
 public:
  absl::Status Apply(absl::Span<const v1::ChangeEvent> events) {
    absl::MutexLock lock(&mu_);
    ++calls_;
    if (down_) return absl::UnavailableError("sector database unreachable");
    for (const auto& event : events) {
      if (poison_.count(event.key().key()) > 0) {
        return absl::InvalidArgumentError("record " + event.key().key() + " refused");
      }
    }
    batch_sizes_.push_back(static_cast<int>(events.size()));
    for (const auto& event : events) received_.push_back(event.cursor());
    for (const auto& event : events) {
      if (!seen_.insert(event.event_id()).second) continue;  // idempotent by event_id
      keys_.push_back(event.key().key());
      cursors_.push_back(event.cursor());
    }
    return absl::OkStatus();
  }
  void SetDown(bool down) {
    absl::MutexLock lock(&mu_);
    down_ = down;
  }
  void SetPoison(std::set<std::string> keys) {
    absl::MutexLock lock(&mu_);
    poison_ = std::move(keys);
  }
  std::vector<std::string> keys() {
    absl::MutexLock lock(&mu_);
    return keys_;
  }
  std::vector<std::string> cursors() {
    absl::MutexLock lock(&mu_);
    return cursors_;
  }
  std::vector<int> batch_sizes() {
    absl::MutexLock lock(&mu_);
    return batch_sizes_;
  }
  // The cursor of every event accepted, duplicates included (the dedup by event_id hides them
  // from keys() and cursors()).
  std::vector<std::string> received() {
    absl::MutexLock lock(&mu_);
    return received_;
  }
  size_t count() {
    absl::MutexLock lock(&mu_);
    return keys_.size();
  }
  int calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }

 private:
  absl::Mutex mu_;
  bool down_ = false;
  std::set<std::string> poison_;
  std::set<std::string> seen_;
  std::vector<std::string> keys_;
  std::vector<std::string> cursors_;
  std::vector<int> batch_sizes_;
  std::vector<std::string> received_;
  int calls_ = 0;
};

class ScriptedAdapter final : public adapters::Adapter {
 public:
  explicit ScriptedAdapter(std::shared_ptr<ScriptedSink> sink) : sink_(std::move(sink)) {}
  absl::Status Apply(absl::Span<const v1::ChangeEvent> events) override {
    return sink_->Apply(events);
  }

 private:
  std::shared_ptr<ScriptedSink> sink_;
};

// Stands in for the "jsonl" kind, so that configs stay ordinary config files.
class ScriptedFactory final : public adapters::AdapterFactory {
 public:
  explicit ScriptedFactory(std::shared_ptr<ScriptedSink> sink) : sink_(std::move(sink)) {}
  std::string kind() const override { return "jsonl"; }
  std::vector<v1::RecordType> record_types() const override {
    return {v1::RECORD_TYPE_DOSSIER, v1::RECORD_TYPE_SCHOOL, v1::RECORD_TYPE_STUDENT,
            v1::RECORD_TYPE_DIPLOMA};
  }
  absl::Status Validate(const config::v1::Adapter&) const override { return absl::OkStatus(); }
  absl::StatusOr<std::unique_ptr<adapters::Adapter>> Create(
      const config::v1::Adapter&) const override {
    return std::make_unique<ScriptedAdapter>(sink_);
  }

 private:
  std::shared_ptr<ScriptedSink> sink_;
};

// One scripted destination per adapter name (the same one again when an adapter is rebuilt),
// standing in for the "jsonl" kind like ScriptedFactory.
class PerNameFactory final : public adapters::AdapterFactory {
 public:
  std::string kind() const override { return "jsonl"; }
  std::vector<v1::RecordType> record_types() const override {
    return {v1::RECORD_TYPE_DOSSIER, v1::RECORD_TYPE_SCHOOL, v1::RECORD_TYPE_STUDENT,
            v1::RECORD_TYPE_DIPLOMA};
  }
  absl::Status Validate(const config::v1::Adapter&) const override { return absl::OkStatus(); }
  absl::StatusOr<std::unique_ptr<adapters::Adapter>> Create(
      const config::v1::Adapter& config) const override {
    return std::make_unique<ScriptedAdapter>(SinkOf(config.name()));
  }
  std::shared_ptr<ScriptedSink> SinkOf(const std::string& name) const {
    absl::MutexLock lock(&mu_);
    auto& sink = sinks_[name];
    if (sink == nullptr) sink = std::make_shared<ScriptedSink>();
    return sink;
  }

 private:
  mutable absl::Mutex mu_;
  mutable std::map<std::string, std::shared_ptr<ScriptedSink>> sinks_;
};

config::v1::Adapter AdapterConfig(const std::string& name) {
  config::v1::Adapter config;
  config.set_name(name);
  config.mutable_jsonl()->set_output_file("unused.jsonl");
  config.set_batch_size(100);
  config.mutable_linger()->set_nanos(5000000);
  config.mutable_retry()->set_max_attempts(3);
  config.mutable_retry()->mutable_initial_backoff()->set_nanos(1000000);
  config.mutable_retry()->mutable_max_backoff()->set_nanos(20000000);
  return config;
}

std::vector<store::ChangeRow> Schools(int first, int count,
                                      const std::string& agency = test::kSampleEducationAgency) {
  std::vector<store::ChangeRow> rows;
  for (int n = first; n < first + count; ++n) {
    rows.push_back(test::SchoolChange(test::SampleSchool(n, agency)));
  }
  return rows;
}

std::string School(int n) { return test::SampleSchool(n).school_code(); }

class SyncEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::sqlite::SqliteOptions options;
    options.path = dir_.Path("lienthong.db");
    auto store = store::sqlite::SqliteStore::Open(options);
    ASSERT_OK(store);
    store_ = *std::move(store);
    sink_ = std::make_shared<ScriptedSink>();
    ASSERT_OK(registry_.Register(std::make_unique<ScriptedFactory>(sink_)));
  }
  void TearDown() override {
    if (engine_) engine_->Stop();
    engine_.reset();
    store_->Close();
  }

  void StartEngine(std::vector<config::v1::Adapter> configs) {
    google::protobuf::RepeatedPtrField<config::v1::Adapter> adapters(configs.begin(),
                                                                     configs.end());
    SyncEngineOptions options;
    options.poll_interval = absl::Milliseconds(50);
    options.metrics = metrics_;
    auto engine = SyncEngine::Create(store_.get(), adapters, registry_, options);
    ASSERT_OK(engine);
    engine_ = *std::move(engine);
    engine_->Start();
    // A worker fixes its start ("now" or the oldest change) on its own thread; changes appended
    // before that would fall before "now". The gateway starts the engine before its listener,
    // so clients cannot race it; tests must wait for the stored start the same way.
    for (const auto& config : configs) {
      ASSERT_TRUE(test::PollUntil(
          [&] {
            auto checkpoint = store_->GetCheckpoint(config.name());
            return checkpoint.ok() && checkpoint->has_value();
          },
          absl::Seconds(20), absl::Milliseconds(2)))
          << "adapter " << config.name() << " never stored its start";
    }
  }

  v1::AdapterStatus StatusOf(const std::string& name) {
    for (const auto& status : engine_->AdapterStatuses()) {
      if (status.name() == name) return status;
    }
    ADD_FAILURE() << "no adapter " << name;
    return {};
  }

  std::string Head() {
    auto bounds = store_->GetChangeBounds();
    EXPECT_OK(bounds);
    return store::EncodeCursor(bounds->head);
  }

  bool WaitFor(const std::function<bool()>& done) {
    return test::PollUntil(done, absl::Seconds(20), absl::Milliseconds(5));
  }

  test::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::shared_ptr<ScriptedSink> sink_;
  adapters::AdapterRegistry registry_;
  std::unique_ptr<SyncEngine> engine_;
  std::shared_ptr<prometheus::Registry> metrics_ = std::make_shared<prometheus::Registry>();

  // The value of counter `name` for `adapter` (-1 when absent).
  double CounterValue(const std::string& name, const std::string& adapter) {
    for (const auto& family : metrics_->Collect()) {
      if (family.name != name) continue;
      for (const auto& metric : family.metric) {
        for (const auto& label : metric.label) {
          if (label.name == "adapter" && label.value == adapter) return metric.counter.value;
        }
      }
    }
    return -1;
  }
};

TEST_F(SyncEngineTest, DeliversEveryChangeOnceInCommitOrderInBatches) {
  StartEngine({AdapterConfig("a")});
  for (int w = 0; w < 6; ++w) ASSERT_OK(test::AppendChanges(store_.get(), Schools(w * 100 + 1, 100)));
  ASSERT_TRUE(WaitFor([&] { return sink_->count() == 600; })) << sink_->count();
  const auto keys = sink_->keys();
  for (int n = 1; n <= 600; ++n) ASSERT_EQ(keys[n - 1], School(n));
  const auto cursors = sink_->cursors();
  for (size_t i = 1; i < cursors.size(); ++i) {
    ASSERT_LT(*store::DecodeCursor(cursors[i - 1]), *store::DecodeCursor(cursors[i]));
  }
  for (int size : sink_->batch_sizes()) EXPECT_LE(size, 100);
  ASSERT_TRUE(WaitFor([&] { return StatusOf("a").checkpoint() == Head(); }));
  const auto status = StatusOf("a");
  EXPECT_EQ(status.kind(), "jsonl");
  EXPECT_EQ(status.state(), "running");
  EXPECT_EQ(status.lag_events(), 0);
  EXPECT_EQ(status.last_error(), "");
}

TEST_F(SyncEngineTest, ANewAdapterStartsFromNowUnlessAskedToBackfill) {
  ASSERT_OK(test::AppendChanges(store_.get(), Schools(1, 5)));
  auto backfill = AdapterConfig("backfill");
  backfill.set_start_from_oldest(true);
  auto sink_now = std::make_shared<ScriptedSink>();
  StartEngine({backfill});
  ASSERT_OK(test::AppendChanges(store_.get(), Schools(6, 2)));
  ASSERT_TRUE(WaitFor([&] { return sink_->count() == 7; })) << sink_->count();

  // "from now": a second engine over the same store sees only what commits after it starts.
  engine_->Stop();
  engine_.reset();
  adapters::AdapterRegistry fresh;
  ASSERT_OK(fresh.Register(std::make_unique<ScriptedFactory>(sink_now)));
  google::protobuf::RepeatedPtrField<config::v1::Adapter> adapters;
  *adapters.Add() = AdapterConfig("now");
  auto engine = SyncEngine::Create(store_.get(), adapters, fresh);
  ASSERT_OK(engine);
  engine_ = *std::move(engine);
  engine_->Start();
  ASSERT_TRUE(WaitFor([&] { return StatusOf("now").checkpoint() == Head(); }));
  ASSERT_OK(test::AppendChanges(store_.get(), Schools(8, 1)));
  ASSERT_TRUE(WaitFor([&] { return sink_now->count() == 1; }));
  EXPECT_THAT(sink_now->keys(), ElementsAre(School(8)));
}

TEST_F(SyncEngineTest, FilteredOutChangesStillMoveTheCheckpoint) {
  auto config = AdapterConfig("schools_h49");
  config.add_record_types("school");
  config.add_agencies(test::kSampleEducationAgency);
  StartEngine({config});
  std::vector<store::ChangeRow> rows = Schools(1, 2);
  for (auto& row : Schools(3, 2, test::kSampleOtherAgency)) rows.push_back(row);
  rows.push_back(test::StudentChange(test::SampleStudent(1)));
  rows.push_back(test::DossierChange(test::SampleDossier(1)));
  ASSERT_OK(test::AppendChanges(store_.get(), rows));
  // Only filtered-out changes at the end: the checkpoint still reaches the head.
  ASSERT_OK(test::AppendChanges(store_.get(), Schools(9, 1, test::kSampleOtherAgency)));
  ASSERT_TRUE(WaitFor([&] { return StatusOf("schools_h49").checkpoint() == Head(); }));
  EXPECT_THAT(sink_->keys(), ElementsAre(School(1), School(2)));
  EXPECT_EQ(StatusOf("schools_h49").lag_events(), 0);
  EXPECT_EQ(CounterValue("lienthong_sync_filtered_total", "schools_h49"), 5);
}

TEST_F(SyncEngineTest, APoisonRecordIsDeadLetteredWhileTheRestFlowAndReplayLandsItOnce) {
  sink_->SetPoison({School(3)});
  StartEngine({AdapterConfig("a")});
  ASSERT_OK(test::AppendChanges(store_.get(), Schools(1, 10)));
  ASSERT_TRUE(WaitFor([&] { return sink_->count() == 9; })) << sink_->count();
  ASSERT_OK(test::AppendChanges(store_.get(), Schools(11, 5)));
  ASSERT_TRUE(WaitFor([&] { return sink_->count() == 14; })) << sink_->count();
  ASSERT_TRUE(WaitFor([&] { return StatusOf("a").checkpoint() == Head(); }));

  auto letters = store_->ListDeadLetters("a", 0, 100);
  ASSERT_OK(letters);
  ASSERT_EQ(letters->size(), 1u);
  const store::DeadLetterRow& letter = letters->front();
  EXPECT_EQ(letter.adapter, "a");
  EXPECT_EQ(letter.cursor.seq, 3);
  EXPECT_EQ(letter.attempts, 3);
  EXPECT_THAT(letter.last_error, HasSubstr("SCH00003 refused"));
  v1::ChangeEvent event;
  ASSERT_TRUE(event.ParseFromString(letter.payload));
  EXPECT_EQ(event.event_id(), letter.event_id);
  EXPECT_EQ(event.key().key(), School(3));
  EXPECT_EQ(StatusOf("a").dead_letters(), 1);
  EXPECT_EQ(CounterValue("lienthong_sync_applied_total", "a"), 14);
  EXPECT_EQ(CounterValue("lienthong_sync_dead_lettered_total", "a"), 1);
  EXPECT_GE(CounterValue("lienthong_sync_failures_total", "a"), 3);

  // Replay while still refused: it stays a dead letter.
  std::vector<v1::ReplayProgress> progress;
  auto record = [&](const v1::ReplayProgress& p) { progress.push_back(p); };
  ASSERT_OK(engine_->ReplayDeadLetters("a", {}, record));
  EXPECT_EQ(progress.back().total(), 1);
  EXPECT_EQ(progress.back().failed(), 1);
  EXPECT_EQ(StatusOf("a").dead_letters(), 1);

  sink_->SetPoison({});
  progress.clear();
  ASSERT_OK(engine_->ReplayDeadLetters("a", {letter.id}, record));
  EXPECT_EQ(progress.back().total(), 1);
  EXPECT_EQ(progress.back().applied(), 1);
  EXPECT_EQ(StatusOf("a").dead_letters(), 0);
  EXPECT_TRUE(store_->ListDeadLetters("a", 0, 100)->empty());
  // Again: nothing left to replay, nothing lands twice.
  progress.clear();
  ASSERT_OK(engine_->ReplayDeadLetters("a", {letter.id}, record));
  EXPECT_EQ(progress.back().total(), 0);
  const auto keys = sink_->keys();
  EXPECT_EQ(std::count(keys.begin(), keys.end(), School(3)), 1);
  EXPECT_EQ(keys.size(), 15u);
}

TEST_F(SyncEngineTest, AnOutageIsRetriedWithoutBlamingAnyRecord) {
  sink_->SetDown(true);
  StartEngine({AdapterConfig("a")});
  ASSERT_OK(test::AppendChanges(store_.get(), Schools(1, 5)));
  ASSERT_TRUE(WaitFor([&] { return sink_->calls() >= 6; }));  // beyond max_attempts
  auto status = StatusOf("a");
  EXPECT_EQ(status.state(), "backing_off");
  EXPECT_THAT(status.last_error(), HasSubstr("unreachable"));
  EXPECT_EQ(status.lag_events(), 5);
  sink_->SetDown(false);
  ASSERT_TRUE(WaitFor([&] { return sink_->count() == 5; }));
  ASSERT_TRUE(WaitFor([&] { return StatusOf("a").lag_events() == 0; }));
  status = StatusOf("a");
  EXPECT_EQ(status.state(), "running");
  EXPECT_EQ(status.last_error(), "");
  EXPECT_EQ(status.dead_letters(), 0);
}

TEST_F(SyncEngineTest, StopOnErrorHaltsVisiblyAtTheFailingRecordUntilResumed) {
  auto config = AdapterConfig("strict");
  config.set_stop_on_error(true);
  sink_->SetPoison({School(3)});
  StartEngine({config});
  ASSERT_OK(test::AppendChanges(store_.get(), Schools(1, 6)));
  ASSERT_TRUE(WaitFor([&] { return StatusOf("strict").state() == "stopped_on_error"; }));
  auto status = StatusOf("strict");
  EXPECT_THAT(status.last_error(), HasSubstr("SCH00003 refused"));
  EXPECT_EQ(status.checkpoint(), store::EncodeCursor(store::ChangeCursor{2}));
  EXPECT_EQ(status.lag_events(), 4);
  EXPECT_EQ(status.dead_letters(), 0);
  EXPECT_THAT(sink_->keys(), ElementsAre(School(1), School(2)));

  sink_->SetPoison({});
  ASSERT_OK(engine_->Resume("strict"));
  ASSERT_TRUE(WaitFor([&] { return sink_->count() == 6; }));
  ASSERT_TRUE(WaitFor([&] { return StatusOf("strict").lag_events() == 0; }));
  EXPECT_EQ(StatusOf("strict").state(), "running");
}

TEST_F(SyncEngineTest, PauseHoldsChangesBackAndResumeDeliversThem) {
  StartEngine({AdapterConfig("a")});
  ASSERT_OK(test::AppendChanges(store_.get(), Schools(1, 2)));
  ASSERT_TRUE(WaitFor([&] { return sink_->count() == 2; }));
  ASSERT_OK(engine_->Pause("a"));
  EXPECT_EQ(StatusOf("a").state(), "paused");
  ASSERT_OK(test::AppendChanges(store_.get(), Schools(3, 3)));
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_EQ(sink_->count(), 2u);
  EXPECT_EQ(StatusOf("a").lag_events(), 3);
  ASSERT_OK(engine_->Resume("a"));
  ASSERT_TRUE(WaitFor([&] { return sink_->count() == 5; }));
  EXPECT_EQ(StatusOf("a").state(), "running");
}

TEST_F(SyncEngineTest, ARestartedEngineResumesFromItsCheckpoint) {
  StartEngine({AdapterConfig("a")});
  ASSERT_OK(test::AppendChanges(store_.get(), Schools(1, 5)));
  ASSERT_TRUE(WaitFor([&] { return StatusOf("a").checkpoint() == Head(); }));
  engine_->Stop();
  engine_.reset();
  ASSERT_OK(test::AppendChanges(store_.get(), Schools(6, 5)));  // while the engine is down

  auto later = std::make_shared<ScriptedSink>();
  adapters::AdapterRegistry registry;
  ASSERT_OK(registry.Register(std::make_unique<ScriptedFactory>(later)));
  google::protobuf::RepeatedPtrField<config::v1::Adapter> adapters;
  *adapters.Add() = AdapterConfig("a");
  auto engine = SyncEngine::Create(store_.get(), adapters, registry);
  ASSERT_OK(engine);
  engine_ = *std::move(engine);
  engine_->Start();
  ASSERT_TRUE(WaitFor([&] { return later->count() == 5; }));
  EXPECT_THAT(later->keys(),
              ElementsAre(School(6), School(7), School(8), School(9), School(10)));
}

TEST_F(SyncEngineTest, ChangesPrunedBeforeTheAdapterAppliedThemAreReportedNotSkippedSilently) {
  StartEngine({AdapterConfig("slow")});
  ASSERT_TRUE(WaitFor([&] { return StatusOf("slow").checkpoint() == Head(); }));
  ASSERT_OK(engine_->Pause("slow"));
  ASSERT_OK(test::AppendChanges(store_.get(), Schools(1, 10)));
  absl::Notification pruned;
  store::ExchangeLogEntry entry;
  entry.member = "test";
  entry.method = "test/prune";
  store_->Write(
      entry,
      [](store::WriteTransaction& txn) { return txn.PruneChangesUpTo({5}).status(); },
      [&](absl::Status status) {
        EXPECT_OK(status);
        pruned.Notify();
      });
  pruned.WaitForNotification();
  ASSERT_OK(engine_->Resume("slow"));
  ASSERT_TRUE(WaitFor([&] { return sink_->count() == 5; }));
  ASSERT_TRUE(WaitFor([&] { return StatusOf("slow").lag_events() == 0; }));
  EXPECT_EQ(sink_->keys().front(), School(6));
  EXPECT_THAT(StatusOf("slow").last_error(), HasSubstr("were pruned before this adapter"));
}

TEST_F(SyncEngineTest, ControlsOfAnUnknownAdapterAreNotFound) {
  StartEngine({AdapterConfig("a")});
  EXPECT_EQ(engine_->Pause("b").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(engine_->Resume("b").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(engine_->ReplayDeadLetters("b", {}, nullptr).code(), absl::StatusCode::kNotFound);
}

// The exchange-log entry a seek is given (the admin call's, in the gateway).
store::ExchangeLogEntry SeekEntry() {
  store::ExchangeLogEntry entry;
  entry.time = absl::Now();
  entry.member = "000.00.99.H49";
  entry.method = "/lienthong.v1.AdminService/SeekAdapter";
  return entry;
}

SeekTarget ToCursor(int64_t seq) { return SeekTarget{store::ChangeCursor{seq}, std::nullopt}; }
SeekTarget ToTime(absl::Time time) { return SeekTarget{std::nullopt, time}; }

// The seek entries of the exchange log, oldest first.
std::vector<store::ExchangeLogEntry> SeekEntries(store::Store& store) {
  std::vector<store::ExchangeLogEntry> seeks;
  auto entries = test::ReadAllExchangeLog(store);
  EXPECT_OK(entries);
  if (!entries.ok()) return seeks;
  for (auto& entry : *entries) {
    if (entry.method == "/lienthong.v1.AdminService/SeekAdapter") seeks.push_back(entry);
  }
  return seeks;
}

TEST_F(SyncEngineTest, SeekMovesAPausedAdapterBackAndItSendsAgainFromThere) {
  StartEngine({AdapterConfig("a")});
  ASSERT_OK(test::AppendChanges(store_.get(), Schools(1, 10)));
  ASSERT_TRUE(WaitFor([&] { return StatusOf("a").checkpoint() == Head(); }));
  ASSERT_EQ(sink_->received().size(), 10u);

  // Running: refused, naming the state; nothing moves.
  auto refused = engine_->Seek("a", ToCursor(4), SeekEntry());
  ASSERT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("is running"));
  EXPECT_THAT(refused.status().message(), HasSubstr("adapters pause a"));
  EXPECT_EQ(StatusOf("a").checkpoint(), Head());

  ASSERT_OK(engine_->Pause("a"));
  ASSERT_OK_AND_ASSIGN(SeekOutcome moved, engine_->Seek("a", ToCursor(4), SeekEntry()));
  EXPECT_EQ(moved.from.seq, 10);
  EXPECT_EQ(moved.to.seq, 4);
  EXPECT_EQ(moved.lag_events, 6);
  EXPECT_EQ(moved.status.state(), "paused");
  EXPECT_EQ(moved.status.checkpoint(), store::EncodeCursor(store::ChangeCursor{4}));
  ASSERT_OK_AND_ASSIGN(auto stored, store_->GetCheckpoint("a"));
  EXPECT_EQ(stored->seq, 4);
  // Still paused: nothing is sent until resumed.
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_EQ(sink_->received().size(), 10u);

  ASSERT_OK(engine_->Resume("a"));
  ASSERT_TRUE(WaitFor([&] { return sink_->received().size() == 16; })) << sink_->received().size();
  const auto received = sink_->received();
  std::vector<std::string> again(received.begin() + 10, received.end());
  std::vector<std::string> expected;
  for (int seq = 5; seq <= 10; ++seq) expected.push_back(store::EncodeCursor({seq}));
  EXPECT_EQ(again, expected);
  ASSERT_TRUE(WaitFor([&] { return StatusOf("a").checkpoint() == Head(); }));

  // Each seek is in the exchange log with its outcome; the move names both checkpoints.
  const auto seeks = SeekEntries(*store_);
  ASSERT_EQ(seeks.size(), 2u);
  EXPECT_EQ(seeks[0].status_code, static_cast<int>(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(seeks[1].status_code, 0);
  EXPECT_EQ(seeks[1].member, "000.00.99.H49");
  EXPECT_THAT(seeks[1].records, ElementsAre("checkpoint_from:1.a", "checkpoint_to:1.4"));
}

TEST_F(SyncEngineTest, SeekToATimeGoesJustBeforeTheFirstChangeCommittedAtOrAfterIt) {
  StartEngine({AdapterConfig("a")});
  ASSERT_OK(test::AppendChanges(store_.get(), Schools(1, 5)));
  absl::SleepFor(absl::Milliseconds(20));
  const absl::Time between = absl::Now();
  absl::SleepFor(absl::Milliseconds(20));
  ASSERT_OK(test::AppendChanges(store_.get(), Schools(6, 5)));
  ASSERT_TRUE(WaitFor([&] { return StatusOf("a").checkpoint() == Head(); }));
  ASSERT_OK(engine_->Pause("a"));

  ASSERT_OK_AND_ASSIGN(SeekOutcome moved, engine_->Seek("a", ToTime(between), SeekEntry()));
  EXPECT_EQ(moved.to.seq, 5);  // change 6 is the first committed at or after `between`
  EXPECT_EQ(moved.lag_events, 5);
  // Before every change: before the first one.
  ASSERT_OK_AND_ASSIGN(moved, engine_->Seek("a", ToTime(absl::UnixEpoch()), SeekEntry()));
  EXPECT_EQ(moved.to.seq, 0);
  EXPECT_EQ(moved.from.seq, 5);
  // No change that new yet (now): the newest change.
  ASSERT_OK_AND_ASSIGN(moved, engine_->Seek("a", ToTime(absl::Now()), SeekEntry()));
  EXPECT_EQ(moved.to.seq, 10);
  EXPECT_EQ(moved.lag_events, 0);
  // The exact commit time of change 3 selects change 3 itself.
  ASSERT_OK_AND_ASSIGN(auto rows, store_->ReadChanges(store::ChangeCursor{2}, 1));
  ASSERT_OK_AND_ASSIGN(moved, engine_->Seek("a", ToTime(rows.front().commit_time), SeekEntry()));
  EXPECT_LE(moved.to.seq, 2);  // changes 1-5 share one commit time when written together

  ASSERT_OK(engine_->Seek("a", ToTime(between), SeekEntry()).status());
  ASSERT_OK(engine_->Resume("a"));
  ASSERT_TRUE(WaitFor([&] { return sink_->received().size() == 15; }));
  const auto received = sink_->received();
  EXPECT_EQ(received[10], store::EncodeCursor({6}));
  EXPECT_EQ(received.back(), store::EncodeCursor({10}));
}

TEST_F(SyncEngineTest, SeekRefusesBadTargetsAndUnknownAdaptersAndMovesNothing) {
  StartEngine({AdapterConfig("a")});
  ASSERT_OK(test::AppendChanges(store_.get(), Schools(1, 10)));
  ASSERT_TRUE(WaitFor([&] { return StatusOf("a").checkpoint() == Head(); }));
  ASSERT_OK(engine_->Pause("a"));

  auto unknown = engine_->Seek("b", ToCursor(1), SeekEntry());
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(unknown.status().message(), HasSubstr("no adapter named 'b'"));

  auto ahead = engine_->Seek("a", ToCursor(11), SeekEntry());
  ASSERT_EQ(ahead.status().code(), absl::StatusCode::kInvalidArgument);
  google::rpc::BadRequest bad;
  ASSERT_TRUE(GetBadRequest(ahead.status(), &bad));
  ASSERT_EQ(bad.field_violations_size(), 1);
  EXPECT_EQ(bad.field_violations(0).field(), "cursor");
  EXPECT_THAT(bad.field_violations(0).description(), HasSubstr("ahead of the newest change"));

  auto future = engine_->Seek("a", ToTime(absl::Now() + absl::Hours(1)), SeekEntry());
  ASSERT_EQ(future.status().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(GetBadRequest(future.status(), &bad));
  EXPECT_EQ(bad.field_violations(0).field(), "time");

  // Changes 1-5 pruned: a checkpoint before them would claim they are still to send.
  absl::Notification pruned;
  store::ExchangeLogEntry entry;
  entry.member = "test";
  entry.method = "test/prune";
  store_->Write(
      entry, [](store::WriteTransaction& txn) { return txn.PruneChangesUpTo({5}).status(); },
      [&](absl::Status status) {
        EXPECT_OK(status);
        pruned.Notify();
      });
  pruned.WaitForNotification();
  auto expired = engine_->Seek("a", ToCursor(3), SeekEntry());
  ASSERT_EQ(expired.status().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(GetBadRequest(expired.status(), &bad));
  EXPECT_EQ(bad.field_violations(0).field(), "cursor");
  EXPECT_THAT(bad.field_violations(0).description(), HasSubstr("removed by retention"));
  EXPECT_THAT(bad.field_violations(0).description(), HasSubstr("1.5"));
  // A time before the retained changes goes to the oldest one kept.
  ASSERT_OK_AND_ASSIGN(SeekOutcome oldest,
                       engine_->Seek("a", ToTime(absl::UnixEpoch()), SeekEntry()));
  EXPECT_EQ(oldest.to.seq, 5);
  ASSERT_OK(engine_->Seek("a", ToCursor(10), SeekEntry()).status());

  // Every refusal is logged with its code; the checkpoint is where it was.
  const auto seeks = SeekEntries(*store_);
  ASSERT_EQ(seeks.size(), 6u);
  EXPECT_EQ(seeks[0].status_code, static_cast<int>(absl::StatusCode::kNotFound));
  EXPECT_EQ(seeks[1].status_code, static_cast<int>(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(seeks[2].status_code, static_cast<int>(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(seeks[3].status_code, static_cast<int>(absl::StatusCode::kInvalidArgument));
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(seeks[i].records.empty()) << i;
  EXPECT_EQ(StatusOf("a").checkpoint(), Head());
  EXPECT_EQ(sink_->received().size(), 10u);
}

TEST_F(SyncEngineTest, SeekPastTheRecordAStoppedAdapterHaltedOnSkipsIt) {
  auto config = AdapterConfig("strict");
  config.set_stop_on_error(true);
  sink_->SetPoison({School(3)});
  StartEngine({config});
  ASSERT_OK(test::AppendChanges(store_.get(), Schools(1, 6)));
  ASSERT_TRUE(WaitFor([&] { return StatusOf("strict").state() == "stopped_on_error"; }));
  EXPECT_EQ(StatusOf("strict").checkpoint(), "1.2");

  ASSERT_OK_AND_ASSIGN(SeekOutcome moved, engine_->Seek("strict", ToCursor(3), SeekEntry()));
  EXPECT_EQ(moved.from.seq, 2);
  EXPECT_EQ(moved.status.state(), "paused");
  EXPECT_EQ(moved.status.last_error(), "");
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_THAT(sink_->keys(), ElementsAre(School(1), School(2)));
  ASSERT_OK(engine_->Resume("strict"));
  ASSERT_TRUE(WaitFor([&] { return StatusOf("strict").checkpoint() == Head(); }));
  EXPECT_THAT(sink_->keys(),
              ElementsAre(School(1), School(2), School(4), School(5), School(6)));
  EXPECT_EQ(StatusOf("strict").state(), "running");
  EXPECT_EQ(StatusOf("strict").dead_letters(), 0);
}

TEST_F(SyncEngineTest, ASeekWhileBackingOffDropsTheBatchItHeld) {
  StartEngine({AdapterConfig("a")});
  sink_->SetDown(true);
  ASSERT_OK(test::AppendChanges(store_.get(), Schools(1, 5)));
  ASSERT_TRUE(WaitFor([&] { return StatusOf("a").state() == "backing_off"; }));
  ASSERT_OK(engine_->Pause("a"));
  ASSERT_OK_AND_ASSIGN(SeekOutcome moved, engine_->Seek("a", ToCursor(3), SeekEntry()));
  EXPECT_EQ(moved.from.seq, 0);
  sink_->SetDown(false);
  ASSERT_OK(engine_->Resume("a"));
  ASSERT_TRUE(WaitFor([&] { return StatusOf("a").checkpoint() == Head(); }));
  EXPECT_THAT(sink_->keys(), ElementsAre(School(4), School(5)));
}

// Adapters added, changed and removed while a writer keeps committing: for the time each
// adapter exists, every change reaches its destination once, none twice (the destination here
// counts duplicates instead of dropping them).
TEST_F(SyncEngineTest, AdaptersAddedChangedAndRemovedUnderLoadDeliverEachChangeOnce) {
  adapters::AdapterRegistry registry;
  auto factory = std::make_unique<PerNameFactory>();
  PerNameFactory* sinks = factory.get();
  ASSERT_OK(registry.Register(std::move(factory)));
  google::protobuf::RepeatedPtrField<config::v1::Adapter> set;
  *set.Add() = AdapterConfig("a");
  SyncEngineOptions options;
  options.poll_interval = absl::Milliseconds(50);
  ASSERT_OK_AND_ASSIGN(engine_, SyncEngine::Create(store_.get(), set, registry, options));
  engine_->Start();
  ASSERT_TRUE(WaitFor([&] { return store_->GetCheckpoint("a")->has_value(); }));

  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::thread writer([&] {
    for (int n = 1; !stop; n += 7) {
      EXPECT_OK(test::AppendChanges(store_.get(), Schools(n, 7)));
      written += 7;
      absl::SleepFor(absl::Milliseconds(2));
    }
  });
  auto reconfigure = [&](std::vector<config::v1::Adapter> configs) {
    google::protobuf::RepeatedPtrField<config::v1::Adapter> next(configs.begin(), configs.end());
    auto apply = engine_->PrepareAdapters(next);
    EXPECT_OK(apply);
    return apply.ok() ? (*apply)() : AdapterSetChanges{};
  };
  auto b = AdapterConfig("b");
  b.set_batch_size(5);
  b.set_start_from_oldest(true);
  absl::SleepFor(absl::Milliseconds(150));
  AdapterSetChanges changes = reconfigure({AdapterConfig("a"), b});
  EXPECT_THAT(changes.added, ElementsAre("b"));
  EXPECT_TRUE(changes.changed.empty());
  EXPECT_TRUE(changes.removed.empty());
  absl::SleepFor(absl::Milliseconds(300));
  b.set_batch_size(64);
  changes = reconfigure({AdapterConfig("a"), b});
  EXPECT_THAT(changes.changed, ElementsAre("b"));
  absl::SleepFor(absl::Milliseconds(300));
  b.set_batch_size(3);
  b.mutable_linger()->set_nanos(0);
  changes = reconfigure({AdapterConfig("a"), b});
  EXPECT_THAT(changes.changed, ElementsAre("b"));
  absl::SleepFor(absl::Milliseconds(300));
  changes = reconfigure({AdapterConfig("a")});
  EXPECT_THAT(changes.removed, ElementsAre("b"));
  EXPECT_TRUE(changes.added.empty());
  absl::SleepFor(absl::Milliseconds(100));
  stop = true;
  writer.join();
  ASSERT_GT(written, 100);

  // "b" existed from before the first change to the checkpoint its last worker wrote when it
  // was drained: every change up to it exactly once, in order, and nothing after it.
  ASSERT_OK_AND_ASSIGN(auto last, store_->GetCheckpoint("b"));
  ASSERT_TRUE(last.has_value());
  EXPECT_GT(last->seq, 0);
  std::vector<std::string> expected;
  for (int64_t seq = 1; seq <= last->seq; ++seq) expected.push_back(store::EncodeCursor({seq}));
  EXPECT_EQ(sinks->SinkOf("b")->received(), expected);
  // Its batches followed each entry: 5, then up to 64, then 3.
  const auto sizes = sinks->SinkOf("b")->batch_sizes();
  EXPECT_GT(*std::max_element(sizes.begin(), sizes.end()), 5);
  EXPECT_LE(sizes.back(), 3);
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_EQ(sinks->SinkOf("b")->received().size(), expected.size());  // stopped for good

  // "a" never stopped: everything once.
  ASSERT_TRUE(WaitFor([&] { return StatusOf("a").checkpoint() == Head(); }));
  const int64_t head = store_->GetChangeBounds()->head.seq;
  const auto received = sinks->SinkOf("a")->received();
  ASSERT_EQ(static_cast<int64_t>(received.size()), head);
  for (int64_t seq = 1; seq <= head; ++seq) {
    ASSERT_EQ(received[static_cast<size_t>(seq - 1)], store::EncodeCursor({seq}));
  }
  ASSERT_EQ(engine_->AdapterStatuses().size(), 1u);
  EXPECT_EQ(engine_->Pause("b").code(), absl::StatusCode::kNotFound);
  engine_->Stop();
  engine_.reset();  // before `registry`, which it builds through
}

TEST_F(SyncEngineTest, AChangedAdapterKeepsItsPauseAndABadSetChangesNothing) {
  StartEngine({AdapterConfig("a")});
  ASSERT_OK(engine_->Pause("a"));
  auto changed = AdapterConfig("a");
  changed.set_batch_size(7);
  google::protobuf::RepeatedPtrField<config::v1::Adapter> next;
  *next.Add() = changed;
  ASSERT_OK_AND_ASSIGN(auto apply, engine_->PrepareAdapters(next));
  EXPECT_THAT(apply().changed, ElementsAre("a"));
  ASSERT_TRUE(WaitFor([&] { return StatusOf("a").state() == "paused"; })) << StatusOf("a").state();
  ASSERT_OK(test::AppendChanges(store_.get(), Schools(1, 3)));
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_EQ(sink_->count(), 0u);
  ASSERT_OK(engine_->Resume("a"));
  ASSERT_TRUE(WaitFor([&] { return sink_->count() == 3; }));

  // Two entries of one name: refused, and "a" runs on as it was.
  google::protobuf::RepeatedPtrField<config::v1::Adapter> twice;
  *twice.Add() = changed;
  *twice.Add() = AdapterConfig("a");
  auto refused = engine_->PrepareAdapters(twice);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_EQ(engine_->AdapterStatuses().size(), 1u);
  ASSERT_OK(test::AppendChanges(store_.get(), Schools(4, 1)));
  ASSERT_TRUE(WaitFor([&] { return sink_->count() == 4; }));
}

TEST(SyncEngineConfigTest, EveryBadFieldOfEveryEntryIsNamed) {
  test::TempDir dir;
  store::sqlite::SqliteOptions options;
  options.path = dir.Path("lienthong.db");
  auto store = store::sqlite::SqliteStore::Open(options);
  ASSERT_OK(store);
  adapters::AdapterRegistry registry;
  adapters::RegisterBuiltinAdapters(&registry);
  google::protobuf::RepeatedPtrField<config::v1::Adapter> adapters;
  auto* good = adapters.Add();
  good->set_name("file");
  good->mutable_jsonl()->set_output_file(dir.Path("changes.jsonl"));
  auto* bad = adapters.Add();
  bad->set_name("file");
  bad->set_batch_size(1000000);
  bad->mutable_postgres();
  auto engine = SyncEngine::Create(store->get(), adapters, registry);
  EXPECT_EQ(engine.status().code(), absl::StatusCode::kInvalidArgument);
  google::rpc::BadRequest request;
  ASSERT_TRUE(GetBadRequest(engine.status(), &request));
  std::vector<std::string> fields;
  for (const auto& v : request.field_violations()) fields.push_back(v.field());
  EXPECT_THAT(fields, ::testing::UnorderedElementsAre("adapters[1].name", "adapters[1].batch_size",
                                                      "adapters[1].postgres.conninfo"));
  (*store)->Close();
}

}  // namespace
}  // namespace lienthong::sync
