// RETURN_IF_ERROR / ASSIGN_OR_RETURN: Abseil 20220623 ships neither.
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define LT_CONCAT_INNER_(a, b) a##b
#define LT_CONCAT_(a, b) LT_CONCAT_INNER_(a, b)

// Returns the status from the enclosing function when `expr` is not OK.
#define RETURN_IF_ERROR(expr)                      \
  do {                                             \
    ::absl::Status lt_status_ = (expr);            \
    if (!lt_status_.ok()) return lt_status_;       \
  } while (0)

// `ASSIGN_OR_RETURN(auto x, F())` declares x from F()'s value, or returns F()'s status.
#define ASSIGN_OR_RETURN(lhs, rexpr) \
  LT_ASSIGN_OR_RETURN_IMPL_(LT_CONCAT_(lt_statusor_, __LINE__), lhs, rexpr)
#define LT_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                              \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()
