// How a name presented on a form is compared with the one in a register (VerifyDiploma).
//
// Vietnamese names reach the gateway typed by hand, in capitals or not, and in either Unicode
// form: precomposed ("dựng sẵn", NFC, what most systems send) or with combining marks ("tổ
// hợp", NFD, what some keyboards and older systems send). "NGUYỄN  VĂN AN" and "Nguyễn Văn An"
// name the same person; "Nguyễn" and "Nguyên" do not: diacritics are letters in Vietnamese and
// always count.
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace lienthong::domain {

// The name in its comparison form: Unicode NFKC case folding (so letter case and the Unicode
// form do not matter, diacritics do), and runs of white space as single spaces with none at
// either end. Invalid UTF-8 is kept byte for byte (it then only equals itself).
std::string NameForComparison(absl::string_view name);

}  // namespace lienthong::domain
