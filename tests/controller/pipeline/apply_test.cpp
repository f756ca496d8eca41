// apply and publish: one store transaction per batch (idempotent on result id, hops mapped to
// ASes, hysteresis, verdicts and change events), then the metrics of what committed.
#include <doctest/doctest.h>

#include <tumen/controller/asmap/file_hash.hpp>
#include <tumen/controller/asmap/loader.hpp>
#include <tumen/controller/inference/tracker_snapshot.hpp>
#include <tumen/controller/pipeline/apply.hpp>
#include <tumen/controller/pipeline/publish.hpp>
#include <tumen/controller/store/sqlite.hpp>

#include "server_fixtures.hpp"

using namespace tumen;
using namespace tumen::controller;
using namespace tumen::controller::pipeline;

namespace {

const ipv4_addr dst177 = test::lab().target_addr(1, 1);
/// The target /24 of dst177, as text.
std::string target177() {
    return test::lab().target_24(1).to_string();
}

/// A store on a temporary file and the verdict state on the lab's map and test campaign
/// (hysteresis K=2).
struct harness {
    test::temp_dir dir;
    std::unique_ptr<store::store> owned = store::store::open((dir.path / "apply.db").string());
    store::store& db = *owned;
    std::shared_ptr<const campaign::campaign_set> campaigns =
        std::make_shared<campaign::campaign_set>(
            campaign::parse_campaigns(test::campaign_yaml(), "campaigns.yaml"));
    verdict_state state{lab_map(), campaigns, 1, 2};

    static asmap::as_map lab_map() {
        return asmap::load_as_map({{test::lab().pfx2as_path()}, {}, {}, {}});
    }

    expected<batch_outcome> run(const std::string& body, std::int64_t now = 5000) {
        auto batch = parse_batch("fra", body);
        REQUIRE(batch);
        return apply(*batch, db, state, now);
    }
    std::int64_t results() {
        std::error_code ec;
        return db.count_results(ec);
    }
};

result::trace cu(const std::string& id, std::int64_t ts) {
    return test::make_trace("fra", id, dst177, test::border::cu, ts);
}
result::trace ttk(const std::string& id, std::int64_t ts) {
    return test::make_trace("fra", id, dst177, test::border::ttk, ts);
}
/// A TTK trace by icmp-paris (the second method of a round).
result::trace ttk_icmp(const std::string& id, std::int64_t ts) {
    auto t = ttk(id, ts);
    t.method = "icmp-paris";
    t.proto = "ICMP";
    return t;
}
/// A TTK trace that names no campaign (not run on a round clock): matched by its destination.
result::trace ttk_foreign(const std::string& id, std::int64_t ts) {
    auto t = ttk(id, ts);
    t.campaign.clear();
    return t;
}

struct apply_case {
    const char* name;
    std::string body;
    std::size_t stored, duplicates, changes;
    std::int64_t rows; ///< results in the store afterwards
};

} // namespace

TEST_CASE("apply: table") {
    const apply_case cases[] = {
        {"valid batch", test::batch(cu("v1", 100), cu("v2", 110)), 2, 0, 0, 2},
        {"a ping", test::batch(test::make_ping("fra", "p1", dst177, 4, 3, 100)), 1, 0, 0, 1},
        {"duplicate ids in one batch",
         test::batch(test::make_ping("fra", "d1", dst177, 1, 1, 5),
                     test::make_ping("fra", "d1", dst177, 1, 1, 5)),
         1, 1, 0, 1},
        {"mixed: a change confirmed with K=2",
         test::batch(cu("m1", 100), cu("m2", 110), ttk("m3", 120),
                     test::make_ping("fra", "m4", dst177, 4, 2, 121), ttk("m5", 130)),
         5, 0, 1, 5},
        // The test campaign's interval is 10 s: 120 and 125 are both in round 12.
        {"two methods in one round are one observation (K=2)",
         test::batch(cu("o1", 100), cu("o2", 110), ttk("o3", 120), ttk_icmp("o4", 125)), 4, 0, 0,
         4},
        {"K=2 met by the next round",
         test::batch(cu("n1", 100), cu("n2", 110), ttk("n3", 120), ttk_icmp("n4", 125),
                     ttk("n5", 130)),
         5, 0, 1, 5},
        {"traces naming no campaign: one observation each",
         test::batch(cu("f1", 100), cu("f2", 110), ttk_foreign("f3", 120), ttk_foreign("f4", 125)),
         4, 0, 1, 4},
        {"empty batch", "[]", 0, 0, 0, 0},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        harness h;
        auto o = h.run(c.body);
        REQUIRE(o);
        CHECK(o->agent == "fra");
        CHECK(o->now == 5000);
        CHECK(o->stored == c.stored);
        CHECK(o->duplicates == c.duplicates);
        CHECK(o->changes == c.changes);
        CHECK(o->change_rows.size() == c.changes);
        CHECK(h.results() == c.rows);
    }
}

TEST_CASE("apply: a retried batch is a duplicate and changes nothing") {
    harness h;
    const auto body = test::batch(cu("r1", 100), cu("r2", 110));
    REQUIRE(h.run(body));
    auto again = h.run(body);
    REQUIRE(again);
    CHECK(again->stored == 0);
    CHECK(again->duplicates == 2);
    CHECK(again->paths.empty());
    CHECK(again->rtts.empty());
    CHECK(h.results() == 2);
}

TEST_CASE("apply: hops mapped, verdicts stored with the tracker state, change recorded") {
    harness h;
    auto o = h.run(test::batch(cu("c1", 100), cu("c2", 110), ttk("c3", 120), ttk("c4", 130)));
    REQUIRE(o);
    std::error_code ec;
    // One row per hop: 15 on the China Unicom path, 14 on the TTK path.
    CHECK(h.db.count_hops(ec) == 2 * 15 + 2 * 14);
    REQUIRE(o->path_changes.size() == 1);
    CHECK(o->path_changes[0].target == target177());
    CHECK(o->path_changes[0].from == "china-unicom");
    CHECK(o->path_changes[0].to == "ttk");
    CHECK(o->paths.at(target177()) == "ttk");
    CHECK_FALSE(o->rtts.empty());
    auto rows = h.db.load_verdicts(ec);
    REQUIRE(rows.size() == 1);
    auto snap = inference::snapshot_from_json(rows[0].tracker_json);
    REQUIRE(snap);
    CHECK(snap->current == rows[0].path);
    CHECK(snap->changes == 1);
    CHECK(h.state.verdicts().at({"fra", target177()}) == rows[0]);
    // The verdict records the data sets it was inferred with: the lab's pfx2as and its hash.
    auto verdict_evidence = nlohmann::json::parse(rows[0].evidence_json);
    REQUIRE(verdict_evidence["datasets"].size() == 1);
    const auto& ds = verdict_evidence["datasets"][0];
    CHECK(ds["kind"] == "pfx2as");
    CHECK(ds["file"] == "pfx2as.txt");
    CHECK(ds["date"].is_null());
    CHECK(ds["sha256"] == asmap::sha256_file(test::lab().pfx2as_path()));
    auto changes = h.db.changes_since(0, 10, ec);
    REQUIRE(changes.size() == 1);
    CHECK(changes[0].at == 120);
    // The evidence names the rounds counted (10 s interval: 120 and 130 are rounds 12 and 13).
    auto evidence = nlohmann::json::parse(changes[0].evidence_json);
    CHECK(evidence["trace_ids"] == nlohmann::json::array({"c3", "c4"}));
    CHECK(evidence["rounds"] == nlohmann::json::array({12, 13}));
    // The state reloaded from the store is the state apply left.
    auto before = h.state.verdicts();
    h.state.load(h.db);
    CHECK(h.state.verdicts() == before);
}

TEST_CASE("publish: the metrics of a committed batch and of refusals") {
    harness h;
    auto o = h.run(
        test::batch(cu("q1", 100), cu("q2", 110), test::make_ping("fra", "q3", dst177, 4, 2, 111)));
    REQUIRE(o);
    metrics::controller_metrics m;
    publish(*o, m);
    CHECK(m.ingested("fra", metrics::outcome::stored) == 3);
    CHECK(m.ingested("fra", metrics::outcome::duplicate) == 0);
    const auto text = m.render();
    CHECK(text.find(R"(tumen_border_path{agent="fra",path="china-unicom",target=")" + target177() +
                    R"("} 1)") != std::string::npos);
    CHECK(text.find(R"(tumen_loss_ratio{agent="fra",target=")" + target177() + R"("} 0.5)") !=
          std::string::npos);
    CHECK(text.find(R"(tumen_agent_last_seen_timestamp_seconds{agent="fra"} 5000)") !=
          std::string::npos);

    publish_refused("fra", batch_error{error_kind::invalid, "bad", "", 4}, m);
    publish_refused("fra", batch_error{error_kind::other_agent, "other", "", 2}, m);
    publish_refused("fra", batch_error{error_kind::storage_unavailable, "down", "", 3}, m);
    CHECK(m.ingested("fra", metrics::outcome::rejected) == 6);
    CHECK(m.ingested("fra", metrics::outcome::failed) == 3);

    metrics::controller_metrics restored;
    publish_verdicts(h.state, restored);
    CHECK(restored.render().find(R"(tumen_border_path{agent="fra",path="china-unicom",target=")" +
                                 target177() + R"("} 1)") != std::string::npos);
    // The data sets of the AS map, one info series each.
    const auto version = h.state.map().datasets().at(0).version();
    CHECK(version.rfind("pfx2as.txt@undated#", 0) == 0);
    CHECK(restored.render().find(R"(tumen_dataset_info{kind="pfx2as",version=")" + version +
                                 R"("} 1)") != std::string::npos);
    // A second call with other data sets replaces the series.
    restored.set_datasets({{"pfx2as", "other.txt@undated#000000000000"}});
    CHECK(restored.render().find(version) == std::string::npos);
    CHECK(restored.render().find(R"(version="other.txt@undated#000000000000"} 1)") !=
          std::string::npos);
}

TEST_CASE("apply: a storage error keeps nothing of the batch and reloads the state") {
    harness h;
    REQUIRE(h.run(test::batch(cu("f1", 100), cu("f2", 110))));
    const auto before = h.state.verdicts();
    // Another connection drops the changes table: the change this batch confirms cannot be
    // written, after its results and verdict were.
    REQUIRE_FALSE(
        store::database::open((h.dir.path / "apply.db").string()).exec("DROP TABLE changes"));
    auto o = h.run(test::batch(ttk("f3", 120), ttk("f4", 130)));
    REQUIRE_FALSE(o);
    CHECK(o.error().kind == error_kind::storage_unavailable);
    CHECK(o.error().what.rfind("storage error: ", 0) == 0);
    CHECK(o.error().results == 2);
    CHECK(h.results() == 2);
    CHECK(h.state.verdicts() == before);
    const auto& trackers = h.state.classifier().trackers();
    REQUIRE(trackers.size() == 1);
    CHECK(trackers.begin()->second.snapshot().candidate.empty());
}

TEST_CASE("apply: each RTT goes under the path its own trace observed; pings under the latest") {
    harness h;
    // K=2: after cu, cu, ttk the confirmed path is still china-unicom, the candidate ttk.
    auto o = h.run(test::batch(cu("h1", 100), cu("h2", 110), ttk("h3", 120),
                               test::make_ping("fra", "h4", dst177, 4, 3, 121)));
    REQUIRE(o);
    REQUIRE(o->changes == 0);
    CHECK(h.state.verdicts().at({"fra", target177()}).path == "china-unicom");
    std::size_t ttk_samples = 0;
    std::size_t cu_samples = 0;
    for (const auto& r : o->rtts) {
        CAPTURE(r.seconds);
        if (r.seconds > 0.060) {
            CHECK(r.path == "ttk"); // TTK's 70 ms never lands under china-unicom
        }
        ttk_samples += r.path == "ttk" ? 1 : 0;
        cu_samples += r.path == "china-unicom" ? 1 : 0;
    }
    // Two CU traces (border + end-to-end each); the TTK trace (2) and the ping after it (3
    // answered probes), under the path of the latest trace: ttk, not the confirmed one.
    CHECK(cu_samples == 4);
    CHECK(ttk_samples == 2 + 3);
    REQUIRE(o->losses.size() == 1);
    CHECK(o->losses[0].path == "ttk");
    CHECK(o->losses[0].ratio == doctest::Approx(0.25));
    // The classifier's own latency series (classify's output) attribute the ping the same way.
    const auto& series = h.state.classifier().latency().series();
    const auto prefix = test::lab().target_24(1);
    CHECK(series.at(inference::latency_key{"fra", prefix, "ttk"}).pings == 1);
    CHECK(series.at(inference::latency_key{"fra", prefix, "china-unicom"}).pings == 0);
    // The latest trace's observation survives a restart (from the stored evidence).
    CHECK(h.state.observed().at({"fra", target177()}).ping_target == dst177);
    h.state.load(h.db);
    REQUIRE(h.state.observed().count({"fra", target177()}) == 1);
    CHECK(h.state.observed().at({"fra", target177()}).path == "ttk");
    CHECK(h.state.observed().at({"fra", target177()}).ping_target == dst177);
    auto p = h.run(test::batch(test::make_ping("fra", "h5", dst177, 2, 2, 125)));
    REQUIRE(p);
    REQUIRE(p->rtts.size() == 2);
    CHECK(p->rtts[0].path == "ttk");
}

TEST_CASE("apply: a ping to the chosen hop outside the target prefix counts for its target") {
    harness h;
    // The destination is silent: pings go to the TTK-facing border interface.
    auto silent = ttk("s1", 100);
    silent.hops.pop_back();
    const ipv4_addr border = test::border_addr(test::border::ttk);
    REQUIRE(h.run(test::batch(silent)));
    CHECK(h.state.ping_targets("fra").at(test::lab().target_24(1)) == border);
    CHECK(h.state.target_pinged("fra", border) == target177());
    CHECK_FALSE(h.state.target_pinged("tyo", border));
    auto o = h.run(test::batch(test::make_ping("fra", "s2", border, 2, 1, 101)));
    REQUIRE(o);
    REQUIRE(o->rtts.size() == 1);
    CHECK(o->rtts[0].target == target177());
    CHECK(o->rtts[0].path == "ttk");
    REQUIRE(o->losses.size() == 1);
    CHECK(o->losses[0].target == target177());
    // A ping to an address no target chose is stored but measures nothing.
    o = h.run(
        test::batch(test::make_ping("fra", "s3", *ipv4_addr::parse("192.0.2.77"), 2, 2, 102)));
    REQUIRE(o);
    CHECK(o->stored == 1);
    CHECK(o->rtts.empty());
}

TEST_CASE("publish: loss per observed path next to the last-ping loss") {
    harness h;
    auto o = h.run(test::batch(cu("l1", 100), ttk("l2", 110),
                               test::make_ping("fra", "l3", dst177, 4, 2, 111)));
    REQUIRE(o);
    metrics::controller_metrics m;
    publish(*o, m);
    const auto text = m.render();
    CHECK(text.find(R"(tumen_path_loss_ratio{agent="fra",path="ttk",target=")" + target177() +
                    R"("} 0.5)") != std::string::npos);
    CHECK(text.find(R"(tumen_rtt_window_seconds{agent="fra",path="ttk",target=")" + target177() +
                    R"(",quantile="0.5"})") != std::string::npos);
    CHECK(text.find(R"(tumen_border_rtt_window_seconds{agent="fra",path="china-unicom",target=")" +
                    target177() + R"(",quantile="0.5"})") != std::string::npos);
}

namespace {
/// A TTK trace started by a watch alarm (a confirmation trace when `confirmation`).
result::trace ttk_watch(const std::string& id, std::int64_t ts, bool confirmation) {
    auto t = ttk(id, ts);
    t.trigger = result::trigger_watch;
    t.confirmation = confirmation;
    return t;
}
struct watch_case {
    const char* name;
    std::string body;
    std::size_t changes;
    const char* detected_by; ///< of the change, when there is one
};
} // namespace

TEST_CASE("apply: confirmation traces count on their own; changes say how they were found") {
    // The test campaign's interval is 10 s: 120, 122 and 125 are all in round 12.
    const watch_case cases[] = {
        {"a watch re-trace and its confirmation in one round: K=2 met",
         test::batch(cu("w1", 100), cu("w2", 110), ttk_watch("w3", 120, false),
                     ttk_watch("w4", 122, true)),
         1, "watch"},
        {"a watch re-trace and a round's trace of the same round: one observation",
         test::batch(cu("x1", 100), cu("x2", 110), ttk_watch("x3", 120, false), ttk("x4", 125)), 0,
         ""},
        {"a watch re-trace completed by the next round's trace",
         test::batch(cu("y1", 100), cu("y2", 110), ttk_watch("y3", 120, false), ttk("y4", 130)), 1,
         "round"},
        {"rounds only", test::batch(cu("z1", 100), cu("z2", 110), ttk("z3", 120), ttk("z4", 130)),
         1, "round"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        harness h;
        auto o = h.run(c.body);
        REQUIRE(o);
        REQUIRE(o->change_rows.size() == c.changes);
        if (c.changes == 0) {
            continue;
        }
        auto evidence = nlohmann::json::parse(o->change_rows[0].evidence_json);
        CHECK(evidence["detected_by"] == c.detected_by);
    }
}
