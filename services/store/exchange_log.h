// The exchange log's hash chain (docs/architecture.md, guarantee 10): each entry's hash covers the
// previous entry's hash and every field of the entry, so an edited, inserted or removed entry
// breaks the chain at a place a verifier can name.
#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "services/store/store.h"

namespace lienthong::store {

// The first entry's prev_hash: 32 zero bytes.
std::string GenesisHash();

// SHA-256 over prev_hash and a length-prefixed encoding of every field of `entry` (seq, time,
// member, method, request digest, status, sizes, records; for hash format 2 also the format,
// response digest, end user and correlation id), by the entry's own hash_format
// (exchange_log_reads.h). Raw 32 bytes; empty for an unknown format (never any entry's hash).
std::string ComputeEntryHash(const ExchangeLogEntry& entry, absl::string_view prev_hash);

// SHA-256 of `bytes`, raw 32 bytes (request digests, dossier digests).
std::string Sha256(absl::string_view bytes);

}  // namespace lienthong::store
