// Valid sample requests with realistic Vietnamese data, for tests to break one field at a time.
#pragma once

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"
#include "lienthong/v1/dossier_service.pb.h"
#include "lienthong/v1/education_record_service.pb.h"
#include "services/common/rpc_status.h"
#include "services/validation/validation_context.h"

namespace lienthong::validation::samples {

// Vietnam local time (UTC+7) as an absl::Time and as a protobuf Timestamp.
absl::Time VietnamTime(int year, int month, int day, int hour, int minute);
google::protobuf::Timestamp ToTimestamp(absl::Time time);
google::protobuf::Timestamp VietnamTimestamp(int year, int month, int day, int hour, int minute);

// The gateway's clock in every sample: Thursday 20 Nov 2025, 10:00 in Hà Nội.
absl::Time Now();
ValidationContext Context();

// The field paths of the violations, in the order they were reported.
std::vector<std::string> ViolatedFields(const FieldViolations& violations);

// A dossier for upper-secondary admission (3.000181), submitted online the evening before and
// received by 000.00.15.H26 at 08:30 on 20 Nov 2025, code 000.00.15.H26-251120-0001. The
// applicant is Nguyễn Thị Hương, personal ID 001188012345 (Hà Nội, female, born 1988), with an
// authorised representative.
v1::SubmitDossierRequest SubmitDossierRequest();

// Moves that dossier to SUPPLEMENT_REQUESTED at 09:45 with a supplement request.
v1::UpdateDossierStatusRequest UpdateDossierStatusRequest();
v1::ListDossiersRequest ListDossiersRequest();
v1::GetDossierStatsRequest GetDossierStatsRequest();

// Trường THPT chuyên Hạ Long, managed by 000.00.21.H49.
v1::EducationRecord SchoolRecord();
// Lê Minh Khôi, born 5 Sep 2010 (personal ID 031210000123: Hải Phòng, male, 2010).
v1::EducationRecord StudentRecord();
// Upper-secondary diploma of Phạm Thị Lan, born 20 Feb 2007 (personal ID 022307001234:
// Quảng Ninh, female, 2007), graduated 2025, with one correction and one issue of copies.
v1::EducationRecord DiplomaRecord();
// The three records above, in that order.
v1::UpsertRecordsRequest UpsertRecordsRequest();
// What a one-stop clerk presents to verify that diploma: its numbers and some holder details.
v1::VerifyDiplomaRequest VerifyDiplomaRequest();

}  // namespace lienthong::validation::samples
