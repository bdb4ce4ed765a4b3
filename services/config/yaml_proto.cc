// YAML -> protobuf by reflection (LoadYamlIntoMessage) and protobuf -> YAML (MessageToYaml).
#include "services/config/yaml_proto.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/stubs/common.h"
#include "services/common/status_macros.h"
#include "yaml-cpp/eventhandler.h"
#include "yaml-cpp/yaml.h"

namespace lienthong::config {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::OneofDescriptor;
using google::protobuf::Reflection;

constexpr absl::string_view kDurationType = "google.protobuf.Duration";
constexpr absl::string_view kTimestampType = "google.protobuf.Timestamp";
constexpr absl::string_view kDurationExpected =
    "expected a duration such as '30s', '500ms' or '1.5h'";
constexpr absl::string_view kTimestampExpected =
    "expected an RFC 3339 timestamp such as '2024-05-01T08:00:00Z'";
constexpr absl::string_view kTimestampFormat = "%Y-%m-%d%ET%H:%M:%E*SZ";

// The bounds google/protobuf/duration.proto and timestamp.proto give their messages.
constexpr int64_t kMaxDurationSeconds = 315576000000;      // 10000 years.
constexpr int64_t kMinTimestampSeconds = -62135596800;     // 0001-01-01T00:00:00Z
constexpr int64_t kMaxTimestampSeconds = 253402300799;     // 9999-12-31T23:59:59Z

// Deeper nesting is refused: a YAML alias may refer to its own ancestor, and a recursive
// message type would follow it forever. Protobuf's own parsers stop at the same depth.
constexpr int kMaxDepth = 100;

// Longer scalars are cut in messages so that each error stays one readable line.
constexpr size_t kMaxQuotedBytes = 80;

bool IsWrapperType(absl::string_view full_name) {
  static constexpr absl::string_view kWrappers[] = {
      "google.protobuf.DoubleValue", "google.protobuf.FloatValue",  "google.protobuf.Int64Value",
      "google.protobuf.UInt64Value", "google.protobuf.Int32Value",  "google.protobuf.UInt32Value",
      "google.protobuf.BoolValue",   "google.protobuf.StringValue", "google.protobuf.BytesValue"};
  return std::find(std::begin(kWrappers), std::end(kWrappers), full_name) != std::end(kWrappers);
}

bool IsPathFieldName(absl::string_view name) {
  static constexpr absl::string_view kSuffixes[] = {"_path", "_paths", "_file",
                                                    "_files", "_dir",  "_dirs"};
  return std::any_of(std::begin(kSuffixes), std::end(kSuffixes),
                     [name](absl::string_view suffix) { return absl::EndsWith(name, suffix); });
}

// Escapes control characters and cuts long text (on a UTF-8 boundary) for an error message.
std::string Printable(absl::string_view text) {
  size_t length = text.size();
  if (length > kMaxQuotedBytes) {
    length = kMaxQuotedBytes;
    while (length > 0 && (static_cast<unsigned char>(text[length]) & 0xC0) == 0x80) --length;
  }
  std::string out;
  for (char c : text.substr(0, length)) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += absl::StrCat("\\x", absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
    } else {
      out += c;
    }
  }
  if (length < text.size()) out += "...";
  return out;
}

std::string Quote(absl::string_view text) { return absl::StrCat("'", Printable(text), "'"); }

std::string DescribeNode(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a sequence";
    case YAML::NodeType::Scalar:
      return Quote(node.Scalar());
    default:
      return "null";
  }
}

std::string Position(const YAML::Mark& mark) {
  return absl::StrCat("line ", std::max(mark.line, 0) + 1, ", column ",
                      std::max(mark.column, 0) + 1);
}

std::string FieldPath(const std::string& parent, absl::string_view name) {
  return parent.empty() ? std::string(name) : absl::StrCat(parent, ".", name);
}

std::string MapEntryPath(const std::string& path, const FieldDescriptor* key_field,
                         absl::string_view key) {
  if (key_field->cpp_type() != FieldDescriptor::CPPTYPE_STRING) {
    return absl::StrCat(path, "[", Printable(key), "]");
  }
  std::string escaped;
  for (char c : Printable(key)) {
    if (c == '"') escaped += '\\';
    escaped += c;
  }
  return absl::StrCat(path, "[\"", escaped, "\"]");
}

// ---- scalars ------------------------------------------------------------------------------

absl::Status OutOfRange(absl::string_view text, absl::string_view type_name) {
  return absl::InvalidArgumentError(
      absl::StrCat("value ", Printable(text), " is out of range for ", type_name));
}

// A whole decimal number with an optional sign, range checked for T.
template <typename T>
absl::StatusOr<T> ParseInteger(absl::string_view text, absl::string_view type_name) {
  absl::string_view body = text;
  const bool plus = absl::ConsumePrefix(&body, "+");
  const bool negative = !plus && absl::StartsWith(body, "-");
  const absl::string_view magnitude = negative ? body.substr(1) : body;
  if (magnitude.empty() || !std::all_of(magnitude.begin(), magnitude.end(), absl::ascii_isdigit)) {
    return absl::InvalidArgumentError(absl::StrCat("expected an integer, got ", Quote(text)));
  }
  if (std::is_unsigned_v<T> && negative) return OutOfRange(text, type_name);
  T value{};
  const auto [end, error] = std::from_chars(body.data(), body.data() + body.size(), value);
  if (error != std::errc() || end != body.data() + body.size()) return OutOfRange(text, type_name);
  return value;
}

// A decimal number, or YAML's .inf / -.inf / .nan; float values must fit a float.
template <typename T>
absl::StatusOr<T> ParseFloatingPoint(absl::string_view text, absl::string_view type_name) {
  absl::string_view body = text;
  const bool plus = absl::ConsumePrefix(&body, "+");
  const bool negative = !plus && absl::ConsumePrefix(&body, "-");
  const std::string special = absl::AsciiStrToLower(body);
  if (special == ".inf") {
    return negative ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::infinity();
  }
  if (special == ".nan") return std::numeric_limits<T>::quiet_NaN();
  const bool starts_well = !body.empty() && (absl::ascii_isdigit(body[0]) || body[0] == '.');
  const bool has_digit = std::any_of(body.begin(), body.end(), absl::ascii_isdigit);
  const bool numeric_chars = std::all_of(body.begin(), body.end(), [](char c) {
    return absl::ascii_isdigit(c) || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-';
  });
  if (!starts_well || !has_digit || !numeric_chars) {
    return absl::InvalidArgumentError(absl::StrCat("expected a number, got ", Quote(text)));
  }
  double value = 0;
  const auto [end, error] = std::from_chars(body.data(), body.data() + body.size(), value);
  if (error == std::errc::result_out_of_range) return OutOfRange(text, type_name);
  if (error != std::errc() || end != body.data() + body.size()) {
    return absl::InvalidArgumentError(absl::StrCat("expected a number, got ", Quote(text)));
  }
  if (std::abs(value) > static_cast<double>(std::numeric_limits<T>::max())) {
    return OutOfRange(text, type_name);
  }
  return static_cast<T>(negative ? -value : value);
}

absl::StatusOr<bool> ParseBool(absl::string_view text) {
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  return absl::InvalidArgumentError(absl::StrCat("expected true or false, got ", Quote(text)));
}

// ---- enums --------------------------------------------------------------------------------

// "StoreKind" -> "STORE_KIND", "HTTPVersion" -> "HTTP_VERSION".
std::string UpperSnake(absl::string_view camel) {
  std::string out;
  for (size_t i = 0; i < camel.size(); ++i) {
    const char c = camel[i];
    if (i > 0 && absl::ascii_isupper(c) && camel[i - 1] != '_' &&
        (absl::ascii_islower(camel[i - 1]) || absl::ascii_isdigit(camel[i - 1]) ||
         (i + 1 < camel.size() && absl::ascii_islower(camel[i + 1])))) {
      out += '_';
    }
    out += absl::ascii_toupper(c);
  }
  return out;
}

// The prefix a YAML author may leave out of this enum's value names (see the header).
std::string EnumValuePrefix(const EnumDescriptor* type) {
  const std::string from_type = UpperSnake(type->name()) + "_";
  bool all_have_type_prefix = type->value_count() > 0;
  for (int i = 0; i < type->value_count(); ++i) {
    const std::string& name = type->value(i)->name();
    all_have_type_prefix &= name.size() > from_type.size() && absl::StartsWith(name, from_type);
  }
  if (all_have_type_prefix) return from_type;
  if (type->value_count() < 2) return "";
  std::string common = type->value(0)->name();
  for (int i = 1; i < type->value_count(); ++i) {
    const std::string& name = type->value(i)->name();
    size_t n = 0;
    while (n < common.size() && n < name.size() && common[n] == name[n]) ++n;
    common.resize(n);
  }
  const size_t underscore = common.rfind('_');
  return underscore == std::string::npos ? "" : common.substr(0, underscore + 1);
}

absl::StatusOr<const EnumValueDescriptor*> ParseEnum(const EnumDescriptor* type,
                                                     absl::string_view text) {
  if (const EnumValueDescriptor* exact = type->FindValueByName(std::string(text))) return exact;
  const std::string prefix = EnumValuePrefix(type);
  for (int i = 0; i < type->value_count(); ++i) {
    absl::string_view name = type->value(i)->name();
    if (absl::EqualsIgnoreCase(name, text)) return type->value(i);
    if (!prefix.empty() && absl::ConsumePrefix(&name, prefix) &&
        absl::EqualsIgnoreCase(name, text)) {
      return type->value(i);
    }
  }
  std::vector<std::string> names;
  for (int i = 0; i < type->value_count(); ++i) names.push_back(type->value(i)->name());
  return absl::InvalidArgumentError(absl::StrCat("unknown value ", Quote(text), " for enum ",
                                                 type->full_name(), "; valid values: ",
                                                 absl::StrJoin(names, ", ")));
}

// ---- well-known types ---------------------------------------------------------------------

struct SecondsNanos {
  int64_t seconds;
  int32_t nanos;
};

absl::StatusOr<SecondsNanos> ParseDurationText(absl::string_view text) {
  absl::Duration duration;
  if (!absl::ParseDuration(text, &duration) || duration == absl::InfiniteDuration() ||
      duration == -absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(kDurationExpected, ", got ", Quote(text)));
  }
  absl::Duration remainder;
  const int64_t seconds = absl::IDivDuration(duration, absl::Seconds(1), &remainder);
  if (seconds > kMaxDurationSeconds || seconds < -kMaxDurationSeconds) {
    return absl::InvalidArgumentError(
        absl::StrCat("duration ", Quote(text), " is out of range (at most 10000 years)"));
  }
  return SecondsNanos{seconds, static_cast<int32_t>(remainder / absl::Nanoseconds(1))};
}

absl::StatusOr<SecondsNanos> ParseTimestampText(absl::string_view text) {
  absl::Time time;
  std::string ignored;
  if (!absl::ParseTime(absl::RFC3339_full, text, &time, &ignored)) {
    return absl::InvalidArgumentError(absl::StrCat(kTimestampExpected, ", got ", Quote(text)));
  }
  const int64_t seconds = absl::ToUnixSeconds(time);
  if (seconds < kMinTimestampSeconds || seconds > kMaxTimestampSeconds) {
    return absl::InvalidArgumentError(
        absl::StrCat("timestamp ", Quote(text), " is out of range (years 1 to 9999)"));
  }
  const absl::Duration fraction = time - absl::FromUnixSeconds(seconds);
  return SecondsNanos{seconds, static_cast<int32_t>(fraction / absl::Nanoseconds(1))};
}

SecondsNanos GetSecondsNanos(const Message& message) {
  const Descriptor* type = message.GetDescriptor();
  const Reflection* reflection = message.GetReflection();
  return {reflection->GetInt64(message, type->FindFieldByName("seconds")),
          reflection->GetInt32(message, type->FindFieldByName("nanos"))};
}

void SetSecondsNanos(const SecondsNanos& value, Message* message) {
  const Descriptor* type = message->GetDescriptor();
  const Reflection* reflection = message->GetReflection();
  reflection->SetInt64(message, type->FindFieldByName("seconds"), value.seconds);
  reflection->SetInt32(message, type->FindFieldByName("nanos"), value.nanos);
}

// ---- field names --------------------------------------------------------------------------

const FieldDescriptor* FindField(const Descriptor* type, const std::string& key) {
  if (const FieldDescriptor* field = type->FindFieldByName(key)) return field;
  for (int i = 0; i < type->field_count(); ++i) {
    if (type->field(i)->json_name() == key) return type->field(i);
  }
  return nullptr;
}

// Case-insensitive optimal-string-alignment distance: one edit per insertion, deletion,
// substitution, or swap of neighbours ("prot" -> "port").
size_t EditDistance(absl::string_view a, absl::string_view b) {
  const std::string x = absl::AsciiStrToLower(a);
  const std::string y = absl::AsciiStrToLower(b);
  std::vector<std::vector<size_t>> d(x.size() + 1, std::vector<size_t>(y.size() + 1));
  for (size_t i = 0; i <= x.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= y.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= x.size(); ++i) {
    for (size_t j = 1; j <= y.size(); ++j) {
      const size_t cost = x[i - 1] == y[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[x.size()][y.size()];
}

std::string UnknownFieldMessage(const Descriptor* type, absl::string_view key) {
  const size_t limit = key.size() <= 3 ? 1 : key.size() <= 7 ? 2 : 3;
  size_t best = limit + 1;
  std::vector<std::string> nearest;
  std::vector<std::string> all;
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    all.push_back(field->name());
    // Suggest the spelling (proto or JSON name) closest to what was written. The distance is at
    // least the difference of the lengths: a spelling whose length is further than `best` from
    // the key's cannot be suggested, so its distance (quadratic in the key's length; a key can be
    // a whole line of garbage) is not computed.
    const auto length_gap = [&](const std::string& spelling) {
      return key.size() > spelling.size() ? key.size() - spelling.size()
                                          : spelling.size() - key.size();
    };
    if (length_gap(field->name()) > best && length_gap(field->json_name()) > best) continue;
    const size_t by_name = EditDistance(key, field->name());
    const size_t by_json = EditDistance(key, field->json_name());
    const size_t distance = std::min(by_name, by_json);
    const std::string& spelling = by_json < by_name ? field->json_name() : field->name();
    if (distance < best) {
      best = distance;
      nearest.assign(1, spelling);
    } else if (distance == best) {
      nearest.push_back(spelling);
    }
  }
  const std::string head = absl::StrCat("unknown field ", Quote(key));
  if (!nearest.empty()) {
    return absl::StrCat(head, "; did you mean '", absl::StrJoin(nearest, "' or '"), "'?");
  }
  if (all.empty()) return absl::StrCat(head, "; ", type->full_name(), " has no fields");
  return absl::StrCat(head, "; valid fields: ", absl::StrJoin(all, ", "));
}

std::string ExpectedKind(const FieldDescriptor* field) {
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_UINT32:
    case FieldDescriptor::CPPTYPE_UINT64:
      return "an integer";
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT:
      return "a number";
    case FieldDescriptor::CPPTYPE_BOOL:
      return "true or false";
    case FieldDescriptor::CPPTYPE_ENUM:
      return absl::StrCat("a value of enum ", field->enum_type()->full_name());
    case FieldDescriptor::CPPTYPE_STRING:
      return field->type() == FieldDescriptor::TYPE_BYTES ? "base64-encoded bytes" : "a string";
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return "a mapping";
  }
  return "a value";
}

// ---- reflection by value type ------------------------------------------------------------

template <typename T>
using Setter = void (Reflection::*)(Message*, const FieldDescriptor*, T) const;
template <typename T>
using Getter = T (Reflection::*)(const Message&, const FieldDescriptor*) const;
template <typename T>
using RepeatedGetter = T (Reflection::*)(const Message&, const FieldDescriptor*, int) const;

// Sets a singular field or appends to a repeated one, when `parsed` holds a value.
template <typename T>
absl::Status Store(absl::StatusOr<T> parsed, Message* message, const FieldDescriptor* field,
                   Setter<T> set, Setter<T> add) {
  if (!parsed.ok()) return parsed.status();
  (message->GetReflection()->*(field->is_repeated() ? add : set))(message, field,
                                                                  *std::move(parsed));
  return absl::OkStatus();
}

// Reads a singular field (index < 0) or one element of a repeated field.
template <typename T>
T Read(const Message& message, const FieldDescriptor* field, int index, Getter<T> get,
       RepeatedGetter<T> get_repeated) {
  const Reflection* reflection = message.GetReflection();
  return index < 0 ? (reflection->*get)(message, field)
                   : (reflection->*get_repeated)(message, field, index);
}

template <typename T>
bool ReadLess(const Message& a, const Message& b, const FieldDescriptor* field, Getter<T> get) {
  const Reflection* reflection = a.GetReflection();
  return (reflection->*get)(a, field) < (reflection->*get)(b, field);
}

// ---- YAML -> message ----------------------------------------------------------------------

// Walks one YAML document into a message, collecting every error instead of stopping at one.
class YamlMessageReader {
 public:
  explicit YamlMessageReader(const YamlLoadOptions& options) : options_(options) {}

  void AddError(const YAML::Mark& mark, const std::string& path, absl::string_view what) {
    errors_.push_back(absl::StrCat(options_.file_name.empty() ? "<yaml>" : options_.file_name, ":",
                                   std::max(mark.line, 0) + 1, ":", std::max(mark.column, 0) + 1,
                                   ": ", path, path.empty() ? "" : ": ", what));
  }

  absl::Status Result() const {
    if (errors_.empty()) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrJoin(errors_, "\n"));
  }

  void FillMessage(const YAML::Node& node, Message* message, const std::string& path) {
    if (depth_ >= kMaxDepth) {
      AddError(node.Mark(), path, absl::StrCat("nested deeper than ", kMaxDepth, " levels"));
      return;
    }
    ++depth_;
    FillMessageAtDepth(node, message, path);
    --depth_;
  }

 private:
  void FillMessageAtDepth(const YAML::Node& node, Message* message, const std::string& path) {
    const Descriptor* type = message->GetDescriptor();
    if (type->full_name() == kDurationType || type->full_name() == kTimestampType ||
        IsWrapperType(type->full_name())) {
      FillWellKnown(node, message, path);
      return;
    }
    if (!node.IsMap()) {
      AddError(node.Mark(), path, absl::StrCat("expected a mapping, got ", DescribeNode(node)));
      return;
    }
    struct FirstKey {
      std::string spelling;
      YAML::Mark mark;
    };
    absl::flat_hash_map<const FieldDescriptor*, FirstKey> seen;
    absl::flat_hash_map<const OneofDescriptor*, std::pair<const FieldDescriptor*, YAML::Mark>>
        oneofs;
    for (const auto& entry : node) {
      const YAML::Node& key = entry.first;
      const YAML::Node& value = entry.second;
      if (!key.IsScalar()) {
        AddError(key.Mark(), path, absl::StrCat("expected a field name, got ", DescribeNode(key)));
        continue;
      }
      const std::string& name = key.Scalar();
      const FieldDescriptor* field = FindField(type, name);
      if (field == nullptr) {
        AddError(key.Mark(), FieldPath(path, Printable(name)), UnknownFieldMessage(type, name));
        continue;
      }
      const std::string field_path = FieldPath(path, field->name());
      const auto [first, fresh] = seen.try_emplace(field, FirstKey{name, key.Mark()});
      if (!fresh) {
        AddError(key.Mark(), field_path,
                 first->second.spelling == name
                     ? absl::StrCat("duplicate key ", Quote(name), " (first at ",
                                    Position(first->second.mark), ")")
                     : absl::StrCat(Quote(name), " sets the same field as ",
                                    Quote(first->second.spelling), " at ",
                                    Position(first->second.mark)));
        continue;
      }
      const OneofDescriptor* oneof = field->real_containing_oneof();
      if (oneof != nullptr && !value.IsNull()) {
        const auto [other, unset] = oneofs.try_emplace(oneof, field, key.Mark());
        if (!unset) {
          std::vector<std::string> members;
          for (int i = 0; i < oneof->field_count(); ++i) members.push_back(oneof->field(i)->name());
          AddError(key.Mark(), field_path,
                   absl::StrCat("oneof '", oneof->name(), "' is already set by '",
                                other->second.first->name(), "' at ",
                                Position(other->second.second), "; set only one of ",
                                absl::StrJoin(members, ", ")));
          continue;
        }
      }
      FillField(value, message, field, field_path);
    }
  }

  void FillField(const YAML::Node& value, Message* message, const FieldDescriptor* field,
                 const std::string& path) {
    if (value.IsNull()) return;  // `key: ~` and `key:` leave the field unset.
    if (field->is_map()) {
      FillMap(value, message, field, path);
    } else if (field->is_repeated()) {
      FillRepeated(value, message, field, path);
    } else {
      FillValue(value, message, field, path);
    }
  }

  void FillRepeated(const YAML::Node& value, Message* message, const FieldDescriptor* field,
                    const std::string& path) {
    if (!value.IsSequence()) {
      AddError(value.Mark(), path, absl::StrCat("expected a sequence, got ", DescribeNode(value)));
      return;
    }
    size_t index = 0;
    for (const auto& element : value) {
      FillValue(element, message, field, absl::StrCat(path, "[", index++, "]"));
    }
  }

  void FillMap(const YAML::Node& value, Message* message, const FieldDescriptor* field,
               const std::string& path) {
    if (!value.IsMap()) {
      AddError(value.Mark(), path, absl::StrCat("expected a mapping, got ", DescribeNode(value)));
      return;
    }
    const FieldDescriptor* key_field = field->message_type()->map_key();
    const FieldDescriptor* value_field = field->message_type()->map_value();
    absl::flat_hash_map<std::string, YAML::Mark> seen;
    for (const auto& entry : value) {
      const YAML::Node& key = entry.first;
      if (!key.IsScalar()) {
        AddError(key.Mark(), path, absl::StrCat("expected a map key, got ", DescribeNode(key)));
        continue;
      }
      const std::string entry_path = MapEntryPath(path, key_field, key.Scalar());
      const auto [first, fresh] = seen.try_emplace(key.Scalar(), key.Mark());
      if (!fresh) {
        AddError(key.Mark(), entry_path,
                 absl::StrCat("duplicate key ", Quote(key.Scalar()), " (first at ",
                              Position(first->second), ")"));
        continue;
      }
      Message* map_entry = message->GetReflection()->AddMessage(message, field);
      FillValue(key, map_entry, key_field, entry_path);
      FillValue(entry.second, map_entry, value_field, entry_path);
    }
  }

  // One value: a singular field, or a new element of a repeated field or map entry.
  void FillValue(const YAML::Node& node, Message* message, const FieldDescriptor* field,
                 const std::string& path) {
    const Reflection* reflection = message->GetReflection();
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      Message* child = field->is_repeated() ? reflection->AddMessage(message, field)
                                            : reflection->MutableMessage(message, field);
      if (!node.IsNull()) FillMessage(node, child, path);  // A null element is an empty message.
      return;
    }
    if (!node.IsScalar()) {
      AddError(node.Mark(), path,
               absl::StrCat("expected ", ExpectedKind(field), ", got ", DescribeNode(node)));
      return;
    }
    const absl::Status status = SetScalar(node.Scalar(), message, field);
    if (!status.ok()) AddError(node.Mark(), path, status.message());
  }

  absl::Status SetScalar(const std::string& text, Message* message, const FieldDescriptor* field) {
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        return Store<int32_t>(ParseInteger<int32_t>(text, "int32"), message, field,
                              &Reflection::SetInt32, &Reflection::AddInt32);
      case FieldDescriptor::CPPTYPE_INT64:
        return Store<int64_t>(ParseInteger<int64_t>(text, "int64"), message, field,
                              &Reflection::SetInt64, &Reflection::AddInt64);
      case FieldDescriptor::CPPTYPE_UINT32:
        return Store<uint32_t>(ParseInteger<uint32_t>(text, "uint32"), message, field,
                               &Reflection::SetUInt32, &Reflection::AddUInt32);
      case FieldDescriptor::CPPTYPE_UINT64:
        return Store<uint64_t>(ParseInteger<uint64_t>(text, "uint64"), message, field,
                               &Reflection::SetUInt64, &Reflection::AddUInt64);
      case FieldDescriptor::CPPTYPE_DOUBLE:
        return Store<double>(ParseFloatingPoint<double>(text, "double"), message, field,
                             &Reflection::SetDouble, &Reflection::AddDouble);
      case FieldDescriptor::CPPTYPE_FLOAT:
        return Store<float>(ParseFloatingPoint<float>(text, "float"), message, field,
                            &Reflection::SetFloat, &Reflection::AddFloat);
      case FieldDescriptor::CPPTYPE_BOOL:
        return Store<bool>(ParseBool(text), message, field, &Reflection::SetBool,
                           &Reflection::AddBool);
      case FieldDescriptor::CPPTYPE_ENUM:
        return Store<const EnumValueDescriptor*>(ParseEnum(field->enum_type(), text), message,
                                                 field, &Reflection::SetEnum, &Reflection::AddEnum);
      case FieldDescriptor::CPPTYPE_STRING:
        return Store<std::string>(ParseString(text, field), message, field,
                                  &Reflection::SetString, &Reflection::AddString);
      case FieldDescriptor::CPPTYPE_MESSAGE:
        break;  // FillValue handles messages.
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> ParseString(const std::string& text,
                                          const FieldDescriptor* field) const {
    if (field->type() != FieldDescriptor::TYPE_BYTES) {
      // A string field holds UTF-8 (protobuf refuses anything else on the wire, and the text
      // would not print back as it was read). The fuzz target config_yaml_fuzz found the gap.
      if (!google::protobuf::internal::IsStructurallyValidUTF8(text.data(),
                                                               static_cast<int>(text.size()))) {
        return absl::InvalidArgumentError("expected UTF-8 text, got bytes that are not UTF-8");
      }
      return ResolvePath(field, text);
    }
    std::string bytes;
    if (!absl::Base64Unescape(text, &bytes)) {
      return absl::InvalidArgumentError(
          absl::StrCat("expected base64-encoded bytes, got ", Quote(text)));
    }
    return bytes;
  }

  void FillWellKnown(const YAML::Node& node, Message* message, const std::string& path) {
    const Descriptor* type = message->GetDescriptor();
    if (IsWrapperType(type->full_name())) {
      FillValue(node, message, type->FindFieldByName("value"), path);
      return;
    }
    const bool is_duration = type->full_name() == kDurationType;
    if (!node.IsScalar()) {
      AddError(node.Mark(), path,
               absl::StrCat(is_duration ? kDurationExpected : kTimestampExpected, ", got ",
                            DescribeNode(node)));
      return;
    }
    const absl::StatusOr<SecondsNanos> parsed =
        is_duration ? ParseDurationText(node.Scalar()) : ParseTimestampText(node.Scalar());
    if (!parsed.ok()) {
      AddError(node.Mark(), path, parsed.status().message());
      return;
    }
    SetSecondsNanos(*parsed, message);
  }

  // Path fields (see the header): relative values are resolved against base_dir.
  std::string ResolvePath(const FieldDescriptor* field, const std::string& value) const {
    if (options_.base_dir.empty() || value.empty() || !IsPathFieldName(field->name())) {
      return value;
    }
    const std::filesystem::path path(value);
    if (path.is_absolute()) return value;
    return (std::filesystem::path(options_.base_dir) / path).lexically_normal().string();
  }

  const YamlLoadOptions& options_;
  std::vector<std::string> errors_;
  int depth_ = 0;
};

// ---- message -> YAML ----------------------------------------------------------------------

template <typename T>
std::string FormatFloatingPoint(T value) {
  if (std::isnan(value)) return ".nan";
  if (std::isinf(value)) return value > 0 ? ".inf" : "-.inf";
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

// The text of a scalar field; index < 0 reads a singular field.
std::string ScalarText(const Message& m, const FieldDescriptor* field, int i) {
  using R = Reflection;
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return absl::StrCat(Read<int32_t>(m, field, i, &R::GetInt32, &R::GetRepeatedInt32));
    case FieldDescriptor::CPPTYPE_INT64:
      return absl::StrCat(Read<int64_t>(m, field, i, &R::GetInt64, &R::GetRepeatedInt64));
    case FieldDescriptor::CPPTYPE_UINT32:
      return absl::StrCat(Read<uint32_t>(m, field, i, &R::GetUInt32, &R::GetRepeatedUInt32));
    case FieldDescriptor::CPPTYPE_UINT64:
      return absl::StrCat(Read<uint64_t>(m, field, i, &R::GetUInt64, &R::GetRepeatedUInt64));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return FormatFloatingPoint(Read<double>(m, field, i, &R::GetDouble, &R::GetRepeatedDouble));
    case FieldDescriptor::CPPTYPE_FLOAT:
      return FormatFloatingPoint(Read<float>(m, field, i, &R::GetFloat, &R::GetRepeatedFloat));
    case FieldDescriptor::CPPTYPE_BOOL:
      return Read<bool>(m, field, i, &R::GetBool, &R::GetRepeatedBool) ? "true" : "false";
    case FieldDescriptor::CPPTYPE_ENUM:
      return Read<const EnumValueDescriptor*>(m, field, i, &R::GetEnum, &R::GetRepeatedEnum)
          ->name();
    case FieldDescriptor::CPPTYPE_STRING: {
      const std::string value =
          Read<std::string>(m, field, i, &R::GetString, &R::GetRepeatedString);
      return field->type() == FieldDescriptor::TYPE_BYTES ? absl::Base64Escape(value) : value;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  return "";
}

// Whether a plain scalar with this text would read as something other than a string to a
// schema-less YAML reader (a number, bool or null), so that printing it needs quotes.
bool ReadsAsNonString(absl::string_view text) {
  static constexpr absl::string_view kWords[] = {"", "~", "null", "true", "false", "yes", "no",
                                                 "on", "off", "y", "n"};
  const std::string lower = absl::AsciiStrToLower(text);
  if (std::find(std::begin(kWords), std::end(kWords), lower) != std::end(kWords)) return true;
  return ParseInteger<int64_t>(text, "int64").ok() ||
         ParseFloatingPoint<double>(text, "double").ok();
}

// Whether a plain scalar would lose part of `text` when read back: YAML trims leading and
// trailing white space and folds line breaks (config_yaml_fuzz found "name   \r" reading back as
// "name").
bool LosesTextWhenPlain(absl::string_view text) {
  if (text.empty()) return false;
  if (absl::ascii_isspace(static_cast<unsigned char>(text.front())) ||
      absl::ascii_isspace(static_cast<unsigned char>(text.back()))) {
    return true;
  }
  return std::any_of(text.begin(), text.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
}

// Writes a scalar field's value; strings that look like other types, or that a plain scalar
// would not keep as they are, are double-quoted.
void EmitScalar(YAML::Emitter& out, const Message& message, const FieldDescriptor* field,
                int index) {
  const std::string text = ScalarText(message, field, index);
  if (field->type() == FieldDescriptor::TYPE_STRING &&
      (ReadsAsNonString(text) || LosesTextWhenPlain(text))) {
    out << YAML::DoubleQuoted;
  }
  out << text;
}

bool MapKeyLess(const Message& a, const Message& b, const FieldDescriptor* key) {
  switch (key->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return ReadLess<int32_t>(a, b, key, &Reflection::GetInt32);
    case FieldDescriptor::CPPTYPE_INT64:
      return ReadLess<int64_t>(a, b, key, &Reflection::GetInt64);
    case FieldDescriptor::CPPTYPE_UINT32:
      return ReadLess<uint32_t>(a, b, key, &Reflection::GetUInt32);
    case FieldDescriptor::CPPTYPE_UINT64:
      return ReadLess<uint64_t>(a, b, key, &Reflection::GetUInt64);
    case FieldDescriptor::CPPTYPE_BOOL:
      return ReadLess<bool>(a, b, key, &Reflection::GetBool);
    default:
      return ReadLess<std::string>(a, b, key, &Reflection::GetString);
  }
}

void EmitMessage(YAML::Emitter& out, const Message& message);

void EmitValue(YAML::Emitter& out, const Message& message, const FieldDescriptor* field,
               int index) {
  if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
    EmitScalar(out, message, field, index);
    return;
  }
  const Reflection* r = message.GetReflection();
  EmitMessage(out, index < 0 ? r->GetMessage(message, field)
                             : r->GetRepeatedMessage(message, field, index));
}

constexpr size_t kLongestImplicitKeyBytes = 200;

void EmitMap(YAML::Emitter& out, const Message& message, const FieldDescriptor* field) {
  const Reflection* r = message.GetReflection();
  const FieldDescriptor* key = field->message_type()->map_key();
  std::vector<const Message*> entries;
  for (int i = 0; i < r->FieldSize(message, field); ++i) {
    entries.push_back(&r->GetRepeatedMessage(message, field, i));
  }
  std::sort(entries.begin(), entries.end(),
            [key](const Message* a, const Message* b) { return MapKeyLess(*a, *b, key); });
  out << YAML::BeginMap;
  for (const Message* entry : entries) {
    out << YAML::Key;
    // YAML reads a key written as `key: value` only up to 1024 characters (yaml-cpp: "illegal
    // map value"), so a long string key is written as an explicit key (`? key` then `: value`).
    // Quoted, a byte takes at most 4 characters ("\x00"): 200 bytes stay under the limit.
    // (Found by tests/fuzz/config_yaml_fuzz: a printed config did not load back.)
    if (key->cpp_type() == FieldDescriptor::CPPTYPE_STRING &&
        entry->GetReflection()->GetString(*entry, key).size() > kLongestImplicitKeyBytes) {
      out << YAML::LongKey;
    }
    EmitScalar(out, *entry, key, -1);
    out << YAML::Value;
    EmitValue(out, *entry, field->message_type()->map_value(), -1);
  }
  out << YAML::EndMap;
}

void EmitMessage(YAML::Emitter& out, const Message& message) {
  const Descriptor* type = message.GetDescriptor();
  if (type->full_name() == kDurationType) {
    const SecondsNanos value = GetSecondsNanos(message);
    out << absl::FormatDuration(absl::Seconds(value.seconds) + absl::Nanoseconds(value.nanos));
    return;
  }
  if (type->full_name() == kTimestampType) {
    const SecondsNanos value = GetSecondsNanos(message);
    out << absl::FormatTime(kTimestampFormat,
                            absl::FromUnixSeconds(value.seconds) + absl::Nanoseconds(value.nanos),
                            absl::UTCTimeZone());
    return;
  }
  if (IsWrapperType(type->full_name())) {
    EmitValue(out, message, type->FindFieldByName("value"), -1);
    return;
  }
  const Reflection* r = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    if (field->is_repeated() ? r->FieldSize(message, field) > 0 : r->HasField(message, field)) {
      fields.push_back(field);
    }
  }
  if (fields.empty()) {
    out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
    return;
  }
  out << YAML::BeginMap;
  for (const FieldDescriptor* field : fields) {
    out << YAML::Key << field->name() << YAML::Value;
    if (field->is_map()) {
      EmitMap(out, message, field);
    } else if (field->is_repeated()) {
      out << YAML::BeginSeq;
      for (int i = 0; i < r->FieldSize(message, field); ++i) EmitValue(out, message, field, i);
      out << YAML::EndSeq;
    } else {
      EmitValue(out, message, field, -1);
    }
  }
  out << YAML::EndMap;
}

// yaml-cpp 0.7 (Debian 12) does not consume a ',' outside a flow collection ("," or '"a",' as a
// whole file): Parser::HandleNextDocument then returns an empty document at that same place
// forever, and YAML::LoadAll never returns, allocating until memory runs out (found by
// tests/fuzz/config_yaml_fuzz). This pass walks the documents with the event parser first, which
// builds nothing, and stops at the first document that starts where the one before it started.
class DocumentStarts final : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override { start = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

  YAML::Mark start = YAML::Mark::null_mark();
};

// Where the parser stops making progress, if it does. Throws what the parser throws.
std::optional<YAML::Mark> StuckAt(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts starts;
  std::optional<int> previous;
  while (parser.HandleNextDocument(starts)) {
    if (previous.has_value() && starts.start.pos == *previous) return starts.start;
    previous = starts.start.pos;
  }
  return std::nullopt;
}

}  // namespace

absl::Status LoadYamlIntoMessage(absl::string_view yaml_text, const YamlLoadOptions& options,
                                 google::protobuf::Message* message) {
  YamlMessageReader reader(options);
  std::vector<YAML::Node> documents;
  try {
    const std::string text(yaml_text);
    if (std::optional<YAML::Mark> stuck = StuckAt(text)) {
      reader.AddError(*stuck, "",
                      "the YAML parser cannot read on from here (a ',' outside [ ] or { }?)");
      return reader.Result();
    }
    documents = YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    reader.AddError(e.mark, "", e.msg);
    return reader.Result();
  }
  std::vector<const YAML::Node*> non_empty;
  for (const YAML::Node& document : documents) {
    if (!document.IsNull()) non_empty.push_back(&document);
  }
  // Filled into a scratch message so that a failed load leaves `message` as it was.
  std::unique_ptr<Message> loaded(message->New());
  if (non_empty.size() > 1) {
    reader.AddError(non_empty[1]->Mark(), "",
                    absl::StrCat("expected one YAML document, found ", non_empty.size()));
  } else if (non_empty.size() == 1) {
    reader.FillMessage(*non_empty[0], loaded.get(), "");
  }
  RETURN_IF_ERROR(reader.Result());
  message->CopyFrom(*loaded);
  return absl::OkStatus();
}

absl::Status LoadYamlFileIntoMessage(const std::string& path, google::protobuf::Message* message) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    return absl::InvalidArgumentError(absl::StrCat("'", path, "' is a directory, not a YAML file"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::ErrnoToStatus(errno, absl::StrCat("cannot read '", path, "'"));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return absl::ErrnoToStatus(errno, absl::StrCat("cannot read '", path, "'"));
  const std::filesystem::path absolute = std::filesystem::absolute(path, error);
  if (error) return absl::ErrnoToStatus(error.value(), absl::StrCat("cannot resolve '", path, "'"));
  YamlLoadOptions options;
  options.file_name = path;
  options.base_dir = absolute.lexically_normal().parent_path().string();
  return LoadYamlIntoMessage(text.str(), options, message);
}

std::string MessageToYaml(const google::protobuf::Message& message) {
  YAML::Emitter out;
  EmitMessage(out, message);
  return std::string(out.c_str()) + "\n";
}

}  // namespace lienthong::config
