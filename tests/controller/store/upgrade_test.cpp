// Schema v3: a store written by the previous release (v2, its DDL frozen in
// tests/fixtures/store/) with rows in it is opened by this release on each back end: the data
// is intact, the version is 3, the page's read indexes exist and its queries use them, and
// the verdicts have the latency column. On PostgreSQL, two replicas starting at once on a v2
// database migrate it once.
#include <fstream>
#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <pqxx/result>
#include <sstream>
#include <thread>

#include <doctest/doctest.h>

#include <tumen/controller/store/sqlite.hpp>
#include <tumen/controller/store/store.hpp>

#include "backends.hpp"
#include "server_fixtures.hpp"

using namespace tumen;
using namespace tumen::controller;

namespace {

/// The text of tests/fixtures/store/`name`.
std::string fixture(const std::string& name) {
    std::ifstream in(std::string(TUMEN_SOURCE_DIR) + "/tests/fixtures/store/" + name);
    REQUIRE(in);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/// The rows the previous release's store holds in both tests (same SQL on both back ends).
constexpr const char* v2_rows = R"sql(
INSERT INTO results(rid, id, agent, kind, campaign, dst, timestamp, received, raw)
  VALUES(7, 'r1', 'fra', 'traceroute', 'lab-border', '198.19.176.1', 100, 1000, '{"r":1}');
INSERT INTO results(rid, id, agent, kind, campaign, dst, timestamp, received, raw)
  VALUES(8, 'p1', 'fra', 'ping', 'lab-border', '198.19.176.1', 110, 1001, '{"p":1}');
INSERT INTO hops(rid, ttl, addr, asn, rtt_ms, replies)
  VALUES(7, 1, '198.18.1.1', 24940, 0.5, 2), (7, 2, '198.18.2.1', 4837, 1.5, 1);
INSERT INTO verdicts(agent, target, path, since, updated, evidence, tracker, observed)
  VALUES('fra', '198.19.176.0/24', 'ttk', 90, 100, '{"e":1}', '{"t":1}', 1000);
INSERT INTO changes(agent, target, from_path, to_path, at, evidence)
  VALUES('fra', '198.19.176.0/24', 'china-unicom', 'ttk', 95, '{"c":1}');
INSERT INTO agents(name, last_seen, results) VALUES('fra', 1001, 2);
INSERT INTO assignments(agent, campaign, target, since, until)
  VALUES('fra', 'lab-border', '198.19.176.0/24', 0, NULL);
)sql";

/// Checks that everything v2_rows stored reads back through the store of this release.
void check_v2_rows(store::store& s) {
    std::error_code ec;
    CHECK(s.schema_version(ec) == 3);
    CHECK(s.count_results(ec) == 2);
    CHECK(s.count_hops(ec) == 2);
    CHECK(s.raw_result("fra", "r1", ec) == R"({"r":1})");
    const auto t = s.trace("fra", "r1", ec);
    REQUIRE(t);
    REQUIRE(t->hops.size() == 2);
    CHECK(t->hops[1].asn == 4837u);
    const auto v = s.load_verdicts(ec);
    REQUIRE(v.size() == 1);
    CHECK(v[0] == store::verdict_row{"fra", "198.19.176.0/24", "ttk", 90, 100, R"({"e":1})",
                                     R"({"t":1})", 1000, ""});
    store::change_filter f;
    f.agent = "fra";
    f.target = "198.19.176.0/24";
    const auto c = s.changes_matching(f, ec);
    REQUIRE(c.size() == 1);
    CHECK(c[0].to_path == "ttk");
    const auto series = s.results_between("fra", 0, 200, 10, ec);
    REQUIRE(series.size() == 2);
    CHECK(series[0].end_rtt_ms == 1.5);
    CHECK(series[1].raw == R"({"p":1})");
    REQUIRE(s.agents(ec).size() == 1);
    CHECK(s.assignments_of("fra", ec).size() == 1);
    CHECK_FALSE(ec);
    // A duplicate of a stored result is still one; the new column is written.
    bool inserted = true;
    store::result_row r;
    r.id = "r1";
    r.agent = "fra";
    r.kind = "traceroute";
    r.campaign = "lab-border";
    REQUIRE_FALSE(s.insert_result(r, inserted));
    CHECK_FALSE(inserted);
    auto row = v[0];
    row.latency_json = R"({"l":1})";
    REQUIRE_FALSE(s.upsert_verdict(row));
    CHECK(s.load_verdicts(ec).at(0).latency_json == R"({"l":1})");
}

/// SQLite's plan of `sql` (EXPLAIN QUERY PLAN's detail lines).
std::string sqlite_plan(store::database& db, const std::string& sql) {
    auto s = db.prepare_or_throw("EXPLAIN QUERY PLAN " + sql);
    std::string out;
    std::error_code ec;
    while (s.step(ec)) {
        out += s.column_text(3) + "\n";
    }
    REQUIRE_FALSE(ec);
    return out;
}

std::int64_t sqlite_count(store::database& db, const std::string& sql) {
    auto s = db.prepare_or_throw(sql);
    std::error_code ec;
    REQUIRE(s.step(ec));
    return s.column_int(0);
}

/// The page's two queries, as the stores send them (sqlite_store / pg_store: results_between
/// and changes_matching with an agent and a target) with `p` numbering parameters.
std::string series_query(const char* p) {
    return std::string("SELECT r.timestamp, r.kind, r.id, r.dst FROM results r WHERE r.agent = ") +
           p + "1 AND r.timestamp >= " + p + "2 AND r.timestamp <= " + p + "3" +
           " ORDER BY r.timestamp LIMIT " + p + "4";
}

/// Opens a SQLite store of the previous release (`drop_indexes`: one written before the v2
/// release created the page's indexes) with this release and checks it.
void upgrade_sqlite(bool drop_indexes) {
    test::temp_dir dir;
    const auto path = (dir.path / "v2.db").string();
    {
        auto db = store::database::open(path);
        db.exec_or_throw(fixture("sqlite_v2.sql"));
        db.exec_or_throw(v2_rows);
        if (drop_indexes) {
            db.exec_or_throw("DROP INDEX results_agent_time; DROP INDEX changes_agent_target");
        }
        REQUIRE(sqlite_count(db, "PRAGMA user_version") == 2);
    }
    {
        auto s = store::store::open(path);
        check_v2_rows(*s);
    }
    auto db = store::database::open(path);
    CHECK(sqlite_count(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND"
                           " name IN ('results_agent_time', 'changes_agent_target')") == 2);
    CHECK(sqlite_count(db, "SELECT count(*) FROM pragma_table_info('verdicts') WHERE"
                           " name = 'latency'") == 1);
    CHECK(sqlite_plan(db, series_query("?")).find("INDEX results_agent_time") != std::string::npos);
    const auto changes_plan =
        sqlite_plan(db, "SELECT seq FROM changes WHERE at >= ?1 AND agent = ?3 AND target = ?4"
                        " ORDER BY seq LIMIT ?6");
    CHECK(changes_plan.find("USING INDEX changes_agent_target") != std::string::npos);
    // Opening again: already v3, nothing to do.
    auto again = store::store::open(path);
    std::error_code ec;
    CHECK(again->schema_version(ec) == 3);
    CHECK(again->count_results(ec) == 2);
}

} // namespace

TEST_CASE("store upgrade: a SQLite store of the v2 release opens as v3 with its data") {
    SUBCASE("as the v2 release left it") {
        upgrade_sqlite(false);
    }
    SUBCASE("written before the v2 release created the page's indexes") {
        upgrade_sqlite(true);
    }
}

TEST_CASE("store upgrade: a PostgreSQL store of the v2 release opens as v3 with its data") {
    test::pg_backend backend;
    if (!backend.available()) {
        return;
    }
    {
        pqxx::connection c(backend.database);
        pqxx::nontransaction n(c);
        n.exec(fixture("pg_v2.sql"));
        n.exec(v2_rows);
        // The v2 release's rows took their serials from explicit rids: move the sequence on.
        n.exec("SELECT setval('results_rid_seq', 8)");
        // Enough rows that the planner has something to choose (the same for both indexes).
        n.exec("INSERT INTO results(id, agent, kind, campaign, dst, timestamp, received)"
               " SELECT 'x' || g, 'a' || (g % 50), 'ping', 'c', '198.19.176.1', g, g"
               " FROM generate_series(1, 5000) g");
        n.exec("INSERT INTO changes(agent, target, from_path, to_path, at, evidence)"
               " SELECT 'a' || (g % 50), 't' || (g % 40), 'x', 'y', g, '{}'"
               " FROM generate_series(1, 5000) g");
        n.exec("DELETE FROM results WHERE id LIKE 'x%'; DELETE FROM changes WHERE to_path = 'y'");
        CHECK(n.exec("SELECT version FROM schema_version")[0][0].as<int>() == 2);
    }
    // Two replicas start at once on the v2 database: one migrates, the other waits for it
    // (an advisory lock) and finds v3. A second run of the migration would fail on the
    // column it adds.
    std::unique_ptr<store::store> a;
    std::unique_ptr<store::store> b;
    std::string error;
    std::thread other([&] {
        try {
            b = store::store::open(backend.database);
        } catch (const std::exception& e) {
            error = e.what();
        }
    });
    a = store::store::open(backend.database);
    other.join();
    CHECK(error.empty());
    REQUIRE(b);
    check_v2_rows(*a);
    std::error_code ec;
    CHECK(b->schema_version(ec) == 3);
    CHECK(b->load_verdicts(ec).size() == 1);

    pqxx::connection c(backend.database);
    pqxx::nontransaction n(c);
    CHECK(n.exec("SELECT count(*) FROM schema_version")[0][0].as<int>() == 1);
    CHECK(n.exec("SELECT count(*) FROM pg_indexes WHERE indexname IN ('results_agent_time',"
                 " 'changes_agent_target')")[0][0]
              .as<int>() == 2);
    CHECK(n.exec("SELECT count(*) FROM information_schema.columns WHERE table_name = 'verdicts'"
                 " AND column_name = 'latency'")[0][0]
              .as<int>() == 1);
    // The plans of the page's queries use the indexes (sequential scans priced out, so the
    // plan shows whether an index can serve the query at all, whatever the table's size).
    n.exec("SET enable_seqscan = off");
    const auto plan = [&](const std::string& sql) {
        std::string out;
        for (const auto& r : n.exec("EXPLAIN " + sql)) {
            out += r[0].as<std::string>() + "\n";
        }
        return out;
    };
    n.exec("PREPARE series(text, bigint, bigint, bigint) AS " + series_query("$"));
    CHECK(plan("EXECUTE series('fra', 0, 200, 10)").find("results_agent_time") !=
          std::string::npos);
    // changes_matching's text, as pg_store sends it.
    n.exec("PREPARE changes(bigint, bigint, text, text, text, bigint) AS"
           " SELECT seq, agent, target, from_path, to_path, at, evidence FROM changes"
           " WHERE at >= $1 AND ($2::bigint IS NULL OR at <= $2::bigint)"
           " AND ($3::text IS NULL OR agent = $3) AND ($4::text IS NULL OR target = $4)"
           " AND ($5::text IS NULL OR from_path = $5 OR to_path = $5) ORDER BY seq LIMIT $6");
    CHECK(plan("EXECUTE changes(0, NULL, 'fra', '198.19.176.0/24', NULL, 1000)")
              .find("changes_agent_target") != std::string::npos);
}
