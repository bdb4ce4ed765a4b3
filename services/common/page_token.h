// Page tokens of the listings (ListDossiers, ListRecords): "<integer>|<text>|<text>", base64url.
// What the three parts mean is each listing's own (services/dossier/dossier_register.cc,
// services/education/record_register.cc); this spells and reads the shape only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace lienthong {

struct PageToken {
  int64_t number = 0;
  std::string second;  // holds no '|' when it came from DecodePageToken
  std::string third;   // the rest, '|' included
};

// base64url("<number>|<second>|<third>"). `second` must hold no '|' to read back the same.
std::string EncodePageToken(int64_t number, absl::string_view second, absl::string_view third);

// nullopt unless `token` is base64url of "<integer>|<text>|<text>" (the integer as
// absl::SimpleAtoi reads it into an int64).
std::optional<PageToken> DecodePageToken(absl::string_view token);

}  // namespace lienthong
