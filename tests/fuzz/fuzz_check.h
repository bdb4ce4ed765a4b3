// What every fuzz target uses: a check that aborts (so libFuzzer records the input as a crash)
// with a message saying which invariant broke.
#pragma once

#include <cstdio>
#include <cstdlib>

#define LIENTHONG_FUZZ_CHECK(condition, what)                                         \
  do {                                                                                \
    if (!(condition)) {                                                               \
      std::fprintf(stderr, "fuzz invariant broken: %s (%s:%d)\n", what, __FILE__,    \
                   __LINE__);                                                         \
      std::abort();                                                                   \
    }                                                                                 \
  } while (0)
