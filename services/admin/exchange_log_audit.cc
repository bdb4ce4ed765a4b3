// The exchange-log chain walk and the naming of what broke it.
#include "services/admin/exchange_log_audit.h"

#include <deque>
#include <optional>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "services/common/status_macros.h"
#include "services/store/exchange_log.h"

namespace lienthong::admin {
namespace {

constexpr int kBatch = 1000;
// Hashes of this many recent entries are remembered, to tell which earlier entry a misplaced
// link points to.
constexpr size_t kRecentHashes = 4096;
// How far a renumbered entry is looked for (rows removed or inserted before it).
constexpr int64_t kRenumberReach = 64;

class ChainWalk {
 public:
  explicit ChainWalk(store::Store& store) : store_(store) {}

  absl::StatusOr<ExchangeLogVerdict> Run() {
    ASSIGN_OR_RETURN(store::Store::ExchangeLogEnds ends, store_.GetExchangeLogEnds());
    last_seq_ = ends.anchor_seq;
    prev_hash_ = ends.anchor_hash;
    anchor_seq_ = ends.anchor_seq;
    anchor_hash_ = ends.anchor_hash;
    Remember(prev_hash_, last_seq_);
    for (;;) {
      ASSIGN_OR_RETURN(std::vector<store::ExchangeLogEntry> batch,
                       store_.ReadExchangeLog(last_seq_, kBatch));
      if (batch.empty()) {
        ASSIGN_OR_RETURN(std::optional<ExchangeLogVerdict> end, AtEnd());
        if (end.has_value()) return *end;
        continue;  // entries were appended meanwhile
      }
      for (size_t i = 0; i < batch.size(); ++i) {
        ASSIGN_OR_RETURN(std::optional<ExchangeLogVerdict> bad, Judge(batch, i));
        if (bad.has_value()) return *bad;
      }
    }
  }

 private:
  ExchangeLogVerdict Bad(int64_t seq, std::string problem) const {
    ExchangeLogVerdict verdict;
    verdict.ok = false;
    verdict.entries_checked = checked_;
    verdict.first_bad_sequence = seq;
    verdict.problem = std::move(problem);
    verdict.anchor_seq = anchor_seq_;
    verdict.anchor_hash = anchor_hash_;
    return verdict;
  }

  void Remember(const std::string& hash, int64_t seq) {
    recent_.emplace_back(hash, seq);
    seq_of_hash_[hash] = seq;
    if (recent_.size() > kRecentHashes) {
      auto& [old_hash, old_seq] = recent_.front();
      auto it = seq_of_hash_.find(old_hash);
      if (it != seq_of_hash_.end() && it->second == old_seq) seq_of_hash_.erase(it);
      recent_.pop_front();
    }
  }

  // Nothing after last_seq_: the chain must end at the stored head. Empty when the head moved
  // on because entries were appended while walking.
  absl::StatusOr<std::optional<ExchangeLogVerdict>> AtEnd() {
    ASSIGN_OR_RETURN(store::Store::ExchangeLogEnds ends, store_.GetExchangeLogEnds());
    if (ends.head_seq < last_seq_) {
      return Bad(ends.head_seq + 1,
                 absl::StrCat("inserted: entries ", ends.head_seq + 1, "..", last_seq_,
                              " lie after the stored head (sequence ", ends.head_seq, ")"));
    }
    if (ends.head_seq > last_seq_) {
      // The head row is written with its entries: either they were committed after our last
      // read (read again), or they are gone.
      ASSIGN_OR_RETURN(auto more, store_.ReadExchangeLog(last_seq_, 1));
      if (!more.empty()) return std::optional<ExchangeLogVerdict>();
      return Bad(last_seq_ + 1,
                 absl::StrCat("removed: the chain ends at sequence ", last_seq_,
                              " but the stored head is ", ends.head_seq, ": entries ",
                              last_seq_ + 1, "..", ends.head_seq, " were cut off"));
    }
    if (ends.head_hash != prev_hash_) {
      return Bad(last_seq_, absl::StrCat("head mismatch: entry ", last_seq_,
                                         " is the stored head's sequence but its hash is not "
                                         "the stored head's hash"));
    }
    ExchangeLogVerdict verdict;
    verdict.ok = true;
    verdict.entries_checked = checked_;
    verdict.anchor_seq = anchor_seq_;
    verdict.anchor_hash = anchor_hash_;
    return std::optional<ExchangeLogVerdict>(verdict);
  }

  // Checks batch[i] against the chain so far; a verdict when it does not verify.
  absl::StatusOr<std::optional<ExchangeLogVerdict>> Judge(
      const std::vector<store::ExchangeLogEntry>& batch, size_t i) {
    const store::ExchangeLogEntry& entry = batch[i];
    const int64_t expected = last_seq_ + 1;
    if (entry.seq != expected) {
      ASSIGN_OR_RETURN(store::Store::ExchangeLogEnds ends, store_.GetExchangeLogEnds());
      if (expected > ends.head_seq) {
        return Bad(entry.seq, absl::StrCat("inserted: entry ", entry.seq,
                                           " lies after the stored head (sequence ",
                                           ends.head_seq, ")"));
      }
      return Bad(expected, absl::StrCat("removed: entries ", expected, "..", entry.seq - 1,
                                        " are missing (the sequence jumps from ", last_seq_,
                                        " to ", entry.seq, ")"));
    }
    const bool hash_ok = store::ComputeEntryHash(entry, entry.prev_hash) == entry.hash;
    const bool link_ok = entry.prev_hash == prev_hash_;
    if (hash_ok && link_ok) {
      ++checked_;
      last_seq_ = entry.seq;
      prev_hash_ = entry.hash;
      Remember(prev_hash_, last_seq_);
      return std::optional<ExchangeLogVerdict>();
    }

    ASSIGN_OR_RETURN(store::Store::ExchangeLogEnds ends, store_.GetExchangeLogEnds());
    if (entry.seq > ends.head_seq) {
      return Bad(entry.seq, absl::StrCat("inserted: entry ", entry.seq,
                                         " lies after the stored head (sequence ",
                                         ends.head_seq, ")"));
    }
    // The entry after this one links to the one before it: this one was slipped in.
    std::optional<store::ExchangeLogEntry> next;
    if (i + 1 < batch.size()) {
      next = batch[i + 1];
    } else {
      ASSIGN_OR_RETURN(auto following, store_.ReadExchangeLog(entry.seq, 1));
      if (!following.empty()) next = std::move(following.front());
    }
    if (next.has_value() && next->seq == entry.seq + 1 && next->prev_hash == prev_hash_) {
      return Bad(entry.seq, absl::StrCat("inserted: entry ", entry.seq,
                                         " is not part of the chain (entry ", next->seq,
                                         " links to entry ", last_seq_, ")"));
    }
    // This entry links to an earlier entry than its predecessor: the ones between were slipped in.
    if (!link_ok) {
      auto earlier = seq_of_hash_.find(entry.prev_hash);
      if (earlier != seq_of_hash_.end() && earlier->second < last_seq_) {
        return Bad(earlier->second + 1,
                   absl::StrCat("inserted: entries ", earlier->second + 1, "..", last_seq_,
                                " are not part of the chain (entry ", entry.seq,
                                " links to entry ", earlier->second, ")"));
      }
    }
    if (!hash_ok) {
      // A renumbered entry hashes right under its original sequence number.
      for (int64_t k = 1; k <= kRenumberReach; ++k) {
        for (const int64_t original : {entry.seq + k, entry.seq - k}) {
          if (original <= 0) continue;
          store::ExchangeLogEntry renumbered = entry;
          renumbered.seq = original;
          if (store::ComputeEntryHash(renumbered, entry.prev_hash) != entry.hash) continue;
          if (original > entry.seq) {
            return Bad(entry.seq,
                       absl::StrCat("removed: ", k, " entries before entry ", entry.seq,
                                    " were removed and the later ones renumbered (it was entry ",
                                    original, ")"));
          }
          return Bad(original, absl::StrCat("inserted: ", k, " entries were inserted before "
                                            "entry ", original, " and the later ones renumbered"));
        }
      }
      return Bad(entry.seq, absl::StrCat("edited: the fields of entry ", entry.seq,
                                         " no longer give its hash"));
    }
    return Bad(entry.seq,
               absl::StrCat("removed: entry ", entry.seq, " does not link to entry ", last_seq_,
                            " (its previous hash is no entry's hash: entries before it were "
                            "removed and the chain re-linked, or it was appended after an "
                            "altered head)"));
  }

  store::Store& store_;
  int64_t last_seq_ = 0;
  std::string prev_hash_;
  int64_t checked_ = 0;
  int64_t anchor_seq_ = 0;
  std::string anchor_hash_;
  std::deque<std::pair<std::string, int64_t>> recent_;
  absl::flat_hash_map<std::string, int64_t> seq_of_hash_;
};

}  // namespace

absl::StatusOr<ExchangeLogVerdict> VerifyExchangeLogChain(store::Store& store) {
  return ChainWalk(store).Run();
}

}  // namespace lienthong::admin
