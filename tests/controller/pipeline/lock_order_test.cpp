// A ping to a hop whose pair only becomes known after the batch took its other pair locks
// (a trace earlier in the batch moved the pair that pinged the hop before) locks that pair
// out of order. Two replicas on one PostgreSQL whose batches lock the same pairs in opposite
// orders deadlock; PostgreSQL aborts one transaction, which apply() runs again: both batches
// are stored exactly once and the store ends as one controller's that took them in commit
// order.
#include <atomic>
#include <chrono>
#include <pqxx/pqxx>
#include <thread>

#include <doctest/doctest.h>

#include "pg_cluster.hpp"
#include "replica.hpp"

using namespace tumen;
using namespace tumen::controller;
using namespace tumen::controller::pipeline;

namespace {

using test::border;
using test::t0, test::t1, test::t2;
const ipv4_addr hop = test::border_addr(border::ttk);

/// t0 and t1 both ping the TTK border hop (t0 first in lock order); t2 has a row.
std::string setup() {
    return test::batch(test::fra_trace("s0", 0, border::ttk, 100, true),
                       test::fra_trace("s1", 1, border::ttk, 100, true),
                       test::fra_trace("s2", 2, border::ttk, 100));
}
/// Locks t0 and t2 up front; its trace to t0 points t0's pings back at the destination, so
/// its ping to the hop belongs to t1, locked last (out of order).
std::string first() {
    return test::batch(test::fra_trace("f0", 0, border::cu, 110),
                       test::fra_trace("f2", 2, border::cu, 110),
                       test::make_ping("fra", "fp", hop, 4, 3, 111));
}
/// Locks t1, then t2.
std::string second() {
    return test::batch(test::fra_trace("g1", 1, border::cu, 112),
                       test::fra_trace("g2", 2, border::cu, 112));
}

std::vector<store::verdict_row> rows_of(store::store& db) {
    std::error_code ec;
    auto rows = db.load_verdicts(ec);
    REQUIRE_FALSE(ec);
    return rows;
}

/// The rows and change events of one store.
struct state_of {
    std::vector<store::verdict_row> rows;
    std::vector<store::change_row> changes;
    bool operator==(const state_of&) const = default;
};

state_of stored(store::store& db) {
    std::error_code ec;
    auto changes = db.changes_since(0, 1000, ec);
    REQUIRE_FALSE(ec);
    for (auto& c : changes) {
        c.seq = 0; // a rolled-back transaction still used up its sequence numbers
    }
    return {rows_of(db), std::move(changes)};
}

/// What one controller stores applying setup() and then `bodies` in order.
state_of reference(const std::string& database, const std::vector<std::string>& bodies) {
    test::replica one(database);
    one.run(setup());
    for (const auto& b : bodies) {
        one.run(b);
    }
    return stored(*one.db);
}

/// Sessions of `uri`'s database waiting for a lock.
int lock_waiters(pqxx::connection& c) {
    pqxx::nontransaction n(c);
    return n
        .exec("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
              " AND datname = current_database()")[0][0]
        .as<int>();
}

void wait_for_waiters(pqxx::connection& c, int n) {
    for (int i = 0; i < 500 && lock_waiters(c) < n; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    REQUIRE(lock_waiters(c) == n);
}

std::int64_t deadlocks(pqxx::connection& c) {
    pqxx::nontransaction n(c);
    return n.exec("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")[0][0]
        .as<std::int64_t>();
}

} // namespace

TEST_CASE("lock order: a ping's pair locked out of order deadlocks, and the batch runs again") {
    if (auto why = test::pg_cluster::unavailable()) {
        MESSAGE("SKIPPED: " << *why);
        return;
    }
    test::pg_cluster cluster;
    const auto shared = cluster.create_database("shared");
    auto a = std::make_unique<test::replica>(shared);
    auto b = std::make_unique<test::replica>(shared);
    a->run(setup());
    b->state.load(*b->db);

    pqxx::connection watch(shared);
    const auto deadlocks_before = deadlocks(watch);
    // A third session holds t2's pair lock, so that a takes t0 and queues for t2, then b takes
    // t1 and queues for t2 behind it; released, a takes t2 and then wants t1.
    pqxx::connection holder(shared);
    auto hold = std::make_unique<pqxx::work>(holder);
    hold->exec_params(
        "SELECT pg_advisory_xact_lock(hashtextextended($1::text || ' ' || $2::text, 0))", "fra",
        t2);
    std::optional<expected<batch_outcome>> out_a, out_b;
    std::thread ta([&] {
        const auto body = first(); // the batch refers to its body
        auto batch = parse_batch("fra", body);
        out_a = apply(*batch, *a->db, a->state, 5000);
    });
    wait_for_waiters(watch, 1);
    std::thread tb([&] {
        const auto body = second();
        auto batch = parse_batch("fra", body);
        out_b = apply(*batch, *b->db, b->state, 5000);
    });
    wait_for_waiters(watch, 2);
    hold->commit();
    ta.join();
    tb.join();
    REQUIRE(out_a);
    REQUIRE(out_b);
    CHECK(*out_a);
    CHECK(*out_b);

    std::error_code ec;
    CHECK(a->db->count_results(ec) == 3 + 3 + 2); // each result once
    const auto now = stored(*a->db);
    // PostgreSQL saw the deadlock: a session reports its statistics when it ends, at the latest.
    a.reset();
    b.reset();
    for (int i = 0; i < 1000 && deadlocks(watch) == deadlocks_before; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK(deadlocks(watch) == deadlocks_before + 1);
    // Whichever committed first, the rows are one controller's in that order.
    const auto a_first = reference(cluster.create_database("a_first"), {first(), second()});
    const auto b_first = reference(cluster.create_database("b_first"), {second(), first()});
    CHECK((now == a_first || now == b_first));
}
