// Exchange-log hashing.
#include "services/store/exchange_log.h"

#include <openssl/evp.h>

#include <cstdint>

namespace lienthong::store {
namespace {

void AppendU64(std::string* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void AppendField(std::string* out, absl::string_view bytes) {
  AppendU64(out, bytes.size());
  out->append(bytes.data(), bytes.size());
}

}  // namespace

std::string GenesisHash() { return std::string(32, '\0'); }

std::string Sha256(absl::string_view bytes) {
  unsigned char digest[32];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(digest), 32);
}

std::string ComputeEntryHash(const ExchangeLogEntry& entry, absl::string_view prev_hash) {
  std::string canonical;
  canonical.reserve(256);
  AppendField(&canonical, prev_hash);
  AppendU64(&canonical, static_cast<uint64_t>(entry.seq));
  AppendU64(&canonical, static_cast<uint64_t>(absl::ToUnixMicros(entry.time)));
  AppendField(&canonical, entry.member);
  AppendField(&canonical, entry.method);
  AppendField(&canonical, entry.request_digest);
  AppendU64(&canonical, static_cast<uint64_t>(entry.status_code));
  AppendU64(&canonical, static_cast<uint64_t>(entry.request_bytes));
  AppendU64(&canonical, static_cast<uint64_t>(entry.response_bytes));
  AppendU64(&canonical, entry.records.size());
  for (const auto& record : entry.records) AppendField(&canonical, record);
  switch (entry.hash_format) {
    case kEntryHashFormatV1:
      break;
    case kEntryHashFormatV2:
      AppendU64(&canonical, static_cast<uint64_t>(entry.hash_format));
      AppendField(&canonical, entry.response_digest);
      AppendField(&canonical, entry.end_user);
      AppendField(&canonical, entry.correlation_id);
      break;
    default:
      return std::string();
  }
  return Sha256(canonical);
}

}  // namespace lienthong::store
