// ChangeRow -> ChangeEvent.
#include "services/store/change_event.h"

#include "absl/strings/str_cat.h"

namespace lienthong::store {

absl::Status ToChangeEvent(const ChangeRow& row, v1::ChangeEvent* event) {
  event->set_cursor(EncodeCursor(row.cursor));
  event->set_event_id(row.event_id);
  event->mutable_key()->set_type(row.type);
  event->mutable_key()->set_key(row.key);
  event->set_operation(row.operation);
  event->set_version(row.version);
  const int64_t micros = absl::ToUnixMicros(row.commit_time);
  event->mutable_commit_time()->set_seconds(micros / 1000000);
  event->mutable_commit_time()->set_nanos(static_cast<int32_t>(micros % 1000000 * 1000));
  event->set_origin_member(row.origin_member);
  event->set_agency_code(row.agency);
  const bool parsed = row.type == v1::RECORD_TYPE_DOSSIER
                          ? event->mutable_dossier()->ParseFromString(row.payload)
                          : event->mutable_education_record()->ParseFromString(row.payload);
  if (!parsed) {
    return absl::DataLossError(
        absl::StrCat("stored change ", EncodeCursor(row.cursor), " does not parse"));
  }
  return absl::OkStatus();
}

}  // namespace lienthong::store
