#include "pg_schema.hpp"

#include <pqxx/transaction>
#include <string>

#include <tumen/controller/store/store.hpp>

namespace tumen::controller::store {
namespace {

/// One migration: the SQL that brings a database of version `version - 1` (or an empty one,
/// for the first) to `version`.
struct migration {
    int version;
    const char* sql;
};

/// v2: the tables of SQLite's v2 schema in PostgreSQL types (the v2 release also created
/// v3's two indexes here).
constexpr const char* create_v2 = R"sql(
CREATE TABLE agents(
  name TEXT PRIMARY KEY,
  last_seen BIGINT NOT NULL,
  results BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE results(
  rid BIGSERIAL PRIMARY KEY,
  id TEXT NOT NULL,
  agent TEXT NOT NULL,
  kind TEXT NOT NULL,
  campaign TEXT NOT NULL,
  dst TEXT NOT NULL,
  timestamp BIGINT NOT NULL,
  received BIGINT NOT NULL,
  raw TEXT,
  UNIQUE(agent, id)
);
CREATE INDEX results_received ON results(received);
CREATE TABLE hops(
  rid BIGINT NOT NULL,
  ttl INTEGER NOT NULL,
  addr TEXT,
  asn BIGINT,
  rtt_ms DOUBLE PRECISION,
  replies INTEGER NOT NULL,
  PRIMARY KEY(rid, ttl)
);
CREATE TABLE verdicts(
  agent TEXT NOT NULL,
  target TEXT NOT NULL,
  path TEXT NOT NULL,
  since BIGINT NOT NULL,
  updated BIGINT NOT NULL,
  evidence TEXT NOT NULL,
  tracker TEXT NOT NULL,
  observed BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY(agent, target)
);
CREATE TABLE changes(
  seq BIGSERIAL PRIMARY KEY,
  agent TEXT NOT NULL,
  target TEXT NOT NULL,
  from_path TEXT NOT NULL,
  to_path TEXT NOT NULL,
  at BIGINT NOT NULL,
  evidence TEXT NOT NULL
);
CREATE INDEX changes_at ON changes(at);
CREATE TABLE assignments(
  agent TEXT NOT NULL,
  campaign TEXT NOT NULL,
  target TEXT NOT NULL,
  since BIGINT NOT NULL,
  until BIGINT
);
CREATE INDEX assignments_agent ON assignments(agent, campaign);
)sql";

/// v2 -> v3: the page's read indexes (an agent's results by measurement time, the change
/// events of an (agent, target)) and each verdict's latency series (as in SQLite's v3).
/// IF NOT EXISTS: the v2 release created the indexes with its tables.
constexpr const char* migrate_v3 = R"sql(
CREATE INDEX IF NOT EXISTS results_agent_time ON results(agent, timestamp);
CREATE INDEX IF NOT EXISTS changes_agent_target ON changes(agent, target);
ALTER TABLE verdicts ADD COLUMN latency TEXT NOT NULL DEFAULT '';
)sql";

/// Every migration, oldest first; the last one's version is pg_schema_version.
constexpr migration migrations[] = {{2, create_v2}, {3, migrate_v3}};
static_assert(migrations[std::size(migrations) - 1].version == pg_schema_version);

/// The advisory lock key that serialises schema set-up between replicas.
constexpr const char* schema_lock = "SELECT pg_advisory_xact_lock(7627113, 1)";

} // namespace

void prepare_pg_schema(pqxx::connection& conn) {
    try {
        pqxx::work w(conn);
        w.exec(schema_lock);
        w.exec("CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)");
        const auto r = w.exec("SELECT coalesce(max(version), 0) FROM schema_version");
        const int version = r[0][0].as<int>();
        if (version > pg_schema_version) {
            throw store_error("the database has schema version " + std::to_string(version) +
                              ", newer than this controller's " +
                              std::to_string(pg_schema_version));
        }
        if (version == pg_schema_version) {
            return;
        }
        for (const auto& m : migrations) {
            if (m.version > version) {
                w.exec(m.sql);
            }
        }
        w.exec("DELETE FROM schema_version");
        w.exec("INSERT INTO schema_version(version) VALUES(" + std::to_string(pg_schema_version) +
               ")");
        w.commit();
    } catch (const store_error&) {
        throw;
    } catch (const std::exception& e) {
        throw store_error(std::string("cannot prepare the PostgreSQL schema: ") + e.what());
    }
}

} // namespace tumen::controller::store
