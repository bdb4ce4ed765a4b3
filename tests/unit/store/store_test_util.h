// Shared by the store tests: writes that append school changes or put dossier versions, the
// outcomes of writes in the order they were answered, and a fixture that opens a store of the
// engine the test is run for (tests/support/store_engines.h).
#pragma once

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "lienthong/v1/education.pb.h"
#include "services/common/status_macros.h"
#include "services/store/exchange_log.h"
#include "services/store/store.h"
#include "tests/support/status_assertions.h"
#include "tests/support/store_engines.h"
#include "tests/support/store_scan.h"

namespace lienthong::store {

inline constexpr absl::Duration kWaitLimit = absl::Seconds(60);
inline const absl::Time kT0 = absl::FromUnixSeconds(1767225600);  // 2026-01-01 00:00 UTC

inline ExchangeLogEntry LogEntry(const std::string& member, absl::Time time = absl::Now()) {
  ExchangeLogEntry entry;
  entry.time = time;
  entry.member = member;
  entry.method = "/test.Store/Write";
  entry.request_digest = Sha256(member);
  entry.request_bytes = 10;
  return entry;
}

// Collects the outcomes of writes in the order their `done` ran (commit order).
class Outcomes {
 public:
  DoneFn Done(std::string key, std::shared_ptr<ChangeCursor> cursor = nullptr) {
    return [this, key = std::move(key), cursor = std::move(cursor)](absl::Status status) {
      absl::MutexLock lock(&mu_);
      done_.push_back({key, std::move(status), cursor == nullptr ? 0 : cursor->seq});
    };
  }
  // Waits until `count` writes are done; false after kWaitLimit.
  bool WaitFor(size_t count) {
    absl::MutexLock lock(&mu_);
    auto reached = [this, count]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return done_.size() >= count;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&reached), kWaitLimit);
  }
  struct Outcome {
    std::string key;
    absl::Status status;
    int64_t seq;  // cursor of the change the write appended, 0 when none
  };
  std::vector<Outcome> done() {
    absl::MutexLock lock(&mu_);
    return done_;
  }

 private:
  absl::Mutex mu_;
  std::vector<Outcome> done_ ABSL_GUARDED_BY(mu_);
};

// Appends one school change for `key` (and stores the school), recording its cursor.
inline WriteFn AppendSchool(std::string key, std::shared_ptr<ChangeCursor> cursor,
                     std::string name = "Trường THCS Lê Quý Đôn") {
  return [key = std::move(key), cursor = std::move(cursor),
          name = std::move(name)](WriteTransaction& txn) -> absl::Status {
    ASSIGN_OR_RETURN(auto existing, txn.FindRecord(v1::RECORD_TYPE_SCHOOL, key));
    const int64_t version = existing.has_value() ? existing->version + 1 : 1;
    v1::EducationRecord record;
    record.mutable_school()->set_school_code(key);
    record.mutable_school()->set_name(name);
    record.set_version(version);
    RecordRow row;
    row.type = v1::RECORD_TYPE_SCHOOL;
    row.key = key;
    row.agency = "000.00.31.H49";
    row.school_code = key;
    row.version = version;
    record.SerializeToString(&row.payload);
    ChangeRow change;
    change.type = v1::RECORD_TYPE_SCHOOL;
    change.key = key;
    change.operation = existing.has_value() ? v1::OPERATION_UPDATE : v1::OPERATION_CREATE;
    change.version = version;
    change.origin_member = "000.00.31.H49";
    change.agency = row.agency;
    change.payload = row.payload;
    ASSIGN_OR_RETURN(row.last_change, txn.AppendChange(change));
    RETURN_IF_ERROR(txn.PutRecord(row));
    if (cursor != nullptr) *cursor = row.last_change;
    return absl::OkStatus();
  };
}

inline std::string SchoolName(const RecordRow& row) {
  v1::EducationRecord record;
  record.ParseFromString(row.payload);
  return record.school().name();
}

inline std::vector<std::string> Keys(const std::vector<RecordRow>& rows) {
  std::vector<std::string> keys;
  for (const auto& row : rows) keys.push_back(row.key);
  return keys;
}

// Puts dossier `code` at `version` with `payload`, and its change event (a CREATE at version 1,
// sharing the payload with the row the way DossierRegister does; an UPDATE after that).
inline WriteFn PutDossierVersion(std::string code, int64_t version, std::string payload) {
  return [code = std::move(code), version, payload = std::move(payload)](
             WriteTransaction& txn) -> absl::Status {
    ASSIGN_OR_RETURN(auto stored, txn.FindDossier(code));
    DossierRow row = stored.has_value() ? *stored : DossierRow{};
    row.code = code;
    row.receiving_agency = "000.00.31.H49";
    row.handling_agency = "000.00.31.H49";
    row.procedure_code = "1.005092";
    row.received_at = kT0;
    row.version = version;
    row.request_digest = Sha256(payload);
    row.payload = payload;
    ChangeRow change;
    change.type = v1::RECORD_TYPE_DOSSIER;
    change.key = code;
    change.operation = version == 1 ? v1::OPERATION_CREATE : v1::OPERATION_UPDATE;
    change.version = version;
    change.origin_member = "000.00.31.H49";
    change.agency = row.receiving_agency;
    if (version == 1) {
      change.payload_is_dossier_row = true;
    } else {
      change.payload = payload;
    }
    ASSIGN_OR_RETURN(const ChangeCursor cursor, txn.AppendChange(change));
    if (version == 1) row.created_change = cursor;
    return txn.PutDossier(row);
  };
}

// `threads` threads each write `per_thread` new schools ("t<thread>-<i>") at once, without
// waiting; returns the outcomes in the order they were answered (empty after kWaitLimit).
inline std::vector<Outcomes::Outcome> WriteSchoolsConcurrently(Store& store, int threads,
                                                                int per_thread) {
  Outcomes outcomes;
  std::vector<std::thread> writers;
  for (int t = 0; t < threads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        const std::string key = absl::StrCat("t", t, "-", i);
        auto cursor = std::make_shared<ChangeCursor>();
        store.Write(LogEntry(absl::StrCat("member-", t)), AppendSchool(key, cursor),
                    outcomes.Done(key, cursor));
      }
    });
  }
  for (auto& writer : writers) writer.join();
  if (!outcomes.WaitFor(static_cast<size_t>(threads * per_thread))) return {};
  return outcomes.done();
}

// A store of one engine, opened afresh for each test.
class StoreFixture {
 protected:
  void OpenEngine(test::StoreEngine engine) {
    ASSERT_OK_AND_ASSIGN(harness_, test::StoreHarness::Make(engine));
    ASSERT_NO_FATAL_FAILURE(Open());
  }

  void Open(absl::Duration linger = absl::ZeroDuration(), int max_batch = 512) {
    store_.reset();
    test::StoreOpenOptions options;
    options.group_commit_linger = linger;
    options.group_commit_max_batch = max_batch;
    ASSERT_OK_AND_ASSIGN(store_, harness_->Open(options));
  }

  // One write, waited for.
  absl::Status WriteAndWait(WriteFn fn, ExchangeLogEntry entry = LogEntry("000.00.31.H49")) {
    return WriteAndWaitOn(*store_, std::move(fn), std::move(entry));
  }
  static absl::Status WriteAndWaitOn(Store& store, WriteFn fn,
                                     ExchangeLogEntry entry = LogEntry("000.00.31.H49")) {
    Outcomes outcomes;
    store.Write(std::move(entry), std::move(fn), outcomes.Done(""));
    if (!outcomes.WaitFor(1)) return absl::DeadlineExceededError("write not done in time");
    return outcomes.done().front().status;
  }

  ChangeCursor AppendAndWait(const std::string& key, const std::string& name = "Trường A") {
    auto cursor = std::make_shared<ChangeCursor>();
    EXPECT_OK(WriteAndWait(AppendSchool(key, cursor, name)));
    return *cursor;
  }

  std::vector<ExchangeLogEntry> ExchangeLog() {
    auto entries = test::ReadAllExchangeLog(*store_);
    EXPECT_OK(entries);
    return entries.ok() ? *entries : std::vector<ExchangeLogEntry>{};
  }

  std::unique_ptr<test::StoreHarness> harness_;
  std::unique_ptr<Store> store_;
};

}  // namespace lienthong::store
