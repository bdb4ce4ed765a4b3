// Tests of the channel and online-level wire codes.
#include "services/domain/channel.h"

#include "gtest/gtest.h"

namespace lienthong::domain {
namespace {

TEST(Channel, CodesOneToThree) {
  EXPECT_EQ(ChannelFromCode(1), Channel::kInPerson);
  EXPECT_EQ(ChannelFromCode(2), Channel::kOnline);
  EXPECT_EQ(ChannelFromCode(3), Channel::kPostal);
  EXPECT_EQ(ChannelFromCode(0), std::nullopt);
  EXPECT_EQ(ChannelFromCode(4), std::nullopt);
}

TEST(OnlineLevel, CodesTwoToFour) {
  EXPECT_EQ(OnlineLevelFromCode(2), OnlineLevel::kInformationOnly);
  EXPECT_EQ(OnlineLevelFromCode(3), OnlineLevel::kPartial);
  EXPECT_EQ(OnlineLevelFromCode(4), OnlineLevel::kEndToEnd);
  EXPECT_EQ(OnlineLevelFromCode(1), std::nullopt);
  EXPECT_EQ(OnlineLevelFromCode(5), std::nullopt);
}

}  // namespace
}  // namespace lienthong::domain
