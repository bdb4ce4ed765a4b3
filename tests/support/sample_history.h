// A year of one-stop work from sample dossiers: dossiers received in each of the last months,
// moved along as a one-stop system would have moved them (in process, finished early, on time
// or late, results returned, some still in process and overdue), so that the console's
// indicator charts show a real trend (the demo of the README's run command, the console's
// browser tests, docs/console/ screenshots).
#pragma once

#include <cstdint>
#include <vector>

#include "absl/time/time.h"
#include "lienthong/v1/dossier.pb.h"
#include "lienthong/v1/dossier_service.pb.h"

namespace lienthong::demo {

enum class SampleFate { kEarly, kOnTime, kLate, kStillInProcess };

struct SampleHistoryDossier {
  v1::Dossier dossier;  // to submit (MakeSampleDossier of its index, received in its month)
  SampleFate fate;
  bool result_returned;  // a finished one is also returned (status 10)
  // Handed to another agency (kSampleHandOffAgency) for processing (liên thông), and whether
  // that hand-off moved the paper dossier (the share on paper falls over the year).
  bool handed_to_other_agency = false;
  bool paper_transfer = false;
};

// The agency a quarter of the sample history's dossiers are handed to for processing.
inline constexpr char kSampleHandOffAgency[] = "000.00.15.H49";

// `per_month` dossiers received in each of the `months` calendar months (Vietnam time) ending
// with the month of `now` (in that month only days before today), indices from `base_index`.
// The share finished on time grows month by month, as a Department's reform would have it.
std::vector<SampleHistoryDossier> MakeSampleHistory(absl::Time now, int months, int per_month,
                                                    uint64_t base_index);

// The status moves that give `planned` its fate, once submitted (`stored`: the dossier as the
// gateway stored it, with its due time): to 4 two hours after receipt, then to 9 a day before
// the due time (early), 2 hours before it (on time) or two days after it (late), then to 10 an
// hour later. A move that would be after `now` is left out (the dossier stays where it is).
// expected_version is for the first move; each next one is the previous one's + 1.
std::vector<v1::UpdateDossierStatusRequest> SampleHistoryMoves(const SampleHistoryDossier& planned,
                                                              const v1::Dossier& stored,
                                                              absl::Time now);

}  // namespace lienthong::demo
