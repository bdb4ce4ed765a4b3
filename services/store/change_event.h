// The public form of a committed change: ChangeRow (as stored) -> lienthong.v1.ChangeEvent, as
// the change feed streams it and the sync engine hands it to adapters.
#pragma once

#include "absl/status/statusor.h"
#include "lienthong/v1/change_event.pb.h"
#include "services/store/store.h"

namespace lienthong::store {

// DATA_LOSS when the stored payload does not parse.
absl::Status ToChangeEvent(const ChangeRow& row, v1::ChangeEvent* event);

}  // namespace lienthong::store
