// EducationRecordService handlers.
#include "services/education/education_service.h"

#include "services/common/rpc_status.h"
#include "services/common/status_macros.h"
#include "services/exchange/unary_call.h"
#include "services/exchange/validation_limits.h"
#include "services/validation/record_validation.h"

namespace lienthong::education {
namespace {

constexpr char kUpsert[] = "/lienthong.v1.EducationRecordService/UpsertRecords";
constexpr char kGet[] = "/lienthong.v1.EducationRecordService/GetRecord";
constexpr char kList[] = "/lienthong.v1.EducationRecordService/ListRecords";
constexpr char kVerify[] = "/lienthong.v1.EducationRecordService/VerifyDiploma";

}  // namespace

grpc::ServerUnaryReactor* EducationRecordServiceImpl::UpsertRecords(
    grpc::CallbackServerContext* context, const v1::UpsertRecordsRequest* request,
    v1::UpsertRecordsResponse* response) {
  return exchange::ServeWrite(
      *gateway_, context, kUpsert, *request,
      [&](const exchange::ExchangeCall& call) {
        // Every record type of the batch must be writable: all or nothing, like the batch.
        for (const v1::EducationRecord& record : request->records()) {
          const v1::RecordType type = IndexOf(record).type;
          if (type == v1::RECORD_TYPE_UNSPECIFIED) continue;  // validation names it below
          RETURN_IF_ERROR(call.policy->CheckWrite(call.member, type));
        }
        FieldViolations violations;
        validation::ValidateUpsertRecords(*request, exchange::ValidationContextOf(*gateway_),
                                          &violations);
        return violations.ToStatus();
      },
      [&](exchange::ExchangeCall call, exchange::WriteDone done) {
        records_->Upsert(std::move(call), *request, response, std::move(done));
      });
}

grpc::ServerUnaryReactor* EducationRecordServiceImpl::GetRecord(
    grpc::CallbackServerContext* context, const v1::GetRecordRequest* request,
    v1::EducationRecord* response) {
  return exchange::ServeRead(*gateway_, context, kGet, *request, response,
                             [&](const exchange::ExchangeCall& call) -> absl::Status {
                               FieldViolations violations;
                               validation::ValidateGetRecord(*request, &violations);
                               if (!violations.empty()) return violations.ToStatus();
                               RETURN_IF_ERROR(
                                   call.policy->CheckRead(call.member, request->key().type()));
                               if (!violations.empty()) return violations.ToStatus();
                               return records_->Get(request->key(), response);
                             });
}

grpc::ServerUnaryReactor* EducationRecordServiceImpl::ListRecords(
    grpc::CallbackServerContext* context, const v1::ListRecordsRequest* request,
    v1::ListRecordsResponse* response) {
  return exchange::ServeRead(*gateway_, context, kList, *request, response,
                             [&](const exchange::ExchangeCall& call) -> absl::Status {
                               FieldViolations violations;
                               validation::ValidateListRecords(
                                   *request, exchange::ValidationContextOf(*gateway_), &violations);
                               if (!violations.empty()) return violations.ToStatus();
                               RETURN_IF_ERROR(
                                   call.policy->CheckRead(call.member, request->type()));
                               if (!violations.empty()) return violations.ToStatus();
                               return records_->List(*request, response);
                             });
}

grpc::ServerUnaryReactor* EducationRecordServiceImpl::VerifyDiploma(
    grpc::CallbackServerContext* context, const v1::VerifyDiplomaRequest* request,
    v1::VerifyDiplomaResponse* response) {
  return exchange::ServeRead(*gateway_, context, kVerify, *request, response,
                             [&](const exchange::ExchangeCall& call) -> absl::Status {
                               // Verifying answers from the diploma register: a read of it.
                               RETURN_IF_ERROR(
                                   call.policy->CheckRead(call.member, v1::RECORD_TYPE_DIPLOMA));
                               FieldViolations violations;
                               validation::ValidateVerifyDiploma(*request, &violations);
                               if (!violations.empty()) return violations.ToStatus();
                               return records_->VerifyDiploma(*request, response);
                             });
}

}  // namespace lienthong::education
