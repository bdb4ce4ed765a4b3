// WriteAndWait: a store write for callers that may block (the sync engine's checkpoints and
// dead letters, the change feed's subscription bookkeeping), never for a gRPC callback thread.
#pragma once

#include <utility>

#include "absl/status/status.h"
#include "absl/synchronization/notification.h"
#include "services/store/write_transaction.h"

namespace lienthong::store {

// Runs `fn` through `store` and waits until its commit is durable, or it failed.
inline absl::Status WriteAndWait(StoreWrites* store, ExchangeLogEntry entry, WriteFn fn) {
  absl::Notification done;
  absl::Status outcome;
  store->Write(std::move(entry), std::move(fn), [&](absl::Status status) {
    outcome = std::move(status);
    done.Notify();
  });
  done.WaitForNotification();
  return outcome;
}

}  // namespace lienthong::store
