// How a dossier reaches the agency (channel) and how far its procedure is served online.
#pragma once

#include <optional>

namespace lienthong::domain {

// Channel codes (kênh thực hiện) used when syncing with the national public-service portal.
enum class Channel {
  kInPerson = 1,  // At the one-stop desk.
  kOnline = 2,
  kPostal = 3,  // Public postal service (bưu chính công ích).
};

std::optional<Channel> ChannelFromCode(int code);

// Online-service level of a procedure; Decree 42/2022/NĐ-CP renamed levels 3 and 4 "một phần"
// (partial) and "toàn trình" (end-to-end).
enum class OnlineLevel {
  kInformationOnly = 2,
  kPartial = 3,
  kEndToEnd = 4,
};

std::optional<OnlineLevel> OnlineLevelFromCode(int code);

}  // namespace lienthong::domain
