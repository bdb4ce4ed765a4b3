// Named threads, as `top -H`, `ps -L` and perf show them (Linux keeps 15 characters).
#pragma once

#include <pthread.h>

#include <string>
#include <thread>
#include <utility>

namespace lienthong {

inline void NameCurrentThread(const std::string& name) {
  pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
}

// A std::thread that names itself `name`, then runs `body`.
template <typename Body>
std::thread StartNamedThread(std::string name, Body body) {
  return std::thread([name = std::move(name), body = std::move(body)]() mutable {
    NameCurrentThread(name);
    body();
  });
}

}  // namespace lienthong
