// ChangeRow -> ChangeEvent.
#include "services/store/change_event.h"

#include "absl/strings/str_cat.h"
#include "services/common/proto_time.h"

namespace lienthong::store {

absl::Status ToChangeEvent(const ChangeRow& row, v1::ChangeEvent* event) {
  event->set_cursor(EncodeCursor(row.cursor));
  event->set_event_id(row.event_id);
  event->mutable_key()->set_type(row.type);
  event->mutable_key()->set_key(row.key);
  event->set_operation(row.operation);
  event->set_version(row.version);
  ToProtoTimestamp(row.commit_time, event->mutable_commit_time());
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
