// The one mapping between absl::Status (inside the gateway) and grpc::Status (on the wire):
// codes carried unchanged, BadRequest and ErrorInfo packed into google.rpc.Status and back.
#include "services/common/rpc_status.h"

#include "absl/strings/cord.h"
#include "gmock/gmock.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"

namespace lienthong {
namespace {

using ::testing::HasSubstr;

TEST(RpcStatusTest, OkMapsToOkBothWays) {
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok());
}

TEST(RpcStatusTest, EveryCodeIsCarriedUnchangedWithItsMessage) {
  for (int code = 1; code <= 16; ++code) {
    const absl::Status status(static_cast<absl::StatusCode>(code), "why");
    const grpc::Status wire = ToGrpcStatus(status);
    EXPECT_EQ(static_cast<int>(wire.error_code()), code);
    EXPECT_EQ(wire.error_message(), "why");
    EXPECT_TRUE(wire.error_details().empty()) << "no payload, no details trailer";
    const absl::Status back = FromGrpcStatus(wire);
    EXPECT_EQ(back.code(), status.code());
    EXPECT_EQ(back.message(), "why");
  }
}

TEST(RpcStatusTest, FieldViolationsNameEveryFieldAndTravelAsBadRequest) {
  FieldViolations violations;
  EXPECT_TRUE(violations.empty());
  EXPECT_TRUE(violations.ToStatus().ok());
  violations.Add("dossier.code", "must be <agency>-<YYMMDD>-<sequence>");
  violations.Add("applicant.id_number", "must be 12 digits");
  EXPECT_EQ(violations.size(), 2);

  const absl::Status status = violations.ToStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("dossier.code: must be"));
  EXPECT_THAT(status.message(), HasSubstr("; applicant.id_number: must be 12 digits"));

  const grpc::Status wire = ToGrpcStatus(status);
  EXPECT_EQ(wire.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(wire.error_details()));
  EXPECT_EQ(details.code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_EQ(details.message(), wire.error_message());
  ASSERT_EQ(details.details_size(), 1);
  EXPECT_EQ(details.details(0).type_url(), kBadRequestTypeUrl);
  google::rpc::BadRequest on_wire;
  ASSERT_TRUE(on_wire.ParseFromString(details.details(0).value()));
  ASSERT_EQ(on_wire.field_violations_size(), 2);
  EXPECT_EQ(on_wire.field_violations(1).field(), "applicant.id_number");

  google::rpc::BadRequest back;
  ASSERT_TRUE(GetBadRequest(FromGrpcStatus(wire), &back));
  EXPECT_EQ(back.SerializeAsString(), violations.proto().SerializeAsString());
}

TEST(RpcStatusTest, ErrorInfoCarriesReasonDomainAndMetadataBothWays) {
  const absl::Status status =
      WithErrorInfo(absl::OutOfRangeError("cursor expired"), "CURSOR_EXPIRED",
                    {{"oldest_cursor", "1.2a"}});
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(GetErrorInfo(status, &info));
  EXPECT_EQ(info.reason(), "CURSOR_EXPIRED");
  EXPECT_EQ(info.domain(), kErrorDomain);
  EXPECT_EQ(info.metadata().at("oldest_cursor"), "1.2a");

  const absl::Status back = FromGrpcStatus(ToGrpcStatus(status));
  EXPECT_EQ(back.code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(back.message(), "cursor expired");
  google::rpc::ErrorInfo info_back;
  ASSERT_TRUE(GetErrorInfo(back, &info_back));
  EXPECT_EQ(info_back.SerializeAsString(), info.SerializeAsString());
  google::rpc::BadRequest none;
  EXPECT_FALSE(GetBadRequest(back, &none));
}

TEST(RpcStatusTest, BothDetailsTravelTogether) {
  FieldViolations violations;
  violations.Add("page_token", "not a token this gateway issued");
  const absl::Status status = WithErrorInfo(violations.ToStatus(), "BAD_PAGE_TOKEN");
  const absl::Status back = FromGrpcStatus(ToGrpcStatus(status));
  google::rpc::BadRequest bad_request;
  google::rpc::ErrorInfo info;
  EXPECT_TRUE(GetBadRequest(back, &bad_request));
  EXPECT_TRUE(GetErrorInfo(back, &info));
  EXPECT_EQ(info.reason(), "BAD_PAGE_TOKEN");
}

TEST(RpcStatusTest, UndecodableDetailsAreIgnoredNotFatal) {
  const grpc::Status wire(grpc::StatusCode::UNAVAILABLE, "down", "\xff\xff not a proto");
  const absl::Status back = FromGrpcStatus(wire);
  EXPECT_EQ(back.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(back.message(), "down");
  google::rpc::ErrorInfo info;
  EXPECT_FALSE(GetErrorInfo(back, &info));
}

TEST(RpcStatusTest, APayloadThatDoesNotParseIsReportedAbsent) {
  absl::Status status = absl::InvalidArgumentError("x");
  status.SetPayload(kBadRequestTypeUrl, absl::Cord("\xff\xff\xff"));
  google::rpc::BadRequest out;
  EXPECT_FALSE(GetBadRequest(status, &out));
}

}  // namespace
}  // namespace lienthong
