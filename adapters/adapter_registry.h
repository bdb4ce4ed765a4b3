// AdapterRegistry: adapter kinds by name. Kinds are registered explicitly (builtin_adapters.h
// lists the built-in ones in one place), never by static initialisers that a static library may
// drop.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "adapters/adapter.h"
#include "lienthong/config/v1/config.pb.h"

namespace lienthong::adapters {

class AdapterRegistry {
 public:
  // ALREADY_EXISTS when a factory of the same kind is registered.
  absl::Status Register(std::unique_ptr<AdapterFactory> factory);
  // nullptr when no such kind is registered.
  const AdapterFactory* Find(absl::string_view kind) const;
  // The factory of the kind `config` names; INVALID_ARGUMENT (field "kind") when the entry
  // names no kind or one that is not registered.
  absl::StatusOr<const AdapterFactory*> FactoryFor(const config::v1::Adapter& config) const;
  // Checks the whole entry as far as the adapter is concerned (a registered kind; record types
  // that exist and that the kind takes; the kind's own typed config) without building anything
  // or touching the network. INVALID_ARGUMENT with a BadRequest naming each bad field inside
  // the entry.
  absl::Status Check(const config::v1::Adapter& config) const;
  // Checks a config's whole `adapters` list: every entry's name (1 to 64 of [a-z0-9_-], used
  // once), batch_size (at most kMaxAdapterBatchSize), linger (not negative), and Check of each
  // entry. INVALID_ARGUMENT with a BadRequest whose fields are paths in the config file
  // ("adapters[1].grpc.target"). The one check of adapter entries: config loading (start,
  // reload, `lienthongctl config check`) and the sync engine all run it.
  absl::Status CheckEntries(
      const google::protobuf::RepeatedPtrField<config::v1::Adapter>& entries) const;
  // Check, then builds the adapter.
  absl::StatusOr<std::unique_ptr<Adapter>> Create(const config::v1::Adapter& config) const;
  // Registered kinds, sorted.
  std::vector<std::string> kinds() const;

 private:
  // The entry's factory, once its kind and record types are known good.
  absl::StatusOr<const AdapterFactory*> CheckRecordTypes(const config::v1::Adapter& config) const;

  std::map<std::string, std::unique_ptr<AdapterFactory>, std::less<>> factories_;
};

// The largest batch an adapter entry may ask for.
inline constexpr uint32_t kMaxAdapterBatchSize = 10000;

// The name of the kind a config entry sets ("postgres", "grpc", "jsonl"); empty when none.
std::string AdapterKindOf(const config::v1::Adapter& config);

}  // namespace lienthong::adapters
