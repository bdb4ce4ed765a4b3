// Trusted timestamps of the exchange log's head (docs/security.md, "Trusted timestamps"): RFC 3161
// tokens from a Time-Stamp Authority over the head's sequence number and hash, kept beside the
// entries (exchange_log_timestamps) so that a chain rewritten after a token is caught.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace lienthong::store {

// One token, as stored.
struct ExchangeLogTimestamp {
  int64_t id = 0;         // assigned by the store
  int64_t seq = 0;        // the exchange-log entry (the head when the token was taken)
  std::string head_hash;  // that entry's hash, 32 bytes
  absl::Time gen_time;    // the TSA's genTime
  std::string token;      // DER of the TimeStampToken (a CMS SignedData)
  std::string tsa_url;    // where it came from (for people)
};

class ExchangeLogTimestampReads {
 public:
  virtual ~ExchangeLogTimestampReads() = default;
  // Tokens after (after_seq, after_id) in (seq, id) order, at most `limit`.
  virtual absl::StatusOr<std::vector<ExchangeLogTimestamp>> ReadExchangeLogTimestamps(
      int64_t after_seq, int64_t after_id, int limit) = 0;
  // The token with the highest seq (the newest), if any.
  virtual absl::StatusOr<std::optional<ExchangeLogTimestamp>> LatestExchangeLogTimestamp() = 0;
};

}  // namespace lienthong::store
