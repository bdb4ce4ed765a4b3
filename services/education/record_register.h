// RecordRegister: the education records behind EducationRecordService (Circular 42/2021/
// TT-BGDĐT: identifiers issued once, unique, immutable). Batch upserts all or nothing, with a
// change event per changed record; reads, snapshot pages at a cursor, diploma verification.
#pragma once

#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "lienthong/v1/education_record_service.pb.h"
#include "services/exchange/exchange_call.h"
#include "services/store/store.h"

namespace lienthong::education {

// The natural key, agency, school and secondary key of a record, as the store indexes them.
struct RecordIndex {
  v1::RecordType type = v1::RECORD_TYPE_UNSPECIFIED;
  std::string key;
  std::string agency;
  std::string school_code;
  std::string secondary_key;
};
RecordIndex IndexOf(const v1::EducationRecord& record);

class RecordRegister {
 public:
  explicit RecordRegister(const exchange::GatewayContext* gateway) : gateway_(gateway) {}

  using Done = absl::AnyInvocable<void(absl::Status)>;

  // All records or none; `request` and `response` must stay alive until `done`.
  void Upsert(exchange::ExchangeCall call, const v1::UpsertRecordsRequest& request,
              v1::UpsertRecordsResponse* response, Done done);

  absl::Status Get(const v1::RecordKey& key, v1::EducationRecord* out);
  absl::Status List(const v1::ListRecordsRequest& request, v1::ListRecordsResponse* out);
  absl::Status VerifyDiploma(const v1::VerifyDiplomaRequest& request,
                             v1::VerifyDiplomaResponse* out);

 private:
  const exchange::GatewayContext* gateway_;
};

}  // namespace lienthong::education
