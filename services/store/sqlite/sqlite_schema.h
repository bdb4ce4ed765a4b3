// The SQLite schema, one migration per version (PRAGMA user_version counts them).
#pragma once

#include "services/store/sqlite/sqlite_kpi_counts.h"

namespace lienthong::store::sqlite {

// kMigrations[i] takes the database from version i to version i + 1.
inline constexpr const char* kMigrations[] = {
    // Version 1: dossiers, education records, the change log, request ids, the exchange log.
    R"sql(
CREATE TABLE dossiers (
  id INTEGER PRIMARY KEY,
  code TEXT NOT NULL UNIQUE,
  receiving_agency TEXT NOT NULL,
  handling_agency TEXT NOT NULL,
  procedure_code TEXT NOT NULL,
  status INTEGER NOT NULL,
  channel INTEGER NOT NULL,
  result_delivery INTEGER NOT NULL,
  paid_online INTEGER NOT NULL,
  digitised INTEGER NOT NULL,
  received_at INTEGER NOT NULL,          -- unix microseconds
  due_at INTEGER,
  finished_at INTEGER,
  version INTEGER NOT NULL,
  created_seq INTEGER NOT NULL,          -- change_events.seq of its creation
  request_digest BLOB NOT NULL,          -- SHA-256 of the dossier as submitted
  payload BLOB NOT NULL                  -- serialized lienthong.v1.Dossier
);
CREATE INDEX dossiers_by_received ON dossiers(received_at, code);
CREATE INDEX dossiers_by_finished ON dossiers(finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX dossiers_in_process_by_due ON dossiers(due_at) WHERE status IN (2, 4);

CREATE TABLE records (
  type INTEGER NOT NULL,                 -- lienthong.v1.RecordType
  key TEXT NOT NULL,
  agency TEXT NOT NULL,
  school_code TEXT NOT NULL,
  secondary_key TEXT NOT NULL,          -- diploma serial / student personal ID
  version INTEGER NOT NULL,
  last_seq INTEGER NOT NULL,             -- change_events.seq of this version
  payload BLOB NOT NULL,                 -- serialized lienthong.v1.EducationRecord
  PRIMARY KEY (type, key)
);
CREATE INDEX records_by_secondary_key ON records(type, secondary_key) WHERE secondary_key != '';

-- seq is the cursor: AUTOINCREMENT so that a number is never reused, even after pruning.
CREATE TABLE change_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id TEXT NOT NULL,
  record_type INTEGER NOT NULL,
  record_key TEXT NOT NULL,
  operation INTEGER NOT NULL,
  version INTEGER NOT NULL,
  commit_time INTEGER NOT NULL,
  origin_member TEXT NOT NULL,
  agency TEXT NOT NULL,
  payload BLOB NOT NULL
);
CREATE INDEX change_events_by_record ON change_events(record_type, record_key, seq);

CREATE TABLE requests (
  member TEXT NOT NULL,
  request_id TEXT NOT NULL,
  request_digest BLOB NOT NULL,
  response BLOB NOT NULL,
  PRIMARY KEY (member, request_id)
);

CREATE TABLE exchange_log (
  seq INTEGER PRIMARY KEY,
  time INTEGER NOT NULL,
  member TEXT NOT NULL,
  method TEXT NOT NULL,
  request_digest BLOB NOT NULL,
  status INTEGER NOT NULL,
  request_bytes INTEGER NOT NULL,
  response_bytes INTEGER NOT NULL,
  records TEXT NOT NULL,                 -- "<type>:<key>" lines
  prev_hash BLOB NOT NULL,
  hash BLOB NOT NULL
);
-- The chain's head, kept apart from the entries so that cutting the tail is detected; and the
-- anchor: the last pruned entry's seq and hash, so the retained chain still verifies.
CREATE TABLE exchange_log_head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq INTEGER NOT NULL,
  hash BLOB NOT NULL,
  anchor_seq INTEGER NOT NULL DEFAULT 0,
  anchor_hash BLOB
);

-- Durable change-feed subscriptions (ChangeFeedService.Ack).
CREATE TABLE subscriptions (
  member TEXT NOT NULL,
  name TEXT NOT NULL,
  acked_seq INTEGER NOT NULL,
  acked_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (member, name)
);

-- Sync-engine checkpoints, one per adapter instance.
CREATE TABLE adapter_checkpoints (
  adapter TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

-- Changes an adapter could not apply after its attempts (docs/architecture.md, guarantee 7).
CREATE TABLE dead_letters (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  adapter TEXT NOT NULL,
  seq INTEGER NOT NULL,
  event_id TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  last_error TEXT NOT NULL,
  dead_lettered_at INTEGER NOT NULL,
  payload BLOB NOT NULL,                 -- serialized lienthong.v1.ChangeEvent
  resolved_at INTEGER                    -- set when a replay applied it
);
CREATE INDEX dead_letters_open ON dead_letters(adapter, id) WHERE resolved_at IS NULL;
)sql",
    // Version 2: a dossier's CREATE event may keep an empty payload, meaning "the dossier row's
    // payload" until the dossier first changes (then the store copies it into the event). No
    // table changes; the version tells an older lienthongd, which would not know, to refuse it.
    R"sql(
SELECT 1;
)sql",
    // Version 3: exchange-log entries record the response's digest, the end user and the
    // correlation id, and the hash format each entry was written with (store/exchange_log_reads.h):
    // the entries already there keep format 1 and verify as before.
    R"sql(
ALTER TABLE exchange_log ADD COLUMN hash_format INTEGER NOT NULL DEFAULT 1;
ALTER TABLE exchange_log ADD COLUMN response_digest BLOB NOT NULL DEFAULT X'';
ALTER TABLE exchange_log ADD COLUMN end_user TEXT NOT NULL DEFAULT '';
ALTER TABLE exchange_log ADD COLUMN correlation_id TEXT NOT NULL DEFAULT '';
)sql",
    // Version 4: KPI counts kept with the dossiers (store/kpi_counts.h): dossiers.kpi_flags,
    // kpi_counts, kpi_keys (filled by version 5).
    kKpiCountsMigration,
    // Version 5: the electronic-exchange counters; kpi_flags and the counts computed again from
    // every dossier by BackfillKpiCounts in the same transaction.
    kKpiCountsRebuildMigration,
    // Version 6: RFC 3161 timestamp tokens of the exchange log's head
    // (store/exchange_log_timestamps.h).
    R"sql(
CREATE TABLE exchange_log_timestamps (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  seq INTEGER NOT NULL,                  -- the entry stamped (the head then)
  head_hash BLOB NOT NULL,               -- its hash
  gen_time INTEGER NOT NULL,             -- the TSA's time, unix microseconds
  token BLOB NOT NULL,                   -- DER TimeStampToken
  tsa_url TEXT NOT NULL
);
CREATE INDEX exchange_log_timestamps_by_seq ON exchange_log_timestamps(seq, id);
)sql",
    // Version 7: the dossiers in process (2 or 4) in listing order, with every column a listing
    // filters on, so that ListDossiers with due_before (the console's overdue page) picks a page
    // from this index alone instead of walking every dossier by received_at. It replaces
    // dossiers_in_process_by_due, whose column leads dossiers_in_process_kpi.
    R"sql(
DROP INDEX dossiers_in_process_by_due;
CREATE INDEX dossiers_in_process_by_received ON dossiers(received_at, code, due_at, status,
  receiving_agency, handling_agency, procedure_code, channel) WHERE status IN (2, 4);
)sql",
};

inline constexpr int kMigrationCount = sizeof(kMigrations) / sizeof(kMigrations[0]);

}  // namespace lienthong::store::sqlite
