// Loads YAML into any protobuf message by reflection (the proto is the schema) and prints it back.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace lienthong::config {

// How YAML maps onto a message, for any message type (as Envoy does: the schema is the proto,
// YAML is how people write it):
//
// - Keys are the proto field names (snake_case); the JSON name (lowerCamel) is accepted too.
//   An unknown key is an error that suggests the nearest valid names.
// - Integers must be whole decimal numbers in the field's range ("12abc" and "1.5" are refused);
//   double/float take decimals and .inf/.nan; bool is true or false only (not yes/no/on/off);
//   bytes are base64. Quoting a scalar does not change how it is read: the field's type decides.
// - Enums take the value name exactly, its full name in any case, or the name without the
//   enum's common prefix in any case: for StoreKind { STORE_KIND_SQLITE } all of
//   "STORE_KIND_SQLITE", "store_kind_sqlite", "SQLITE" and "sqlite" work. The prefix is the
//   UPPER_SNAKE form of the enum's name plus "_" when every value starts with it, otherwise the
//   longest "_"-ended prefix all values share. Numbers are not accepted for enums.
// - Repeated fields come from sequences, map<K, V> fields from mappings, messages from mappings.
//   Two members of one oneof in the same mapping is an error, as is a key given twice (also
//   when once by its proto name and once by its JSON name).
// - Well-known types: google.protobuf.Duration from "30s", "500ms", "2m", "1h", "1.5s"
//   (absl::ParseDuration syntax); google.protobuf.Timestamp from RFC 3339
//   ("2024-05-01T08:00:00Z", "2024-05-01T15:00:00+07:00"); the wrappers (BoolValue,
//   UInt32Value, StringValue, ...) from plain scalars, so that unset and zero differ.
// - A null value (`key: ~`, `key: null`, `key:`) leaves the field unset. Inside a sequence or as
//   a map value, null is an empty message for message types and an error otherwise.
// - Path fields: a string field, or repeated string field, whose name ends in "_path", "_paths",
//   "_file", "_files", "_dir" or "_dirs" holds file-system paths. A relative value is made
//   absolute against YamlLoadOptions::base_dir and lexically normalised ("certs/../ca.pem" under
//   "/etc/lt" becomes "/etc/lt/ca.pem"), so a config means the same from any working directory.
//   Absolute and empty values are kept as written; with an empty base_dir nothing is changed.
// - An empty document (or only comments) is an empty message. One document per file. Nesting
//   deeper than 100 messages (say, an alias inside its own anchor) is an error.
//
// Errors name where and what: "<file>:<line>:<col>: <field path>: <what is wrong>", with the
// path written like `listeners[0].tls.cert_path` and map entries like `members["motcua"]`.
// Every error found is reported, one per line, in a single INVALID_ARGUMENT status.

struct YamlLoadOptions {
  std::string file_name;  // Shown in error messages; "<yaml>" when empty.
  std::string base_dir;   // Relative path fields resolve against this (the config file's folder).
};

// Fills `message` from YAML text. The message is cleared first; on error it is left unchanged
// and the INVALID_ARGUMENT status lists every error found, one per line.
absl::Status LoadYamlIntoMessage(absl::string_view yaml_text, const YamlLoadOptions& options,
                                 google::protobuf::Message* message);

// Reads the file at `path` and loads it with file_name = path and base_dir = the absolute path
// of the file's folder. A file that cannot be read gives the status of the failed read
// (NOT_FOUND, PERMISSION_DENIED, ...).
absl::Status LoadYamlFileIntoMessage(const std::string& path, google::protobuf::Message* message);

// Prints `message` as block YAML that LoadYamlIntoMessage reads back to an equal message: set
// fields in declaration order under their proto names, map entries sorted by key, enums by value
// name, Duration as "30s"/"1m30s", Timestamp as RFC 3339 UTC, wrappers and bytes (base64) as
// scalars. Deterministic: the same message always prints the same text. Ends with a newline.
std::string MessageToYaml(const google::protobuf::Message& message);

}  // namespace lienthong::config
