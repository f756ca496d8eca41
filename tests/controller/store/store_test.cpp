// The store test suite, run on both back ends (SQLite and PostgreSQL): idempotent insert,
// reopening, retention, rollback, change counts, verdict locks, the exporter lease; and on
// SQLite alone, multi-row hop inserts.
#include <chrono>
#include <thread>
#include <tuple>

#include <doctest/doctest.h>

#include <tumen/controller/store/sqlite.hpp>
#include <tumen/controller/store/store.hpp>

#include "backends.hpp"

using namespace tumen;
using namespace tumen::controller;

#define TUMEN_BACKENDS test::sqlite_backend, test::pg_backend

TEST_CASE_TEMPLATE("store: idempotent insert, verdicts and changes survive reopening", B,
                   TUMEN_BACKENDS) {
    B backend;
    if (!backend.available()) {
        return;
    }
    INFO("back end: " << std::string(B::name));
    {
        auto s = backend.open();
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
        auto tx = s->begin();
        REQUIRE_FALSE(tx.begin_error());
        bool inserted = false;
        REQUIRE_FALSE(s->insert_result(r, inserted));
        CHECK(inserted);
        REQUIRE_FALSE(s->insert_result(r, inserted));
        CHECK_FALSE(inserted);
        store::verdict_row v{"fra",       "198.19.176.0/24", "ttk", 5,          10,
                             "{\"a\":1}", "{\"k\":2}",       11,    "{\"l\":3}"};
        REQUIRE_FALSE(s->upsert_verdict(v));
        v.path = "ttk2"; // an upsert replaces
        REQUIRE_FALSE(s->upsert_verdict(v));
        std::int64_t seq = 0;
        REQUIRE_FALSE(
            s->insert_change({0, "fra", "198.19.176.0/24", "china-unicom", "ttk", 7, "{}"}, seq));
        CHECK(seq == 1);
        REQUIRE_FALSE(s->touch_agent("fra", 1000, 1));
        REQUIRE_FALSE(s->touch_agent("fra", 900, 2));
        REQUIRE_FALSE(tx.commit());
    }
    {
        auto s = backend.open();
        std::error_code ec;
        CHECK(s->count_results(ec) == 1);
        CHECK(s->count_hops(ec) == 2);
        CHECK(s->count_changes(ec) == 1);
        CHECK(s->raw_result("fra", "x1", ec) == "{}");
        auto v = s->load_verdicts(ec);
        REQUIRE(v.size() == 1);
        CHECK(v[0] == store::verdict_row{"fra", "198.19.176.0/24", "ttk2", 5, 10, "{\"a\":1}",
                                         "{\"k\":2}", 11, "{\"l\":3}"});
        auto c = s->changes_since(7, 10, ec);
        REQUIRE(c.size() == 1);
        CHECK(c[0].to_path == "ttk");
        CHECK(s->changes_since(8, 10, ec).empty());
        auto a = s->agents(ec);
        REQUIRE(a.size() == 1);
        CHECK(a[0].last_seen == 1000);
        CHECK(a[0].results == 3);
        // Retention: hops and raw JSON go, the id stays (late retries still recognised).
        CHECK(s->prune(1001, ec) == 2);
        CHECK_FALSE(ec);
        CHECK(s->count_hops(ec) == 0);
        CHECK_FALSE(s->raw_result("fra", "x1", ec));
        auto tx = s->begin();
        store::result_row r;
        r.id = "x1";
        r.agent = "fra";
        r.kind = "ping";
        bool inserted = true;
        REQUIRE_FALSE(s->insert_result(r, inserted));
        CHECK_FALSE(inserted);
    }
}

TEST_CASE_TEMPLATE("store: a rolled-back transaction leaves nothing", B, TUMEN_BACKENDS) {
    B backend;
    if (!backend.available()) {
        return;
    }
    INFO("back end: " << std::string(B::name));
    auto s = backend.open();
    {
        auto tx = s->begin();
        store::result_row r;
        r.id = "gone";
        r.agent = "fra";
        r.kind = "ping";
        bool inserted = false;
        REQUIRE_FALSE(s->insert_result(r, inserted));
        CHECK(inserted);
        std::int64_t seq = 0;
        REQUIRE_FALSE(s->insert_change({0, "fra", "t", "a", "b", 7, "{}"}, seq));
    } // no commit
    std::error_code ec;
    CHECK(s->count_results(ec) == 0);
    CHECK(s->count_changes(ec) == 0);
}

TEST_CASE_TEMPLATE("store: lock_verdict reads the stored row inside a transaction", B,
                   TUMEN_BACKENDS) {
    B backend;
    if (!backend.available()) {
        return;
    }
    INFO("back end: " << std::string(B::name));
    auto s = backend.open();
    const store::verdict_row v{"fra", "198.19.176.0/24", "ttk", 5, 10, "{}", "{\"k\":1}", 12, "{}"};
    {
        auto tx = s->begin();
        std::optional<store::verdict_row> row;
        REQUIRE_FALSE(s->lock_verdict("fra", "198.19.176.0/24", row));
        CHECK_FALSE(row);
        REQUIRE_FALSE(s->upsert_verdict(v));
        REQUIRE_FALSE(tx.commit());
    }
    // What another process wrote is what the lock reads, not a copy of this one's.
    auto other = backend.open();
    {
        auto tx = other->begin();
        auto changed = v;
        changed.tracker_json = "{\"k\":2}";
        REQUIRE_FALSE(other->upsert_verdict(changed));
        REQUIRE_FALSE(tx.commit());
    }
    auto tx = s->begin();
    std::optional<store::verdict_row> row;
    REQUIRE_FALSE(s->lock_verdict("fra", "198.19.176.0/24", row));
    REQUIRE(row);
    CHECK(row->tracker_json == "{\"k\":2}");
    CHECK(row->observed == 12);
    // An agent's rows, without the other agents'.
    auto tyo = v;
    tyo.agent = "tyo";
    REQUIRE_FALSE(s->upsert_verdict(tyo));
    std::error_code ec;
    const auto fra = s->verdicts_of("fra", ec);
    REQUIRE(fra.size() == 1);
    CHECK(fra[0].tracker_json == "{\"k\":2}");
    CHECK(s->verdicts_of("tyo", ec).at(0) == tyo);
    CHECK(s->verdicts_of("nobody", ec).empty());
    CHECK_FALSE(ec);
}

TEST_CASE_TEMPLATE("store: one exporter lease among the processes sharing a store", B,
                   TUMEN_BACKENDS) {
    B backend;
    if (!backend.available()) {
        return;
    }
    INFO("back end: " << std::string(B::name));
    auto a = backend.open();
    CHECK(a->try_exporter_lease());
    CHECK(a->try_exporter_lease()); // kept
    if (!a->shared()) {
        return; // SQLite: one process, always the exporter
    }
    {
        auto b = backend.open();
        CHECK_FALSE(b->try_exporter_lease());
        a.reset(); // the holder goes away (as a killed process does): the lease is free
        // once the server has ended the holder's session, which it does on its own time.
        bool taken = false;
        for (int i = 0; i < 200 && !taken; ++i) {
            taken = b->try_exporter_lease();
            if (!taken) {
                std::this_thread::sleep_for(std::chrono::milliseconds(25));
            }
        }
        CHECK(taken);
        auto c = backend.open();
        CHECK_FALSE(c->try_exporter_lease());
    }
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
        auto v = s->load_verdicts(ec);
        REQUIRE_FALSE(ec);
        REQUIRE(v.size() == 1);
        CHECK(v[0].updated == 10);
        CHECK(v[0].observed == 0);
        v[0].observed = 1'700'000'123;
        REQUIRE_FALSE(s->upsert_verdict(v[0]));
    }
    auto s = store::store::open(db_path); // opening again keeps the column and the value
    std::error_code ec;
    auto v = s->load_verdicts(ec);
    REQUIRE(v.size() == 1);
    CHECK(v[0].observed == 1'700'000'123);
}

TEST_CASE_TEMPLATE(
    "store: a trace with its hops by id, and the change events of one agent x target", B,
    TUMEN_BACKENDS) {
    B backend;
    if (!backend.available()) {
        return;
    }
    INFO("back end: " << std::string(B::name));
    auto s = backend.open();
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
        auto tx = s->begin();
        bool inserted = false;
        REQUIRE_FALSE(s->insert_result(r, inserted));
        REQUIRE_FALSE(s->insert_result(p, inserted));
        std::int64_t seq = 0;
        for (const auto& [agent, target, at] :
             {std::tuple{"fra", "198.19.176.0/24", 7}, std::tuple{"fra", "198.19.177.0/24", 8},
              std::tuple{"tyo", "198.19.176.0/24", 9}, std::tuple{"fra", "198.19.176.0/24", 20}}) {
            REQUIRE_FALSE(s->insert_change({0, agent, target, "a", "b", at, "{}"}, seq));
        }
        REQUIRE_FALSE(tx.commit());
    }
    std::error_code ec;
    auto t = s->trace("fra", "x1", ec);
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
    CHECK_FALSE(s->trace("tyo", "x1", ec)); // ids are per agent
    CHECK_FALSE(s->trace("fra", "p1", ec)); // a ping is no trace
    CHECK_FALSE(s->trace("fra", "nope", ec));
    CHECK_FALSE(ec);

    auto c = s->changes_of("fra", "198.19.176.0/24", 1000, ec);
    REQUIRE(c.size() == 2);
    CHECK(c[0].at == 7);
    CHECK(c[1].at == 20);
    CHECK(s->changes_of("fra", "198.19.176.0/24", 19, ec).size() == 1);
    CHECK(s->changes_of("msk", "198.19.176.0/24", 1000, ec).empty());
    CHECK_FALSE(ec);

    // Retention: the trace is still known, pruned, without hops.
    CHECK(s->prune(1001, ec) == 3);
    t = s->trace("fra", "x1", ec);
    REQUIRE(t);
    CHECK(t->pruned);
    CHECK(t->hops.empty());
}

TEST_CASE("store: hop rows are written in multi-row statements, each row as given") {
    test::temp_dir dir;
    const auto db_path = (dir.path / "h.db").string();
    // 70 hops: two full statements of 32 rows and one of 6, every kind of value.
    store::result_row r;
    r.id = "h1";
    r.agent = "fra";
    r.kind = "traceroute";
    r.dst = ipv4_addr(198, 19, 176, 1);
    r.raw_json = "{}";
    for (int ttl = 1; ttl <= 70; ++ttl) {
        store::hop_row h;
        h.ttl = ttl;
        if (ttl % 3 != 0) {
            h.addr = ipv4_addr(198, 18, static_cast<std::uint8_t>(ttl), 1);
            h.asn = 64500u + static_cast<std::uint32_t>(ttl);
            h.rtt_ms = ttl / 4.0;
            h.replies = 1 + ttl % 2;
        }
        r.hops.push_back(h);
    }
    {
        auto s = store::store::open(db_path);
        auto tx = s->begin();
        bool inserted = false;
        REQUIRE_FALSE(s->insert_result(r, inserted));
        CHECK(inserted);
        REQUIRE_FALSE(tx.commit());
        std::error_code ec;
        CHECK(s->count_hops(ec) == 70);
    }
    auto db = store::database::open(db_path);
    std::error_code ec;
    auto q = db.prepare("SELECT ttl, addr, asn, rtt_ms, replies FROM hops ORDER BY ttl", ec);
    REQUIRE_FALSE(ec);
    std::size_t i = 0;
    while (q.step(ec)) {
        REQUIRE(i < r.hops.size());
        const auto& h = r.hops[i++];
        CAPTURE(h.ttl);
        CHECK(q.column_int(0) == h.ttl);
        CHECK(q.column_is_null(1) == !h.addr);
        if (h.addr) {
            CHECK(q.column_text(1) == h.addr->to_string());
            CHECK(q.column_int(2) == *h.asn);
            CHECK(q.column_double(3) == *h.rtt_ms);
        } else {
            CHECK(q.column_is_null(2));
            CHECK(q.column_is_null(3));
        }
        CHECK(q.column_int(4) == h.replies);
    }
    CHECK_FALSE(ec);
    CHECK(i == 70);
}

TEST_CASE_TEMPLATE("store: the page's queries: filtered change events and an agent's results in a "
                   "time range",
                   B, TUMEN_BACKENDS) {
    B backend;
    if (!backend.available()) {
        return;
    }
    INFO("back end: " << std::string(B::name));
    auto s = backend.open();
    {
        auto tx = s->begin();
        REQUIRE_FALSE(tx.begin_error());
        std::int64_t seq = 0;
        for (const auto& [agent, target, from, to, at] :
             {std::tuple{"fra", "198.19.176.0/24", "china-unicom", "ttk", 10},
              std::tuple{"fra", "198.19.177.0/24", "china-unicom", "ttk", 20},
              std::tuple{"tyo", "198.19.176.0/24", "ttk", "china-unicom", 30},
              std::tuple{"fra", "198.19.176.0/24", "ttk", "mtc", 40}}) {
            REQUIRE_FALSE(s->insert_change({0, agent, target, from, to, at, "{}"}, seq));
        }
        bool inserted = false;
        store::result_row r;
        r.agent = "fra";
        r.kind = "traceroute";
        r.campaign = "lab-border";
        r.dst = ipv4_addr(198, 19, 176, 1);
        r.raw_json = "{\"t\":1}";
        for (int i = 0; i < 4; ++i) {
            r.id = "t" + std::to_string(i);
            r.timestamp = 100 + i * 10;
            // The series' RTT is the one at the last TTL that has one.
            r.hops = {{1, ipv4_addr(198, 18, 1, 1), 64500u, 0.5, 1},
                      {2, ipv4_addr(198, 19, 176, 1), std::nullopt, 40.0 + i, 1},
                      {3, std::nullopt, std::nullopt, std::nullopt, 0}};
            REQUIRE_FALSE(s->insert_result(r, inserted));
        }
        store::result_row p;
        p.agent = "fra";
        p.id = "p1";
        p.kind = "ping";
        p.campaign = "lab-border";
        p.dst = ipv4_addr(198, 19, 176, 1);
        p.timestamp = 115;
        p.raw_json = "{\"ping\":1}";
        REQUIRE_FALSE(s->insert_result(p, inserted));
        r.agent = "tyo"; // another agent's result is never listed
        r.id = "x";
        r.timestamp = 110;
        REQUIRE_FALSE(s->insert_result(r, inserted));
        REQUIRE_FALSE(tx.commit());
    }
    std::error_code ec;
    store::change_filter f;
    f.agent = "fra";
    f.target = "198.19.176.0/24";
    auto c = s->changes_matching(f, ec);
    REQUIRE_FALSE(ec);
    REQUIRE(c.size() == 2);
    CHECK(c[0].at == 10);
    CHECK(c[1].to_path == "mtc");
    f = {};
    f.path = "china-unicom"; // from or to
    CHECK(s->changes_matching(f, ec).size() == 3);
    f = {};
    f.since = 15;
    f.until = 35;
    c = s->changes_matching(f, ec);
    REQUIRE(c.size() == 2);
    CHECK(c[0].at == 20);
    CHECK(c[1].agent == "tyo");
    f = {};
    f.newest = true;
    f.limit = 2;
    c = s->changes_matching(f, ec); // the newest two, listed oldest first
    REQUIRE(c.size() == 2);
    CHECK(c[0].at == 30);
    CHECK(c[1].at == 40);
    CHECK_FALSE(ec);

    auto rows = s->results_between("fra", 105, 125, 100, ec);
    REQUIRE_FALSE(ec);
    REQUIRE(rows.size() == 3);
    CHECK(rows[0].id == "t1");
    REQUIRE(rows[0].end_rtt_ms);
    CHECK(*rows[0].end_rtt_ms == doctest::Approx(41.0));
    CHECK_FALSE(rows[0].raw); // a trace's JSON is not read
    CHECK(rows[1].kind == "ping");
    CHECK(rows[1].raw == "{\"ping\":1}");
    CHECK_FALSE(rows[1].end_rtt_ms);
    CHECK(rows[2].id == "t2");
    CHECK(rows[2].dst == "198.19.176.1");
    CHECK(s->results_between("fra", 105, 125, 1, ec).size() == 1);
    CHECK(s->results_between("msk", 0, 1000, 100, ec).empty());
    CHECK_FALSE(ec);
}
