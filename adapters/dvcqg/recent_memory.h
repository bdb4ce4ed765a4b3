// RecentMemory: a map that forgets its oldest entries past a size bound; the dvcqg adapter's
// memory of what the portal already holds (an optimisation: forgetting only costs a re-send).
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <unordered_map>

namespace lienthong::adapters::dvcqg {

template <typename Value>
class RecentMemory {
 public:
  explicit RecentMemory(size_t capacity) : capacity_(capacity) {}

  // The value under `key`; null when unknown or forgotten.
  const Value* Find(const std::string& key) const {
    auto it = values_.find(key);
    return it == values_.end() ? nullptr : &it->second;
  }
  // Sets `key`, forgetting the oldest keys beyond the capacity.
  void Put(const std::string& key, Value value) {
    auto [it, inserted] = values_.insert_or_assign(key, std::move(value));
    if (!inserted) return;
    order_.push_back(key);
    while (values_.size() > capacity_) {
      values_.erase(order_.front());
      order_.pop_front();
    }
  }

 private:
  const size_t capacity_;
  std::unordered_map<std::string, Value> values_;
  std::deque<std::string> order_;  // insertion order, oldest first
};

}  // namespace lienthong::adapters::dvcqg
