// The validation context of a call starting now, under the gateway's configured limits: the one
// place the services build it from.
#pragma once

#include "absl/time/clock.h"
#include "services/exchange/exchange_call.h"
#include "services/validation/validation_context.h"

namespace lienthong::exchange {

inline validation::ValidationContext ValidationContextOf(const GatewayContext& gateway) {
  validation::ValidationContext context;
  context.now = absl::Now();
  context.max_page_size = gateway.max_page_size;
  context.max_upsert_batch = gateway.max_upsert_batch;
  return context;
}

}  // namespace lienthong::exchange
