// Reading and checking the attribution metadata of a call.
#include "services/exchange/call_attribution.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/rpc_status.h"

namespace lienthong::exchange {
namespace {

constexpr absl::string_view kOfficerPrefix = "officer:";
constexpr absl::string_view kCitizenPrefix = "citizen:";

bool AllOf(absl::string_view value, absl::string_view extra) {
  for (const char c : value) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) &&
        extra.find(c) == absl::string_view::npos) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string UserFormProblem(absl::string_view value) {
  if (absl::StartsWith(value, kOfficerPrefix)) {
    const absl::string_view id = value.substr(kOfficerPrefix.size());
    if (id.empty() || id.size() > kMaxOfficerIdLength || !AllOf(id, "._-") ||
        !absl::ascii_isalnum(static_cast<unsigned char>(id.front()))) {
      return absl::StrCat("an officer id is 1 to ", kMaxOfficerIdLength,
                          " of A-Z a-z 0-9 . _ - starting with a letter or digit (\"officer:",
                          "<id>\")");
    }
    return "";
  }
  if (absl::StartsWith(value, kCitizenPrefix)) {
    const absl::string_view id = value.substr(kCitizenPrefix.size());
    if (id.size() != kCitizenIdLength ||
        !std::all_of(id.begin(), id.end(),
                     [](char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); })) {
      return absl::StrCat("a citizen id is the ", kCitizenIdLength,
                          "-digit personal identification number (\"citizen:<digits>\")");
    }
    return "";
  }
  return "must be \"officer:<id>\" or \"citizen:<12 digits>\"";
}

std::string CorrelationIdFormProblem(absl::string_view value) {
  if (value.empty() || value.size() > kMaxCorrelationIdLength || !AllOf(value, "._:-")) {
    return absl::StrCat("must be 1 to ", kMaxCorrelationIdLength, " of A-Z a-z 0-9 . _ : -");
  }
  return "";
}

absl::StatusOr<CallAttribution> AttributionFromMetadata(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) {
  CallAttribution attribution;
  FieldViolations violations;
  const auto read = [&](const char* key, std::string (*problem_of)(absl::string_view),
                        std::string* out) {
    const auto [begin, end] = metadata.equal_range(key);
    int count = 0;
    for (auto it = begin; it != end; ++it) {
      if (++count > 1) continue;
      const absl::string_view value(it->second.data(), it->second.size());
      if (std::string problem = problem_of(value); !problem.empty()) {
        violations.Add(key, std::move(problem));
        return;
      }
      *out = std::string(value);
    }
    if (count > 1) {
      out->clear();
      violations.Add(key, absl::StrCat("given ", count, " times; send it once"));
    }
  };
  read(kUserMetadataKey, &UserFormProblem, &attribution.user);
  read(kCorrelationIdMetadataKey, &CorrelationIdFormProblem, &attribution.correlation_id);
  if (!violations.empty()) return violations.ToStatus();
  return attribution;
}

}  // namespace lienthong::exchange
