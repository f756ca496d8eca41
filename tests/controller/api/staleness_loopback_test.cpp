// Staleness over loopback: a real controller_server with a campaign of interval 1s and
// stale_after 3s. A verdict goes stale without any upload (the server's timer): /api/v1/paths
// says so and its tumen_border_path series go away; a restart restores the agents' last-seen
// and keeps the verdict stale. The test polls for states with a generous timeout and never
// asserts how long anything took.
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <tumen/controller/server/controller_server.hpp>

#include "eventually.hpp"
#include "http_client.hpp"
#include "metrics_text.hpp"
#include "server_fixtures.hpp"

using namespace tumen;
using namespace tumen::controller::config;
using namespace tumen::controller::server;
using nlohmann::json;
using tumen::test::eventually;
using bhttp = boost::beast::http::verb;

namespace {

const ipv4_addr dst176 = test::lab().target_addr(0, 1);
const std::string t176 = test::lab().target_24(0).to_string();

/// The paths entry of fra x 176 (null when absent).
json fra_entry(test::http_client& c) {
    const auto doc = json::parse(c.send(bhttp::get, "/api/v1/paths").res.body());
    for (const auto& p : doc["paths"]) {
        if (p["agent"] == "fra" && p["target"] == t176) {
            return p;
        }
    }
    return nullptr;
}

/// `promtool check metrics` on `text`; skipped (a message) when promtool is not installed.
void promtool_check(const test::temp_dir& dir, const std::string& text) {
    const char* promtool = "/usr/bin/promtool";
    if (!std::filesystem::exists(promtool)) {
        MESSAGE("SKIPPED: /usr/bin/promtool not installed (Debian package prometheus)");
        return;
    }
    auto file = dir.write("stale-metrics.txt", text);
    const std::string cmd = std::string(promtool) + " check metrics < " + file.string() + " > " +
                            (dir.path / "stale-promtool.out").string() + " 2>&1";
    const int rc = std::system(cmd.c_str());
    std::ifstream out(dir.path / "stale-promtool.out");
    std::string report((std::istreambuf_iterator<char>(out)), std::istreambuf_iterator<char>());
    INFO("promtool output: " << report);
    CHECK(rc == 0);
}

} // namespace

TEST_CASE("api: a verdict goes stale without uploads, and stays stale across a restart") {
    test::temp_dir dir;
    const auto cfg = test::write_config(dir);
    std::string campaign = test::campaign_yaml();
    campaign.replace(campaign.find("interval: 10s"), 13, "interval: 1s\n    stale_after: 3s");
    dir.write("campaigns.yaml", campaign);
    double last_seen = 0;
    {
        auto server = std::make_unique<controller_server>(load_server_config(cfg));
        server->start();
        test::http_client c(server->port());
        auto r = c.send(bhttp::post, "/api/v1/results",
                        test::batch(test::make_trace("fra", "s1", dst176, test::border::cu, 100),
                                    test::make_trace("fra", "s2", dst176, test::border::cu, 110)),
                        test::token_of("fra"));
        REQUIRE(r.res.result_int() == 200);
        auto entry = fra_entry(c);
        REQUIRE(entry.is_object());
        CHECK(entry["path"] == "china-unicom");
        // Fresh right after the upload (unless this machine stalled for 3 s: then stale).
        if (entry["stale"] == false) {
            const auto text = c.send(bhttp::get, "/metrics").res.body();
            CHECK(test::border_paths_of(text).current ==
                  std::map<std::pair<std::string, std::string>, std::string>{
                      {{"fra", t176}, "china-unicom"}});
        }

        // No upload from here on: the timer makes the verdict stale.
        REQUIRE(eventually([&] { return fra_entry(c)["stale"] == true; }));
        entry = fra_entry(c);
        CHECK(entry["age_seconds"].get<std::int64_t>() > 3);
        CHECK(entry["path"] == "china-unicom"); // the last confirmed path, for reference
        // The series goes with the same re-evaluation (paths and metrics may be read on
        // either side of one: poll until both agree).
        std::string text;
        CHECK(eventually([&] {
            text = c.send(bhttp::get, "/metrics").res.body();
            return test::samples_of(text, "tumen_border_path").empty();
        }));
        CHECK(test::samples_of(text, "tumen_path_share_ratio").empty());
        auto age =
            test::value_of(text, "tumen_verdict_age_seconds", {{"agent", "fra"}, {"target", t176}});
        CHECK(age.first);
        CHECK(age.second > 3);
        auto seen =
            test::value_of(text, "tumen_agent_last_seen_timestamp_seconds", {{"agent", "fra"}});
        REQUIRE(seen.first);
        last_seen = seen.second;
        promtool_check(dir, text);
        server->stop();
    }
    auto server = std::make_unique<controller_server>(load_server_config(cfg));
    server->start();
    test::http_client c(server->port());
    const auto text = c.send(bhttp::get, "/metrics").res.body();
    // Restored from the store at start, before any upload.
    CHECK(test::value_of(text, "tumen_agent_last_seen_timestamp_seconds", {{"agent", "fra"}}) ==
          std::pair{true, last_seen});
    CHECK(test::samples_of(text, "tumen_border_path").empty());
    CHECK(fra_entry(c)["stale"] == true);
    // A new observation makes it current again: its age starts over.
    const auto age_before = fra_entry(c)["age_seconds"].get<std::int64_t>();
    auto r = c.send(bhttp::post, "/api/v1/results",
                    test::batch(test::make_trace("fra", "s3", dst176, test::border::cu, 120)),
                    test::token_of("fra"));
    REQUIRE(r.res.result_int() == 200);
    const auto entry = fra_entry(c);
    CHECK(entry["age_seconds"].get<std::int64_t>() < age_before);
    if (entry["stale"] == false) { // (unless this machine stalled for 3 s since the upload)
        CHECK(test::border_paths_of(c.send(bhttp::get, "/metrics").res.body())
                  .current.count({"fra", t176}) == 1);
    }
}
