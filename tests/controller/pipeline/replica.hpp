#pragma once
// One controller process for the pipeline tests that share a store between several (replicas
// on PostgreSQL) or reopen it (restarts): its own store connection and its own cached
// inference state, loaded from the store, on the lab's campaign and pfx2as with K=2.
#include <memory>
#include <string>

#include <doctest/doctest.h>

#include <tumen/controller/asmap/loader.hpp>
#include <tumen/controller/pipeline/apply.hpp>
#include <tumen/controller/store/store.hpp>

#include "server_fixtures.hpp"

namespace tumen::test {

struct replica {
    std::unique_ptr<controller::store::store> db;
    std::shared_ptr<const campaign::campaign_set> campaigns =
        std::make_shared<campaign::campaign_set>(
            campaign::parse_campaigns(campaign_yaml(), "campaigns.yaml"));
    controller::pipeline::verdict_state state{
        controller::asmap::load_as_map({{lab().pfx2as_path()}, {}, {}, {}}), campaigns, 1, 2};

    explicit replica(const std::string& database)
        : db(controller::store::store::open(database)) {
        state.load(*db);
    }
    /// Applies agent fra's batch `body`, received at 5000.
    controller::pipeline::batch_outcome run(const std::string& body) {
        auto batch = controller::pipeline::parse_batch("fra", body);
        REQUIRE(batch);
        auto o = controller::pipeline::apply(*batch, *db, state, 5000);
        REQUIRE(o);
        return std::move(*o);
    }
};

/// The lab's first three target prefixes as text ("198.19.176.0/24", ...), in lock order.
inline const std::string t0 = lab().target_24(0).to_string();
inline const std::string t1 = lab().target_24(1).to_string();
inline const std::string t2 = lab().target_24(2).to_string();

/// Agent fra's trace `id` to the first address of target prefix `target`, across border `b`;
/// `silent`: the destination does not answer (its pings then go to the border hop).
inline result::trace fra_trace(const std::string& id, std::size_t target, border b, std::int64_t ts,
                               bool silent = false) {
    auto t = make_trace("fra", id, lab().target_addr(target, 1), b, ts);
    if (silent) {
        t.hops.pop_back();
    }
    return t;
}

} // namespace tumen::test
