// Fuzz target: a whole config file through the YAML loader into GatewayConfig. Whatever the text,
// the loader answers OK or INVALID_ARGUMENT (never crashes, never another code), and a config it
// accepts prints (MessageToYaml) to YAML it reads back to the same message.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/stubs/logging.h"
#include "google/protobuf/util/message_differencer.h"
#include "lienthong/config/v1/config.pb.h"
#include "services/config/yaml_proto.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using lienthong::config::v1::GatewayConfig;
  // Protobuf logs each non-UTF-8 string it meets (see request_validation.h).
  static const bool quiet = (google::protobuf::SetLogHandler(nullptr), true);
  (void)quiet;
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  lienthong::config::YamlLoadOptions options;
  options.file_name = "fuzz.yaml";
  GatewayConfig config;
  const absl::Status status = lienthong::config::LoadYamlIntoMessage(text, options, &config);
  if (!status.ok()) {
    LIENTHONG_FUZZ_CHECK(status.code() == absl::StatusCode::kInvalidArgument,
                         "a refused config is INVALID_ARGUMENT");
    LIENTHONG_FUZZ_CHECK(!status.message().empty(), "a refusal says why");
    return 0;
  }
  const std::string printed = lienthong::config::MessageToYaml(config);
  GatewayConfig again;
  const absl::Status reread = lienthong::config::LoadYamlIntoMessage(printed, options, &again);
  const bool same =
      reread.ok() && google::protobuf::util::MessageDifferencer::Equals(config, again);
  if (!same) {  // what a reproduction needs to see
    std::fprintf(stderr, "printed YAML:\n%s\nreread: %s\nloaded:\n%s\nreread:\n%s\n",
                 printed.c_str(), reread.ToString().c_str(), config.DebugString().c_str(),
                 again.DebugString().c_str());
  }
  LIENTHONG_FUZZ_CHECK(reread.ok(), "printed YAML loads");
  LIENTHONG_FUZZ_CHECK(same, "printed YAML loads to the same config");
  return 0;
}
