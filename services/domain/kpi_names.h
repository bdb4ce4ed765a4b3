// The names of the rate indicators as config files and CSV exports spell them, with the
// Vietnamese terms reports use (docs/domain.md, "KPIs the one-stop reports"), in one place.
#pragma once

#include "absl/strings/string_view.h"

namespace lienthong::domain {

struct KpiRateName {
  absl::string_view name;   // config and CSV name, the DossierKpis field of the rate
  absl::string_view label;  // the regulatory term
};

inline constexpr KpiRateName kKpiRateNames[] = {
    {"online_rate", "Tỷ lệ hồ sơ tiếp nhận trực tuyến"},
    {"on_time_rate", "Tỷ lệ hồ sơ giải quyết đúng hạn"},
    {"postal_rate", "Tỷ lệ hồ sơ tiếp nhận, trả kết quả qua bưu chính công ích"},
    {"online_payment_rate", "Tỷ lệ thanh toán trực tuyến"},
    {"digitisation_rate", "Tỷ lệ số hóa hồ sơ"},
    {"electronic_result_rate", "Tỷ lệ cấp kết quả điện tử"},
    {"reused_data_rate", "Tỷ lệ tái sử dụng dữ liệu"},
    {"online_rate_of_offered",
     "Tỷ lệ hồ sơ trực tuyến của thủ tục có cung cấp dịch vụ công trực tuyến"},
    {"electronic_exchange_rate", "Tỷ lệ hồ sơ liên thông trao đổi điện tử"},
};

inline bool IsKpiRateName(absl::string_view name) {
  for (const KpiRateName& known : kKpiRateNames) {
    if (known.name == name) return true;
  }
  return false;
}

}  // namespace lienthong::domain
