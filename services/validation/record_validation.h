// Domain validation of EducationRecordService requests: schools, students and diplomas.
//
// Rules from Circular 42/2021/TT-BGDĐT (education database) and Circular 21/2019/TT-BGDĐT
// (diplomas). Like dossier_validation.h: every problem becomes one field violation with the
// client's field path ("records[3].diploma.holder.date_of_birth") and a description of the
// expected form that never quotes personal data; pure, and free of allocation on a good request
// (except one buffer for the duplicate-key check of an upsert batch of more than 16 records).
#pragma once

#include "absl/strings/string_view.h"
#include "lienthong/v1/education.pb.h"
#include "lienthong/v1/education_record_service.pb.h"
#include "services/common/rpc_status.h"
#include "services/validation/validation_context.h"

namespace lienthong::validation {

// The first year a diploma can carry: the Democratic Republic of Vietnam's own education
// system dates from 1945.
inline constexpr int kEarliestGraduationYear = 1945;

// The amended Education Law (passed 10 December 2025, in force 1 January 2026; secondary sources,
// docs/domain.md): from graduation year 2026 there is no lower-secondary (THCS) diploma
// (completion is confirmed in the school record), a certificate of completing the general
// education programme is given to upper-secondary pupils who did not sit or did not pass the
// graduation exam, and the upper-secondary diploma is issued by the school's principal.
inline constexpr int kEducationLaw2025FirstYear = 2026;

// True for the types a school issues from kEducationLaw2025FirstYear: the upper-secondary
// diploma and the certificate of completion (the certificate's issuer is unconfirmed, so a
// school code is accepted beside an agency code).
bool IssuedBySchoolFrom2026(v1::DiplomaType type);

// Whether `issuer` may issue a diploma of `type` and year: an agency code always; the school's
// code (an opaque identifier) for IssuedBySchoolFrom2026 types from kEducationLaw2025FirstYear.
bool IsDiplomaIssuer(v1::DiplomaType type, int graduation_year, absl::string_view issuer);

// An issuer code of any diploma: an agency code or a school code (for lookups by key).
bool IsAnyDiplomaIssuer(absl::string_view issuer);

// One record as written by a sector system: exactly one of school, student or diploma, and the
// gateway-set fields (version, updated_by, updated_at) empty. `path_prefix` is the record's own
// path ("records[3]"), empty at the top of a message.
void ValidateEducationRecord(const v1::EducationRecord& record, absl::string_view path_prefix,
                             const ValidationContext& context, FieldViolations* violations);

// 1 to context.max_upsert_batch records, each valid, no record key twice in the batch.
void ValidateUpsertRecords(const v1::UpsertRecordsRequest& request,
                           const ValidationContext& context, FieldViolations* violations);

void ValidateGetRecord(const v1::GetRecordRequest& request, FieldViolations* violations);

void ValidateListRecords(const v1::ListRecordsRequest& request, const ValidationContext& context,
                         FieldViolations* violations);

// A serial number, or a register number with its issuing agency; presented holder details must
// have the right form (whether they match is the verification's answer, not a violation).
void ValidateVerifyDiploma(const v1::VerifyDiplomaRequest& request, FieldViolations* violations);

}  // namespace lienthong::validation
