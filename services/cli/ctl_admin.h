// lienthongctl's admin commands over AdminService: `status`, `certs` (days left, with a warning
// under 30 days), `reload` (the running config stays when the new one is refused) and
// `audit verify` (exit status 1 and the first bad entry named when the exchange log was
// tampered with).
#pragma once

#include <string>
#include <vector>

namespace lienthong::cli {

int Status(const std::vector<std::string>& args);
int Certs(const std::vector<std::string>& args);
int Reload(const std::vector<std::string>& args);
int AuditVerify(const std::vector<std::string>& args);

}  // namespace lienthong::cli
