// A member certificate as a PKCS#12 file, for a browser: the operator console off loopback asks
// the browser for a client certificate of a member (docs/console.md), and browsers import keys
// and certificates as PKCS#12.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace lienthong::security {

// The DER bytes of a PKCS#12 holding `key_pem`, the chain `cert_pem` (leaf first) and the CA
// bundle `ca_pem`, under `friendly_name`, protected by `password` with OpenSSL 3's defaults
// (AES-256-CBC, PBKDF2 with SHA-256, a SHA-256 MAC). INVALID_ARGUMENT when a PEM does not parse
// or the key does not match the leaf; an empty password is refused (a key file a browser keeps
// must not be readable by whoever copies it).
absl::StatusOr<std::string> ExportPkcs12(absl::string_view key_pem, absl::string_view cert_pem,
                                         absl::string_view ca_pem,
                                         const std::string& friendly_name,
                                         const std::string& password);

}  // namespace lienthong::security
