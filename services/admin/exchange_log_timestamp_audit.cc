// The timestamp-token check: tokens and entries walked together in sequence order.
#include "services/admin/exchange_log_timestamp_audit.h"

#include <limits>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/admin/exchange_log_retention.h"
#include "services/admin/head_timestamper.h"
#include "services/common/status_macros.h"
#include "services/store/exchange_log.h"

namespace lienthong::admin {
namespace {

constexpr int kEntryBatch = 1000;
constexpr int kTokenBatch = 200;

std::string Utc(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

class TimestampWalk {
 public:
  TimestampWalk(store::Store& store, const TsaTrust& trust) : store_(store), trust_(trust) {}

  absl::StatusOr<TimestampVerdict> Run() {
    ASSIGN_OR_RETURN(ends_, store_.GetExchangeLogEnds());
    read_after_ = ends_.anchor_seq;
    int64_t after_seq = 0;
    int64_t after_id = 0;
    for (bool more = true; more;) {
      ASSIGN_OR_RETURN(std::vector<store::ExchangeLogTimestamp> batch,
                       store_.ReadExchangeLogTimestamps(after_seq, after_id, kTokenBatch));
      more = static_cast<int>(batch.size()) == kTokenBatch;
      for (const store::ExchangeLogTimestamp& row : batch) {
        if (row.seq > ends_.head_seq) {  // taken after the check began
          more = false;
          break;
        }
        after_seq = row.seq;
        after_id = row.id;
        RETURN_IF_ERROR(Check(row));
      }
    }
    // The entries after the last token: their token records are checked too.
    ASSIGN_OR_RETURN(std::optional<store::ExchangeLogEntry> none,
                     EntryAt(std::numeric_limits<int64_t>::max()));
    (void)none;
    return verdict_;
  }

 private:
  void Problem(int64_t id, int64_t seq, std::string what) {
    verdict_.problems.push_back(TimestampProblem{id, seq, std::move(what)});
  }

  absl::Status Check(const store::ExchangeLogTimestamp& row) {
    token_digests_.insert(store::Sha256(row.token));
    if (row.seq < ends_.anchor_seq) return absl::OkStatus();  // its entry is archived
    std::string hash;
    if (row.seq == ends_.anchor_seq) {
      hash = ends_.anchor_hash;
    } else {
      ASSIGN_OR_RETURN(std::optional<store::ExchangeLogEntry> entry, EntryAt(row.seq));
      if (!entry.has_value()) {
        Problem(row.id, row.seq,
                absl::StrCat("removed: entry ", row.seq, ", which token ", row.id,
                             " stamps, is not in the log"));
        return absl::OkStatus();
      }
      hash = store::ComputeEntryHash(*entry, entry->prev_hash);
    }
    TimestampToken token;
    std::string problem = JudgeToken(row, hash, trust_, &token);
    if (!problem.empty()) {
      Problem(row.id, row.seq, std::move(problem));
      return absl::OkStatus();
    }
    ++verdict_.verified;
    verdict_.last_seq = row.seq;
    verdict_.last_time = token.gen_time;
    return absl::OkStatus();
  }

  // The entry `seq`, reading forward (seqs asked for only grow); nullopt when the log has no
  // such entry. Entries passed on the way have their token records checked.
  absl::StatusOr<std::optional<store::ExchangeLogEntry>> EntryAt(int64_t seq) {
    if (pos_ > 0 && pos_ <= buffer_.size() && buffer_[pos_ - 1].seq == seq) {
      return buffer_[pos_ - 1];  // a second token of the same entry
    }
    for (;;) {
      if (pos_ >= buffer_.size()) {
        if (read_after_ >= ends_.head_seq) return std::nullopt;
        ASSIGN_OR_RETURN(buffer_, store_.ReadExchangeLog(read_after_, kEntryBatch));
        pos_ = 0;
        if (buffer_.empty()) return std::nullopt;
        read_after_ = buffer_.back().seq;
      }
      const store::ExchangeLogEntry& entry = buffer_[pos_];
      if (entry.seq > seq) return std::nullopt;
      if (entry.seq > ends_.head_seq) return std::nullopt;  // appended after the check began
      CheckRecord(entry);
      ++pos_;
      if (entry.seq == seq) return entry;
    }
  }

  // An entry that recorded a token: the token must be stored.
  void CheckRecord(const store::ExchangeLogEntry& entry) {
    if (entry.method != kTimestampMethod || entry.member != kMaintenanceMember ||
        entry.records.size() != 1 || !absl::StartsWith(entry.records[0], kTimestampRecordPrefix)) {
      return;
    }
    int64_t stamped = 0;
    if (!absl::SimpleAtoi(
            absl::string_view(entry.records[0]).substr(sizeof(kTimestampRecordPrefix) - 1),
            &stamped)) {
      return;
    }
    if (stamped <= ends_.anchor_seq) return;  // pruned with its entry (an archive holds it)
    if (token_digests_.contains(entry.request_digest)) return;
    Problem(0, stamped,
            absl::StrCat("missing: entry ", entry.seq, " records a token of entry ", stamped,
                         " (SHA-256 ", absl::BytesToHexString(entry.request_digest),
                         ") that is not stored: a token was deleted"));
  }

  store::Store& store_;
  const TsaTrust& trust_;
  store::ExchangeLogEnds ends_;
  TimestampVerdict verdict_;
  int64_t read_after_ = 0;
  std::vector<store::ExchangeLogEntry> buffer_;
  size_t pos_ = 0;
  absl::flat_hash_set<std::string> token_digests_;
};

}  // namespace

std::string JudgeToken(const store::ExchangeLogTimestamp& row, const std::string& entry_hash,
                       const TsaTrust& trust, TimestampToken* token_out) {
  const std::string name = absl::StrCat("token ", row.id);
  auto token = VerifyStoredToken(row.token, trust);
  if (!token.ok()) {
    return absl::StrCat("forged: ", name, " (entry ", row.seq, "): ", token.status().message());
  }
  if (token->hash_algorithm != "sha256") {
    return absl::StrCat("forged: ", name, " (entry ", row.seq, ") is over ",
                        token->hash_algorithm, ", not sha256");
  }
  *token_out = *token;
  const std::string when = Utc(token->gen_time);
  if (token->imprint != HeadImprint(row.seq, entry_hash)) {
    if (token->imprint == HeadImprint(row.seq, row.head_hash)) {
      return absl::StrCat("rewritten: entry ", row.seq, " is not the entry ", name,
                          " stamped at ", when, " (TSA time): the chain up to entry ", row.seq,
                          " was rewritten after that time");
    }
    return absl::StrCat("rewritten: ", name, " stamps another hash for entry ", row.seq,
                        " than the chain holds and than its own row records: the chain and the "
                        "token's row were rewritten after ", when, " (TSA time)");
  }
  if (row.head_hash != entry_hash) {
    return absl::StrCat("edited: the row of ", name, " records another hash than entry ",
                        row.seq, "'s (the token itself still matches the chain)");
  }
  return "";
}

absl::StatusOr<TimestampVerdict> VerifyExchangeLogTimestamps(store::Store& store,
                                                             const TsaTrust& trust) {
  return TimestampWalk(store, trust).Run();
}

}  // namespace lienthong::admin
