// Whole-store reads and exchange-log chain verification for tests.
#include "tests/support/store_scan.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/status_macros.h"
#include "services/store/exchange_log.h"

namespace lienthong::test {
namespace {

constexpr int kPage = 1000;

std::string Hex(const std::string& bytes) { return absl::BytesToHexString(bytes); }

// Every row `read(position)` gives, page after page from `after`, until a page comes back empty;
// `position_of(row)` is where the page after `row` starts.
template <typename Row, typename Position, typename Read, typename PositionOf>
absl::StatusOr<std::vector<Row>> ReadPages(Position after, Read read, PositionOf position_of) {
  std::vector<Row> all;
  for (;;) {
    ASSIGN_OR_RETURN(std::vector<Row> page, read(after));
    if (page.empty()) return all;
    after = position_of(page.back());
    for (auto& row : page) all.push_back(std::move(row));
  }
}

// Waits (up to 10 s) until every change committed before the call is readable. On PostgreSQL a
// change commits before it is readable while an older transaction (another writer's batch, a
// log-only entry) is still open (docs/store.md): a test that reads the log right after a write
// would otherwise miss it now and then.
void AwaitCommittedChangesReadable(store::Store& store) {
  auto bounds = store.GetChangeBounds();
  if (!bounds.ok()) return;  // the read that follows reports it
  const int64_t committed = bounds->newest.seq;
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (bounds.ok() && bounds->head.seq < committed && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
    bounds = store.GetChangeBounds();
  }
}

}  // namespace

absl::StatusOr<std::vector<store::ChangeRow>> ReadAllChanges(store::Store& store,
                                                            store::ChangeCursor after) {
  AwaitCommittedChangesReadable(store);
  return ReadPages<store::ChangeRow>(
      after, [&](store::ChangeCursor from) { return store.ReadChanges(from, kPage); },
      [](const store::ChangeRow& row) { return row.cursor; });
}

absl::StatusOr<std::vector<store::ChangeRow>> ReadChangesOf(store::Store& store,
                                                           v1::RecordType type,
                                                           const std::string& key) {
  ASSIGN_OR_RETURN(auto all, ReadAllChanges(store));
  std::vector<store::ChangeRow> mine;
  for (auto& row : all) {
    if (row.type == type && row.key == key) mine.push_back(std::move(row));
  }
  return mine;
}

absl::StatusOr<std::vector<store::ExchangeLogEntry>> ReadAllExchangeLog(store::Store& store) {
  return ReadPages<store::ExchangeLogEntry>(
      int64_t{0}, [&](int64_t from) { return store.ReadExchangeLog(from, kPage); },
      [](const store::ExchangeLogEntry& entry) { return entry.seq; });
}

absl::StatusOr<std::vector<store::ExchangeLogEntry>> AwaitExchangeLog(store::Store& store,
                                                                      size_t count,
                                                                      absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    ASSIGN_OR_RETURN(auto entries, ReadAllExchangeLog(store));
    if (entries.size() >= count) return entries;
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat("the exchange log has ", entries.size(),
                                                      " entries, not ", count, ", after ",
                                                      absl::FormatDuration(timeout)));
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
}

std::vector<std::tuple<std::string, std::string, int>> ExchangeCalls(
    const std::vector<store::ExchangeLogEntry>& entries) {
  std::vector<std::tuple<std::string, std::string, int>> calls;
  for (const auto& entry : entries) {
    calls.emplace_back(entry.member, entry.method, entry.status_code);
  }
  return calls;
}

absl::Status VerifyExchangeLogChain(store::Store& store) {
  ASSIGN_OR_RETURN(const store::Store::ExchangeLogEnds ends, store.GetExchangeLogEnds());
  ASSIGN_OR_RETURN(const auto entries, ReadAllExchangeLog(store));
  int64_t seq = ends.anchor_seq;
  std::string hash = ends.anchor_hash;
  for (const auto& entry : entries) {
    if (entry.seq != seq + 1) {
      return absl::DataLossError(absl::StrCat("entry ", entry.seq, " follows ", seq));
    }
    if (entry.prev_hash != hash) {
      return absl::DataLossError(absl::StrCat("entry ", entry.seq, " has prev_hash ",
                                              Hex(entry.prev_hash), ", the previous hash is ",
                                              Hex(hash)));
    }
    const std::string computed = store::ComputeEntryHash(entry, entry.prev_hash);
    if (entry.hash != computed) {
      return absl::DataLossError(absl::StrCat("entry ", entry.seq, " has hash ", Hex(entry.hash),
                                              ", its content hashes to ", Hex(computed)));
    }
    seq = entry.seq;
    hash = entry.hash;
  }
  if (seq != ends.head_seq || hash != ends.head_hash) {
    return absl::DataLossError(absl::StrCat("the chain ends at ", seq, " (", Hex(hash),
                                            "), the stored head is ", ends.head_seq, " (",
                                            Hex(ends.head_hash), ")"));
  }
  return absl::OkStatus();
}

}  // namespace lienthong::test
