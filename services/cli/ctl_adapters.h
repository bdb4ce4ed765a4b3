// lienthongctl's sync-engine commands over AdminService: `adapters status|pause|resume|watch`,
// `deadletters list|replay` (replay and watch draw a progress bar on a terminal).
#pragma once

#include <string>
#include <vector>

namespace lienthong::cli {

int AdaptersStatus(const std::vector<std::string>& args);
int AdaptersPause(const std::vector<std::string>& args);
int AdaptersResume(const std::vector<std::string>& args);
// Follows one adapter until it has caught up (lag 0): for an initial backfill.
int AdaptersWatch(const std::vector<std::string>& args);
int DeadLettersList(const std::vector<std::string>& args);
int DeadLettersReplay(const std::vector<std::string>& args);

}  // namespace lienthong::cli
