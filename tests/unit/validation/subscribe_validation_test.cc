// ChangeFeedService request validation: Subscribe and Ack requests, every bad field named.
#include "services/validation/subscribe_validation.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lienthong::validation {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> Fields(const FieldViolations& violations) {
  std::vector<std::string> fields;
  for (const auto& v : violations.proto().field_violations()) fields.push_back(v.field());
  return fields;
}

TEST(SubscribeValidation, AnEmptyRequestIsValidAndLeavesTheCursorAlone) {
  v1::SubscribeRequest request;
  store::ChangeCursor from{42};
  FieldViolations violations;
  ValidateSubscribe(request, &from, &violations);
  EXPECT_TRUE(violations.empty());
  EXPECT_EQ(from.seq, 42);
}

TEST(SubscribeValidation, AGoodRequestDecodesItsCursor) {
  v1::SubscribeRequest request;
  request.add_record_types(v1::RECORD_TYPE_DIPLOMA);
  request.add_agency_codes("000.00.31.H49");
  request.set_max_events_per_message(kMaxEventsPerMessage);
  request.set_subscription_name("so-gddt.diplomas-1");
  request.set_from_cursor(store::EncodeCursor(store::ChangeCursor{1234}));
  store::ChangeCursor from;
  FieldViolations violations;
  ValidateSubscribe(request, &from, &violations);
  EXPECT_TRUE(violations.empty()) << violations.ToStatus();
  EXPECT_EQ(from.seq, 1234);
}

TEST(SubscribeValidation, EveryBadFieldIsNamed) {
  v1::SubscribeRequest request;
  request.add_record_types(v1::RECORD_TYPE_DOSSIER);
  request.add_record_types(v1::RECORD_TYPE_UNSPECIFIED);
  request.add_record_types(static_cast<v1::RecordType>(99));
  request.add_agency_codes("not an agency");
  request.set_max_events_per_message(kMaxEventsPerMessage + 1);
  request.set_subscription_name("has space");
  request.set_from_cursor("not-a-cursor");
  store::ChangeCursor from{7};
  FieldViolations violations;
  ValidateSubscribe(request, &from, &violations);
  EXPECT_THAT(Fields(violations),
              ElementsAre("record_types[1]", "record_types[2]", "agency_codes[0]",
                          "max_events_per_message", "subscription_name", "from_cursor"));
  EXPECT_EQ(from.seq, 7);
}

TEST(SubscribeValidation, SubscriptionNames) {
  EXPECT_TRUE(IsSubscriptionName("a"));
  EXPECT_TRUE(IsSubscriptionName(std::string(64, 'z')));
  EXPECT_TRUE(IsSubscriptionName("A-b_c.9"));
  EXPECT_FALSE(IsSubscriptionName(""));
  EXPECT_FALSE(IsSubscriptionName(std::string(65, 'z')));
  EXPECT_FALSE(IsSubscriptionName("slash/no"));
}

TEST(AckValidation, NeedsANameAndACursor) {
  v1::AckRequest request;
  FieldViolations violations;
  ValidateAck(request, &violations);
  EXPECT_THAT(Fields(violations), ElementsAre("subscription_name", "cursor"));

  request.set_subscription_name("watch");
  request.set_cursor(store::EncodeCursor(store::ChangeCursor{1}));
  FieldViolations none;
  ValidateAck(request, &none);
  EXPECT_TRUE(none.empty());
}

}  // namespace
}  // namespace lienthong::validation
