// `lienthongctl watch`: follows the change feed, one JSON object per event on stdout, saving its
// cursor to a file after each event so that a restart resumes where it stopped.
#pragma once

#include <string>
#include <vector>

namespace lienthong::cli {

int Watch(const std::vector<std::string>& args);

}  // namespace lienthong::cli
