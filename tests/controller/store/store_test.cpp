// The SQLite store: idempotent insert, reopening, retention and rollback.
#include <tuple>

#include <doctest/doctest.h>

#include <tumen/controller/store/store.hpp>

#include "server_fixtures.hpp"

using namespace tumen;
using namespace tumen::controller;

TEST_CASE("store: idempotent insert, verdicts and changes survive reopening") {
    test::temp_dir dir;
    const auto db_path = (dir.path / "s.db").string();
    {
        auto s = store::store::open(db_path);
        store::result_row r;
        r.id = "x1";
        r.agent = "fra";
        r.kind = "traceroute";
        r.dst = ipv4_addr(198, 19, 176, 1);
        r.timestamp = 10;
        r.received = 1000;
        r.raw_json = "{}";
        r.hops = {{1, ipv4_addr(198, 18, 1, 1), 24940u, 0.3, 2},
                  {2, std::nullopt, std::nullopt, std::nullopt, 0}};
        auto tx = s.begin();
        bool inserted = false;
        REQUIRE_FALSE(s.insert_result(r, inserted));
        CHECK(inserted);
        REQUIRE_FALSE(s.insert_result(r, inserted));
        CHECK_FALSE(inserted);
        store::verdict_row v{"fra", "198.19.176.0/24", "ttk", 5, 10, "{\"a\":1}", "{\"k\":2}"};
        REQUIRE_FALSE(s.upsert_verdict(v));
        std::int64_t seq = 0;
        REQUIRE_FALSE(
            s.insert_change({0, "fra", "198.19.176.0/24", "china-unicom", "ttk", 7, "{}"}, seq));
        CHECK(seq == 1);
        REQUIRE_FALSE(tx.commit());
    }
    {
        auto s = store::store::open(db_path);
        std::error_code ec;
        CHECK(s.count_results(ec) == 1);
        CHECK(s.count_hops(ec) == 2);
        auto v = s.load_verdicts(ec);
        REQUIRE(v.size() == 1);
        CHECK(v[0].path == "ttk");
        CHECK(v[0].tracker_json == "{\"k\":2}");
        auto c = s.changes_since(7, 10, ec);
        REQUIRE(c.size() == 1);
        CHECK(c[0].to_path == "ttk");
        CHECK(s.changes_since(8, 10, ec).empty());
        // Retention: hops and raw JSON go, the id stays (late retries still recognised).
        CHECK(s.prune(1001, ec) == 2);
        CHECK_FALSE(ec);
        CHECK(s.count_hops(ec) == 0);
        CHECK_FALSE(s.raw_result("fra", "x1", ec));
        auto tx = s.begin();
        store::result_row r;
        r.id = "x1";
        r.agent = "fra";
        r.kind = "ping";
        bool inserted = true;
        REQUIRE_FALSE(s.insert_result(r, inserted));
        CHECK_FALSE(inserted);
    }
}

TEST_CASE("store: a rolled-back transaction leaves nothing") {
    test::temp_dir dir;
    auto s = store::store::open((dir.path / "r.db").string());
    {
        auto tx = s.begin();
        store::result_row r;
        r.id = "gone";
        r.agent = "fra";
        r.kind = "ping";
        bool inserted = false;
        REQUIRE_FALSE(s.insert_result(r, inserted));
        CHECK(inserted);
    } // no commit
    std::error_code ec;
    CHECK(s.count_results(ec) == 0);
}

TEST_CASE("store: a verdict keeps its observation time; older databases gain the column") {
    test::temp_dir dir;
    const auto db_path = (dir.path / "old.db").string();
    {
        // The verdicts table as stored before `observed` existed, with one row.
        auto db = store::database::open(db_path);
        db.exec_or_throw("CREATE TABLE verdicts(agent TEXT NOT NULL, target TEXT NOT NULL,"
                         " path TEXT NOT NULL, since INTEGER NOT NULL, updated INTEGER NOT NULL,"
                         " evidence TEXT NOT NULL, tracker TEXT NOT NULL,"
                         " PRIMARY KEY(agent, target))");
        db.exec_or_throw("INSERT INTO verdicts VALUES('fra', '198.19.176.0/24', 'ttk', 5, 10,"
                         " '{}', '{}')");
    }
    {
        auto s = store::store::open(db_path);
        std::error_code ec;
        auto v = s.load_verdicts(ec);
        REQUIRE_FALSE(ec);
        REQUIRE(v.size() == 1);
        CHECK(v[0].updated == 10);
        CHECK(v[0].observed == 0);
        v[0].observed = 1'700'000'123;
        REQUIRE_FALSE(s.upsert_verdict(v[0]));
    }
    auto s = store::store::open(db_path); // opening again keeps the column and the value
    std::error_code ec;
    auto v = s.load_verdicts(ec);
    REQUIRE(v.size() == 1);
    CHECK(v[0].observed == 1'700'000'123);
}

TEST_CASE("store: a trace with its hops by id, and the change events of one agent x target") {
    test::temp_dir dir;
    auto s = store::store::open((dir.path / "t.db").string());
    store::result_row r;
    r.id = "x1";
    r.agent = "fra";
    r.kind = "traceroute";
    r.campaign = "lab-border";
    r.dst = ipv4_addr(198, 19, 176, 1);
    r.timestamp = 10;
    r.received = 1000;
    r.raw_json = "{}";
    // Stored out of TTL order: read back by TTL.
    r.hops = {{2, std::nullopt, std::nullopt, std::nullopt, 0},
              {1, ipv4_addr(198, 18, 1, 1), 24940u, 0.3, 2},
              {3, ipv4_addr(198, 19, 176, 1), std::nullopt, 41.5, 1}};
    store::result_row p = r;
    p.id = "p1";
    p.kind = "ping";
    p.hops.clear();
    {
        auto tx = s.begin();
        bool inserted = false;
        REQUIRE_FALSE(s.insert_result(r, inserted));
        REQUIRE_FALSE(s.insert_result(p, inserted));
        std::int64_t seq = 0;
        for (const auto& [agent, target, at] :
             {std::tuple{"fra", "198.19.176.0/24", 7}, std::tuple{"fra", "198.19.177.0/24", 8},
              std::tuple{"tyo", "198.19.176.0/24", 9}, std::tuple{"fra", "198.19.176.0/24", 20}}) {
            REQUIRE_FALSE(s.insert_change({0, agent, target, "a", "b", at, "{}"}, seq));
        }
        REQUIRE_FALSE(tx.commit());
    }
    std::error_code ec;
    auto t = s.trace("fra", "x1", ec);
    REQUIRE(t);
    CHECK_FALSE(ec);
    CHECK(t->campaign == "lab-border");
    CHECK(t->dst == "198.19.176.1");
    CHECK(t->timestamp == 10);
    CHECK(t->received == 1000);
    CHECK_FALSE(t->pruned);
    REQUIRE(t->hops.size() == 3);
    CHECK(t->hops[0].ttl == 1);
    CHECK(t->hops[0].addr == ipv4_addr(198, 18, 1, 1));
    CHECK(t->hops[0].asn == 24940u);
    CHECK(t->hops[0].rtt_ms == doctest::Approx(0.3));
    CHECK(t->hops[0].replies == 2);
    CHECK(t->hops[1].ttl == 2);
    CHECK_FALSE(t->hops[1].addr);
    CHECK_FALSE(t->hops[1].rtt_ms);
    CHECK(t->hops[2].rtt_ms == doctest::Approx(41.5));
    CHECK_FALSE(t->hops[2].asn);
    CHECK_FALSE(s.trace("tyo", "x1", ec)); // ids are per agent
    CHECK_FALSE(s.trace("fra", "p1", ec)); // a ping is no trace
    CHECK_FALSE(s.trace("fra", "nope", ec));
    CHECK_FALSE(ec);

    auto c = s.changes_of("fra", "198.19.176.0/24", 1000, ec);
    REQUIRE(c.size() == 2);
    CHECK(c[0].at == 7);
    CHECK(c[1].at == 20);
    CHECK(s.changes_of("fra", "198.19.176.0/24", 19, ec).size() == 1);
    CHECK(s.changes_of("msk", "198.19.176.0/24", 1000, ec).empty());
    CHECK_FALSE(ec);

    // Retention: the trace is still known, pruned, without hops.
    CHECK(s.prune(1001, ec) == 3);
    t = s.trace("fra", "x1", ec);
    REQUIRE(t);
    CHECK(t->pruned);
    CHECK(t->hops.empty());
}
