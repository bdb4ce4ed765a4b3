// Education-record reads: one record by key, snapshot listings, lookups by secondary key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lienthong/v1/common.pb.h"
#include "services/store/change_cursor.h"

namespace lienthong::store {

// An education record as stored.
struct RecordRow {
  v1::RecordType type = v1::RECORD_TYPE_UNSPECIFIED;
  std::string key;          // natural key (see v1.RecordKey)
  std::string agency;       // managing / issuing agency; empty for students
  std::string school_code;  // students: their school; schools: their own code
  // Secondary key, unique per type when not empty: a diploma's serial number (số hiệu), a
  // student's personal ID number.
  std::string secondary_key;
  int64_t version = 0;
  ChangeCursor last_change;  // cursor of the change that wrote this version
  std::string payload;       // serialized lienthong.v1.EducationRecord
  // Set by ListRecords on a record read back from the change log as it was at the query's
  // cursor: agency and school_code above are the newest version's, and the query's agency and
  // school_code filters were NOT applied to it; the caller filters it by its payload.
  bool from_change_log = false;
};

struct RecordQuery {
  v1::RecordType type = v1::RECORD_TYPE_UNSPECIFIED;
  std::string agency;
  std::string school_code;
  std::string after_key;  // keyset pagination
  // The snapshot: records as they were at this cursor (the newest state when unset). Records
  // changed after it come back as they were then, marked from_change_log and not filtered by
  // agency or school_code (see RecordRow::from_change_log).
  std::optional<ChangeCursor> at;
  int limit = 100;
};

class RecordReads {
 public:
  virtual ~RecordReads() = default;
  virtual absl::StatusOr<std::optional<RecordRow>> GetRecord(v1::RecordType type,
                                                             const std::string& key) = 0;
  // In key order.
  virtual absl::StatusOr<std::vector<RecordRow>> ListRecords(const RecordQuery& query) = 0;
  virtual absl::StatusOr<std::vector<std::string>> FindKeysBySecondaryKey(
      v1::RecordType type, const std::string& value) = 0;
};

}  // namespace lienthong::store
