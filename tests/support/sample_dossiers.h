// Deterministic, realistic and valid sample dossiers and education records (demo, load tests).
//
// Every function is a pure function of its index: the same index always gives the same record,
// and distinct indices give distinct keys (dossier codes, school codes, student identifiers,
// diploma serial and register numbers). The records follow docs/domain.md: Vietnamese
// names with diacritics, personal identification numbers agreeing with date of birth and sex
// (Decree 137/2015/NĐ-CP Art. 13), QCVN 102:2016 agency codes and Circular 01/2018 dossier
// codes. Agency codes are examples in Quảng Ninh (H49), like the development config.
#pragma once

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "lienthong/v1/dossier.pb.h"
#include "lienthong/v1/education.pb.h"

namespace lienthong::demo {

// Room for distinct dossier codes on one receipt day: a 4-digit daily sequence (Circular
// 01/2018 Art. 19) per receiving agency "000.ZZ.NN.H49", for 100 values of NN and of ZZ.
inline constexpr uint64_t kSampleSequencesPerAgency = 9999;
inline constexpr uint64_t kSampleAgenciesPerDay = 100 * 100;
inline constexpr uint64_t kSampleDossiersPerDay = kSampleSequencesPerAgency * kSampleAgenciesPerDay;

// The receipt time of sample dossier `index` when the caller asks for `received_at`: the same
// time, moved one day earlier for every further kSampleDossiersPerDay indices, so that codes stay
// distinct for every index.
absl::Time SampleReceivedAt(uint64_t index, absl::Time received_at);

// A new dossier (status ACCEPTED) of one of the Department of Education's procedures, received
// at SampleReceivedAt(index, received_at), with its code "<receiving agency>-<YYMMDD>-<seq>"
// dated in Vietnam's local time (UTC+7). due_at and the gateway-set fields (history, version,
// submitted_by, updated_at) are left empty, as a client submits it.
v1::Dossier MakeSampleDossier(uint64_t index, absl::Time received_at);

// Gives `dossier` (any sample) the identity of sample `index` without rebuilding it: code,
// receiving and handling agency, and receipt time, the other timestamps moving with it. A load
// generator reuses a few thousand generated bodies this way, each submission a new dossier.
void AssignSampleDossierIdentity(uint64_t index, absl::Time received_at, v1::Dossier* dossier);

// A school (active) with code "22" followed by at least 6 digits of `index`.
v1::EducationRecord MakeSampleSchool(uint64_t index);

// A pupil of `school_code` in school year 2025-2026, born 2008 to 2019, class matching the age.
v1::EducationRecord MakeSampleStudent(uint64_t index, absl::string_view school_code);

// A lower or upper secondary graduation diploma (status ISSUED) issued by "000.00.31.H49",
// graduation year 2020 to 2025, with serial and register numbers unique per index.
v1::EducationRecord MakeSampleDiploma(uint64_t index);

// The issuing agency of sample diplomas (the example Department of Education and Training).
inline constexpr absl::string_view kSampleDiplomaIssuer = "000.00.31.H49";

}  // namespace lienthong::demo
