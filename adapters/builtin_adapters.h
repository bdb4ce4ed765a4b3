// The adapter kinds this build ships, registered in one place.
#pragma once

#include "adapters/adapter_registry.h"

namespace lienthong::adapters {

// Registers "grpc", "jsonl" and "postgres". Adding a kind adds one line here.
void RegisterBuiltinAdapters(AdapterRegistry* registry);

}  // namespace lienthong::adapters
