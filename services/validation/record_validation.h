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
