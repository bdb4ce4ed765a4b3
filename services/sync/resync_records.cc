// ListResyncKeys and ResyncEventOf over the store's dossier and record reads.
#include "services/sync/resync_records.h"

#include "absl/strings/str_cat.h"
#include "adapters/adapter.h"
#include "lienthong/v1/education.pb.h"
#include "services/common/proto_time.h"
#include "services/common/record_type_names.h"
#include "services/common/status_macros.h"
#include "services/store/change_event.h"

namespace lienthong::sync {
namespace {

constexpr int kPage = 500;

bool TakesAgency(const ResyncScope& scope, const std::string& agency) {
  return scope.agencies.empty() || agency.empty() || scope.agencies.count(agency) > 0;
}

absl::Status AddDossiers(store::Store* store, const ResyncScope& scope,
                         std::vector<ResyncKey>* keys) {
  store::DossierQuery query;
  query.received_from = scope.from;
  query.received_to = scope.to;
  query.limit = kPage;
  for (;;) {
    ASSIGN_OR_RETURN(auto page, store->ListDossiers(query));
    for (const store::DossierRow& row : page) {
      if (TakesAgency(scope, row.receiving_agency)) {
        keys->push_back({v1::RECORD_TYPE_DOSSIER, row.code});
      }
    }
    if (static_cast<int>(page.size()) < kPage) return absl::OkStatus();
    query.after = std::make_pair(page.back().received_at, page.back().code);
  }
}

absl::Status AddRecords(store::Store* store, const ResyncScope& scope, v1::RecordType type,
                        std::vector<ResyncKey>* keys) {
  store::RecordQuery query;
  query.type = type;
  query.limit = kPage;
  for (;;) {
    ASSIGN_OR_RETURN(auto page, store->ListRecords(query));
    for (const store::RecordRow& row : page) {
      if (!TakesAgency(scope, row.agency)) continue;
      v1::EducationRecord record;
      if (!record.ParseFromString(row.payload)) {
        return absl::DataLossError(absl::StrCat("stored record ", row.key, " does not parse"));
      }
      const absl::Time changed = FromProtoTimestamp(record.updated_at());
      if (changed >= scope.from && changed < scope.to) keys->push_back({type, row.key});
    }
    if (static_cast<int>(page.size()) < kPage) return absl::OkStatus();
    query.after_key = page.back().key;
  }
}

}  // namespace

absl::StatusOr<std::vector<ResyncKey>> ListResyncKeys(store::Store* store,
                                                      const ResyncScope& scope) {
  std::vector<ResyncKey> keys;
  for (v1::RecordType type : scope.types) {
    if (type == v1::RECORD_TYPE_DOSSIER) {
      RETURN_IF_ERROR(AddDossiers(store, scope, &keys));
    } else {
      RETURN_IF_ERROR(AddRecords(store, scope, type, &keys));
    }
  }
  return keys;
}

absl::StatusOr<v1::ChangeEvent> ResyncEventOf(store::Store* store, const ResyncKey& key,
                                              const std::string& run_id) {
  store::ChangeRow row;
  row.type = key.type;
  row.key = key.key;
  row.operation = v1::OPERATION_UPDATE;
  row.commit_time = absl::Now();
  row.origin_member = "lienthongd";
  row.event_id = absl::StrCat(adapters::kResyncEventIdPrefix, run_id, ":",
                              RecordTypeName(key.type), ":", key.key);
  if (key.type == v1::RECORD_TYPE_DOSSIER) {
    ASSIGN_OR_RETURN(auto dossier, store->GetDossier(key.key));
    if (!dossier.has_value()) return absl::NotFoundError(absl::StrCat("no dossier ", key.key));
    row.version = dossier->version;
    row.agency = dossier->receiving_agency;
    row.payload = std::move(dossier->payload);
  } else {
    ASSIGN_OR_RETURN(auto record, store->GetRecord(key.type, key.key));
    if (!record.has_value()) return absl::NotFoundError(absl::StrCat("no record ", key.key));
    row.version = record->version;
    row.agency = record->agency;
    row.payload = std::move(record->payload);
  }
  v1::ChangeEvent event;
  RETURN_IF_ERROR(store::ToChangeEvent(row, &event));
  event.clear_cursor();  // not a position in the change log
  return event;
}

}  // namespace lienthong::sync
