// How a lienthongctl command ends in error: one line on stderr, and the exit status.
#pragma once

#include <cstdio>
#include <string>

namespace lienthong::cli {

// "lienthongctl: <message>" on stderr; returns exit status 1.
inline int Fail(const std::string& message) {
  std::fprintf(stderr, "lienthongctl: %s\n", message.c_str());
  return 1;
}

// The usage line of a command that was called wrongly; returns exit status 2.
inline int Usage(const char* usage) {
  std::fprintf(stderr, "usage: lienthongctl %s [connection flags]\n", usage);
  return 2;
}

}  // namespace lienthong::cli
