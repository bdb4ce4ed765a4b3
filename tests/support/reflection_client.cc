// Server reflection over a generic bidi call, its few fields coded by number.
// (grpc/reflection/v1alpha/reflection.proto: no generated client code is installed.)
#include "tests/support/reflection_client.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/unknown_field_set.h"
#include "grpcpp/completion_queue.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"
#include "services/common/rpc_status.h"

namespace lienthong::test {
namespace {

using google::protobuf::UnknownField;
using google::protobuf::UnknownFieldSet;

constexpr char kMethod[] = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";
// ServerReflectionRequest.list_services = 7 (string): tag (7 << 3 | 2), length 1, "*".
constexpr char kListServicesRequest[] = "\x3a\x01*";
// ServerReflectionResponse fields.
constexpr int kListServicesResponse =
    6;  // ListServiceResponse { repeated ServiceResponse service = 1 }
constexpr int kErrorResponse =
    7;  // ErrorResponse { int32 error_code = 1; string error_message = 2 }

// The length-delimited values (strings, submessages) of field `number` of `fields`.
std::vector<std::string> LengthDelimited(const UnknownFieldSet& fields, int number) {
  std::vector<std::string> values;
  for (int i = 0; i < fields.field_count(); ++i) {
    const UnknownField& field = fields.field(i);
    if (field.number() == number && field.type() == UnknownField::TYPE_LENGTH_DELIMITED) {
      values.push_back(field.length_delimited());
    }
  }
  return values;
}

// The length-delimited values of field `number` of the message `wire`; DATA_LOSS when `wire`
// does not parse.
absl::StatusOr<std::vector<std::string>> LengthDelimited(const std::string& wire, int number) {
  UnknownFieldSet fields;
  if (!fields.ParseFromString(wire)) return absl::DataLossError("unparsable reflection message");
  return LengthDelimited(fields, number);
}

// Waits for the operation tagged `tag`; false when it failed (the call is over).
bool Await(grpc::CompletionQueue& queue, intptr_t tag) {
  void* got = nullptr;
  bool ok = false;
  if (!queue.Next(&got, &ok)) return false;
  return ok && reinterpret_cast<intptr_t>(got) == tag;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ListServicesByReflection(
    const std::shared_ptr<grpc::Channel>& channel, absl::Duration timeout) {
  grpc::Slice request_slice(std::string(kListServicesRequest, sizeof(kListServicesRequest) - 1));
  grpc::ByteBuffer request_bytes(&request_slice, 1);
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  grpc::CompletionQueue queue;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call =
      stub.PrepareCall(&context, kMethod, &queue);
  // Each step runs only if the previous one worked; Finish always runs and gives the status.
  grpc::ByteBuffer response_bytes;
  call->StartCall(reinterpret_cast<void*>(1));
  bool ok = Await(queue, 1);
  if (ok) {
    call->Write(request_bytes, reinterpret_cast<void*>(2));
    ok = Await(queue, 2);
  }
  if (ok) {
    call->WritesDone(reinterpret_cast<void*>(3));
    ok = Await(queue, 3);
  }
  bool got_response = false;
  if (ok) {
    call->Read(&response_bytes, reinterpret_cast<void*>(4));
    got_response = Await(queue, 4);
  }
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  Await(queue, 5);
  queue.Shutdown();
  void* ignored_tag;
  bool ignored_ok;
  while (queue.Next(&ignored_tag, &ignored_ok)) {
  }
  if (!status.ok()) return FromGrpcStatus(status);
  if (!got_response) return absl::DataLossError("reflection call ended without a response");

  std::vector<grpc::Slice> slices;
  if (!response_bytes.Dump(&slices).ok()) return absl::DataLossError("unreadable response");
  std::string wire;
  for (const grpc::Slice& slice : slices) {
    wire.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  auto errors = LengthDelimited(wire, kErrorResponse);
  if (!errors.ok()) return errors.status();
  if (!errors->empty()) {
    auto message = LengthDelimited(errors->front(), 2);
    return absl::UnknownError(absl::StrCat(
        "reflection error: ", message.ok() && !message->empty() ? message->front() : ""));
  }
  auto lists = LengthDelimited(wire, kListServicesResponse);
  if (!lists.ok()) return lists.status();
  if (lists->empty()) return absl::DataLossError("reflection response has no service list");
  auto services = LengthDelimited(lists->front(), 1);
  if (!services.ok()) return services.status();
  std::vector<std::string> names;
  for (const std::string& service : *services) {
    auto name = LengthDelimited(service, 1);
    if (!name.ok() || name->size() != 1) return absl::DataLossError("service without a name");
    names.push_back(name->front());
  }
  return names;
}

}  // namespace lienthong::test
