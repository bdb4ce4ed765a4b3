// Domain validation of DossierService requests: every bad field is reported, none is fixed up.
//
// Each function adds one google.rpc.BadRequest field violation per problem it finds, with the
// field path as the client sees it ("dossier.applicant.id_number",
// "dossier.attachments[2].sha256") and an English description of the expected form that never
// quotes personal data. The functions are pure: the clock comes from the context, and a good
// request costs no allocation. Checks that need stored state (the status transition, the
// expected version, the one allowed extension) belong to the core, not here.
#pragma once

#include <cstddef>

#include "lienthong/v1/dossier_service.pb.h"
#include "services/common/rpc_status.h"
#include "services/validation/validation_context.h"

namespace lienthong::validation {

// Limits of one dossier's content.
inline constexpr std::size_t kMaxAttachments = 200;
inline constexpr int kMaxProcessingDays = 365;
inline constexpr std::size_t kMaxSummaryCodePoints = 2000;
// GetDossierStats covers at most this many years, the span of the longest KPI report.
inline constexpr int kMaxStatsPeriodYears = 5;

// A new dossier: all of docs/domain.md that can be judged from the dossier alone, including the
// dossier code (Circular 03/2025/TT-VPCP, as in Circular 01/2018 Art. 19) agreeing with the
// receipt day and agency, and gateway-set fields left empty.
void ValidateSubmitDossier(const v1::SubmitDossierRequest& request,
                           const ValidationContext& context, FieldViolations* violations);

void ValidateGetDossier(const v1::GetDossierRequest& request, FieldViolations* violations);

void ValidateListDossiers(const v1::ListDossiersRequest& request, const ValidationContext& context,
                          FieldViolations* violations);

// The shape of a status step only: whether the move is allowed from the stored status, the
// version matches and an extension is still allowed is for the core to decide.
void ValidateUpdateDossierStatus(const v1::UpdateDossierStatusRequest& request,
                                 const ValidationContext& context, FieldViolations* violations);

void ValidateGetDossierStats(const v1::GetDossierStatsRequest& request,
                             FieldViolations* violations);

}  // namespace lienthong::validation
