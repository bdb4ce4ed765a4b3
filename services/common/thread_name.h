// Names the calling thread as `top -H`, `ps -L` and perf show it (Linux keeps 15 characters).
#pragma once

#include <pthread.h>

#include <string>

namespace lienthong {

inline void NameCurrentThread(const std::string& name) {
  pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
}

}  // namespace lienthong
