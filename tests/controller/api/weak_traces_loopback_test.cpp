// Weak traces over the API (docs/api.md, "Weak traces and reachability"): the issue's scenario
// posted to a controller on loopback. Traces that die after a Tata hop (AS6453) or in TTK
// space are no path change; a run of them marks the (agent, target) unreachable in
// /api/v1/paths and tumen_target_reachable, and China Unicom again makes it reachable. A trace
// that ends at a known border interface (taught by another agent) does count.
#include <fstream>
#include <sstream>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <tumen/controller/server/controller_server.hpp>

#include "http_client.hpp"
#include "server_fixtures.hpp"

using namespace tumen;
using nlohmann::json;
using bhttp = boost::beast::http::verb;

namespace {

const ipv4_addr dst178 = test::lab().target_addr(2, 1);
// Tata (AS6453) on a prefix outside the lab's plan, as in border_test.
const char* tata_pfx2as_line = "198.18.96.0\t20\t6453\n";
const char* tata_addr = "198.18.96.1";

/// The trace of make_trace(b) cut after its first `keep` hops (the access router and the
/// vantage point's own hops are the first 9), then `last` (if any), then two silent hops.
result::trace dying(const std::string& agent, const std::string& id, test::border b,
                    std::int64_t ts, std::size_t keep, std::optional<ipv4_addr> last) {
    auto t = test::make_trace(agent, id, dst178, b, ts);
    t.hops.resize(keep);
    auto add = [&](std::optional<ipv4_addr> from) {
        result::hop h;
        h.ttl = static_cast<std::uint8_t>(t.hops.size() + 1);
        result::hop_reply r;
        r.timeout = !from;
        if (from) {
            r.from = *from;
            r.rtt_ms = 30;
            r.icmp_type = 11;
        }
        h.replies.push_back(r);
        t.hops.push_back(h);
    };
    if (last) {
        add(last);
    }
    add(std::nullopt);
    add(std::nullopt);
    t.stop = result::stop_reason::gap_limit;
    return t;
}

/// The controller configuration of the tests, with a second pfx2as file mapping Tata's prefix.
std::filesystem::path write_tata_config(const test::temp_dir& dir) {
    const auto tata = dir.write("tata.pfx2as", tata_pfx2as_line);
    const auto path = test::write_config(dir);
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    std::string yaml = text.str();
    const std::string key = "pfx2as: [";
    yaml.insert(yaml.find(key) + key.size(), "\"" + tata.string() + "\", ");
    return dir.write("controller.yaml", yaml);
}

json get(test::http_client& c, const std::string& path) {
    auto r = c.send(bhttp::get, path);
    REQUIRE(r.res.result_int() == 200);
    return json::parse(r.res.body());
}

void post(test::http_client& c, const std::string& agent, const std::string& body) {
    auto r = c.send(bhttp::post, "/api/v1/results", body, test::token_of(agent));
    REQUIRE(r.res.result_int() == 200);
    CHECK(json::parse(r.res.body())["changes"] == 0);
}

/// The /api/v1/paths entry of `agent`.
json path_of(test::http_client& c, const std::string& agent) {
    const json paths = get(c, "/api/v1/paths");
    for (const auto& p : paths["paths"]) {
        if (p["agent"] == agent) {
            return p;
        }
    }
    FAIL("no path for agent " << agent << " in " << paths.dump());
    return nullptr;
}

bool has_metric(test::http_client& c, const std::string& line) {
    auto r = c.send(bhttp::get, "/metrics");
    return r.res.body().find(line) != std::string::npos;
}

} // namespace

TEST_CASE("api: an outage is reported as unreachable, not as a path change") {
    test::temp_dir dir;
    auto server = std::make_unique<controller::server::controller_server>(
        controller::config::load_server_config(write_tata_config(dir)));
    server->start();
    test::http_client c(server->port());
    const auto tata = *ipv4_addr::parse(tata_addr);
    const std::string target = test::lab().target_24(2).to_string();
    const std::string reachable = R"(tumen_target_reachable{agent="fra",target=")" + target + "\"}";
    using test::border;

    // 3 traces through China Unicom, one round each (interval 10 s).
    post(c, "fra",
         test::batch(test::make_trace("fra", "c1", dst178, border::cu, 100),
                     test::make_trace("fra", "c2", dst178, border::cu, 110),
                     test::make_trace("fra", "c3", dst178, border::cu, 120)));
    CHECK(path_of(c, "fra")["reachable"] == true);
    CHECK(has_metric(c, reachable + " 1"));
    // 3 traces that die after a Tata hop: no change; unreachable after K=2 rounds.
    post(c, "fra",
         test::batch(dying("fra", "t1", border::cu, 130, 9, tata),
                     dying("fra", "t2", border::cu, 140, 9, tata),
                     dying("fra", "t3", border::cu, 150, 9, tata)));
    auto p = path_of(c, "fra");
    CHECK(p["path"] == "china-unicom");
    CHECK(p["reachable"] == false);
    CHECK(p["unreachable_since"] == 130);
    CHECK(p["weak_observations"] == 3);
    CHECK(p["candidate"] == "");
    CHECK(p["evidence"]["weak"] == true);
    CHECK(p["evidence"]["known_border"] == false);
    CHECK(has_metric(c, reachable + " 0"));
    // China Unicom again: reachable, still no change.
    post(c, "fra",
         test::batch(test::make_trace("fra", "c4", dst178, border::cu, 160),
                     test::make_trace("fra", "c5", dst178, border::cu, 170),
                     test::make_trace("fra", "c6", dst178, border::cu, 180)));
    p = path_of(c, "fra");
    CHECK(p["reachable"] == true);
    CHECK(p["unreachable_since"].is_null());
    CHECK(p["reachability_reason"] == "the last trace reached the target");
    CHECK(has_metric(c, reachable + " 1"));
    // Traces ending in TTK space without reaching the target (ttk1, ttk2, then silence): no
    // change either.
    post(c, "fra",
         test::batch(dying("fra", "k1", border::ttk, 190, 12, std::nullopt),
                     dying("fra", "k2", border::ttk, 200, 12, std::nullopt),
                     dying("fra", "k3", border::ttk, 210, 12, std::nullopt)));
    p = path_of(c, "fra");
    CHECK(p["path"] == "china-unicom");
    CHECK(p["reachable"] == false);
    CHECK(get(c, "/api/v1/changes?since=0")["changes"].empty());

    // tyo reaches the target through TTK: kp-br's TTK-side address becomes a known border
    // interface, for every agent. fra's traces that end there now count: a change to TTK.
    post(c, "tyo", test::batch(test::make_trace("tyo", "y1", dst178, border::ttk, 215)));
    auto r = c.send(
        bhttp::post, "/api/v1/results",
        test::batch(dying("fra", "b1", border::ttk, 220, 12, test::border_addr(border::ttk)),
                    dying("fra", "b2", border::ttk, 230, 12, test::border_addr(border::ttk))),
        test::token_of("fra"));
    REQUIRE(r.res.result_int() == 200);
    CHECK(json::parse(r.res.body())["changes"] == 1);
    p = path_of(c, "fra");
    CHECK(p["path"] == "ttk");
    CHECK(p["reachable"] == true);
    CHECK(p["evidence"]["known_border"] == true);
    const auto changes = get(c, "/api/v1/changes?since=0")["changes"];
    REQUIRE(changes.size() == 1);
    CHECK(changes[0]["from"] == "china-unicom");
    CHECK(changes[0]["to"] == "ttk");
    CHECK(changes[0]["evidence"]["trace_ids"] == json{"b1", "b2"});

    // A restart remembers the known border interface and the reachability.
    server->stop();
    server = std::make_unique<controller::server::controller_server>(
        controller::config::load_server_config(dir.path / "controller.yaml"));
    server->start();
    test::http_client c2(server->port());
    CHECK(path_of(c2, "fra")["reachable"] == true);
    CHECK(has_metric(c2, reachable + " 1"));
    post(c2, "msk",
         test::batch(test::make_trace("msk", "m1", dst178, border::cu, 240),
                     dying("msk", "m2", border::ttk, 250, 12, test::border_addr(border::ttk))));
    CHECK(path_of(c2, "msk")["candidate"] == "ttk"); // the border counted after the restart
}
