// Times on lienthongctl's command line (--from, --to of `adapters resync` and `audit query`).
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace lienthong::cli {

// A --from/--to value: a day in Vietnam's time ("2026-01-05": its start, or with `day_end` the
// start of the next day) or an RFC 3339 time. INVALID_ARGUMENT naming --`flag` otherwise.
absl::StatusOr<absl::Time> ParsePeriodBound(const std::string& flag, const std::string& value,
                                            bool day_end);

}  // namespace lienthong::cli
