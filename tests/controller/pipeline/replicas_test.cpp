// Two replicas (two verdict states, two connections) applying one agent's traces to one
// PostgreSQL store in turns: each (agent, target)'s tracker is read under its lock from the
// store, so the pair confirms each change once and loses no observation, as one controller
// would; a retried batch at the other replica is a duplicate.
#include <doctest/doctest.h>

#include "pg_cluster.hpp"
#include "replica.hpp"

using namespace tumen;
using namespace tumen::controller;
using namespace tumen::controller::pipeline;

namespace {

using test::replica;

const ipv4_addr dst = test::lab().target_addr(1, 1);

result::trace trace(const std::string& id, test::border b, std::int64_t ts) {
    return test::make_trace("fra", id, dst, b, ts);
}

} // namespace

TEST_CASE("replicas: turns between two replicas on PostgreSQL infer as one controller") {
    if (auto why = test::pg_cluster::unavailable()) {
        MESSAGE("SKIPPED: " << *why);
        return;
    }
    test::pg_cluster cluster;
    using test::border;
    // K=2: cu, cu, ttk, ttk, ttk, cu, cu: cu -> ttk, then ttk -> cu.
    const std::vector<std::string> bodies = {
        test::batch(trace("a1", border::cu, 100)),  test::batch(trace("a2", border::cu, 110)),
        test::batch(trace("a3", border::ttk, 120)), test::batch(trace("a4", border::ttk, 130)),
        test::batch(trace("a5", border::ttk, 140)), test::batch(trace("a6", border::cu, 150)),
        test::batch(trace("a7", border::cu, 160)),
    };
    std::size_t single_changes = 0;
    std::vector<store::verdict_row> single_verdicts;
    {
        replica one(cluster.create_database("single"));
        for (const auto& b : bodies) {
            single_changes += one.run(b).changes;
        }
        std::error_code ec;
        single_verdicts = one.db->load_verdicts(ec);
        REQUIRE_FALSE(ec);
    }
    REQUIRE(single_changes == 2);

    const auto shared = cluster.create_database("shared");
    replica a(shared);
    replica b(shared);
    std::size_t changes = 0;
    for (std::size_t i = 0; i < bodies.size(); ++i) {
        changes += (i % 2 == 0 ? a : b).run(bodies[i]).changes;
    }
    CHECK(changes == single_changes);
    // A retry of a batch at the other replica stores nothing and confirms nothing.
    auto again = b.run(bodies[0]);
    CHECK(again.stored == 0);
    CHECK(again.duplicates == 1);
    CHECK(again.changes == 0);
    std::error_code ec;
    CHECK(a.db->count_results(ec) == static_cast<std::int64_t>(bodies.size()));
    CHECK(a.db->count_changes(ec) == static_cast<std::int64_t>(single_changes));
    const auto verdicts = a.db->load_verdicts(ec);
    REQUIRE(verdicts.size() == single_verdicts.size());
    for (std::size_t i = 0; i < verdicts.size(); ++i) {
        CHECK(verdicts[i].path == single_verdicts[i].path);
        CHECK(verdicts[i].since == single_verdicts[i].since);
        CHECK(verdicts[i].tracker_json == single_verdicts[i].tracker_json);
    }
}
