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

} // namespace tumen::test
