// The PostgreSQL schema, one migration per version (lienthong_meta.schema_version counts them).
// Times are bigint unix microseconds and flags integers, as in the SQLite schema, so that rows
// read the same from both engines.
#pragma once

#include "services/store/postgres/postgres_kpi_counts.h"

namespace lienthong::store::postgres {

// kPgMigrations[i] takes the schema from version i to version i + 1.
inline constexpr const char* kPgMigrations[] = {
    // Version 1.
    R"sql(
CREATE TABLE dossiers (
  code text PRIMARY KEY,
  receiving_agency text NOT NULL,
  handling_agency text NOT NULL,
  procedure_code text NOT NULL,
  status integer NOT NULL,
  channel integer NOT NULL,
  result_delivery integer NOT NULL,
  paid_online integer NOT NULL,
  digitised integer NOT NULL,
  received_at bigint NOT NULL,
  due_at bigint,
  finished_at bigint,
  version bigint NOT NULL,
  created_seq bigint NOT NULL,
  request_digest bytea NOT NULL,
  payload bytea NOT NULL,
  last_seq bigint NOT NULL               -- change_events.seq of its newest change
);
CREATE INDEX dossiers_by_received ON dossiers(received_at, code);
CREATE INDEX dossiers_by_finished ON dossiers(finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX dossiers_in_process_by_due ON dossiers(due_at) WHERE status IN (2, 4);

CREATE TABLE records (
  type integer NOT NULL,
  key text NOT NULL,
  agency text NOT NULL,
  school_code text NOT NULL,
  secondary_key text NOT NULL,
  version bigint NOT NULL,
  last_seq bigint NOT NULL,
  payload bytea NOT NULL,
  PRIMARY KEY (type, key)
);
CREATE INDEX records_by_secondary_key ON records(type, secondary_key) WHERE secondary_key <> '';

-- seq is the cursor: ((xid - xid_base) << 20) | index in the transaction (postgres_store.h).
CREATE TABLE change_events (
  seq bigint PRIMARY KEY,
  event_id text NOT NULL,
  record_type integer NOT NULL,
  record_key text NOT NULL,
  operation integer NOT NULL,
  version bigint NOT NULL,
  commit_time bigint NOT NULL,
  origin_member text NOT NULL,
  agency text NOT NULL,
  payload bytea NOT NULL
);
CREATE INDEX change_events_by_record ON change_events(record_type, record_key, seq);

CREATE TABLE requests (
  member text NOT NULL,
  request_id text NOT NULL,
  request_digest bytea NOT NULL,
  response bytea NOT NULL,
  PRIMARY KEY (member, request_id)
);

CREATE TABLE exchange_log (
  seq bigint PRIMARY KEY,
  time bigint NOT NULL,
  member text NOT NULL,
  method text NOT NULL,
  request_digest bytea NOT NULL,
  status integer NOT NULL,
  request_bytes bigint NOT NULL,
  response_bytes bigint NOT NULL,
  records text NOT NULL,
  prev_hash bytea NOT NULL,
  hash bytea NOT NULL
);
-- The chain's head (its row lock serializes the chain across replicas) and anchor.
CREATE TABLE exchange_log_head (
  id integer PRIMARY KEY CHECK (id = 1),
  seq bigint NOT NULL,
  hash bytea NOT NULL,
  anchor_seq bigint NOT NULL DEFAULT 0,
  anchor_hash bytea
);
INSERT INTO exchange_log_head (id, seq, hash) VALUES (1, 0, '\x0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE subscriptions (
  member text NOT NULL,
  name text NOT NULL,
  acked_seq bigint NOT NULL,
  acked_at bigint NOT NULL,
  created_at bigint NOT NULL,
  PRIMARY KEY (member, name)
);

CREATE TABLE adapter_checkpoints (
  adapter text PRIMARY KEY,
  seq bigint NOT NULL,
  updated_at bigint NOT NULL
);

CREATE TABLE dead_letters (
  id bigserial PRIMARY KEY,
  adapter text NOT NULL,
  seq bigint NOT NULL,
  event_id text NOT NULL,
  attempts integer NOT NULL,
  last_error text NOT NULL,
  dead_lettered_at bigint NOT NULL,
  payload bytea NOT NULL,
  resolved_at bigint
);
CREATE INDEX dead_letters_open ON dead_letters(adapter, id) WHERE resolved_at IS NULL;

-- Work one replica at a time does (leases.h); expires_at by the database's clock.
CREATE TABLE leases (
  name text PRIMARY KEY,
  holder text NOT NULL,
  token bigint NOT NULL,
  expires_at timestamptz NOT NULL
);
)sql",
    // Version 2: exchange-log entries record the response's digest, the end user and the
    // correlation id, and the hash format each entry was written with (store/exchange_log_reads.h):
    // the entries already there keep format 1 and verify as before.
    R"sql(
ALTER TABLE exchange_log ADD COLUMN hash_format integer NOT NULL DEFAULT 1;
ALTER TABLE exchange_log ADD COLUMN response_digest bytea NOT NULL DEFAULT '\x';
ALTER TABLE exchange_log ADD COLUMN end_user text NOT NULL DEFAULT '';
ALTER TABLE exchange_log ADD COLUMN correlation_id text NOT NULL DEFAULT '';
)sql",
    // Version 3: KPI counts kept with the dossiers (store/kpi_counts.h): dossiers.kpi_flags,
    // kpi_counts, kpi_keys (filled by version 4).
    kPgKpiCountsMigration,
    // Version 4: the electronic-exchange counters; kpi_flags and the counts computed again from
    // every dossier by BackfillPgKpiCounts in the same transaction.
    kPgKpiCountsRebuildMigration,
    // Version 5: RFC 3161 timestamp tokens of the exchange log's head
    // (store/exchange_log_timestamps.h).
    R"sql(
CREATE TABLE exchange_log_timestamps (
  id bigserial PRIMARY KEY,
  seq bigint NOT NULL,
  head_hash bytea NOT NULL,
  gen_time bigint NOT NULL,
  token bytea NOT NULL,
  tsa_url text NOT NULL
);
CREATE INDEX exchange_log_timestamps_by_seq ON exchange_log_timestamps(seq, id);
)sql",
    // Version 6: the dossiers in process (2 or 4) in listing order, so that ListDossiers with
    // due_before (the console's overdue page) walks them alone instead of every dossier by
    // received_at. It replaces dossiers_in_process_by_due, whose column leads
    // dossiers_in_process_kpi.
    R"sql(
DROP INDEX dossiers_in_process_by_due;
CREATE INDEX dossiers_in_process_by_received ON dossiers(received_at, code)
  INCLUDE (due_at, receiving_agency, handling_agency, procedure_code, channel)
  WHERE status IN (2, 4);
)sql",
};

inline constexpr int kPgMigrationCount = sizeof(kPgMigrations) / sizeof(kPgMigrations[0]);

}  // namespace lienthong::store::postgres
