// The sector-database schema the postgres adapter writes (schools, students, diplomas, dossiers
// and their processing steps, keyed by natural keys, plus the applied-event table), and how a
// change event becomes rows of it. The benchmark's plain-insert baseline uses the same rows.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "services/common/postgres/pg_connection.h"
#include "lienthong/v1/change_event.pb.h"

namespace lienthong::adapters::postgres {

using ::lienthong::pg::PgConnection;
using ::lienthong::pg::PgParam;
using ::lienthong::pg::PgResult;
using ::lienthong::pg::PgTextArray;
using ::lienthong::pg::ReadPasswordFile;

enum SectorTableId { kSchools, kStudents, kDiplomas, kDossiers, kDossierSteps, kSectorTableCount };

struct SectorColumn {
  const char* name;
  const char* type;  // SQL type; every parameter is cast to it
};

struct SectorTable {
  const char* name;
  std::vector<SectorColumn> columns;
  // The natural key (a prefix of `columns`).
  std::vector<const char*> key;
  // True when rows carry the record's version: an upsert never moves a row back to an older one.
  bool versioned;
};

// One row, a value per column in text form (nullopt is NULL).
using SectorRow = std::vector<PgParam>;
using SectorRows = std::array<std::vector<SectorRow>, kSectorTableCount>;

const SectorTable& SectorTableOf(SectorTableId id);

// CREATE SCHEMA/TABLE IF NOT EXISTS statements for `schema` (an identifier checked by the
// factory), applied on first use.
std::string SectorSchemaDdl(const std::string& schema);

// Appends the rows `event` writes. INVALID_ARGUMENT when the event carries no record.
absl::Status AppendSectorRows(const v1::ChangeEvent& event, SectorRows* rows);

// INSERT of `row_count` rows; with `upsert`, ON CONFLICT on the natural key updates the row
// (only forward in version) or, for unversioned tables, leaves it. Parameters are row-major.
std::string SectorInsertSql(const std::string& schema, SectorTableId table, size_t row_count,
                            bool upsert);

// Rows per statement so that a statement stays under PostgreSQL's 65535 parameters.
size_t MaxRowsPerStatement(SectorTableId table);

}  // namespace lienthong::adapters::postgres
