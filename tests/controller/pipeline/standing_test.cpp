// Staleness and reload through the ingest service: stale verdicts lose their
// tumen_border_path series (and their share), tumen_verdict_age_seconds shows the age, the
// series of removed targets and agents go away, and a restart restores last-seen and judges
// stored verdicts by their observation time. The invariant (exactly one tumen_border_path
// series at 1 per fresh agent x target, none for the others) is checked on the rendered
// metrics after every step. refresh() works in slices: each slice gives what one pass does.
#include <sstream>

#include <doctest/doctest.h>

#include <tumen/controller/inference/path_names.hpp>
#include <tumen/controller/pipeline/ingest_service.hpp>
#include <tumen/controller/pipeline/standing.hpp>

#include "metrics_text.hpp"
#include "server_fixtures.hpp"

using namespace tumen;
using namespace tumen::controller;
using namespace tumen::controller::pipeline;
using nlohmann::json;

namespace {

using pair_key = std::pair<std::string, std::string>;

const std::string t176 = test::lab().target_24(0).to_string();
const std::string t177 = test::lab().target_24(1).to_string();

/// The test campaign (interval 10s: stale_after 30s by default) on `prefixes` only.
std::string campaign_on(const std::vector<std::string>& prefixes) {
    std::string text = test::campaign_yaml();
    const auto from = text.find("prefixes: [") + 11;
    std::string list;
    for (const auto& p : prefixes) {
        list += (list.empty() ? "" : ", ") + p;
    }
    return text.replace(from, text.find(']', from) - from, list);
}

/// An ingest service on a store in `dir` for the configured `agents`.
struct service {
    metrics::controller_metrics metrics;
    config::campaign_source campaigns;
    ingest_service ingest;

    service(const test::temp_dir& dir, const std::vector<std::string>& agents)
        : campaigns({dir.path / "campaigns.yaml"})
        , ingest(store::store::open((dir.path / "s.db").string()), metrics, load(campaigns),
                 options(agents)) {}

    static config::campaign_source& load(config::campaign_source& c) {
        c.load();
        return c;
    }
    static ingest_options options(const std::vector<std::string>& agents) {
        ingest_options o;
        o.hysteresis = 2;
        o.pfx2as_files = {test::lab().pfx2as_path()};
        o.agents.emplace();
        for (const auto& a : agents) {
            (*o.agents)[a] = {};
        }
        return o;
    }

    void send(const std::string& agent, const std::string& body, std::int64_t now) {
        REQUIRE(ingest.ingest(agent, body, now));
    }
    /// The (agent, target) -> stale of /api/v1/paths at `now`, and its ages.
    std::map<pair_key, std::pair<bool, std::int64_t>> paths(std::int64_t now) {
        std::map<pair_key, std::pair<bool, std::int64_t>> out;
        const auto doc = ingest.paths(now);
        for (const auto& p : doc["paths"]) {
            out[{p["agent"].get<std::string>(), p["target"].get<std::string>()}] = {
                p["stale"].get<bool>(), p["age_seconds"].get<std::int64_t>()};
        }
        return out;
    }
};

result::trace trace(const std::string& agent, const std::string& id, std::size_t target,
                    test::border b, std::int64_t ts) {
    return test::make_trace(agent, id, test::lab().target_addr(target, 1), b, ts);
}

/// The border path series of `text` are exactly `expected` (agent x target -> path at 1),
/// each with one series at 1.
void check_current(const std::string& text, const std::map<pair_key, std::string>& expected) {
    const auto b = test::border_paths_of(text);
    CHECK(b.ok);
    CHECK(b.current == expected);
    std::set<pair_key> with_series;
    for (const auto& s : test::samples_of(text, "tumen_border_path")) {
        with_series.insert({s.labels.at("agent"), s.labels.at("target")});
    }
    std::set<pair_key> fresh;
    for (const auto& [key, path] : expected) {
        fresh.insert(key);
    }
    CHECK(with_series == fresh); // no 0 series for stale pairs
}

/// The lines of `text` about tumen_ series (not the process's own, which move).
std::string tumen_lines(const std::string& text) {
    std::string out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (line.find("tumen_") != std::string::npos) {
            out += line + "\n";
        }
    }
    return out;
}

double age_of(const std::string& text, const std::string& agent, const std::string& target) {
    auto [found, v] =
        test::value_of(text, "tumen_verdict_age_seconds", {{"agent", agent}, {"target", target}});
    CHECK(found);
    return v;
}

} // namespace

TEST_CASE("standing: stale_after of the campaign that assigns the prefix, by agent") {
    auto set = campaign::parse_campaigns(campaign_on({t176, t177}), "c.yaml");
    std::optional<agent_labels> agents = agent_labels{{"fra", {}}};
    standing_rules rules(set, agents);
    CHECK(rules.stale_after("fra", t176) == std::chrono::seconds(30));
    CHECK_FALSE(rules.stale_after("msk", t176));           // not configured
    CHECK_FALSE(rules.stale_after("fra", "192.0.2.0/24")); // in no campaign
    store::verdict_row row{"fra", t176, "ttk", 1, 90, "{}", "{}", 100, ""};
    CHECK(rules.standing(row, 130).freshness == inference::freshness{false, 30});
    CHECK(rules.standing(row, 131).freshness == inference::freshness{true, 31});
    row.observed = 0; // stored before `observed` existed: `updated` stands in
    CHECK(rules.standing(row, 121).freshness == inference::freshness{true, 31});
    row.agent = "msk";
    const auto gone = rules.standing(row, 100);
    CHECK_FALSE(gone.in_force);
    CHECK(gone.freshness.stale);
}

TEST_CASE("staleness: ingests, a change, staleness, a reload and restarts keep the invariant") {
    test::temp_dir dir;
    dir.write("campaigns.yaml", campaign_on({t176, t177}));
    {
        service s(dir, {"fra", "msk"});
        // fra: china-unicom on both targets (K=2 rounds), msk: china-unicom on 176.
        s.send("fra",
               test::batch(trace("fra", "f1", 0, test::border::cu, 100),
                           trace("fra", "f2", 0, test::border::cu, 110),
                           trace("fra", "f3", 1, test::border::cu, 100),
                           trace("fra", "f4", 1, test::border::cu, 110),
                           test::make_ping("fra", "f5", test::lab().target_addr(1, 1), 4, 3, 111)),
               1000);
        s.send("msk",
               test::batch(trace("msk", "m1", 0, test::border::cu, 100),
                           trace("msk", "m2", 0, test::border::cu, 110)),
               1000);
        check_current(s.metrics.render(), {{{"fra", t176}, "china-unicom"},
                                           {{"fra", t177}, "china-unicom"},
                                           {{"msk", t176}, "china-unicom"}});

        // fra moves to TTK on 176: the old path stays as a 0 series of a fresh pair.
        s.send("fra",
               test::batch(trace("fra", "f6", 0, test::border::ttk, 120),
                           trace("fra", "f7", 0, test::border::ttk, 130)),
               1010);
        auto text = s.metrics.render();
        check_current(text, {{{"fra", t176}, "ttk"},
                             {{"fra", t177}, "china-unicom"},
                             {{"msk", t176}, "china-unicom"}});
        CHECK(test::value_of(text, "tumen_border_path",
                             {{"agent", "fra"}, {"target", t176}, {"path", "china-unicom"}}) ==
              std::pair{true, 0.0});
        CHECK(test::value_of(text, "tumen_path_share_ratio", {{"target", t176}, {"path", "ttk"}}) ==
              std::pair{true, 0.5});

        // msk keeps reporting; fra's verdicts (observed at 1000 and 1010) go stale after 30s.
        s.send("msk", test::batch(trace("msk", "m3", 0, test::border::cu, 140)), 1025);
        s.ingest.refresh(1030);
        check_current(s.metrics.render(), {{{"fra", t176}, "ttk"},
                                           {{"fra", t177}, "china-unicom"},
                                           {{"msk", t176}, "china-unicom"}});
        s.ingest.refresh(1031);
        text = s.metrics.render();
        check_current(text, {{{"fra", t176}, "ttk"}, {{"msk", t176}, "china-unicom"}});
        CHECK(age_of(text, "fra", t177) == 31);
        CHECK(age_of(text, "fra", t176) == 21);
        CHECK(age_of(text, "msk", t176) == 6);
        auto p = s.paths(1031);
        CHECK(p[{"fra", t177}] == std::pair{true, std::int64_t{31}});
        CHECK(p[{"fra", t176}] == std::pair{false, std::int64_t{21}});
        CHECK(p[{"msk", t176}] == std::pair{false, std::int64_t{6}});
        // The share of 177 had fra only: no share series without a fresh agent.
        CHECK(test::label_values(text, "tumen_path_share_ratio", "target") ==
              std::set<std::string>{t176});
        s.ingest.refresh(1041);
        text = s.metrics.render();
        check_current(text, {{{"msk", t176}, "china-unicom"}});
        CHECK(test::value_of(text, "tumen_path_share_ratio",
                             {{"target", t176}, {"path", "china-unicom"}}) == std::pair{true, 1.0});
        CHECK(test::value_of(text, "tumen_path_share_ratio", {{"target", t176}, {"path", "ttk"}}) ==
              std::pair{true, 0.0});

        // A new observation makes fra's 176 verdict fresh again, with its current path only.
        // (msk, last observed at 1025, is stale by now: the next sweep removes it.)
        s.send("fra", test::batch(trace("fra", "f8", 0, test::border::ttk, 140)), 1060);
        s.ingest.refresh(1060);
        check_current(s.metrics.render(), {{{"fra", t176}, "ttk"}});

        CHECK(s.paths(1060)[{"fra", t176}] == std::pair{false, std::int64_t{0}});

        // Reload without 177: every series of 177 goes (loss, RTT, age), 176 stays.
        CHECK(test::label_values(s.metrics.render(), "tumen_", "target").count(t177) == 1);
        dir.write("campaigns.yaml", campaign_on({t176}));
        REQUIRE(s.campaigns.reload().reloaded);
        s.ingest.refresh(1061);
        text = s.metrics.render();
        CHECK(test::label_values(text, "tumen_", "target") == std::set<std::string>{t176});
        check_current(text, {{{"fra", t176}, "ttk"}});
        CHECK(s.paths(1061)[{"fra", t177}].first == true); // listed, stale: no campaign
    }
    {
        // Restart with msk removed from the agents: its series and last-seen are gone; fra's
        // last-seen is restored from the store; verdicts are judged by observation time.
        service s(dir, {"fra"});
        s.ingest.recover(1070);
        auto text = s.metrics.render();
        CHECK(test::value_of(text, "tumen_agent_last_seen_timestamp_seconds", {{"agent", "fra"}}) ==
              std::pair{true, 1060.0});
        CHECK(test::label_values(text, "tumen_agent_last_seen", "agent") ==
              std::set<std::string>{"fra"});
        CHECK(test::label_values(text, "tumen_", "agent") == std::set<std::string>{"fra"});
        check_current(text, {{{"fra", t176}, "ttk"}});
        CHECK(age_of(text, "fra", t176) == 10);
    }
    {
        // Restart after a long stop: nothing is current, every verdict in force is stale.
        service s(dir, {"fra", "msk"});
        s.ingest.recover(1060 + 86400);
        auto text = s.metrics.render();
        check_current(text, {});
        CHECK(age_of(text, "fra", t176) == 86400);
        CHECK(age_of(text, "msk", t176) == 86400 + 1060 - 1025);
        for (const auto& [key, standing] : s.paths(1060 + 86400)) {
            CHECK(standing.first);
        }
        CHECK(test::value_of(text, "tumen_agent_last_seen_timestamp_seconds", {{"agent", "msk"}}) ==
              std::pair{true, 1025.0});
    }
}

TEST_CASE("standing: refresh's slices publish what one pass does, stale verdicts at their time") {
    // Four agents x two targets, one slice per verdict; fra's verdicts go stale at 131, the
    // others at 141. Moving paths keep the shares right.
    auto set = std::make_shared<const campaign::campaign_set>(
        campaign::parse_campaigns(campaign_on({t176, t177}), "c.yaml"));
    const std::optional<agent_labels> agents =
        agent_labels{{"ams", {}}, {"fra", {}}, {"msk", {}}, {"nyc", {}}};
    const standing_rules rules(*set, agents);
    verdict_state state(asmap::as_map{}, set, 1, 2);
    const std::vector<std::string> paths = {"china-unicom", "ttk"};
    for (const auto& [agent, _] : *agents) {
        for (const auto& target : {t176, t177}) {
            const std::int64_t observed = agent == "fra" ? 100 : 110;
            const auto& path = paths[(agent.size() + target.size() + agent[0]) % 2];
            state.verdicts()[{agent, target}] =
                store::verdict_row{agent, target, path, 1, observed, "{}", "{}", observed, ""};
        }
    }
    for (const std::int64_t now : {std::int64_t{120}, std::int64_t{131}, std::int64_t{141}}) {
        metrics::controller_metrics whole;
        metrics::controller_metrics sliced;
        publish_standing(state, rules, now, whole);
        verdict_map::key_type from;
        std::size_t slices = 0;
        while (auto next = publish_standing_slice(state, rules, now, sliced, from, 1)) {
            from = *next;
            ++slices;
        }
        retain_in_force(rules, sliced);
        CHECK(slices == state.verdicts().size() - 1);
        const auto text = sliced.render();
        CHECK(tumen_lines(text) == tumen_lines(whole.render()));
        std::map<pair_key, std::string> fresh;
        for (const auto& [key, row] : state.verdicts()) {
            if (now < (key.first == "fra" ? 131 : 141)) {
                fresh[key] = inference::path_name(row.path);
            }
        }
        check_current(text, fresh);
        CHECK(age_of(text, "fra", t176) == now - 100);
        CHECK(age_of(text, "nyc", t177) == now - 110);
    }
    // A slice from past the last key does nothing and says it is done.
    metrics::controller_metrics none;
    CHECK_FALSE(publish_standing_slice(state, rules, 120, none, {"zzz", ""}, 1));
}
