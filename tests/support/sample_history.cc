// A year of sample one-stop work.
#include "tests/support/sample_history.h"

#include "absl/time/civil_time.h"
#include "services/common/proto_time.h"
#include "tests/support/sample_dossiers.h"

namespace lienthong::demo {
namespace {

absl::TimeZone Vietnam() { return absl::FixedTimeZone(7 * 3600); }

}  // namespace

std::vector<SampleHistoryDossier> MakeSampleHistory(absl::Time now, int months, int per_month,
                                                    uint64_t base_index) {
  std::vector<SampleHistoryDossier> history;
  const absl::CivilDay today = absl::ToCivilDay(now, Vietnam());
  const absl::CivilMonth this_month(today);
  uint64_t index = base_index;
  for (int m = 0; m < months; ++m) {
    const absl::CivilMonth month = this_month - (months - 1 - m);
    const int days_in_month = static_cast<int>(absl::CivilDay(month + 1) - absl::CivilDay(month));
    for (int i = 0; i < per_month; ++i, ++index) {
      // Working hours of a weekday-ish spread of days; in the current month only before today.
      int day = 1 + (i * 7) % days_in_month;
      if (month == this_month) {
        const int days_so_far = static_cast<int>(today - absl::CivilDay(month));
        if (days_so_far == 0) break;
        day = 1 + (i * 7) % days_so_far;
      }
      const absl::CivilSecond at(month.year(), month.month(), day, 8 + (i % 8), (i * 13) % 60, 0);
      SampleHistoryDossier planned;
      planned.dossier = MakeSampleDossier(index, absl::FromCivil(at, Vietnam()));
      // On-time share from about 70 % a year ago to about 95 % now; 1 in 12 still in process.
      const int late_per_100 = 30 - (25 * m) / std::max(1, months - 1);
      const int draw = static_cast<int>((index * 37) % 100);
      if (i % 12 == 11) {
        planned.fate = SampleFate::kStillInProcess;
      } else if (draw < late_per_100) {
        planned.fate = SampleFate::kLate;
      } else if (draw % 3 == 0) {
        planned.fate = SampleFate::kEarly;
      } else {
        planned.fate = SampleFate::kOnTime;
      }
      planned.result_returned = i % 2 == 0;
      // A quarter go to another agency; on paper about 40 % of those a year ago, none now.
      planned.handed_to_other_agency = i % 4 == 1;
      const int paper_per_100 = 40 - (40 * m) / std::max(1, months - 1);
      planned.paper_transfer =
          planned.handed_to_other_agency && static_cast<int>((index * 53) % 100) < paper_per_100;
      history.push_back(std::move(planned));
    }
  }
  return history;
}

std::vector<v1::UpdateDossierStatusRequest> SampleHistoryMoves(const SampleHistoryDossier& planned,
                                                              const v1::Dossier& stored,
                                                              absl::Time now) {
  std::vector<v1::UpdateDossierStatusRequest> moves;
  const absl::Time received = FromProtoTimestamp(stored.received_at());
  const absl::Time due = FromProtoTimestamp(stored.due_at());
  auto move = [&](v1::DossierStatus to, absl::Time at, const char* content) {
    if (at >= now) return false;
    v1::UpdateDossierStatusRequest request;
    request.set_code(stored.code());
    request.set_expected_version(stored.version() + static_cast<int64_t>(moves.size()));
    request.set_new_status(to);
    request.set_from_unit(stored.receiving_agency_code());
    request.set_to_unit(stored.handling_agency_code());
    // The hand-off to the other agency (unless the dossier's own agency is that one).
    if (moves.empty() && planned.handed_to_other_agency &&
        stored.receiving_agency_code() != kSampleHandOffAgency) {
      request.set_to_unit(kSampleHandOffAgency);
      request.set_paper_transfer(planned.paper_transfer);
    }
    request.set_handler("Nguyễn Thị Lan (chuyên viên)");
    request.set_content(content);
    ToProtoTimestamp(at, request.mutable_at());
    moves.push_back(std::move(request));
    return true;
  };
  if (!move(v1::DOSSIER_STATUS_IN_PROCESS, received + absl::Hours(2), "Chuyển phòng chuyên môn xử lý")) {
    return moves;
  }
  absl::Time finished;
  switch (planned.fate) {
    case SampleFate::kStillInProcess: return moves;
    case SampleFate::kEarly: finished = due - absl::Hours(24); break;
    case SampleFate::kOnTime: finished = due - absl::Hours(2); break;
    case SampleFate::kLate: finished = due + absl::Hours(48); break;
  }
  if (finished <= received + absl::Hours(3)) finished = received + absl::Hours(3);
  if (!move(v1::DOSSIER_STATUS_FINISHED, finished, "Đã có kết quả giải quyết")) return moves;
  if (planned.result_returned) {
    move(v1::DOSSIER_STATUS_RESULT_RETURNED, finished + absl::Hours(1), "Đã trả kết quả cho công dân");
  }
  return moves;
}

}  // namespace lienthong::demo
