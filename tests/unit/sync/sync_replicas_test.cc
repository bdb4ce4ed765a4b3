// The sync engine on replicas sharing one PostgreSQL store: each adapter runs on exactly one
// replica, the others stand by; when its holder stops, another takes it over from the stored
// checkpoint and every change reaches the destination (deduplicated by event id there).
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "adapters/adapter_registry.h"
#include "gtest/gtest.h"
#include "services/sync/sync_engine.h"
#include "tests/support/sample_changes.h"
#include "tests/support/status_assertions.h"
#include "tests/support/store_engines.h"
#include "tests/support/test_gateway.h"

namespace lienthong::sync {
namespace {

// The destination: which replica applied what, and every event once by id.
class SharedSink {
 public:
  void Apply(const std::string& replica, absl::Span<const v1::ChangeEvent> events) {
    absl::MutexLock lock(&mu_);
    for (const auto& event : events) {
      ++applied_by_[replica];
      if (seen_.insert(event.event_id()).second) keys_.push_back(event.key().key());
    }
  }
  std::vector<std::string> keys() {
    absl::MutexLock lock(&mu_);
    return keys_;
  }
  std::map<std::string, int> applied_by() {
    absl::MutexLock lock(&mu_);
    return applied_by_;
  }

 private:
  absl::Mutex mu_;
  std::set<std::string> seen_;
  std::vector<std::string> keys_;
  std::map<std::string, int> applied_by_;
};

class SinkAdapter final : public adapters::Adapter {
 public:
  SinkAdapter(std::shared_ptr<SharedSink> sink, std::string replica)
      : sink_(std::move(sink)), replica_(std::move(replica)) {}
  absl::Status Apply(absl::Span<const v1::ChangeEvent> events) override {
    sink_->Apply(replica_, events);
    return absl::OkStatus();
  }

 private:
  std::shared_ptr<SharedSink> sink_;
  std::string replica_;
};

// Stands in for the "jsonl" kind.
class SinkFactory final : public adapters::AdapterFactory {
 public:
  SinkFactory(std::shared_ptr<SharedSink> sink, std::string replica)
      : sink_(std::move(sink)), replica_(std::move(replica)) {}
  std::string kind() const override { return "jsonl"; }
  std::vector<v1::RecordType> record_types() const override {
    return {v1::RECORD_TYPE_DOSSIER, v1::RECORD_TYPE_SCHOOL, v1::RECORD_TYPE_STUDENT,
            v1::RECORD_TYPE_DIPLOMA};
  }
  absl::Status Validate(const config::v1::Adapter&) const override { return absl::OkStatus(); }
  absl::StatusOr<std::unique_ptr<adapters::Adapter>> Create(
      const config::v1::Adapter&) const override {
    return std::make_unique<SinkAdapter>(sink_, replica_);
  }

 private:
  std::shared_ptr<SharedSink> sink_;
  std::string replica_;
};

struct Replica {
  std::string name;
  std::unique_ptr<store::Store> store;
  adapters::AdapterRegistry registry;
  std::unique_ptr<SyncEngine> engine;
};

class SyncReplicasTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(harness_, test::StoreHarness::Make(test::StoreEngine::kPostgres));
    sink_ = std::make_shared<SharedSink>();
    for (const char* name : {"replica-a", "replica-b", "replica-c"}) {
      auto replica = std::make_unique<Replica>();
      replica->name = name;
      ASSERT_OK_AND_ASSIGN(replica->store, harness_->Open());
      ASSERT_OK(replica->registry.Register(std::make_unique<SinkFactory>(sink_, name)));
      config::v1::Adapter config;
      config.set_name("sodb");
      config.mutable_jsonl()->set_output_file("unused.jsonl");
      config.set_batch_size(50);
      config.set_start_from_oldest(true);
      google::protobuf::RepeatedPtrField<config::v1::Adapter> adapters;
      *adapters.Add() = config;
      SyncEngineOptions options;
      options.poll_interval = absl::Milliseconds(50);
      options.replica_name = name;
      options.lease_ttl = absl::Seconds(4);
      ASSERT_OK_AND_ASSIGN(replica->engine, SyncEngine::Create(replica->store.get(), adapters,
                                                               replica->registry, options));
      replicas_.push_back(std::move(replica));
    }
    for (auto& replica : replicas_) replica->engine->Start();
  }

  void TearDown() override {
    for (auto& replica : replicas_) {
      if (replica->engine) replica->engine->Stop();
    }
  }

  // The replicas whose engine says it runs "sodb".
  std::vector<std::string> Holders() {
    std::vector<std::string> holders;
    for (auto& replica : replicas_) {
      if (replica->engine == nullptr) continue;
      for (const auto& status : replica->engine->AdapterStatuses()) {
        if (status.state() != "standby") holders.push_back(replica->name);
      }
    }
    return holders;
  }

  std::unique_ptr<test::StoreHarness> harness_;
  std::shared_ptr<SharedSink> sink_;
  std::vector<std::unique_ptr<Replica>> replicas_;
};

std::vector<store::ChangeRow> Schools(int first, int count) {
  std::vector<store::ChangeRow> rows;
  for (int n = first; n < first + count; ++n) {
    rows.push_back(test::SchoolChange(test::SampleSchool(n)));
  }
  return rows;
}

TEST_F(SyncReplicasTest, OneReplicaRunsTheAdapterAndAnotherTakesOverWhenItStops) {
  ASSERT_TRUE(test::PollUntil([&] { return Holders().size() == 1; }, absl::Seconds(20),
                              absl::Milliseconds(20)));
  const std::string first = Holders().front();
  // Every replica's status names the holder.
  for (auto& replica : replicas_) {
    EXPECT_EQ(replica->engine->AdapterStatuses().front().holder(), first) << replica->name;
  }

  // Changes written through every replica all reach the destination, applied by the holder.
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK(test::AppendChanges(replicas_[i]->store.get(), Schools(i * 10, 10)));
  }
  ASSERT_TRUE(test::PollUntil([&] { return sink_->keys().size() == 30; }, absl::Seconds(20),
                              absl::Milliseconds(20)));
  EXPECT_EQ(sink_->applied_by().size(), 1u) << "more than one replica applied changes";
  EXPECT_EQ(sink_->applied_by().begin()->first, first);

  // The holder stops; another replica takes the adapter over and delivers what follows.
  for (auto& replica : replicas_) {
    if (replica->name == first) {
      replica->engine->Stop();
      replica->engine.reset();
    }
  }
  ASSERT_OK(test::AppendChanges(replicas_[first == "replica-a" ? 1 : 0]->store.get(),
                                Schools(100, 20)));
  ASSERT_TRUE(test::PollUntil([&] { return sink_->keys().size() == 50; }, absl::Seconds(20),
                              absl::Milliseconds(20)))
      << "only " << sink_->keys().size() << " of 50 changes delivered after the takeover";
  ASSERT_TRUE(test::PollUntil([&] { return Holders().size() == 1; }, absl::Seconds(20),
                              absl::Milliseconds(20)));
  EXPECT_NE(Holders().front(), first);
  // Every change once, in the order of the change log.
  std::vector<std::string> expected;
  for (int i = 0; i < 3; ++i) {
    for (int n = i * 10; n < i * 10 + 10; ++n) expected.push_back(test::SampleSchool(n).school_code());
  }
  for (int n = 100; n < 120; ++n) expected.push_back(test::SampleSchool(n).school_code());
  EXPECT_EQ(sink_->keys(), expected);
  ASSERT_OK_AND_ASSIGN(auto leases, replicas_[2]->store->ListLeases());
  ASSERT_FALSE(leases.empty());
  EXPECT_EQ(leases.front().name, "adapter/sodb");
  EXPECT_EQ(leases.front().holder, Holders().front());
}

}  // namespace
}  // namespace lienthong::sync
