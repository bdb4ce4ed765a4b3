// gtest assertions for absl::Status / absl::StatusOr: ASSERT_OK, EXPECT_OK, ASSERT_OK_AND_ASSIGN.
#pragma once

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"

namespace lienthong::test {

// Success for an OK status; otherwise a failure that shows the status.
inline ::testing::AssertionResult IsOk(const absl::Status& status) {
  if (status.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << status;
}
template <typename T>
::testing::AssertionResult IsOk(const absl::StatusOr<T>& status_or) {
  return IsOk(status_or.status());
}

}  // namespace lienthong::test

// Both take more context with <<, as gtest's own assertions do.
#define ASSERT_OK(expr) ASSERT_TRUE(::lienthong::test::IsOk(expr))
#define EXPECT_OK(expr) EXPECT_TRUE(::lienthong::test::IsOk(expr))

// `ASSERT_OK_AND_ASSIGN(auto x, F());` declares x from F()'s value, or fails the test (and
// returns from it) with F()'s status. Usable only where ASSERT_* is (void functions).
#define ASSERT_OK_AND_ASSIGN(lhs, rexpr) \
  LT_TEST_ASSERT_OK_AND_ASSIGN_IMPL_(LT_TEST_CONCAT_(lt_test_statusor_, __LINE__), lhs, rexpr)
#define LT_TEST_CONCAT_INNER_(a, b) a##b
#define LT_TEST_CONCAT_(a, b) LT_TEST_CONCAT_INNER_(a, b)
#define LT_TEST_ASSERT_OK_AND_ASSIGN_IMPL_(statusor, lhs, rexpr)     \
  auto statusor = (rexpr);                                           \
  ASSERT_TRUE(statusor.ok()) << #rexpr << ": " << statusor.status(); \
  lhs = std::move(statusor).value()
