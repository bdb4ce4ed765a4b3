// The exchange-log search (AdminService.QueryExchangeLog, the console's "Nhật ký trao đổi",
// `lienthongctl audit query`): entries newest first, filtered by member, method, time, outcome
// and record, a page at a time.
//
// The log is read backwards from the page token in chunks through ExchangeLogReads (the same
// reads verification uses; no index beyond the sequence number), so one page examines at most
// kMaxExaminedPerPage entries and says how many it examined: a search for a rare record in a
// long log takes several pages, each answered in bounded time.
#pragma once

#include <cstdint>

#include "absl/status/status.h"
#include "lienthong/v1/admin_service.pb.h"
#include "services/store/exchange_log_reads.h"

namespace lienthong::admin {

inline constexpr int64_t kMaxExaminedPerPage = 100000;

// INVALID_ARGUMENT with field violations for a bad filter (an unknown status name, a record not
// of the form "<type>:<key>", from not before to, page_size out of 0..500, a page token not of
// this query); nothing is read then.
absl::Status QueryExchangeLog(store::ExchangeLogReads& log, const v1::QueryExchangeLogRequest& request,
                              v1::QueryExchangeLogResponse* response);

}  // namespace lienthong::admin
