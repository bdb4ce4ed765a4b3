// lienthongctl's `backup DIR` and `restore DIR` (docs/operations.md, "Backup and restore"):
// the SQLite store of the config named by --config, copied while the gateway serves, and put
// back into an empty data folder after the backup verifies.
#pragma once

#include <string>
#include <vector>

namespace lienthong::cli {

int Backup(const std::vector<std::string>& args);
int Restore(const std::vector<std::string>& args);

}  // namespace lienthong::cli
