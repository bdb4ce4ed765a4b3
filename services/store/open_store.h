// The composition root's one switch between engines: the Store that config's `store` names.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "lienthong/config/v1/config.pb.h"
#include "services/store/store.h"

namespace lienthong::store {

// Opens the engine store.kind names (SQLITE when unspecified) with the settings of its block
// (sqlite_file, or postgres) and the group-commit settings both share; unset values take the
// defaults config.proto documents. The config is expected to have passed
// config::ValidateGatewayConfig. The engine's own errors pass through (e.g. UNAVAILABLE when
// PostgreSQL cannot be reached).
absl::StatusOr<std::unique_ptr<Store>> OpenStore(const config::v1::Store& config);

}  // namespace lienthong::store
