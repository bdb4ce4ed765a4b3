// The exchange log as stored: one entry per call, hash-chained (exchange_log.h computes the
// hashes), read back for verification.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace lienthong::store {

// How an entry's hash is computed (exchange_log.h). Entries keep the format they were written
// with, so that entries written before a format change still verify.
//   1  prev_hash, seq, time, member, method, request digest, status, sizes, records (entries
//      written before SQLite schema 3 / PostgreSQL schema 2);
//   2  format 1's fields, then the format number, the response digest, the end user and the
//      correlation id.
inline constexpr int kEntryHashFormatV1 = 1;
inline constexpr int kEntryHashFormatV2 = 2;
inline constexpr int kCurrentEntryHashFormat = kEntryHashFormatV2;

// One call, as the exchange log keeps it (docs/domain.md, "The exchange log").
struct ExchangeLogEntry {
  int64_t seq = 0;  // assigned by the store
  absl::Time time;
  std::string member;
  std::string method;
  std::string request_digest;  // SHA-256 of the serialized request
  int status_code = 0;
  int64_t request_bytes = 0;
  int64_t response_bytes = 0;
  std::vector<std::string> records;  // "<type>:<key>" of each record touched
  // SHA-256 of the response message as sent (its deterministic serialization); for a stream,
  // of the messages sent (exchange_call.h, ResponseDigest). Empty when no message was sent.
  std::string response_digest;
  // The person behind the call, from metadata x-lienthong-user ("officer:..." or
  // "citizen:..."), and the caller's correlation id (x-lienthong-correlation-id); empty when not
  // given (security/call_attribution.h).
  std::string end_user;
  std::string correlation_id;
  // Assigned by the store: kCurrentEntryHashFormat for new entries; entries read back keep theirs.
  int hash_format = kCurrentEntryHashFormat;
  std::string prev_hash;  // assigned by the store: hash of the previous entry
  std::string hash;       // assigned by the store: SHA-256 over prev_hash and this entry
};

// The stored head (newest seq and hash) and anchor (last pruned seq and hash, or 0 and the
// genesis hash) of the exchange-log chain.
struct ExchangeLogEnds {
  int64_t head_seq = 0;
  std::string head_hash;
  int64_t anchor_seq = 0;
  std::string anchor_hash;
};

class ExchangeLogReads {
 public:
  virtual ~ExchangeLogReads() = default;
  // Entries with seq > after, in order, at most `limit` (for verification).
  virtual absl::StatusOr<std::vector<ExchangeLogEntry>> ReadExchangeLog(int64_t after,
                                                                        int limit) = 0;
  virtual absl::StatusOr<ExchangeLogEnds> GetExchangeLogEnds() = 0;
};

}  // namespace lienthong::store
