// lienthongctl audit query: the exchange-log search (AdminService.QueryExchangeLog) for scripts
// and people, newest entries first.
#pragma once

#include <string>
#include <vector>

namespace lienthong::cli {

int AuditQuery(const std::vector<std::string>& args);

}  // namespace lienthong::cli
