// EmbeddedMessageBytes: a field's digest taken from the request's serialization must equal the
// digest of the field serialized alone (stored dossier digests depend on it), and bad input
// must be refused, not misread.
#include "services/exchange/exchange_call.h"

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "lienthong/v1/dossier_service.pb.h"
#include "services/store/exchange_log.h"
#include "tests/support/sample_dossiers.h"

namespace lienthong::exchange {
namespace {

v1::SubmitDossierRequest SampleRequest(uint64_t index) {
  v1::SubmitDossierRequest request;
  *request.mutable_dossier() = demo::MakeSampleDossier(index, absl::Now());
  request.set_request_id("req-" + std::to_string(index));
  return request;
}

TEST(EmbeddedMessageBytesTest, DigestEqualsTheFieldsOwnDigest) {
  for (uint64_t index : {0u, 1u, 77u, 4095u}) {
    const v1::SubmitDossierRequest request = SampleRequest(index);
    const std::string wire = DeterministicBytes(request);
    auto dossier = EmbeddedMessageBytes(wire, v1::SubmitDossierRequest::kDossierFieldNumber);
    ASSERT_TRUE(dossier.ok()) << dossier.status();
    EXPECT_EQ(store::Sha256(*dossier), MessageDigest(request.dossier())) << "index " << index;
    EXPECT_EQ(*dossier, DeterministicBytes(request.dossier()));
  }
}

TEST(EmbeddedMessageBytesTest, StringFieldsAndAbsentFields) {
  v1::SubmitDossierRequest request;
  request.set_request_id("only-an-id");
  const std::string wire = DeterministicBytes(request);
  auto id = EmbeddedMessageBytes(wire, v1::SubmitDossierRequest::kRequestIdFieldNumber);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, "only-an-id");
  auto dossier = EmbeddedMessageBytes(wire, v1::SubmitDossierRequest::kDossierFieldNumber);
  ASSERT_TRUE(dossier.ok());
  EXPECT_TRUE(dossier->empty());
  EXPECT_EQ(store::Sha256(*dossier), MessageDigest(v1::Dossier()));
}

TEST(EmbeddedMessageBytesTest, MalformedBytesAreRefused) {
  const std::string wire = DeterministicBytes(SampleRequest(5));
  // Cut inside the dossier field: its declared length runs past the end.
  auto cut = EmbeddedMessageBytes(wire.substr(0, wire.size() / 2),
                                  v1::SubmitDossierRequest::kDossierFieldNumber);
  EXPECT_EQ(cut.status().code(), absl::StatusCode::kInvalidArgument);
  // A zero tag is never valid.
  auto zero = EmbeddedMessageBytes(std::string("\0\0", 2), 1);
  EXPECT_EQ(zero.status().code(), absl::StatusCode::kInvalidArgument);
  // Empty input is an empty message.
  auto empty = EmbeddedMessageBytes("", 1);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

}  // namespace
}  // namespace lienthong::exchange
