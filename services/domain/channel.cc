// Wire-code conversions for Channel and OnlineLevel.
#include "services/domain/channel.h"

namespace lienthong::domain {

std::optional<Channel> ChannelFromCode(int code) {
  if (code < static_cast<int>(Channel::kInPerson) || code > static_cast<int>(Channel::kPostal)) {
    return std::nullopt;
  }
  return static_cast<Channel>(code);
}

std::optional<OnlineLevel> OnlineLevelFromCode(int code) {
  if (code < static_cast<int>(OnlineLevel::kInformationOnly) ||
      code > static_cast<int>(OnlineLevel::kEndToEnd)) {
    return std::nullopt;
  }
  return static_cast<OnlineLevel>(code);
}

}  // namespace lienthong::domain
