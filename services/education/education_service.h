// EducationRecordService over gRPC: checks requests and hands the work to the RecordRegister.
#pragma once

#include "lienthong/v1/education_record_service.grpc.pb.h"
#include "services/education/record_register.h"
#include "services/exchange/exchange_call.h"

namespace lienthong::education {

class EducationRecordServiceImpl final : public v1::EducationRecordService::CallbackService {
 public:
  EducationRecordServiceImpl(const exchange::GatewayContext* gateway, RecordRegister* records)
      : gateway_(gateway), records_(records) {}

  grpc::ServerUnaryReactor* UpsertRecords(grpc::CallbackServerContext* context,
                                          const v1::UpsertRecordsRequest* request,
                                          v1::UpsertRecordsResponse* response) override;
  grpc::ServerUnaryReactor* GetRecord(grpc::CallbackServerContext* context,
                                      const v1::GetRecordRequest* request,
                                      v1::EducationRecord* response) override;
  grpc::ServerUnaryReactor* ListRecords(grpc::CallbackServerContext* context,
                                        const v1::ListRecordsRequest* request,
                                        v1::ListRecordsResponse* response) override;
  grpc::ServerUnaryReactor* VerifyDiploma(grpc::CallbackServerContext* context,
                                          const v1::VerifyDiplomaRequest* request,
                                          v1::VerifyDiplomaResponse* response) override;

 private:
  const exchange::GatewayContext* gateway_;
  RecordRegister* records_;
};

}  // namespace lienthong::education
