// Table-driven validation tests: a named change to a valid sample, and the exact fields reported.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/rpc_status.h"
#include "tests/unit/validation/samples.h"

namespace lienthong::validation {

template <typename Request>
struct RuleCase {
  // Test name: letters, digits and underscores.
  std::string name;
  // Breaks (or, for the cases that must pass, adjusts) the valid sample.
  std::function<void(Request*)> change;
  // Every violation the validator must report, in order; empty when the request must pass.
  std::vector<std::string> fields;

  friend void PrintTo(const RuleCase& rule, std::ostream* out) { *out << rule.name; }
};

// Names the generated tests after their cases.
struct RuleCaseName {
  template <typename Request>
  std::string operator()(const ::testing::TestParamInfo<RuleCase<Request>>& info) const {
    return info.param.name;
  }
};

// Applies `rule` to the valid `sample`, runs `validate(request, &violations)` and expects exactly
// the rule's field paths.
template <typename Request, typename Validate>
void ExpectRuleCase(Request sample, const RuleCase<Request>& rule, Validate validate) {
  rule.change(&sample);
  FieldViolations violations;
  validate(sample, &violations);
  EXPECT_THAT(samples::ViolatedFields(violations), ::testing::ElementsAreArray(rule.fields))
      << violations.ToStatus();
}

}  // namespace lienthong::validation
