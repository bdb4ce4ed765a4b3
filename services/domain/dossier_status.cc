// The dossier status table: names, labels and the allowed-move matrix.
#include "services/domain/dossier_status.h"

#include <array>
#include <cstdint>
#include <initializer_list>

#include "absl/strings/str_cat.h"
#include "services/common/status_macros.h"

namespace lienthong::domain {
namespace {

constexpr int kFirstCode = 1;
constexpr int kLastCode = 10;

struct StatusInfo {
  absl::string_view name;
  absl::string_view label_vi;
  // Bit c set: the move to status code c is allowed.
  std::uint16_t allowed_to;
};

constexpr std::uint16_t Codes(std::initializer_list<int> codes) {
  std::uint16_t bits = 0;
  for (int code : codes) bits = static_cast<std::uint16_t>(bits | (1u << code));
  return bits;
}

// Indexed by status code; entry 0 stands for any value outside 1..10. This is the one
// transition table (docs/domain.md holds its TransitionTableMarkdown() rendering).
constexpr std::array<StatusInfo, kLastCode + 1> kStatusTable = {{
    {"unknown", "Không xác định", 0},
    {"newly_registered", "Mới đăng ký", Codes({2, 3, 5, 7})},
    {"accepted", "Đã tiếp nhận", Codes({4, 5, 6, 7, 8, 9})},
    {"refused_at_intake", "Từ chối tiếp nhận", 0},
    {"in_process", "Đang xử lý", Codes({5, 6, 7, 8, 9})},
    {"supplement_requested", "Yêu cầu bổ sung", Codes({2, 3, 4, 7, 8})},
    {"financial_obligation", "Yêu cầu thực hiện nghĩa vụ tài chính", Codes({4, 7, 8, 9})},
    {"withdrawn", "Công dân yêu cầu rút hồ sơ", 0},
    {"processing_stopped", "Dừng xử lý", 0},
    {"finished", "Đã xử lý xong", Codes({10})},
    {"result_returned", "Đã trả kết quả", 0},
}};

bool IsKnownCode(int code) { return code >= kFirstCode && code <= kLastCode; }

// A value cast from an unchecked integer must not index past the table.
const StatusInfo& Info(DossierStatus status) {
  const int code = static_cast<int>(status);
  return kStatusTable[static_cast<std::size_t>(IsKnownCode(code) ? code : 0)];
}

}  // namespace

std::optional<DossierStatus> DossierStatusFromCode(int code) {
  if (!IsKnownCode(code)) return std::nullopt;
  return static_cast<DossierStatus>(code);
}

bool IsAllowedTransition(DossierStatus from, DossierStatus to) {
  const int to_code = static_cast<int>(to);
  return IsKnownCode(to_code) && ((Info(from).allowed_to >> to_code) & 1u) != 0;
}

absl::Status CheckTransition(DossierStatus from, DossierStatus to) {
  if (IsAllowedTransition(from, to)) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("dossier status cannot move from ", static_cast<int>(from), " (",
                   StatusName(from), ") to ", static_cast<int>(to), " (", StatusName(to), ")"));
}

absl::Status CheckTransitionFrom(DossierStatus from, DossierStatus to,
                                 bool supplement_before_acceptance) {
  RETURN_IF_ERROR(CheckTransition(from, to));
  if (from != DossierStatus::kSupplementRequested) return absl::OkStatus();
  const bool to_intake_outcome =
      to == DossierStatus::kAccepted || to == DossierStatus::kRefusedAtIntake;
  if (supplement_before_acceptance && to == DossierStatus::kInProcess) {
    return absl::FailedPreconditionError(
        "dossier status cannot move from 5 (supplement_requested) to 4 (in_process): the "
        "supplement was asked for before acceptance, so the dossier is accepted (2) or refused "
        "at intake (3) first (Decree 118/2025/NĐ-CP)");
  }
  if (!supplement_before_acceptance && to_intake_outcome) {
    return absl::FailedPreconditionError(absl::StrCat(
        "dossier status cannot move from 5 (supplement_requested) to ", static_cast<int>(to),
        " (", StatusName(to),
        "): the dossier was accepted before the supplement was asked for; when the supplement "
        "arrives it moves to 4 (in_process)"));
  }
  return absl::OkStatus();
}

std::string TransitionTableMarkdown() {
  std::string out = "| from \\ to |";
  for (int to = kFirstCode; to <= kLastCode; ++to) absl::StrAppend(&out, " ", to, " |");
  out += "\n|---|";
  for (int to = kFirstCode; to <= kLastCode; ++to) out += "---|";
  out += "\n";
  for (int from = kFirstCode; from <= kLastCode; ++from) {
    const auto status = static_cast<DossierStatus>(from);
    absl::StrAppend(&out, "| ", from, " ", StatusName(status), " |");
    for (int to = kFirstCode; to <= kLastCode; ++to) {
      out += IsAllowedTransition(status, static_cast<DossierStatus>(to)) ? " x |" : "   |";
    }
    out += "\n";
  }
  return out;
}

bool IsTerminal(DossierStatus status) { return Info(status).allowed_to == 0; }

bool IsFinishedForKpi(DossierStatus status) {
  return status == DossierStatus::kWithdrawn || status == DossierStatus::kFinished ||
         status == DossierStatus::kResultReturned;
}

bool IsInProcessForKpi(DossierStatus status) {
  return status == DossierStatus::kAccepted || status == DossierStatus::kInProcess;
}

absl::string_view StatusName(DossierStatus status) { return Info(status).name; }

absl::string_view StatusLabelVi(DossierStatus status) { return Info(status).label_vi; }

bool MayGiveNewAppointment(int new_appointments_given) {
  return new_appointments_given < kDecree118MaxNewAppointments;
}

}  // namespace lienthong::domain
