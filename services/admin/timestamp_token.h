// RFC 3161 time-stamp tokens of the exchange log's head (docs/security.md, "Trusted
// timestamps"), with OpenSSL's TS API: the query sent to a Time-Stamp Authority, the check of
// its reply, and the check of a stored token years later.
//
// What a token stamps (its message imprint, SHA-256): the bytes
//   "lienthong.exchange_log.head.v1"   30 ASCII bytes, no terminator
//   seq                                 8 bytes, big-endian
//   hash                                the entry's 32-byte chain hash (store/exchange_log.h)
// so that anyone with the entry's sequence number and hash can recompute it (HeadImprint).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

typedef struct x509_st X509;
typedef struct x509_store_st X509_STORE;

namespace lienthong::admin {

inline constexpr char kHeadImprintLabel[] = "lienthong.exchange_log.head.v1";

// SHA-256 of the bytes above: raw 32 bytes.
std::string HeadImprint(int64_t seq, absl::string_view hash);

// The certificates that verify a TSA's tokens: its CA (and intermediates) or its own
// certificate; any of them may be the trust anchor.
class TsaTrust {
 public:
  // INVALID_ARGUMENT naming `origin` when `pem` holds no certificate or a broken one.
  static absl::StatusOr<TsaTrust> FromPem(absl::string_view pem, absl::string_view origin);
  // The same from a file; NOT_FOUND / PERMISSION_DENIED when it cannot be read.
  static absl::StatusOr<TsaTrust> FromFile(const std::string& path);
  int size() const { return static_cast<int>(certs_.size()); }

  // A new store of these certificates (the caller frees it), checking validity at `at` (now
  // when unset).
  X509_STORE* NewStore(std::optional<absl::Time> at) const;

 private:
  std::vector<std::shared_ptr<X509>> certs_;
};

// A query to a TSA: SHA-256 imprint, a random 64-bit nonce, the TSA's certificate asked for,
// optionally a policy.
struct TimestampQuery {
  std::string der;         // the TimeStampReq, as POSTed
  std::string imprint;     // 32 bytes
  std::string policy_oid;  // empty: none asked for
};

// INVALID_ARGUMENT for an imprint that is not 32 bytes or a policy that is not a dotted OID.
absl::StatusOr<TimestampQuery> MakeTimestampQuery(absl::string_view imprint,
                                                  absl::string_view policy_oid);

// A token's contents, once its signature verified.
struct TimestampToken {
  std::string der;        // the TimeStampToken (CMS SignedData), as stored
  std::string imprint;    // what it stamps (32 bytes for SHA-256)
  std::string hash_algorithm;  // e.g. "sha256"
  absl::Time gen_time;
  std::string serial_hex;
  std::string policy_oid;
  std::string tsa_name;   // the signer certificate's subject (one line)
};

// Checks a TSA's reply to `query`: status granted, version 1, a token signed by a certificate
// `trust` vouches for (extendedKeyUsage timeStamping, critical), over the query's imprint, with
// its nonce and (when asked) policy. INVALID_ARGUMENT saying what failed (OpenSSL's reason
// included); FAILED_PRECONDITION when the TSA answered with a refusal (its status text).
absl::StatusOr<TimestampToken> VerifyTimestampReply(const TimestampQuery& query,
                                                    absl::string_view reply_der,
                                                    const TsaTrust& trust);

// Checks a stored token: it parses, and its signature and signer chain verify against `trust`
// at the token's own time (a TSA certificate that expired since still vouches for old tokens).
// Its contents, for the caller to compare the imprint. INVALID_ARGUMENT saying what failed.
absl::StatusOr<TimestampToken> VerifyStoredToken(absl::string_view token_der,
                                                 const TsaTrust& trust);

}  // namespace lienthong::admin
