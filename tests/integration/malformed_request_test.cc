// Request bytes that do not parse, sent over mutual TLS to every method of every lienthong
// service: INVALID_ARGUMENT naming the expected type (gRPC 1.51 alone answers UNIMPLEMENTED with
// an empty message), counted, exchange-logged, logged at most once per member per minute;
// oversized requests stay RESOURCE_EXHAUSTED naming the limit.
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/message.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"
#include "gtest/gtest.h"
#include "services/common/rpc_status.h"
#include "services/server/malformed_requests.h"
#include "tests/support/loopback.h"
#include "tests/support/recording_sink.h"
#include "tests/support/status_assertions.h"
#include "tests/support/store_scan.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_gateway.h"
#include "tests/support/test_pki.h"

namespace lienthong {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::MethodDescriptor;

constexpr uint32_t kMaxRequestBytes = 64 * 1024;

// Every service a gateway serves to members (the sector sink is the extra service of the test).
const char* const kServices[] = {
    "lienthong.v1.DossierService", "lienthong.v1.EducationRecordService",
    "lienthong.v1.ChangeFeedService", "lienthong.v1.AdminService",
    "lienthong.v1.SectorSinkService"};

std::vector<const MethodDescriptor*> AllMethods() {
  std::vector<const MethodDescriptor*> methods;
  for (const char* name : kServices) {
    const auto* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(name);
    EXPECT_NE(service, nullptr) << name;
    if (service == nullptr) continue;
    for (int i = 0; i < service->method_count(); ++i) methods.push_back(service->method(i));
  }
  return methods;
}

std::string MethodPath(const MethodDescriptor* method) {
  return absl::StrCat("/", method->service()->full_name(), "/", method->name());
}

std::unique_ptr<Message> NewMessage(const Descriptor* type) {
  return std::unique_ptr<Message>(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(type)->New());
}

bool Parses(const Descriptor* type, const std::string& bytes) {
  return NewMessage(type)->ParseFromString(bytes);
}

// Sets every singular string, integer, enum and message field (two levels deep): a message of
// that type as a client would send it, with every field present on the wire.
void Fill(Message* message, int depth) {
  const auto* reflection = message->GetReflection();
  const Descriptor* type = message->GetDescriptor();
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    if (field->is_repeated() || field->real_containing_oneof() != nullptr) continue;
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        reflection->SetString(message, field, "value-of-" + field->name());
        break;
      case FieldDescriptor::CPPTYPE_INT32: reflection->SetInt32(message, field, 7); break;
      case FieldDescriptor::CPPTYPE_INT64: reflection->SetInt64(message, field, 7); break;
      case FieldDescriptor::CPPTYPE_UINT32: reflection->SetUInt32(message, field, 7); break;
      case FieldDescriptor::CPPTYPE_UINT64: reflection->SetUInt64(message, field, 7); break;
      case FieldDescriptor::CPPTYPE_BOOL: reflection->SetBool(message, field, true); break;
      case FieldDescriptor::CPPTYPE_ENUM:
        reflection->SetEnumValue(message, field, 1);
        break;
      case FieldDescriptor::CPPTYPE_MESSAGE:
        if (depth > 0) Fill(reflection->MutableMessage(message, field), depth - 1);
        break;
      default:
        break;
    }
  }
}

std::string FilledBytes(const Descriptor* type) {
  auto message = NewMessage(type);
  Fill(message.get(), 2);
  return message->SerializeAsString();
}

// Seeded random bytes that do not parse as `type` (most random strings do not; the few that
// happen to be a valid encoding are skipped).
std::string RandomBytes(const Descriptor* type, std::mt19937* random) {
  for (;;) {
    std::string bytes(1 + (*random)() % 200, '\0');
    for (char& c : bytes) c = static_cast<char>((*random)() & 0xff);
    if (!Parses(type, bytes)) return bytes;
  }
}

// A message of `type` with every field set, cut one byte short: the last field is incomplete.
// A type whose filled encoding is empty gets field 1 announced 5 bytes long, with 1 byte.
std::string TruncatedBytes(const Descriptor* type) {
  std::string bytes = FilledBytes(type);
  if (bytes.size() < 2) return std::string("\x0a\x05x", 3);
  bytes.pop_back();
  return bytes;
}

// The status of `method` called with `bytes` as its request (a generic stream: one message,
// then half-close, then every response read), over `channel`.
grpc::Status CallWithBytes(const std::shared_ptr<grpc::Channel>& channel,
                           const std::string& method, const std::string& bytes) {
  grpc::GenericStub stub(channel);
  grpc::CompletionQueue cq;
  grpc::ClientContext context;
  test::SetDeadline(&context);
  auto await = [&cq] {
    void* tag = nullptr;
    bool ok = false;
    return cq.Next(&tag, &ok) && ok;
  };
  auto call = stub.PrepareCall(&context, method, &cq);
  call->StartCall(reinterpret_cast<void*>(1));
  await();
  grpc::Slice slice(bytes);
  grpc::ByteBuffer request(&slice, 1);
  call->WriteLast(request, grpc::WriteOptions(), reinterpret_cast<void*>(2));
  await();  // may fail: the server can finish before reading
  grpc::ByteBuffer response;
  for (;;) {
    call->Read(&response, reinterpret_cast<void*>(3));
    if (!await()) break;
  }
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(4));
  await();
  cq.Shutdown();
  void* tag = nullptr;
  bool ok = false;
  while (cq.Next(&tag, &ok)) {
  }
  return status;
}


class MalformedRequestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(auto pki, test::TestPki::Create(dir_.Path("pki")));
    ASSERT_OK_AND_ASSIGN(member_, pki.IssueMember(test::kOneStopMember));
    auto config = test::MinimalGatewayConfig(pki, dir_.path());
    config.mutable_limits()->set_max_request_bytes(kMaxRequestBytes);
    ASSERT_OK_AND_ASSIGN(app_, test::StartTestGateway(config, {&sink_}));
    channel_ = test::MakeClientChannel(app_->port(), member_.pem);
  }

  std::string Scrape() {
    auto response = test::HttpGet(app_->metrics_port(), "/metrics");
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? response->body : "";
  }

  // Sends `bytes` (which must not parse as the request of `method`) and expects the refusal.
  void ExpectRefused(const MethodDescriptor* method, const std::string& bytes,
                     const std::string& kind) {
    ASSERT_FALSE(Parses(method->input_type(), bytes)) << kind << " parses";
    const grpc::Status status = CallWithBytes(channel_, MethodPath(method), bytes);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << MethodPath(method) << " " << kind << ": " << status.error_message();
    EXPECT_EQ(status.error_message(),
              absl::StrCat("request is not a valid ", method->input_type()->full_name()))
        << MethodPath(method) << " " << kind;
    google::rpc::ErrorInfo info;
    ASSERT_TRUE(GetErrorInfo(FromGrpcStatus(status), &info)) << MethodPath(method) << " " << kind;
    EXPECT_EQ(info.reason(), "MALFORMED_REQUEST");
    EXPECT_EQ(info.metadata().at("expected_type"), method->input_type()->full_name());
  }

  test::TempDir dir_;
  test::TestMember member_;
  test::RecordingSink sink_;
  std::unique_ptr<server::GatewayApp> app_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST(ExpectedRequestTypeTest, NamesTheRequestMessageOfAMethod) {
  EXPECT_EQ(server::ExpectedRequestType("/lienthong.v1.DossierService/SubmitDossier"),
            "lienthong.v1.SubmitDossierRequest");
  EXPECT_EQ(server::ExpectedRequestType("/lienthong.v1.ChangeFeedService/Subscribe"),
            "lienthong.v1.SubscribeRequest");
  EXPECT_EQ(server::ExpectedRequestType("/lienthong.v1.DossierService/NoSuchMethod"), "");
  EXPECT_EQ(server::ExpectedRequestType("no slash"), "");
}

// The warning comes at most once per member per interval, then says how many it left out.
TEST(MalformedRequestsTest, LogsOncePerMemberPerInterval) {
  prometheus::Registry registry;
  server::MalformedRequests malformed(registry, nullptr, absl::Milliseconds(500));
  const std::string method = "/lienthong.v1.DossierService/GetDossier";
  ::testing::internal::CaptureStderr();
  for (int i = 0; i < 3; ++i) malformed.Account(method, nullptr);
  absl::SleepFor(absl::Milliseconds(600));
  malformed.Account(method, nullptr);
  const std::string log = ::testing::internal::GetCapturedStderr();
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(log, '\n')) {
    if (absl::StrContains(line, "\"malformed request\"")) lines.emplace_back(line);
  }
  ASSERT_EQ(lines.size(), 2u) << log;
  EXPECT_TRUE(absl::StrContains(lines[0], "\"not_logged_since_last\":0")) << lines[0];
  EXPECT_TRUE(absl::StrContains(lines[1], "\"not_logged_since_last\":2")) << lines[1];
  EXPECT_TRUE(absl::StrContains(lines[1], "\"expected_type\":\"lienthong.v1.GetDossierRequest\""))
      << lines[1];
}

TEST_F(MalformedRequestTest, EveryMethodRefusesBytesThatDoNotParse) {
  std::mt19937 random(14);
  const auto methods = AllMethods();
  ASSERT_GE(methods.size(), 20u);
  int calls = 0;
  ::testing::internal::CaptureStderr();
  for (const MethodDescriptor* method : methods) {
    ExpectRefused(method, RandomBytes(method->input_type(), &random), "random bytes");
    ExpectRefused(method, TruncatedBytes(method->input_type()), "truncated message");
    calls += 2;
  }
  const std::string log = ::testing::internal::GetCapturedStderr();

  // One member, well within a minute: one warning line, however many calls.
  size_t warnings = 0;
  for (absl::string_view line : absl::StrSplit(log, '\n')) {
    if (absl::StrContains(line, "\"malformed request\"")) ++warnings;
  }
  EXPECT_EQ(warnings, 1u) << log;
  // Nor a line per request from protobuf (strings that are not UTF-8 make it log one per parse).
  EXPECT_FALSE(absl::StrContains(log, "invalid UTF-8")) << log;

  const std::string metrics = Scrape();
  const std::string submit = "/lienthong.v1.DossierService/SubmitDossier";
  EXPECT_EQ(test::PrometheusSample(
                metrics, absl::StrCat("lienthong_rpc_malformed_requests_total{method=\"", submit,
                                      "\"}")),
            "2")
      << metrics;
  EXPECT_EQ(test::PrometheusSample(metrics,
                                   "lienthong_rpc_errors_total{code=\"INVALID_ARGUMENT\","
                                   "method=\"/lienthong.v1.ChangeFeedService/Subscribe\"}"),
            "2")
      << metrics;
  EXPECT_FALSE(absl::StrContains(metrics, "code=\"UNIMPLEMENTED\"")) << metrics;

  // Each refusal is an exchange: the member, the method, INVALID_ARGUMENT.
  ASSERT_OK_AND_ASSIGN(auto entries,
                       test::AwaitExchangeLog(*app_->store(), static_cast<size_t>(calls)));
  int refusals_of_submit = 0;
  for (const auto& entry : entries) {
    EXPECT_EQ(entry.member, test::kOneStopMember);
    EXPECT_EQ(entry.status_code, static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
    if (entry.method == submit) ++refusals_of_submit;
  }
  EXPECT_EQ(entries.size(), static_cast<size_t>(calls));
  EXPECT_EQ(refusals_of_submit, 2);
  EXPECT_OK(test::VerifyExchangeLogChain(*app_->store()));
}

// A message of another type is refused when its bytes are not a valid encoding of the expected
// type. Protobuf's wire format is lenient (unknown fields are kept, every type accepts the empty
// message): the bytes of another type that do parse are a request of the expected type, and the
// service answers it (the lienthong services PERMISSION_DENIED, as the policy lists no member),
// never UNIMPLEMENTED.
TEST_F(MalformedRequestTest, AMessageOfAnotherTypeIsRefusedWhenItDoesNotParse) {
  const auto methods = AllMethods();
  int refused = 0;
  for (const MethodDescriptor* method : methods) {
    const MethodDescriptor* parsing_other = nullptr;
    bool sent = false;
    for (const MethodDescriptor* other : methods) {
      if (other->input_type() == method->input_type()) continue;
      const std::string bytes = FilledBytes(other->input_type());
      if (Parses(method->input_type(), bytes)) {
        if (parsing_other == nullptr) parsing_other = other;
        continue;
      }
      ExpectRefused(method, bytes, absl::StrCat("a ", other->input_type()->full_name()));
      ++refused;
      sent = true;
      break;
    }
    std::vector<std::string> valid_encodings = {""};
    if (!sent && parsing_other != nullptr) {
      valid_encodings.push_back(FilledBytes(parsing_other->input_type()));
    }
    for (const std::string& bytes : valid_encodings) {
      const grpc::Status answer = CallWithBytes(channel_, MethodPath(method), bytes);
      EXPECT_NE(answer.error_code(), grpc::StatusCode::UNIMPLEMENTED) << MethodPath(method);
      EXPECT_FALSE(server::MalformedRequests::IsRefusal(answer))
          << MethodPath(method) << ": " << answer.error_message();
    }
  }
  // Most request types have a string field where another type has a sub-message, or the reverse.
  EXPECT_GE(refused, static_cast<int>(methods.size()) / 2);
}

TEST_F(MalformedRequestTest, OversizedRequestsStayResourceExhaustedNamingTheLimit) {
  const std::string bytes(kMaxRequestBytes + 1000, 'x');
  for (const char* method : {"/lienthong.v1.DossierService/SubmitDossier",
                             "/lienthong.v1.ChangeFeedService/Subscribe"}) {
    const grpc::Status status = CallWithBytes(channel_, method, bytes);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
        << method << ": " << status.error_message();
    EXPECT_TRUE(absl::StrContains(status.error_message(), absl::StrCat(kMaxRequestBytes)))
        << method << ": " << status.error_message();
  }
}

}  // namespace
}  // namespace lienthong
