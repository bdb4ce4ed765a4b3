// lienthongctl's sync-engine commands over AdminService: `adapters
// status|pause|resume|watch|resync|seek`, `deadletters list|replay` (replay, resync and watch draw a
// progress bar on a terminal).
#pragma once

#include <string>
#include <vector>

namespace lienthong::cli {

int AdaptersStatus(const std::vector<std::string>& args);
int AdaptersPause(const std::vector<std::string>& args);
int AdaptersResume(const std::vector<std::string>& args);
// Follows one adapter until it has caught up (lag 0): for an initial backfill.
int AdaptersWatch(const std::vector<std::string>& args);
// Sends the records of a period through one adapter again (--from, --to), with a progress bar.
int AdaptersResync(const std::vector<std::string>& args);
// Moves a paused adapter's checkpoint to a cursor or a time (--to).
int AdaptersSeek(const std::vector<std::string>& args);
int DeadLettersList(const std::vector<std::string>& args);
int DeadLettersReplay(const std::vector<std::string>& args);

}  // namespace lienthong::cli
