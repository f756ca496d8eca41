// The loss gauges (tumen_loss_ratio, tumen_path_loss_ratio) show the last ping of each
// (agent, target), overall and under each path its pings were recorded under. One SQLite
// controller sets them as it stores each ping. On PostgreSQL the verdict row keeps the last
// ping's loss and the elected exporter replica publishes it, so that Prometheus scraping every
// replica sees each series once, with one controller's value. Rows written before the loss
// was kept (schema v3 rows without it) still load.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <tumen/controller/pipeline/ingest_service.hpp>

#include "latency_row.hpp"
#include "metrics_text.hpp"
#include "pg_cluster.hpp"
#include "replica.hpp"
#include "server_fixtures.hpp"

using namespace tumen;
using namespace tumen::controller;
using namespace tumen::controller::pipeline;

namespace {

using test::border;
using test::t0, test::t1, test::t2;

result::ping ping(const std::string& id, std::size_t target, std::uint32_t sent,
                  std::uint32_t received, std::int64_t ts) {
    return test::make_ping("fra", id, test::lab().target_addr(target, 1), sent, received, ts);
}

/// Pings of two targets under China Unicom, then under TTK (each target's latest trace).
std::vector<std::string> bodies() {
    return {test::batch(test::fra_trace("a1", 0, border::cu, 100),
                        test::fra_trace("b1", 1, border::cu, 100), ping("p1", 0, 4, 3, 101)),
            test::batch(ping("p2", 1, 4, 2, 102)),
            test::batch(test::fra_trace("a2", 0, border::ttk, 110), ping("p3", 0, 2, 1, 111)),
            test::batch(ping("p4", 1, 4, 4, 112)),
            test::batch(ping("p5", 0, 4, 0, 113)),
            test::batch(test::fra_trace("b2", 1, border::ttk, 120), ping("p6", 1, 2, 1, 121))};
}

/// An ingest service of agent fra on `database`, with its own metrics.
struct service {
    metrics::controller_metrics metrics;
    config::campaign_source campaigns;
    ingest_service ingest;

    service(const test::temp_dir& dir, const std::string& database)
        : campaigns({dir.path / "campaigns.yaml"})
        , ingest(store::store::open(database), metrics, load(campaigns), options()) {}

    static config::campaign_source& load(config::campaign_source& c) {
        c.load();
        return c;
    }
    static ingest_options options() {
        ingest_options o;
        o.hysteresis = 2;
        o.pfx2as_files = {test::lab().pfx2as_path()};
        return o;
    }
};

/// name{agent,target[,path]} -> value of every loss sample of `texts`, and how many of the
/// texts show that series.
struct loss_series {
    std::map<std::string, double> value;
    std::map<std::string, int> shown;
};

loss_series losses_of(const std::vector<std::string>& texts) {
    loss_series out;
    for (const auto& text : texts) {
        for (const char* name : {"tumen_loss_ratio", "tumen_path_loss_ratio"}) {
            for (const auto& s : test::samples_of(text, name)) {
                std::string key = std::string(name) + " " + s.labels.at("target");
                if (auto p = s.labels.find("path"); p != s.labels.end()) {
                    key += " " + p->second;
                }
                out.value[key] = s.value;
                ++out.shown[key];
            }
        }
    }
    return out;
}

/// What one SQLite controller shows after `bodies()`: the last ping of each target, and of
/// each (target, path).
const std::map<std::string, double> single_controller = {
    {"tumen_loss_ratio " + t0, 1.0},                         // p5
    {"tumen_loss_ratio " + t1, 0.5},                         // p6
    {"tumen_path_loss_ratio " + t0 + " china-unicom", 0.25}, // p1
    {"tumen_path_loss_ratio " + t0 + " ttk", 1.0},           // p5 (after p3)
    {"tumen_path_loss_ratio " + t1 + " china-unicom", 0.0},  // p4 (after p2)
    {"tumen_path_loss_ratio " + t1 + " ttk", 0.5},           // p6
};

} // namespace

TEST_CASE("loss export: one SQLite controller sets the loss gauges from each ping") {
    test::temp_dir dir;
    dir.write("campaigns.yaml", test::campaign_yaml());
    service one(dir, (dir.path / "single.db").string());
    std::int64_t now = 1000;
    for (const auto& b : bodies()) {
        REQUIRE(one.ingest.ingest("fra", b, ++now));
    }
    auto l = losses_of({one.metrics.render()});
    CHECK(l.value == single_controller);
    // A ping before its pair's first trace shows too, under no path (it has no row).
    REQUIRE(one.ingest.ingest("fra", test::batch(ping("q1", 2, 4, 1, 130)), ++now));
    l = losses_of({one.metrics.render()});
    CHECK(l.value["tumen_loss_ratio " + t2] == 0.75);
    CHECK(l.value["tumen_path_loss_ratio " + t2 + " none"] == 0.75);
}

TEST_CASE("loss export: verdict rows without the last ping's loss (schema v3) still load") {
    test::temp_dir dir;
    const auto database = (dir.path / "s.db").string();
    std::string with_loss;
    {
        test::replica r(database);
        for (const auto& b : bodies()) {
            r.run(b);
        }
        with_loss = r.state.verdicts().at({"fra", t0}).latency_json;
        CHECK(r.state.losses().at({"fra", t0}).ratio == 1.0);
        // The row as the previous release wrote it: no "loss".
        auto row = r.state.verdicts().at({"fra", t0});
        auto j = nlohmann::json::parse(row.latency_json);
        REQUIRE(j.contains("loss"));
        j.erase("loss");
        row.latency_json = j.dump();
        REQUIRE_FALSE(r.db->upsert_verdict(row));
    }
    CHECK(loss_from_json(with_loss).by_path ==
          std::map<std::string, double>{{"china-unicom", 0.25}, {"ttk", 1.0}});
    test::replica old(database);
    CHECK(old.state.losses().count({"fra", t0}) == 0); // loaded, with no loss yet
    CHECK(old.state.losses().count({"fra", t1}) == 1);
    CHECK(latency_from_json(old.state.verdicts().at({"fra", t0}).latency_json) ==
          latency_from_json(with_loss));
    // Its next ping keeps its loss again.
    old.run(test::batch(ping("p7", 0, 4, 1, 140)));
    const auto again = loss_from_json(old.state.verdicts().at({"fra", t0}).latency_json);
    CHECK(again.ratio == 0.75);
    CHECK(again.by_path == std::map<std::string, double>{{"ttk", 0.75}});
}

TEST_CASE("loss export: PostgreSQL replicas show each loss series once, from the exporter") {
    if (auto why = test::pg_cluster::unavailable()) {
        MESSAGE("SKIPPED: " << *why);
        return;
    }
    test::pg_cluster cluster;
    test::temp_dir dir;
    dir.write("campaigns.yaml", test::campaign_yaml());
    const auto shared = cluster.create_database("shared");
    service a(dir, shared);
    service b(dir, shared);
    std::int64_t now = 1000;
    const auto all = bodies();
    for (std::size_t i = 0; i < all.size(); ++i) {
        REQUIRE((i % 2 == 0 ? a : b).ingest.ingest("fra", all[i], ++now));
    }
    // Neither replica shows a loss it stored itself.
    CHECK(losses_of({a.metrics.render(), b.metrics.render()}).value.empty());
    a.ingest.refresh(now + 10); // takes the exporter lease
    b.ingest.refresh(now + 10);
    const auto l = losses_of({a.metrics.render(), b.metrics.render()});
    CHECK(l.value == single_controller);
    for (const auto& [key, n] : l.shown) {
        INFO(key);
        CHECK(n == 1);
    }
    CHECK(losses_of({b.metrics.render()}).value.empty()); // not the exporter
    // A later ping at the other replica moves the exporter's gauge at its next export only.
    REQUIRE(b.ingest.ingest("fra", test::batch(ping("p7", 0, 4, 1, 140)), now + 11));
    a.ingest.refresh(now + 20);
    b.ingest.refresh(now + 20);
    const auto later = losses_of({a.metrics.render(), b.metrics.render()});
    CHECK(later.value.at("tumen_loss_ratio " + t0) == 0.75);
    CHECK(later.value.at("tumen_path_loss_ratio " + t0 + " ttk") == 0.75);
    CHECK(later.shown.at("tumen_loss_ratio " + t0) == 1);
}
