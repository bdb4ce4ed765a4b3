// Reading a whole store back for assertions: every change event, every exchange-log entry, and
// the verification of the exchange-log hash chain from its anchor to its stored head.
#pragma once

#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/store/store.h"

namespace lienthong::test {

// Every retained change event after `after`, in commit order (read in pages), once every change
// committed before the call is readable (up to 10 s; on PostgreSQL a commit can become readable
// a moment after its writer's reply).
absl::StatusOr<std::vector<store::ChangeRow>> ReadAllChanges(store::Store& store,
                                                            store::ChangeCursor after = {});

// The retained change events of one record, in commit order.
absl::StatusOr<std::vector<store::ChangeRow>> ReadChangesOf(store::Store& store,
                                                           v1::RecordType type,
                                                           const std::string& key);

// Every retained exchange-log entry, in seq order.
absl::StatusOr<std::vector<store::ExchangeLogEntry>> ReadAllExchangeLog(store::Store& store);

// ReadAllExchangeLog once it holds at least `count` entries: the entries of read-only calls and
// refusals are queued without waiting for their commit. DEADLINE_EXCEEDED after `timeout`.
absl::StatusOr<std::vector<store::ExchangeLogEntry>> AwaitExchangeLog(
    store::Store& store, size_t count, absl::Duration timeout = absl::Seconds(10));

// (member, method, status code) of each entry, for comparing with the calls a test made.
std::vector<std::tuple<std::string, std::string, int>> ExchangeCalls(
    const std::vector<store::ExchangeLogEntry>& entries);

// OK when the retained entries form one chain: the first follows the stored anchor (seq
// anchor+1, prev_hash the anchor hash), each next entry has the next seq and the previous hash
// as prev_hash, each hash is ComputeEntryHash of its entry, and the last one is the stored head.
// DATA_LOSS naming the first entry that breaks it.
absl::Status VerifyExchangeLogChain(store::Store& store);

}  // namespace lienthong::test
