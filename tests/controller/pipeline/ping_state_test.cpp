// A ping's effect on its (agent, target)'s state (what it measured, under the path the latest
// trace observed) is written to the pair's verdict row in the ping's transaction, under the
// pair's lock: two replicas on one PostgreSQL interleaving pings and traces of one pair end
// with the rows of one controller, and a controller restarted between every batch (SQLite and
// PostgreSQL) resumes exactly where an uninterrupted one is.
#include <doctest/doctest.h>

#include "latency_row.hpp"
#include "pg_cluster.hpp"
#include "replica.hpp"

using namespace tumen;
using namespace tumen::controller;

namespace {

using test::border;
using test::replica;

const ipv4_addr dst = test::lab().target_addr(1, 1);

result::trace trace(const std::string& id, border b, std::int64_t ts) {
    return test::make_trace("fra", id, dst, b, ts);
}

result::ping ping(const std::string& id, std::uint32_t sent, std::uint32_t received,
                  std::int64_t ts, ipv4_addr to = dst) {
    return test::make_ping("fra", id, to, sent, received, ts);
}

/// Traces and pings of one pair: a ping before its first trace, pings before and after a
/// candidate path, and a ping to the hop the controller chose when the destination went
/// silent.
std::vector<std::string> bodies() {
    auto silent = trace("a4", border::ttk, 130);
    silent.hops.pop_back();
    const ipv4_addr hop = test::border_addr(border::ttk);
    return {test::batch(ping("p0", 2, 2, 95)),
            test::batch(trace("a1", border::cu, 100), ping("p1", 4, 3, 101)),
            test::batch(ping("p2", 2, 2, 105)),
            test::batch(trace("a2", border::cu, 110)),
            test::batch(ping("p3", 4, 1, 111)),
            test::batch(trace("a3", border::ttk, 120), ping("p4", 3, 3, 121)),
            test::batch(silent),
            test::batch(ping("p5", 2, 1, 131, hop)),
            test::batch(ping("p6", 1, 1, 132)),
            test::batch(trace("a5", border::ttk, 140)),
            test::batch(ping("p7", 4, 4, 141))};
}
/// p0 came before the pair's first trace: it counts in the metrics only (no row to keep it).
constexpr std::uint64_t pings_in_bodies = 7;

const inference::track_key pair{"fra", test::lab().target_24(1)};

std::vector<store::verdict_row> rows_of(replica& r) {
    std::error_code ec;
    auto rows = r.db->load_verdicts(ec);
    REQUIRE_FALSE(ec);
    return rows;
}

/// The pings the stored latency series of the only row counts.
std::uint64_t stored_pings(const std::vector<store::verdict_row>& rows) {
    REQUIRE(rows.size() == 1);
    const auto l = pipeline::latency_from_json(rows[0].latency_json);
    REQUIRE(l);
    std::uint64_t n = 0;
    for (const auto& [path, s] : l->by_path) {
        n += s.pings;
    }
    return n;
}

/// One controller, never restarted: its rows and its in-memory latency of the pair.
struct reference {
    std::vector<store::verdict_row> rows;
    inference::pair_latency latency;
};

reference single_run(const std::string& database) {
    replica one(database);
    for (const auto& b : bodies()) {
        one.run(b);
    }
    return {rows_of(one), one.state.classifier().latency_of(pair)};
}

/// A controller restarted before every batch ends as the reference.
void check_restarts(const std::string& single, const std::string& restarted) {
    const auto ref = single_run(single);
    CHECK(stored_pings(ref.rows) == pings_in_bodies);
    CHECK(ref.latency.observed == "ttk");
    CHECK(ref.latency.by_path.at("ttk").pings == 4); // p4, p5 (to the hop), p6, p7
    for (const auto& b : bodies()) {
        replica r(restarted);
        r.run(b);
    }
    replica last(restarted);
    CHECK(rows_of(last) == ref.rows);
    CHECK(last.state.classifier().latency_of(pair) == ref.latency);
}

} // namespace

TEST_CASE("ping state: a restarted SQLite controller resumes pings' effect exactly") {
    test::temp_dir dir;
    check_restarts((dir.path / "single.db").string(), (dir.path / "restarted.db").string());
}

TEST_CASE("ping state: PostgreSQL replicas interleaving pings and traces end as one") {
    if (auto why = test::pg_cluster::unavailable()) {
        MESSAGE("SKIPPED: " << *why);
        return;
    }
    test::pg_cluster cluster;
    SUBCASE("a restart before every batch") {
        check_restarts(cluster.create_database("single"), cluster.create_database("restarted"));
    }
    SUBCASE("two replicas in turns") {
        const auto ref = single_run(cluster.create_database("single"));
        const auto shared = cluster.create_database("shared");
        replica a(shared);
        replica b(shared);
        const auto all = bodies();
        for (std::size_t i = 0; i < all.size(); ++i) {
            (i % 2 == 0 ? a : b).run(all[i]);
        }
        // A retried ping at the other replica is a duplicate and counts nothing again.
        CHECK(b.run(all[2]).duplicates == 1);
        const auto rows = rows_of(a);
        CHECK(stored_pings(rows) == pings_in_bodies);
        CHECK(rows == ref.rows);
        replica later(shared);
        CHECK(later.state.classifier().latency_of(pair) == ref.latency);
    }
}
