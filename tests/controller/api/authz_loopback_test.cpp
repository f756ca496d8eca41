// Authorization by work against a real controller on loopback (issue 12, defect 9): an agent
// posting for a campaign target it was never assigned gets a 403 with the reason, a mixed
// batch a 200 listing the refused results, one agent's result id no longer pre-empts
// another's, and a spool measured under an assignment that was removed since (across a
// restart) still lands, while results measured outside every assignment period do not; an
// assignment added by a reload (campaigns or agents) counts from that reload on.
#include <chrono>
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <tumen/controller/server/controller_server.hpp>

#include "http_client.hpp"
#include "metrics_text.hpp"
#include "server_fixtures.hpp"

using namespace tumen;
using nlohmann::json;
using bhttp = boost::beast::http::verb;

namespace {

const ipv4_addr dst176 = test::lab().target_addr(0, 1);
const ipv4_addr dst177 = test::lab().target_addr(1, 1);

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

/// The test campaign with `agents: all` replaced by `selector`.
std::string campaign_for(const std::string& selector) {
    auto text = test::campaign_yaml();
    const std::string all = "    agents: all\n";
    const auto at = text.find(all);
    REQUIRE(at != std::string::npos);
    return text.replace(at, all.size(), "    agents: " + selector + "\n");
}

std::unique_ptr<controller::server::controller_server> start(const test::temp_dir& dir) {
    auto server = std::make_unique<controller::server::controller_server>(
        controller::config::load_server_config(dir.path / "controller.yaml"));
    server->start();
    return server;
}

/// Writes the configuration with the campaign assigned to `selector`.
void configure(const test::temp_dir& dir, const std::string& selector) {
    test::write_config(dir);
    dir.write("campaigns.yaml", campaign_for(selector));
}

test::http_reply post(test::http_client& c, const std::string& agent, const std::string& body) {
    return c.send(bhttp::post, "/api/v1/results", body, test::token_of(agent));
}

double rejected_metric(test::http_client& c, const std::string& agent, const std::string& reason) {
    auto m = c.send(bhttp::get, "/metrics");
    return test::value_of(m.res.body(), "tumen_results_rejected_total",
                          {{"agent", agent}, {"reason", reason}})
        .second;
}

} // namespace

TEST_CASE("authz: an agent posting for another agent's campaign target gets a 403") {
    test::temp_dir dir;
    configure(dir, "{names: [fra]}");
    auto server = start(dir);
    test::http_client c(server->port());
    const auto now = unix_now();
    auto r = post(c, "tyo",
                  test::batch(test::make_trace("tyo", "t1", dst176, test::border::cu, now),
                              test::make_ping("tyo", "t2", dst176, 3, 3, now)));
    REQUIRE_FALSE(r.ec);
    CHECK(r.res.result_int() == 403);
    auto j = json::parse(r.res.body());
    CHECK(j["where"] == "results[0]");
    CHECK(j["error"].get<std::string>().find("agent \"tyo\" was never assigned") !=
          std::string::npos);
    REQUIRE(j["rejected"].size() == 2);
    CHECK(j["rejected"][0]["index"] == 0);
    CHECK(j["rejected"][0]["id"] == "t1");
    CHECK(j["rejected"][0]["reason"] == "not_assigned");
    CHECK(j["rejected"][1]["id"] == "t2");
    std::error_code ec;
    CHECK(server->ingest().count_results(ec) == 0);
    CHECK(rejected_metric(c, "tyo", "not_assigned") == 2);
    // No verdict, no series for tyo.
    auto m = c.send(bhttp::get, "/metrics");
    CHECK(test::label_values(m.res.body(), "tumen_border_path", "agent").count("tyo") == 0);
    // fra, which was assigned the target, is stored.
    r = post(c, "fra", test::batch(test::make_trace("fra", "f1", dst176, test::border::cu, now)));
    CHECK(r.res.result_int() == 200);
    CHECK(json::parse(r.res.body())["rejected"].empty());
}

TEST_CASE("authz: a mixed batch gets a 200 storing the assigned results and listing the rest") {
    test::temp_dir dir;
    configure(dir, "{names: [fra]}");
    auto server = start(dir);
    test::http_client c(server->port());
    const auto now = unix_now();
    auto foreign = test::make_trace("fra", "m2", dst176, test::border::cu, now);
    foreign.campaign = "someone-elses";
    auto r = post(c, "fra",
                  test::batch(test::make_trace("fra", "m1", dst176, test::border::cu, now), foreign,
                              test::make_ping("fra", "m3", dst177, 3, 2, now)));
    REQUIRE_FALSE(r.ec);
    REQUIRE(r.res.result_int() == 200);
    auto j = json::parse(r.res.body());
    CHECK(j["stored"] == 2);
    REQUIRE(j["rejected"].size() == 1);
    CHECK(j["rejected"][0]["index"] == 1);
    CHECK(j["rejected"][0]["id"] == "m2");
    CHECK(j["rejected"][0]["reason"] == "not_assigned");
    CHECK(j["rejected"][0]["error"].get<std::string>().find("someone-elses") != std::string::npos);
    std::error_code ec;
    CHECK(server->ingest().count_results(ec) == 2);
    CHECK(rejected_metric(c, "fra", "not_assigned") == 1);
}

TEST_CASE("authz: an agent reusing another agent's result id does not pre-empt it") {
    test::temp_dir dir;
    configure(dir, "all");
    auto server = start(dir);
    test::http_client c(server->port());
    const auto now = unix_now();
    auto r =
        post(c, "tyo", test::batch(test::make_trace("tyo", "same", dst176, test::border::cu, now)));
    REQUIRE(r.res.result_int() == 200);
    CHECK(json::parse(r.res.body())["stored"] == 1);
    // fra's own result with the same id is stored, not taken for a duplicate.
    r = post(c, "fra",
             test::batch(test::make_trace("fra", "same", dst176, test::border::ttk, now)));
    REQUIRE(r.res.result_int() == 200);
    auto j = json::parse(r.res.body());
    CHECK(j["stored"] == 1);
    CHECK(j["duplicates"] == 0);
    // A retry of either is a duplicate of its own.
    r = post(c, "tyo", test::batch(test::make_trace("tyo", "same", dst176, test::border::cu, now)));
    CHECK(json::parse(r.res.body())["duplicates"] == 1);
    std::error_code ec;
    CHECK(server->ingest().count_results(ec) == 2);
}

TEST_CASE("authz: a spool measured under an assignment removed since still lands") {
    test::temp_dir dir;
    configure(dir, "{names: [fra, tyo]}");
    const auto now = unix_now();
    {
        // The first start records the history (periods from 0: the history's beginning).
        auto server = start(dir);
        test::http_client c(server->port());
        CHECK(post(c, "tyo",
                   test::batch(test::make_trace("tyo", "s0", dst176, test::border::cu, now)))
                  .res.result_int() == 200);
        server->stop();
    }
    // The controller was down for days; meanwhile tyo was removed from the campaign, and the
    // controller comes back with the new campaign file.
    dir.write("campaigns.yaml", campaign_for("{names: [fra]}"));
    auto server = start(dir);
    test::http_client c(server->port());
    const auto days_ago = now - 3 * 24 * 3600;
    auto r = post(c, "tyo",
                  test::batch(test::make_trace("tyo", "s1", dst176, test::border::cu, days_ago),
                              test::make_ping("tyo", "s2", dst176, 3, 3, days_ago + 60),
                              test::make_trace("tyo", "s3", dst176, test::border::cu, now)));
    REQUIRE_FALSE(r.ec);
    REQUIRE(r.res.result_int() == 200);
    auto j = json::parse(r.res.body());
    CHECK(j["stored"] == 3); // "now" is within the clock skew of the removal
    CHECK(j["rejected"].empty());
    // Measured an hour after the removal: outside every period of tyo's assignment.
    r = post(c, "tyo",
             test::batch(test::make_trace("tyo", "s4", dst176, test::border::cu, now + 3600)));
    CHECK(r.res.result_int() == 403);
    j = json::parse(r.res.body());
    REQUIRE(j["rejected"].size() == 1);
    CHECK(j["rejected"][0]["reason"] == "outside_assignment");
    CHECK(rejected_metric(c, "tyo", "outside_assignment") == 1);
    std::error_code ec;
    CHECK(server->ingest().count_results(ec) == 4);
}

TEST_CASE("authz: an assignment added by a reload counts from the reload on") {
    test::temp_dir dir;
    configure(dir, "{names: [fra]}");
    auto server = start(dir);
    test::http_client c(server->port());
    dir.write("campaigns.yaml", campaign_for("{names: [fra, tyo]}"));
    REQUIRE(server->reload_campaigns().reloaded);
    const auto now = unix_now();
    auto r =
        post(c, "tyo",
             test::batch(test::make_trace("tyo", "n1", dst176, test::border::cu, now - 86400)));
    CHECK(r.res.result_int() == 403);
    CHECK(json::parse(r.res.body())["rejected"][0]["reason"] == "outside_assignment");
    r = post(c, "tyo", test::batch(test::make_trace("tyo", "n2", dst176, test::border::cu, now)));
    CHECK(r.res.result_int() == 200);
    // The reload path records the history: ingest_service::record_assignments is idempotent.
    CHECK_FALSE(server->ingest().record_assignments(unix_now()));
}

TEST_CASE("authz: an agent added by a reload of the configuration is assigned from then on") {
    test::temp_dir dir;
    configure(dir, "all");
    auto server = start(dir);
    test::http_client c(server->port());
    const auto before = unix_now() - 86400;
    // kim joins the agents (a SIGHUP's reload): the history opens its periods now.
    test::write_config(dir, "  - name: kim\n    token_hash: \"" +
                                controller::config::hash_token(test::token_of("kim")).to_string() +
                                "\"\n");
    dir.write("campaigns.yaml", campaign_for("all"));
    REQUIRE(server->reload().reloaded);
    auto r = post(c, "kim",
                  test::batch(test::make_trace("kim", "k1", dst176, test::border::cu, unix_now())));
    CHECK(r.res.result_int() == 200);
    r = post(c, "kim",
             test::batch(test::make_trace("kim", "k2", dst176, test::border::cu, before)));
    CHECK(r.res.result_int() == 403);
    CHECK(json::parse(r.res.body())["rejected"][0]["reason"] == "outside_assignment");
}
