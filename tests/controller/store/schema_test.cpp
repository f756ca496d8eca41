// Schema v2 (issue 12, defect 9): result ids unique per agent, the assignment history, and a
// v1 database (ids unique over all agents, no user_version) migrated in place, through v2 to
// the current v3 (upgrade_test.cpp: a store of the v2 release).
#include <pqxx/connection>
#include <pqxx/nontransaction>

#include <doctest/doctest.h>

#include <tumen/controller/store/sqlite.hpp>
#include <tumen/controller/store/store.hpp>

#include "backends.hpp"
#include "server_fixtures.hpp"

using namespace tumen;
using namespace tumen::controller;

namespace {

/// The schema of v1 databases, as the controller created them before versioning.
constexpr const char* v1_schema = R"sql(
CREATE TABLE IF NOT EXISTS agents(
  name TEXT PRIMARY KEY,
  last_seen INTEGER NOT NULL,
  results INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS results(
  rid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  agent TEXT NOT NULL,
  kind TEXT NOT NULL,
  campaign TEXT NOT NULL,
  dst TEXT NOT NULL,
  timestamp INTEGER NOT NULL,
  received INTEGER NOT NULL,
  raw TEXT
);
CREATE INDEX IF NOT EXISTS results_received ON results(received);
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

store::result_row result_of(const std::string& agent, const std::string& id, std::string_view raw) {
    store::result_row r;
    r.id = id;
    r.agent = agent;
    r.kind = "traceroute";
    r.campaign = "lab-border";
    r.dst = ipv4_addr(198, 19, 176, 1);
    r.timestamp = 10;
    r.received = 1000;
    r.raw_json = raw;
    r.hops = {{1, ipv4_addr(198, 18, 1, 1), 24940u, 0.3, 2}};
    return r;
}

} // namespace

#define TUMEN_BACKENDS test::sqlite_backend, test::pg_backend

TEST_CASE_TEMPLATE("store: one agent cannot pre-empt another's result id", B, TUMEN_BACKENDS) {
    B backend;
    if (!backend.available()) {
        return;
    }
    INFO("back end: " << std::string(B::name));
    auto s = backend.open();
    std::error_code ec;
    CHECK(s->schema_version(ec) == 3);
    bool inserted = false;
    REQUIRE_FALSE(s->insert_result(result_of("tyo", "r1", R"({"by":"tyo"})"), inserted));
    CHECK(inserted);
    REQUIRE_FALSE(s->insert_result(result_of("fra", "r1", R"({"by":"fra"})"), inserted));
    CHECK(inserted);
    REQUIRE_FALSE(s->insert_result(result_of("fra", "r1", R"({"again":1})"), inserted));
    CHECK_FALSE(inserted);
    CHECK(s->count_results(ec) == 2);
    CHECK(s->raw_result("fra", "r1", ec) == R"({"by":"fra"})");
    CHECK(s->raw_result("tyo", "r1", ec) == R"({"by":"tyo"})");
}

TEST_CASE("store: a v1 database is migrated in place (to v3)") {
    test::temp_dir dir;
    const auto path = (dir.path / "v1.db").string();
    {
        auto db = store::database::open(path);
        db.exec_or_throw(v1_schema);
        db.exec_or_throw(
            "INSERT INTO results(rid, id, agent, kind, campaign, dst, timestamp, received, raw)"
            " VALUES(7, 'old1', 'fra', 'traceroute', 'lab-border', '198.19.176.1', 10, 1000,"
            " '{\"old\":1}');"
            "INSERT INTO hops(rid, ttl, addr, asn, rtt_ms, replies)"
            " VALUES(7, 1, '198.18.1.1', 24940, 0.3, 2);"
            "INSERT INTO verdicts(agent, target, path, since, updated, evidence, tracker)"
            " VALUES('fra', '198.19.176.0/24', 'ttk', 5, 10, '{}', '{}');"
            "INSERT INTO agents(name, last_seen, results) VALUES('fra', 1000, 1)");
        // v1 refused the same id from another agent.
        CHECK(db.exec("INSERT INTO results(id, agent, kind, campaign, dst, timestamp, received)"
                      " VALUES('old1', 'tyo', 'ping', 'c', '198.19.176.1', 1, 1)"));
    }
    auto s = store::store::open(path);
    std::error_code ec;
    CHECK(s->schema_version(ec) == 3);
    // Everything stored under v1 is still there, hops attached.
    CHECK(s->count_results(ec) == 1);
    CHECK(s->count_hops(ec) == 1);
    CHECK(s->raw_result("fra", "old1", ec) == R"({"old":1})");
    auto v = s->load_verdicts(ec);
    REQUIRE(v.size() == 1);
    CHECK(v[0].path == "ttk");
    CHECK(v[0].observed == 0);
    REQUIRE(s->agents(ec).size() == 1);
    // Ids are now per agent: tyo's "old1" is stored, fra's is still a duplicate.
    bool inserted = false;
    REQUIRE_FALSE(s->insert_result(result_of("tyo", "old1", "{}"), inserted));
    CHECK(inserted);
    REQUIRE_FALSE(s->insert_result(result_of("fra", "old1", "{}"), inserted));
    CHECK_FALSE(inserted);
    CHECK(s->prune(1001, ec) == 2); // the migrated hop row follows its result, and tyo's
    // The assignment history exists and starts empty.
    CHECK_FALSE(s->has_assignment_history(ec));
    CHECK_FALSE(ec);
}

TEST_CASE("store: the migration is done once; a newer schema is refused") {
    test::temp_dir dir;
    const auto path = (dir.path / "v.db").string();
    {
        auto db = store::database::open(path);
        db.exec_or_throw(v1_schema);
    }
    { auto s = store::store::open(path); }
    {
        auto s = store::store::open(path); // already v3: opens as is
        std::error_code ec;
        CHECK(s->schema_version(ec) == 3);
        bool inserted = false;
        REQUIRE_FALSE(s->insert_result(result_of("fra", "a", "{}"), inserted));
        REQUIRE_FALSE(s->insert_result(result_of("tyo", "a", "{}"), inserted));
        CHECK(inserted);
    }
    {
        auto db = store::database::open(path);
        db.exec_or_throw("PRAGMA user_version = 4");
    }
    CHECK_THROWS_WITH_AS(store::store::open(path),
                         doctest::Contains("schema version 4, newer than this controller's 3"),
                         store::sqlite_error);
}

TEST_CASE_TEMPLATE("store: assignment periods open, close and expire", B, TUMEN_BACKENDS) {
    B backend;
    if (!backend.available()) {
        return;
    }
    INFO("back end: " << std::string(B::name));
    auto s = backend.open();
    std::error_code ec;
    const store::assignment_key fra{"fra", "lab-border", "198.19.176.0/24"};
    const store::assignment_key tyo{"tyo", "lab-border", "198.19.176.0/24"};
    REQUIRE_FALSE(s->open_assignment(fra, 100));
    REQUIRE_FALSE(s->open_assignment(tyo, 100));
    CHECK(s->has_assignment_history(ec));
    REQUIRE_FALSE(s->close_assignment(fra, 200));
    REQUIRE_FALSE(s->open_assignment(fra, 300));
    auto h = s->assignments_of("fra", ec);
    REQUIRE(h.size() == 2);
    CHECK(h[0] == store::assignment_row{"fra", "lab-border", "198.19.176.0/24", 100, 200});
    CHECK(h[1] == store::assignment_row{"fra", "lab-border", "198.19.176.0/24", 300, std::nullopt});
    CHECK(s->open_assignments(ec).size() == 2);
    // Closed periods older than the retention go; open ones stay.
    CHECK(s->prune_assignments(201, ec) == 1);
    CHECK(s->assignments_of("fra", ec).size() == 1);
    CHECK(s->assignments_of("tyo", ec).size() == 1);
}

TEST_CASE("store: a PostgreSQL schema is created once, versioned, and a newer one refused") {
    test::pg_backend backend;
    if (!backend.available()) {
        return;
    }
    {
        auto s = backend.open();
        std::error_code ec;
        CHECK(s->schema_version(ec) == 3);
        CHECK(std::string(s->kind()) == "postgresql");
        bool inserted = false;
        REQUIRE_FALSE(s->insert_result(result_of("fra", "a", "{}"), inserted));
    }
    {
        auto s = backend.open(); // already v3: opens as is, data kept
        std::error_code ec;
        CHECK(s->schema_version(ec) == 3);
        CHECK(s->count_results(ec) == 1);
    }
    {
        pqxx::connection c(backend.database);
        pqxx::nontransaction n(c);
        n.exec("UPDATE schema_version SET version = 4");
    }
    CHECK_THROWS_WITH_AS(store::store::open(backend.database),
                         doctest::Contains("schema version 4, newer than this controller's 3"),
                         store::store_error);
}

TEST_CASE("store: an unreachable PostgreSQL is a start-up error naming it") {
    CHECK_THROWS_WITH_AS(
        store::store::open("postgresql:///none?host=/nonexistent-tumen-dir&port=1&user=tumen"),
        doctest::Contains("cannot connect to PostgreSQL"), store::store_error);
}
