// The exchange log as stored: one entry per call, hash-chained (exchange_log.h computes the
// hashes), read back for verification.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace lienthong::store {

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
