#include "schema.hpp"

#include <string>

namespace tumen::controller::store {
namespace {

/// The tables every version has, as v1 created them (results excluded: see results_table).
constexpr const char* common_tables = R"sql(
CREATE TABLE IF NOT EXISTS agents(
  name TEXT PRIMARY KEY,
  last_seen INTEGER NOT NULL,
  results INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS hops(
  rid INTEGER NOT NULL,
  ttl INTEGER NOT NULL,
  addr TEXT,
  asn INTEGER,
  rtt_ms REAL,
  replies INTEGER NOT NULL,
  PRIMARY KEY(rid, ttl)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS verdicts(
  agent TEXT NOT NULL,
  target TEXT NOT NULL,
  path TEXT NOT NULL,
  since INTEGER NOT NULL,
  updated INTEGER NOT NULL,
  evidence TEXT NOT NULL,
  tracker TEXT NOT NULL,
  PRIMARY KEY(agent, target)
);
CREATE TABLE IF NOT EXISTS changes(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  agent TEXT NOT NULL,
  target TEXT NOT NULL,
  from_path TEXT NOT NULL,
  to_path TEXT NOT NULL,
  at INTEGER NOT NULL,
  evidence TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS changes_at ON changes(at);
)sql";

/// v2 results: an id is unique per agent (one agent cannot pre-empt another's id).
constexpr const char* results_v2 = R"sql(
CREATE TABLE results(
  rid INTEGER PRIMARY KEY,
  id TEXT NOT NULL,
  agent TEXT NOT NULL,
  kind TEXT NOT NULL,
  campaign TEXT NOT NULL,
  dst TEXT NOT NULL,
  timestamp INTEGER NOT NULL,
  received INTEGER NOT NULL,
  raw TEXT,
  UNIQUE(agent, id)
);
CREATE INDEX results_received ON results(received);
)sql";

/// v2: the history of assignments, (agent, campaign, target prefix) in force from `since`
/// until `until` (NULL: still in force).
constexpr const char* assignments_v2 = R"sql(
CREATE TABLE assignments(
  agent TEXT NOT NULL,
  campaign TEXT NOT NULL,
  target TEXT NOT NULL,
  since INTEGER NOT NULL,
  until INTEGER
);
CREATE INDEX assignments_agent ON assignments(agent, campaign);
)sql";

std::int64_t scalar_or_throw(database& db, const std::string& sql) {
    auto s = db.prepare_or_throw(sql);
    std::error_code ec;
    const bool row = s.step(ec);
    if (ec) {
        throw sqlite_error("cannot read the schema: " + db.last_message());
    }
    return row ? s.column_int(0) : 0;
}

bool table_exists(database& db, const std::string& name) {
    return scalar_or_throw(db,
                           "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '" +
                               name + "'") > 0;
}

/// Databases created before verdicts had `observed` (receipt time of the last observation)
/// get the column, 0 in existing rows (the verdict's `updated` stands in then).
void add_observed_column(database& db) {
    if (scalar_or_throw(db, "SELECT count(*) FROM pragma_table_info('verdicts') WHERE name = "
                            "'observed'") == 0) {
        db.exec_or_throw("ALTER TABLE verdicts ADD COLUMN observed INTEGER NOT NULL DEFAULT 0");
    }
}

/// v1 -> v2: the results table is rebuilt with UNIQUE(agent, id) (SQLite cannot drop a
/// column's UNIQUE constraint), keeping every rid so hops stay attached; the assignment
/// history starts empty.
void migrate_v1_to_v2(database& db) {
    db.exec_or_throw("ALTER TABLE results RENAME TO results_v1");
    db.exec_or_throw("DROP INDEX IF EXISTS results_received");
    db.exec_or_throw(results_v2);
    db.exec_or_throw("INSERT INTO results(rid, id, agent, kind, campaign, dst, timestamp, "
                     "received, raw) SELECT rid, id, agent, kind, campaign, dst, timestamp, "
                     "received, raw FROM results_v1");
    db.exec_or_throw("DROP TABLE results_v1");
    db.exec_or_throw(assignments_v2);
}

/// v2 -> v3: the page's read indexes (an agent's results by measurement time, the change
/// events of an (agent, target)), and each verdict's latency series (`latency`: what its
/// traces and pings measured, per path; empty in rows stored before v3). IF NOT EXISTS: v2
/// databases of the last v2 release already have the indexes (it created them at every open).
constexpr const char* migrate_v2_to_v3 = R"sql(
CREATE INDEX IF NOT EXISTS results_agent_time ON results(agent, timestamp);
CREATE INDEX IF NOT EXISTS changes_agent_target ON changes(agent, target);
ALTER TABLE verdicts ADD COLUMN latency TEXT NOT NULL DEFAULT '';
)sql";

} // namespace

void prepare_schema(database& db) {
    const auto version = scalar_or_throw(db, "PRAGMA user_version");
    if (version > schema_version) {
        throw sqlite_error("the database has schema version " + std::to_string(version) +
                           ", newer than this controller's " + std::to_string(schema_version));
    }
    if (version == schema_version) {
        return;
    }
    sqlite_transaction tx(db);
    if (tx.begin_error()) {
        throw sqlite_error("cannot start the schema transaction: " + db.last_message());
    }
    if (version < 2) {
        // Version 0 is either an empty database or one of v1, which did not set user_version.
        const bool v1 = version == 1 || table_exists(db, "results");
        db.exec_or_throw(common_tables);
        add_observed_column(db);
        if (v1) {
            migrate_v1_to_v2(db);
        } else {
            db.exec_or_throw(results_v2);
            db.exec_or_throw(assignments_v2);
        }
    }
    db.exec_or_throw(migrate_v2_to_v3);
    db.exec_or_throw("PRAGMA user_version = " + std::to_string(schema_version));
    if (tx.commit()) {
        throw sqlite_error("cannot commit the schema: " + db.last_message());
    }
}

} // namespace tumen::controller::store
