// RecordRegister: the education records behind EducationRecordService (Circular 42/2021/
// TT-BGDĐT: identifiers issued once, unique, immutable). Batch upserts all or nothing, with a
// change event per changed record; reads, snapshot pages at a cursor, diploma verification.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"

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

// Keepers of the diploma registers of abolished issuers: former issuer's agency code -> the
// keeper's (district education offices were abolished on 1 July 2025 and their registers are
// kept by the Department; docs/domain.md). From config diploma_register_keepers.
using DiplomaRegisterKeepers = absl::flat_hash_map<std::string, std::string>;

class RecordRegister {
 public:
  explicit RecordRegister(const exchange::GatewayContext* gateway,
                          DiplomaRegisterKeepers keepers = {})
      : gateway_(gateway), keepers_(std::move(keepers)) {}

  using Done = absl::AnyInvocable<void(absl::Status)>;

  // All records or none; `request` and `response` must stay alive until `done`.
  void Upsert(exchange::ExchangeCall call, const v1::UpsertRecordsRequest& request,
              v1::UpsertRecordsResponse* response, Done done);

  absl::Status Get(const v1::RecordKey& key, v1::EducationRecord* out);
  absl::Status List(const v1::ListRecordsRequest& request, v1::ListRecordsResponse* out);
  // A diploma given by issuer and register number is also found under the other codes of its
  // register (IssuerCodesOf): a diploma of an abolished district office is found by its old
  // code when the keeper holds it, and by the keeper's code when it was stored under the old one.
  absl::Status VerifyDiploma(const v1::VerifyDiplomaRequest& request,
                             v1::VerifyDiplomaResponse* out);

  // `issuer` first, then its keeper (when it is a former issuer), then the former issuers it
  // keeps, in code order.
  std::vector<std::string> IssuerCodesOf(const std::string& issuer) const;

 private:
  // The stored diploma "<issuer>/<register number>" under any of IssuerCodesOf(issuer); nullopt
  // when none.
  absl::StatusOr<std::optional<store::RecordRow>> FindDiploma(const std::string& issuer,
                                                              const std::string& register_number);

  const exchange::GatewayContext* gateway_;
  const DiplomaRegisterKeepers keepers_;
};

}  // namespace lienthong::education
