// What the PostgreSQL store adds to the contract (store_contract_test.cc): several stores on one
// database, as replicas of lienthongd run. Cursors never skip a change that commits late, the
// same dossier sent to two replicas at once is stored once, a stale version is refused whichever
// replica wrote first, commits of one replica wake the others, and an outage of the server is
// answered at once and healed without a restart.
#include <libpq-fe.h>

#include <algorithm>
#include <map>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/store/postgres/postgres_store.h"
#include "tests/unit/store/store_test_util.h"

namespace lienthong::store {
namespace {

using ::testing::HasSubstr;
using test::StoreEngine;

class PostgresStoreTest : public StoreFixture, public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(OpenEngine(StoreEngine::kPostgres)); }

  // Another replica on the same database.
  std::unique_ptr<Store> OpenReplica(absl::Duration poll = absl::Milliseconds(250)) {
    test::StoreOpenOptions options;
    options.poll_interval = poll;
    auto opened = harness_->Open(options);
    EXPECT_OK(opened);
    return opened.ok() ? std::move(*opened) : nullptr;
  }
};

std::vector<std::string> KeysOf(const std::vector<ChangeRow>& changes) {
  std::vector<std::string> keys;
  for (const auto& change : changes) keys.push_back(change.key);
  return keys;
}

// Creates dossier `code` unless it exists: the decision DossierRegister makes (stored once; a
// second submission is told it exists).
WriteFn SubmitDossier(std::string code) {
  return [code = std::move(code)](WriteTransaction& txn) -> absl::Status {
    ASSIGN_OR_RETURN(auto stored, txn.FindDossier(code));
    if (stored.has_value()) return absl::AlreadyExistsError(absl::StrCat(code, " exists"));
    return PutDossierVersion(code, 1, "payload-" + code)(txn);
  };
}

// Moves dossier `code` from `expected` to the next version, as UpdateDossierStatus does.
WriteFn UpdateDossier(std::string code, int64_t expected) {
  return [code = std::move(code), expected](WriteTransaction& txn) -> absl::Status {
    ASSIGN_OR_RETURN(auto stored, txn.FindDossier(code));
    if (!stored.has_value()) return absl::NotFoundError(code);
    if (stored->version != expected) {
      return absl::AbortedError(absl::StrCat(code, " is at version ", stored->version));
    }
    return PutDossierVersion(code, expected + 1, absl::StrCat("v", expected + 1))(txn);
  };
}

TEST_F(PostgresStoreTest, ACursorNeverSkipsAChangeThatCommitsLate) {
  std::unique_ptr<Store> replica = OpenReplica();
  ASSERT_NE(replica, nullptr);

  // Replica A appends a change and then holds its transaction open.
  absl::Notification appended, release;
  Outcomes slow;
  auto slow_cursor = std::make_shared<ChangeCursor>();
  store_->Write(LogEntry("slow"),
                [&, append = AppendSchool("slow", slow_cursor)](WriteTransaction& txn) mutable {
                  absl::Status status = append(txn);
                  appended.Notify();
                  release.WaitForNotificationWithTimeout(kWaitLimit);
                  return status;
                },
                slow.Done("slow"));
  ASSERT_TRUE(appended.WaitForNotificationWithTimeout(kWaitLimit));

  // Meanwhile replica B commits twenty changes; readers on both replicas read all the while.
  std::atomic<bool> stop{false};
  std::vector<std::vector<std::string>> observed;
  absl::Mutex observed_mu;
  auto reader = [&](Store* store) {
    while (!stop.load()) {
      auto changes = test::ReadAllChanges(*store);
      if (changes.ok()) {
        absl::MutexLock lock(&observed_mu);
        observed.push_back(KeysOf(*changes));
      }
      absl::SleepFor(absl::Milliseconds(2));
    }
  };
  std::thread read_a(reader, store_.get());
  std::thread read_b(reader, replica.get());
  absl::Cleanup join = [&] {
    stop = true;
    if (!release.HasBeenNotified()) release.Notify();
    read_a.join();
    read_b.join();
  };
  std::vector<int64_t> fast_cursors;
  for (int i = 0; i < 20; ++i) {
    auto cursor = std::make_shared<ChangeCursor>();
    ASSERT_OK(WriteAndWaitOn(*replica, AppendSchool(absl::StrCat("fast", i), cursor)));
    fast_cursors.push_back(cursor->seq);
  }
  // B's changes are committed but not readable: the open transaction could still precede them.
  ASSERT_OK_AND_ASSIGN(auto while_open, test::ReadAllChanges(*replica));
  EXPECT_TRUE(while_open.empty()) << "read " << while_open.size() << " changes past an open one";
  ASSERT_OK_AND_ASSIGN(auto bounds_open, replica->GetChangeBounds());
  EXPECT_EQ(bounds_open.head.seq, 0);

  if (!release.HasBeenNotified()) release.Notify();
  ASSERT_TRUE(slow.WaitFor(1));
  ASSERT_OK(slow.done().front().status);
  EXPECT_LT(slow_cursor->seq, fast_cursors.front());
  std::move(join).Invoke();

  // Every replica reads the same sequence: the slow change first (its transaction began
  // first), then B's in order; every sequence a reader saw on the way was a prefix of it.
  ASSERT_OK_AND_ASSIGN(auto final_a, test::ReadAllChanges(*store_));
  ASSERT_OK_AND_ASSIGN(auto final_b, test::ReadAllChanges(*replica));
  const std::vector<std::string> keys = KeysOf(final_a);
  ASSERT_EQ(keys.size(), 21u);
  EXPECT_EQ(keys.front(), "slow");
  EXPECT_EQ(KeysOf(final_b), keys);
  absl::MutexLock lock(&observed_mu);
  EXPECT_FALSE(observed.empty());
  for (const auto& seen : observed) {
    ASSERT_LE(seen.size(), keys.size());
    EXPECT_TRUE(std::equal(seen.begin(), seen.end(), keys.begin()))
        << "a reader saw a sequence that is not a prefix of the final one";
  }
}

TEST_F(PostgresStoreTest, ARecordsVersionsReachTheFeedInOrderWhenAnOlderTransactionWritesLast) {
  std::unique_ptr<Store> replica = OpenReplica();
  ASSERT_NE(replica, nullptr);
  AppendAndWait("R", "v1");  // version 1
  // Replica A's batch begins (its transaction id is taken) and waits before touching R.
  absl::Notification began, release;
  Outcomes slow;
  auto slow_cursor = std::make_shared<ChangeCursor>();
  store_->Write(LogEntry("older"),
                [&, update = AppendSchool("R", slow_cursor, "v3")](WriteTransaction& txn) mutable {
                  if (!began.HasBeenNotified()) began.Notify();
                  release.WaitForNotificationWithTimeout(kWaitLimit);
                  return update(txn);
                },
                slow.Done("older"));
  ASSERT_TRUE(began.WaitForNotificationWithTimeout(kWaitLimit));
  // Replica B, younger, updates R and commits.
  ASSERT_OK(WriteAndWaitOn(*replica, AppendSchool("R", nullptr, "v2")));
  release.Notify();
  ASSERT_TRUE(slow.WaitFor(1));
  ASSERT_OK(slow.done().front().status);

  // The older transaction did not write after the younger one's commit under its own, lower
  // cursors: the write went to a later batch. Versions follow cursors.
  ASSERT_OK_AND_ASSIGN(auto changes, test::ReadChangesOf(*store_, v1::RECORD_TYPE_SCHOOL, "R"));
  ASSERT_EQ(changes.size(), 3u);
  for (size_t i = 0; i < changes.size(); ++i) {
    EXPECT_EQ(changes[i].version, static_cast<int64_t>(i + 1));
    if (i > 0) EXPECT_LT(changes[i - 1].cursor, changes[i].cursor);
  }
  EXPECT_EQ(changes.back().cursor, *slow_cursor);
  ASSERT_OK_AND_ASSIGN(auto stored, store_->GetRecord(v1::RECORD_TYPE_SCHOOL, "R"));
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->version, 3);
  EXPECT_EQ(SchoolName(*stored), "v3");
  // Its call is logged once, when it ran.
  ASSERT_OK_AND_ASSIGN(auto log, test::ReadAllExchangeLog(*store_));
  int older = 0;
  for (const auto& entry : log) older += entry.member == "older";
  EXPECT_EQ(older, 1);
  EXPECT_OK(test::VerifyExchangeLogChain(*store_));
}

// With read-ahead hints, each batch fetches its dossiers with its BEGIN (pipelined path): a
// hint that another replica's commit made stale must still end in one stored dossier.
ReadAhead DossierHint(const std::string& code, bool hinted) {
  ReadAhead read_ahead;
  if (hinted) read_ahead.dossier_codes.push_back(code);
  return read_ahead;
}

void ExpectEachDossierStoredOnceFromTwoReplicas(Store& store, Store& replica, bool hinted,
                                                int first) {

  constexpr int kDossiers = 40;
  Outcomes outcomes;
  for (int i = 0; i < kDossiers; ++i) {
    const std::string code = absl::StrCat("000.00.31.H49-261206-", first + i);
    store.Write(LogEntry("a"), SubmitDossier(code), outcomes.Done(code), DossierHint(code, hinted));
    replica.Write(LogEntry("b"), SubmitDossier(code), outcomes.Done(code), DossierHint(code, hinted));
  }
  ASSERT_TRUE(outcomes.WaitFor(2 * kDossiers));
  std::map<std::string, std::vector<absl::StatusCode>> codes;
  for (const auto& outcome : outcomes.done()) codes[outcome.key].push_back(outcome.status.code());
  for (auto& [code, answers] : codes) {
    std::sort(answers.begin(), answers.end());
    EXPECT_EQ(answers, (std::vector<absl::StatusCode>{absl::StatusCode::kOk,
                                                      absl::StatusCode::kAlreadyExists}))
        << code;
  }
  ASSERT_OK_AND_ASSIGN(auto changes, test::ReadAllChanges(replica));
  EXPECT_EQ(changes.size(), static_cast<size_t>(kDossiers)) << "one change event per dossier";
  EXPECT_OK(test::VerifyExchangeLogChain(store));
}

TEST_F(PostgresStoreTest, TheSameDossierSentToTwoReplicasAtOnceIsStoredOnce) {
  std::unique_ptr<Store> replica = OpenReplica();
  ASSERT_NE(replica, nullptr);
  ExpectEachDossierStoredOnceFromTwoReplicas(*store_, *replica, /*hinted=*/false, 1000);
  ASSERT_OK_AND_ASSIGN(auto log, test::ReadAllExchangeLog(*store_));
  EXPECT_EQ(log.size(), 80u);
}

TEST_F(PostgresStoreTest, TheSameDossierSentToTwoReplicasWithReadAheadHintsIsStoredOnce) {
  std::unique_ptr<Store> replica = OpenReplica();
  ASSERT_NE(replica, nullptr);
  ExpectEachDossierStoredOnceFromTwoReplicas(*store_, *replica, /*hinted=*/true, 3000);
  ASSERT_OK_AND_ASSIGN(auto log, test::ReadAllExchangeLog(*store_));
  EXPECT_EQ(log.size(), 80u);
}


void ExpectOneUpdateOfEachAcceptedFromTwoReplicas(Store& store, Store& replica, bool hinted,
                                                 int first) {
  constexpr int kDossiers = 30;
  {
    Outcomes created;
    for (int i = 0; i < kDossiers; ++i) {
      const std::string code = absl::StrCat("000.00.31.H49-261206-", first + i);
      store.Write(LogEntry("a"), SubmitDossier(code), created.Done(code));
    }
    ASSERT_TRUE(created.WaitFor(kDossiers));
    for (const auto& outcome : created.done()) ASSERT_OK(outcome.status);
  }
  Outcomes outcomes;
  for (int i = 0; i < kDossiers; ++i) {
    const std::string code = absl::StrCat("000.00.31.H49-261206-", first + i);
    store.Write(LogEntry("a"), UpdateDossier(code, 1), outcomes.Done(code), DossierHint(code, hinted));
    replica.Write(LogEntry("b"), UpdateDossier(code, 1), outcomes.Done(code),
                  DossierHint(code, hinted));
  }
  ASSERT_TRUE(outcomes.WaitFor(2 * kDossiers));
  std::map<std::string, std::vector<absl::StatusCode>> codes;
  for (const auto& outcome : outcomes.done()) codes[outcome.key].push_back(outcome.status.code());
  for (auto& [code, answers] : codes) {
    std::sort(answers.begin(), answers.end());
    EXPECT_EQ(answers,
              (std::vector<absl::StatusCode>{absl::StatusCode::kOk, absl::StatusCode::kAborted}))
        << code;
    ASSERT_OK_AND_ASSIGN(auto stored, replica.GetDossier(code));
    ASSERT_TRUE(stored.has_value());
    EXPECT_EQ(stored->version, 2);
  }
}

TEST_F(PostgresStoreTest, AStaleVersionIsRefusedWhicheverReplicaWroteFirst) {
  std::unique_ptr<Store> replica = OpenReplica();
  ASSERT_NE(replica, nullptr);
  ExpectOneUpdateOfEachAcceptedFromTwoReplicas(*store_, *replica, /*hinted=*/false, 2000);
}

TEST_F(PostgresStoreTest, AStaleVersionIsRefusedWhicheverReplicaWroteFirstWithReadAheadHints) {
  std::unique_ptr<Store> replica = OpenReplica();
  ASSERT_NE(replica, nullptr);
  ExpectOneUpdateOfEachAcceptedFromTwoReplicas(*store_, *replica, /*hinted=*/true, 4000);
}

// One batch (a long linger gathers them): a hinted key that an earlier write of the same batch
// wrote is read again, not taken from what the batch fetched before it began; and a write that
// fails after sending its statements takes the batch to the careful path, which undoes only that
// write.
TEST_F(PostgresStoreTest, InOneBatchAHintedKeyIsReadAfterItsWriteAndAFailedWriteUndoesOnlyItself) {
  test::StoreOpenOptions options;
  options.group_commit_linger = absl::Milliseconds(300);
  options.writer_connections = 1;
  auto opened = harness_->Open(options);
  ASSERT_OK(opened);
  Store& store = **opened;
  const std::string code = "000.00.31.H49-261206-5000";
  Outcomes outcomes;
  store.Write(LogEntry("a"), SubmitDossier(code), outcomes.Done("first"), DossierHint(code, true));
  store.Write(LogEntry("a"), SubmitDossier(code), outcomes.Done("again"), DossierHint(code, true));
  // Sends its dossier, then fails: only a savepoint (the careful path) can undo it alone.
  store.Write(LogEntry("a"),
              [](WriteTransaction& txn) -> absl::Status {
                RETURN_IF_ERROR(
                    PutDossierVersion("000.00.31.H49-261206-5001", 1, "undone")(txn));
                return absl::FailedPreconditionError("changed its mind");
              },
              outcomes.Done("failed"), DossierHint("000.00.31.H49-261206-5001", true));
  store.Write(LogEntry("a"), SubmitDossier("000.00.31.H49-261206-5002"), outcomes.Done("other"),
              DossierHint("000.00.31.H49-261206-5002", true));
  ASSERT_TRUE(outcomes.WaitFor(4));
  std::map<std::string, absl::StatusCode> answers;
  for (const auto& outcome : outcomes.done()) answers[outcome.key] = outcome.status.code();
  EXPECT_EQ(answers["first"], absl::StatusCode::kOk);
  EXPECT_EQ(answers["again"], absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(answers["failed"], absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(answers["other"], absl::StatusCode::kOk);
  ASSERT_OK_AND_ASSIGN(auto undone, store.GetDossier("000.00.31.H49-261206-5001"));
  EXPECT_FALSE(undone.has_value());
  ASSERT_OK_AND_ASSIGN(auto other, store.GetDossier("000.00.31.H49-261206-5002"));
  EXPECT_TRUE(other.has_value());
  ASSERT_OK_AND_ASSIGN(auto changes, test::ReadAllChanges(store));
  EXPECT_EQ(KeysOf(changes), (std::vector<std::string>{code, "000.00.31.H49-261206-5002"}));
  ASSERT_OK_AND_ASSIGN(auto log, test::ReadAllExchangeLog(store));
  EXPECT_EQ(log.size(), 4u) << "every write is logged, the failed ones too";
  EXPECT_OK(test::VerifyExchangeLogChain(store));
}

TEST_F(PostgresStoreTest, OneReplicasCommitsWakeTheOthersListeners) {
  // A poll far longer than the test: only LISTEN/NOTIFY can wake this replica.
  std::unique_ptr<Store> replica = OpenReplica(absl::Minutes(10));
  ASSERT_NE(replica, nullptr);
  absl::Mutex mu;
  int64_t heard = 0;
  replica->AddCommitListener([&](ChangeCursor head) {
    absl::MutexLock lock(&mu);
    heard = std::max(heard, head.seq);
  });
  for (int i = 0; i < 3; ++i) {
    const ChangeCursor cursor = AppendAndWait(absl::StrCat("s", i));
    const absl::Time start = absl::Now();
    absl::MutexLock lock(&mu);
    auto reached = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return heard >= cursor.seq; };
    ASSERT_TRUE(mu.AwaitWithTimeout(absl::Condition(&reached), absl::Seconds(30)))
        << "the other replica did not hear of change " << i;
    EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  }
}

TEST_F(PostgresStoreTest, AnOutageFailsWritesAtOnceAndServiceResumesWithoutARestart) {
  // A cluster of its own: this test stops it.
  ASSERT_OK_AND_ASSIGN(auto cluster, test::PostgresCluster::Start());
  postgres::PostgresOptions options;
  options.conninfo = cluster->conninfo();
  options.writer_connections = 2;
  ASSERT_OK_AND_ASSIGN(auto store, postgres::PostgresStore::Open(options));
  ASSERT_OK(WriteAndWaitOn(*store, AppendSchool("before", nullptr)));
  EXPECT_OK(store->Health());

  ASSERT_OK(cluster->Stop());
  // Every write fails, fast, with UNAVAILABLE; nothing is half-written.
  for (int i = 0; i < 5; ++i) {
    const absl::Time start = absl::Now();
    absl::Status status = WriteAndWaitOn(*store, AppendSchool(absl::StrCat("during", i), nullptr));
    EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
    EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  }
  EXPECT_EQ(store->Health().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(store->Health().message()), HasSubstr("PostgreSQL unreachable"));
  EXPECT_EQ(store->GetRecord(v1::RECORD_TYPE_SCHOOL, "before").status().code(),
            absl::StatusCode::kUnavailable);

  ASSERT_OK(cluster->Restart());
  // Service resumes: within a few reconnect intervals writes succeed again.
  absl::Status after;
  for (int i = 0; i < 100; ++i) {
    after = WriteAndWaitOn(*store, AppendSchool("after", nullptr));
    if (after.ok()) break;
    absl::SleepFor(absl::Milliseconds(200));
  }
  ASSERT_OK(after);
  for (int i = 0; i < 100 && !store->Health().ok(); ++i) absl::SleepFor(absl::Milliseconds(100));
  EXPECT_OK(store->Health());
  ASSERT_OK_AND_ASSIGN(auto changes, test::ReadAllChanges(*store));
  EXPECT_EQ(KeysOf(changes), (std::vector<std::string>{"before", "after"}));
  EXPECT_OK(test::VerifyExchangeLogChain(*store));
  store->Close();
}

TEST_F(PostgresStoreTest, NoSchemaToCreateTablesInIsRefusedWithTheRemedy) {
  postgres::PostgresOptions options;
  options.conninfo = absl::StrCat(harness_->cluster()->conninfo(),
                                  " options='-c search_path=no_such_schema'");
  auto refused = postgres::PostgresStore::Open(options);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("search_path"));
}

TEST_F(PostgresStoreTest, AnUnreachableServerIsUnavailableAtOpen) {
  postgres::PostgresOptions options;
  options.conninfo = "host=127.0.0.1 port=1 user=postgres dbname=postgres connect_timeout=2";
  auto refused = postgres::PostgresStore::Open(options);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(PostgresStoreTest, ADatabaseRestoredIntoANewClusterKeepsCursorsGrowing) {
  for (int i = 0; i < 3; ++i) AppendAndWait(absl::StrCat("s", i));
  ASSERT_OK_AND_ASSIGN(const auto before, store_->GetChangeBounds());
  store_.reset();
  // As after pg_dump into a fresh cluster, whose transaction ids start low: the stored base is
  // now far above the current transaction id.
  ASSERT_OK(harness_->Tamper(
      "UPDATE lienthong_meta SET value = value + 1000000000 WHERE key = 'xid_base'"));
  ASSERT_NO_FATAL_FAILURE(Open());
  const ChangeCursor next = AppendAndWait("after-restore");
  EXPECT_LT(before.head, next);
  ASSERT_OK_AND_ASSIGN(auto changes, test::ReadAllChanges(*store_));
  EXPECT_EQ(KeysOf(changes), (std::vector<std::string>{"s0", "s1", "s2", "after-restore"}));
}

}  // namespace
}  // namespace lienthong::store
