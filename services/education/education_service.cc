// EducationRecordService handlers.
#include "services/education/education_service.h"

#include "absl/time/clock.h"
#include "services/common/rpc_status.h"
#include "services/exchange/unary_call.h"
#include "services/validation/record_validation.h"

namespace lienthong::education {
namespace {

constexpr char kUpsert[] = "/lienthong.v1.EducationRecordService/UpsertRecords";
constexpr char kGet[] = "/lienthong.v1.EducationRecordService/GetRecord";
constexpr char kList[] = "/lienthong.v1.EducationRecordService/ListRecords";
constexpr char kVerify[] = "/lienthong.v1.EducationRecordService/VerifyDiploma";

validation::ValidationContext ContextOf(const exchange::GatewayContext& gateway) {
  validation::ValidationContext context;
  context.now = absl::Now();
  context.max_page_size = gateway.max_page_size;
  context.max_upsert_batch = gateway.max_upsert_batch;
  return context;
}

}  // namespace

grpc::ServerUnaryReactor* EducationRecordServiceImpl::UpsertRecords(
    grpc::CallbackServerContext* context, const v1::UpsertRecordsRequest* request,
    v1::UpsertRecordsResponse* response) {
  return exchange::ServeWrite(
      *gateway_, context, kUpsert, *request,
      [&](const exchange::ExchangeCall&) {
        FieldViolations violations;
        validation::ValidateUpsertRecords(*request, ContextOf(*gateway_), &violations);
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
                             [&](const exchange::ExchangeCall&) {
                               FieldViolations violations;
                               validation::ValidateGetRecord(*request, &violations);
                               if (!violations.empty()) return violations.ToStatus();
                               return records_->Get(request->key(), response);
                             });
}

grpc::ServerUnaryReactor* EducationRecordServiceImpl::ListRecords(
    grpc::CallbackServerContext* context, const v1::ListRecordsRequest* request,
    v1::ListRecordsResponse* response) {
  return exchange::ServeRead(*gateway_, context, kList, *request, response,
                             [&](const exchange::ExchangeCall&) {
                               FieldViolations violations;
                               validation::ValidateListRecords(*request, ContextOf(*gateway_),
                                                               &violations);
                               if (!violations.empty()) return violations.ToStatus();
                               return records_->List(*request, response);
                             });
}

grpc::ServerUnaryReactor* EducationRecordServiceImpl::VerifyDiploma(
    grpc::CallbackServerContext* context, const v1::VerifyDiplomaRequest* request,
    v1::VerifyDiplomaResponse* response) {
  return exchange::ServeRead(*gateway_, context, kVerify, *request, response,
                             [&](const exchange::ExchangeCall&) {
                               FieldViolations violations;
                               validation::ValidateVerifyDiploma(*request, &violations);
                               if (!violations.empty()) return violations.ToStatus();
                               return records_->VerifyDiploma(*request, response);
                             });
}

}  // namespace lienthong::education
