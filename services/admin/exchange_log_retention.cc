// The exchange-log pruning thread.
#include "services/admin/exchange_log_retention.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/log.h"
#include "services/common/proto_time.h"
#include "services/common/status_macros.h"
#include "services/store/exchange_log.h"
#include "services/store/write_and_wait.h"

namespace lienthong::admin {

namespace {

// The timestamp tokens of entries first..last, for their archive.
absl::StatusOr<std::vector<store::ExchangeLogTimestamp>> TokensOf(store::Store* store,
                                                                  int64_t first, int64_t last) {
  constexpr int kBatch = 500;
  std::vector<store::ExchangeLogTimestamp> tokens;
  int64_t after_seq = first - 1;
  int64_t after_id = std::numeric_limits<int64_t>::max();
  for (;;) {
    ASSIGN_OR_RETURN(auto batch, store->ReadExchangeLogTimestamps(after_seq, after_id, kBatch));
    for (auto& token : batch) {
      if (token.seq > last) return tokens;
      after_seq = token.seq;
      after_id = token.id;
      tokens.push_back(std::move(token));
    }
    if (static_cast<int>(batch.size()) < kBatch) return tokens;
  }
}

}  // namespace

absl::Duration ExchangeLogMaxAge(const config::v1::GatewayConfig& config) {
  const auto& age = config.retention().exchange_log_max_age();
  const absl::Duration configured = FromProtoDuration(age);
  if (!config.retention().has_exchange_log_max_age() || configured <= absl::ZeroDuration()) {
    return absl::Hours(24 * 1826);  // 5 years
  }
  return configured;
}

ExchangeLogRetention::~ExchangeLogRetention() { Stop(); }

void ExchangeLogRetention::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void ExchangeLogRetention::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void ExchangeLogRetention::SetMaxAge(absl::Duration max_age) {
  absl::MutexLock lock(&mu_);
  max_age_ = max_age;
}

absl::Duration ExchangeLogRetention::Interval() const {
  return std::clamp(max_age_ / 10, absl::Seconds(1), absl::Hours(1));
}

void ExchangeLogRetention::SetArchive(ArchiveOptions options, prometheus::Registry* metrics) {
  archive_ = std::move(options);
  if (metrics != nullptr) {
    archives_ = &prometheus::BuildCounter()
                     .Name("lienthong_exchange_log_archives_total")
                     .Help("Exchange-log archive files, by result: written, failed (nothing "
                           "pruned), command_failed (the hand-off command failed; the archive "
                           "is kept)")
                     .Register(*metrics);
  }
}

void ExchangeLogRetention::Count(const char* result) {
  if (archives_ != nullptr) archives_->Add({{"result", result}}).Increment();
}

absl::StatusOr<int64_t> ExchangeLogRetention::ArchiveOldEntries(
    const store::ExchangeLogEnds& ends, absl::Time before, std::vector<std::string>* written) {
  ASSIGN_OR_RETURN(const std::vector<ArchiveFile> files, ListArchives(archive_.dir));
  int64_t archived = ends.anchor_seq;
  if (!files.empty() && files.back().last_seq > archived) {
    // A run archived these and stopped before its pruning committed.
    if (files.back().last_seq > ends.head_seq) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the archive folder ", archive_.dir, " holds entries up to ", files.back().last_seq,
          ", beyond this exchange log's head (", ends.head_seq,
          "): it is another log's archive folder"));
    }
    archived = files.back().last_seq;
  }
  std::vector<store::ExchangeLogEntry> chunk;
  const auto flush = [&]() -> absl::Status {
    if (chunk.empty()) return absl::OkStatus();
    auto tokens = TokensOf(store_, chunk.front().seq, chunk.back().seq);
    if (!tokens.ok()) {
      Count("failed");
      return tokens.status();
    }
    auto path = WriteArchive(archive_.dir, chunk, *tokens, absl::Now());
    if (!path.ok()) {
      Count("failed");
      return path.status();
    }
    Count("written");
    LogLine(LogLevel::kInfo, "exchange log archived")
        .Str("archive", *path).Int("first_seq", chunk.front().seq).Int("last_seq", chunk.back().seq)
        .Int("timestamps", static_cast<int64_t>(tokens->size()));
    written->push_back(*path);
    archived = chunk.back().seq;
    chunk.clear();
    return absl::OkStatus();
  };
  // The leading run of entries older than `before`: never an entry past a newer one.
  for (int64_t after = archived;;) {
    ASSIGN_OR_RETURN(auto batch, store_->ReadExchangeLog(after, 1000));
    if (batch.empty()) break;
    bool newer = false;
    for (auto& entry : batch) {
      if (entry.time >= before) {
        newer = true;
        break;
      }
      after = entry.seq;
      chunk.push_back(std::move(entry));
      if (static_cast<int64_t>(chunk.size()) >= archive_.entries_per_file) {
        RETURN_IF_ERROR(flush());
      }
    }
    if (newer) break;
  }
  RETURN_IF_ERROR(flush());
  return archived;
}

void ExchangeLogRetention::HandOff(const std::vector<std::string>& written) {
  if (archive_.command.empty()) return;
  for (const std::string& path : written) {
    const absl::Status handed = RunArchiveCommand(archive_.command, path, archive_.command_timeout);
    if (handed.ok()) continue;
    Count("command_failed");
    LogLine(LogLevel::kWarning, "exchange-log archive command failed; the archive is kept")
        .Str("archive", path).Str("error", handed.message());
  }
}

void ExchangeLogRetention::Loop() {
  for (;;) {
    auto pruned = RunOnce();
    if (!pruned.ok()) {
      LogLine(LogLevel::kError, "exchange-log pruning failed").Str("error", pruned.status().message());
    }
    absl::MutexLock lock(&mu_);
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), Interval())) return;
  }
}

absl::StatusOr<int64_t> ExchangeLogRetention::RunOnce() {
  std::vector<std::string> written;
  absl::StatusOr<int64_t> removed = PruneOnce(&written);
  HandOff(written);  // outside the chain lock: the command may take minutes
  return removed;
}

absl::StatusOr<int64_t> ExchangeLogRetention::PruneOnce(std::vector<std::string>* archives) {
  absl::MutexLock chain(&chain_mu_);
  absl::Duration max_age;
  absl::Duration interval;
  {
    absl::MutexLock lock(&mu_);
    max_age = max_age_;
    interval = Interval();
  }
  // Several replicas share one log: one of them prunes it. The lease outlives two runs, so its
  // holder keeps it while it lives.
  auto lease = store_->AcquireLease("retention/exchange_log", replica_,
                                    std::max(2 * interval, absl::Minutes(1)));
  if (!lease.ok()) {
    if (lease.status().code() == absl::StatusCode::kFailedPrecondition) return 0;
    return lease.status();
  }
  const absl::Time before = absl::Now() - max_age;
  ASSIGN_OR_RETURN(store::Store::ExchangeLogEnds ends, store_->GetExchangeLogEnds());
  ASSIGN_OR_RETURN(auto oldest, store_->ReadExchangeLog(ends.anchor_seq, 1));
  int64_t removed = 0;
  if (!oldest.empty() && oldest.front().time < before) {
    // With an archive: the entries go to archive files first, and only those are pruned.
    const bool archiving = !archive_.dir.empty();
    std::vector<std::string>& written = *archives;
    int64_t through = 0;
    if (archiving) {
      ASSIGN_OR_RETURN(through, ArchiveOldEntries(ends, before, &written));
    }
    store::ExchangeLogEntry entry;
    entry.time = absl::Now();
    entry.member = kMaintenanceMember;
    entry.method = kPruneMethod;
    entry.request_digest =
        store::Sha256(absl::StrCat("before=", absl::ToUnixMicros(before)));
    for (const std::string& path : written) {
      entry.records.push_back(absl::StrCat("archive:", path.substr(path.rfind('/') + 1)));
    }
    if (!archiving || through > ends.anchor_seq) {
      RETURN_IF_ERROR(store::WriteAndWait(
          store_, std::move(entry),
          [&removed, before, archiving, through, this,
           token = lease->token](store::WriteTransaction& txn) -> absl::Status {
            RETURN_IF_ERROR(txn.CheckLease("retention/exchange_log", replica_, token));
            if (archiving) {
              ASSIGN_OR_RETURN(removed, txn.PruneExchangeLogThrough(through));
            } else {
              ASSIGN_OR_RETURN(removed, txn.PruneExchangeLogBefore(before));
            }
            return absl::OkStatus();
          }));
      ASSIGN_OR_RETURN(ends, store_->GetExchangeLogEnds());
    }
  }
  // The head, logged as a witness kept outside the database.
  LogLine(LogLevel::kInfo, "exchange log retention")
      .Int("removed", removed).Int("anchor_seq", ends.anchor_seq).Int("head_seq", ends.head_seq)
      .Str("head_hash", absl::BytesToHexString(ends.head_hash))
      .Str("max_age", absl::FormatDuration(max_age));
  return removed;
}

}  // namespace lienthong::admin
