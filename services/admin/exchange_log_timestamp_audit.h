// Verification of the exchange log's timestamp tokens (docs/security.md, "Trusted timestamps"),
// beside the chain walk of exchange_log_audit.h. The chain walk catches an entry edited on its
// own; a chain rewritten from an entry to the head, head row included, verifies on its own but
// not against a token taken before the rewrite. For each stored token:
//   forged     the token does not parse, or its signature or signer chain does not verify
//              against the TSA's CA, or it is not over SHA-256;
//   rewritten  the entry it stamps, as the chain holds it now, does not give the token's
//              imprint (HeadImprint): the chain up to that entry was rewritten after
//              the token's time;
//   edited     the token still matches the chain, but its row records another hash;
//   removed    the entry it stamps is gone from the log.
// And for each exchange-log entry that recorded a token (HeadTimestamper):
//   missing    the token it recorded is not stored (a token was deleted).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/admin/timestamp_token.h"
#include "services/store/store.h"

namespace lienthong::admin {

struct TimestampProblem {
  int64_t token_id = 0;  // 0 when the token is missing
  int64_t seq = 0;       // the entry the token stamps
  std::string problem;
};

struct TimestampVerdict {
  int64_t verified = 0;  // tokens that verify
  int64_t last_seq = 0;  // the newest good token: its entry and TSA time
  absl::Time last_time = absl::InfinitePast();
  std::vector<TimestampProblem> problems;
  bool ok() const { return problems.empty(); }
};

// Checks the tokens that stamp entries from the anchor to the head as it is when the check
// starts (tokens taken meanwhile wait for the next check) against `trust`. The caller keeps
// pruning out of the way, as for VerifyExchangeLogChain.
absl::StatusOr<TimestampVerdict> VerifyExchangeLogTimestamps(store::Store& store,
                                                             const TsaTrust& trust);

// The checks of one token against the entry hash it should stamp (shared with the archive
// check); empty when it verifies, else the problem. `token_out` gets its contents.
std::string JudgeToken(const store::ExchangeLogTimestamp& row, const std::string& entry_hash,
                       const TsaTrust& trust, TimestampToken* token_out);

}  // namespace lienthong::admin
