// RegisterBuiltinAdapters: the one list of built-in adapter kinds.
#include "adapters/builtin_adapters.h"

#include <memory>

#include "adapters/dvcqg/config.h"
#include "adapters/grpc/config.h"
#include "adapters/jsonl/config.h"
#include "adapters/postgres/config.h"

namespace lienthong::adapters {

void RegisterBuiltinAdapters(AdapterRegistry* registry) {
  // Kinds are distinct by construction; a duplicate would be a programming error caught by the
  // registry tests.
  (void)registry->Register(std::make_unique<dvcqg::DvcqgAdapterFactory>());
  (void)registry->Register(std::make_unique<grpc_sink::GrpcAdapterFactory>());
  (void)registry->Register(std::make_unique<jsonl::JsonlAdapterFactory>());
  (void)registry->Register(std::make_unique<postgres::PostgresAdapterFactory>());
}

}  // namespace lienthong::adapters
