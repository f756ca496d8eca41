// The API handlers as plain functions: no socket, a real ingest service on a temporary
// SQLite file.
#include <map>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <tumen/common/protocol/assignment.hpp>
#include <tumen/controller/api/handlers.hpp>
#include <tumen/controller/pipeline/ingest_service.hpp>

#include "server_fixtures.hpp"

using namespace tumen;
using namespace tumen::controller::api;
using namespace tumen::controller::config;
using tumen::controller::pipeline::ingest_options;
namespace outcome = tumen::controller::metrics::outcome;
using nlohmann::json;

namespace {

struct harness {
    test::temp_dir dir;
    server_config config;
    controller_metrics metrics;
    campaign_source campaigns;
    std::unique_ptr<ingest_service> ingest;
    std::int64_t now = 1506848820; // 2017-10-01T09:07:00Z
    context ctx;

    /// `extra` goes at the end of controller.yaml; `files` (name -> text) are written after it
    /// (e.g. to replace campaigns.yaml).
    explicit harness(const std::string& extra = {},
                     const std::map<std::string, std::string>& files = {})
        : config(load_server_config(write_files(dir, extra, files)))
        , campaigns(config.campaigns)
        , ctx{config, *make(), campaigns, metrics, [this] { return now; }} {}

    static std::filesystem::path write_files(const test::temp_dir& dir, const std::string& extra,
                                             const std::map<std::string, std::string>& files) {
        auto path = test::write_config(dir, extra);
        for (const auto& [name, text] : files) {
            dir.write(name, text);
        }
        return path;
    }

    ingest_service* make() {
        campaigns.load();
        ingest_options o;
        o.hysteresis = config.hysteresis;
        for (auto& p : config.pfx2as) {
            o.pfx2as_files.push_back(p.string());
        }
        for (auto& p : config.as_names) {
            o.as_names_files.push_back(p.string());
        }
        o.max_paths_per_target = config.max_paths_per_target;
        ingest = std::make_unique<ingest_service>(
            controller::store::store::open(config.database.string()), metrics, campaigns, o);
        ingest->recover();
        return ingest.get();
    }

    response call(http::verb method, const std::string& target, const std::string& body = {},
                  const std::string& agent = "fra", const std::string& token = {}) {
        request req{method, target, 11};
        if (!agent.empty()) {
            req.set(http::field::authorization,
                    "Bearer " + (token.empty() ? test::token_of(agent) : token));
        }
        if (!body.empty()) {
            req.set(http::field::content_type, "application/json");
            req.body() = body;
        }
        req.prepare_payload();
        return handle(req, ctx);
    }
    response post(const std::string& body, const std::string& agent = "fra") {
        return call(http::verb::post, "/api/v1/results", body, agent);
    }
};

const ipv4_addr dst176 = test::lab().target_addr(0, 1);

/// The test campaign without its ttk class: TTK is then a transit in no class.
std::string campaign_without_ttk() {
    auto text = test::campaign_yaml();
    const auto at = text.find("      - name: ttk\n");
    REQUIRE(at != std::string::npos);
    const auto end = text.find('\n', text.find("asns:", at));
    text.erase(at, end + 1 - at);
    return text;
}

} // namespace

TEST_CASE("results: authentication") {
    harness h;
    const auto body = test::batch(test::make_trace("fra", "a1", dst176, test::border::cu, 100));
    SUBCASE("missing token: 401 with a bare Bearer challenge") {
        auto res = h.call(http::verb::post, "/api/v1/results", body, "");
        CHECK(res.result() == http::status::unauthorized);
        CHECK(std::string(res[http::field::www_authenticate]) == R"(Bearer realm="tumen")");
    }
    SUBCASE("wrong token: 401 invalid_token") {
        auto res = h.call(http::verb::post, "/api/v1/results", body, "fra",
                          "wrong-token-0123456789abcdef");
        CHECK(res.result() == http::status::unauthorized);
        CHECK(std::string(res[http::field::www_authenticate]).find("invalid_token") !=
              std::string::npos);
    }
    SUBCASE("another agent's result: 401 naming the field, nothing stored") {
        auto res = h.post(body, "tyo");
        CHECK(res.result() == http::status::unauthorized);
        auto j = json::parse(res.body());
        CHECK(j["where"] == "results[0].agent");
        std::error_code ec;
        CHECK(h.ingest->count_results(ec) == 0);
    }
    SUBCASE("right token: stored") {
        auto res = h.post(body);
        REQUIRE(res.result() == http::status::ok);
        CHECK(json::parse(res.body())["stored"] == 1);
    }
}

TEST_CASE("results: validation rejects the whole batch and names the field") {
    harness h;
    json a = json::array();
    a.push_back(result::to_json(test::make_trace("fra", "v1", dst176, test::border::cu, 100)));
    auto bad = result::to_json(test::make_trace("fra", "v2", dst176, test::border::cu, 101));
    bad["dst_addr"] = "not-an-address";
    a.push_back(bad);
    a.push_back(result::to_json(test::make_ping("fra", "v3", dst176, 3, 3, 102)));
    auto res = h.post(a.dump());
    CHECK(res.result() == http::status::bad_request);
    auto j = json::parse(res.body());
    CHECK(j["where"].get<std::string>().rfind("results[1].dst_addr", 0) == 0);
    CHECK(j["status"] == 400);
    std::error_code ec;
    CHECK(h.ingest->count_results(ec) == 0);
    CHECK(h.metrics.ingested("fra", outcome::rejected) == 3);

    SUBCASE("nested field path") {
        auto b2 = result::to_json(test::make_trace("fra", "v4", dst176, test::border::cu, 100));
        b2["result"][2]["result"][0]["rtt"] = "fast";
        auto r2 = h.post(json::array({b2}).dump());
        CHECK(r2.result() == http::status::bad_request);
        CHECK(json::parse(r2.body())["where"].get<std::string>().find("results[0].result[2]") == 0);
    }
    SUBCASE("unknown type") {
        auto r2 = h.post(R"([{"type":"dns","id":"x","agent":"fra"}])");
        CHECK(json::parse(r2.body())["where"] == "results[0].type");
    }
    SUBCASE("invalid JSON names the byte") {
        auto r2 = h.post("[{\"type\": ");
        CHECK(r2.result() == http::status::bad_request);
        CHECK(json::parse(r2.body())["where"].get<std::string>().rfind("byte ", 0) == 0);
    }
    SUBCASE("a number beyond double: 400, not an internal error") {
        auto r2 = h.post("[1e999]");
        CHECK(r2.result() == http::status::bad_request);
        CHECK(json::parse(r2.body())["error"].get<std::string>().rfind("invalid JSON: ", 0) == 0);
    }
    SUBCASE("out-of-range numbers in a result: 400 naming the field (issue 12, defect 8)") {
        for (const char* rtt : {"1e400", "-1e400", "1e308", "1.8e308"}) {
            CAPTURE(rtt);
            auto t = result::to_json(test::make_trace("fra", "big", dst176, test::border::cu, 1));
            t["result"][0]["result"][0]["rtt"] = 12345.5;
            auto body = json::array({t}).dump();
            body.replace(body.find("12345.5"), 7, rtt);
            auto r2 = h.post(body);
            CHECK(r2.result() == http::status::bad_request);
            CHECK(json::parse(r2.body())["where"] == "results[0].result[0].result[0].rtt");
        }
        auto big_ts = result::to_json(test::make_ping("fra", "ts", dst176, 3, 3, 1));
        auto body = json::array({big_ts}).dump();
        body.replace(body.find("\"timestamp\":1"), 13, "\"timestamp\":1e400");
        auto r3 = h.post(body);
        CHECK(r3.result() == http::status::bad_request);
        CHECK(json::parse(r3.body())["where"] == "results[0].timestamp");
    }
    SUBCASE("not an array") {
        auto r2 = h.post(R"({"items": []})");
        CHECK(r2.result() == http::status::bad_request);
    }
    SUBCASE("{\"results\": [...]} form accepted") {
        auto r2 = h.post(json{{"results", json::array({result::to_json(test::make_trace(
                                              "fra", "w1", dst176, test::border::cu, 1))})}}
                             .dump());
        CHECK(r2.result() == http::status::ok);
        CHECK(json::parse(r2.body())["stored"] == 1);
    }
}

TEST_CASE("results: body limit and content type") {
    harness h;
    request req{http::verb::post, "/api/v1/results", 11};
    req.set(http::field::authorization, "Bearer " + test::token_of("fra"));
    req.set(http::field::content_type, "application/json");
    req.body() = std::string(h.config.body_limit + 1, ' ');
    req.prepare_payload();
    CHECK(handle(req, h.ctx).result() == http::status::payload_too_large);
    req.body() = "[]";
    req.set(http::field::content_type, "text/plain");
    req.prepare_payload();
    CHECK(handle(req, h.ctx).result() == http::status::unsupported_media_type);
}

TEST_CASE("results: a retried batch is stored and counted once") {
    harness h;
    const auto body = test::batch(test::make_trace("fra", "r1", dst176, test::border::cu, 100),
                                  test::make_trace("fra", "r2", dst176, test::border::cu, 110),
                                  test::make_ping("fra", "r3", dst176, 4, 3, 111));
    auto first = h.post(body);
    REQUIRE(first.result() == http::status::ok);
    CHECK(json::parse(first.body())["stored"] == 3);
    auto second = h.post(body);
    REQUIRE(second.result() == http::status::ok);
    auto j = json::parse(second.body());
    CHECK(j["stored"] == 0);
    CHECK(j["duplicates"] == 3);
    std::error_code ec;
    CHECK(h.ingest->count_results(ec) == 3);
    CHECK(h.metrics.ingested("fra", outcome::stored) == 3);
    CHECK(h.metrics.ingested("fra", outcome::duplicate) == 3);
    // The same id twice inside one batch is stored once too.
    auto dup = h.post(test::batch(test::make_ping("fra", "r9", dst176, 1, 1, 5),
                                  test::make_ping("fra", "r9", dst176, 1, 1, 5)));
    CHECK(json::parse(dup.body())["stored"] == 1);
    CHECK(json::parse(dup.body())["duplicates"] == 1);
}

TEST_CASE("results: border change with hysteresis K=2, paths, changes and metrics") {
    harness h;
    const ipv4_addr dst177 = test::lab().target_addr(1, 1);
    const std::string target = test::lab().target_24(1).to_string();
    const std::string ttk_border = test::border_addr(test::border::ttk).to_string();
    REQUIRE(h.post(test::batch(test::make_trace("fra", "c1", dst177, test::border::cu, 1000),
                               test::make_trace("fra", "c2", dst177, test::border::cu, 1010)))
                .result() == http::status::ok);
    // One TTK trace is not enough with K=2.
    auto r = h.post(test::batch(test::make_trace("fra", "c3", dst177, test::border::ttk, 1020)));
    CHECK(json::parse(r.body())["changes"] == 0);
    // The candidate and its observation: round 102 of the 10 s campaign.
    auto pending = json::parse(h.call(http::verb::get, "/api/v1/paths", "", "").body());
    REQUIRE(pending["paths"].size() == 1);
    CHECK(pending["paths"][0]["candidate"] == "ttk");
    CHECK(pending["paths"][0]["candidate_trace_ids"] == json::array({"c3"}));
    CHECK(pending["paths"][0]["candidate_observations"] == 1);
    CHECK(pending["paths"][0]["candidate_rounds"] == json::array({102}));
    r = h.post(test::batch(test::make_trace("fra", "c4", dst177, test::border::ttk, 1030),
                           test::make_ping("fra", "c5", dst177, 4, 2, 1031)));
    CHECK(json::parse(r.body())["changes"] == 1);

    auto paths = json::parse(h.call(http::verb::get, "/api/v1/paths", "", "").body());
    REQUIRE(paths["paths"].size() == 1);
    const auto& p = paths["paths"][0];
    CHECK(p["agent"] == "fra");
    CHECK(p["target"] == target);
    CHECK(p["path"] == "ttk");
    CHECK(p["evidence"]["trace_id"] == "c4");
    CHECK(p["evidence"]["border"]["addr"] == ttk_border);
    CHECK(!p["evidence"]["as_path"].empty());

    auto changes = json::parse(h.call(http::verb::get, "/api/v1/changes?since=0", "", "").body());
    REQUIRE(changes["changes"].size() == 1);
    CHECK(changes["changes"][0]["from"] == "china-unicom");
    CHECK(changes["changes"][0]["to"] == "ttk");
    CHECK(changes["changes"][0]["time"] == 1020);
    CHECK(changes["changes"][0]["detected_by"] == "round"); // rounds' traces, no watch marker
    // RFC 3339 since after the change: nothing; before it: the change.
    auto later = h.call(http::verb::get, "/api/v1/changes?since=1970-01-01T00:17:01Z", "", "");
    CHECK(json::parse(later.body())["changes"].empty());
    auto earlier =
        h.call(http::verb::get, "/api/v1/changes?since=1970-01-01T01:16:00%2B01:00", "", "");
    CHECK(json::parse(earlier.body())["changes"].size() == 1);
    CHECK(h.call(http::verb::get, "/api/v1/changes?since=yesterday", "", "").result() ==
          http::status::bad_request);

    auto metrics = h.call(http::verb::get, "/metrics", "", "").body();
    CHECK(metrics.find(R"(tumen_border_path{agent="fra",path="ttk",target=")" + target +
                       R"("} 1)") != std::string::npos);
    CHECK(metrics.find(R"(tumen_border_path{agent="fra",path="china-unicom",target=")" + target +
                       R"("} 0)") != std::string::npos);
    CHECK(metrics.find(R"(tumen_path_changes_total{agent="fra",from="china-unicom",target=")" +
                       target + R"(",to="ttk"} 1)") != std::string::npos);
    CHECK(metrics.find(R"(tumen_loss_ratio{agent="fra",target=")" + target + R"("} 0.5)") !=
          std::string::npos);
    CHECK(metrics.find(R"(tumen_path_share_ratio{path="ttk",target=")" + target + R"("} 1)") !=
          std::string::npos);
    CHECK(metrics.find("tumen_border_rtt_seconds_bucket{agent=\"fra\",path=\"ttk\"") !=
          std::string::npos);
    CHECK(metrics.find("process_start_time_seconds") != std::string::npos);
    CHECK(metrics.find(ttk_border) == std::string::npos); // no per-hop labels
}

TEST_CASE("paths, changes, metrics: a transit in no class is AS<number>, named; the cap") {
    const auto cu_as = test::lab().asn("LAB_CU_AS");
    const auto ttk_as = test::lab().asn("LAB_TTK_AS");
    const std::string ttk_name = "Lab TTK, the transit";
    const std::string names = "asn,name,country,registry\nAS" + std::to_string(ttk_as) + ",\"" +
                              ttk_name + "\",ZZ,ripe\n";
    const ipv4_addr dst177 = test::lab().target_addr(1, 1);
    const std::string target = test::lab().target_24(1).to_string();
    struct cap_case {
        std::uint32_t max_paths;
        std::string path; ///< what TTK is reported as
    };
    for (const auto& c : {cap_case{8, "AS" + std::to_string(ttk_as)}, cap_case{1, "other"}}) {
        CAPTURE(c.max_paths);
        harness h("as_names: names.csv\nmax_paths_per_target: " + std::to_string(c.max_paths) +
                      "\n",
                  {{"names.csv", names}, {"campaigns.yaml", campaign_without_ttk()}});
        REQUIRE(h.post(test::batch(test::make_trace("fra", "n1", dst177, test::border::cu, 1000),
                                   test::make_trace("fra", "n2", dst177, test::border::ttk, 1010),
                                   test::make_trace("fra", "n3", dst177, test::border::ttk, 1020)))
                    .result() == http::status::ok);

        auto paths = json::parse(h.call(http::verb::get, "/api/v1/paths", "", "").body());
        REQUIRE(paths["paths"].size() == 1);
        const auto& p = paths["paths"][0];
        CHECK(p["path"] == c.path);
        CHECK(p["path_identity"] == c.path);
        CHECK(p["transit_asn"] == ttk_as);
        CHECK(p["transit_name"] == ttk_name);
        CHECK(p["evidence"]["observed_path"] == c.path);
        CHECK(p["evidence"]["transit_asn"] == ttk_as);
        CHECK(p["evidence"]["transit_name"] == ttk_name);

        auto changes =
            json::parse(h.call(http::verb::get, "/api/v1/changes?since=0", "", "").body());
        REQUIRE(changes["changes"].size() == 1);
        const auto& ch = changes["changes"][0];
        CHECK(ch["from"] == "china-unicom");
        CHECK(ch["to"] == c.path);
        CHECK(ch["from_asn"] == cu_as);
        CHECK(ch["to_asn"] == ttk_as);
        CHECK(ch["from_transit_name"].is_null()); // no name in the file
        CHECK(ch["to_transit_name"] == ttk_name);

        // Labels hold the path name, never the AS name.
        auto metrics = h.call(http::verb::get, "/metrics", "", "").body();
        CHECK(metrics.find(R"(tumen_border_path{agent="fra",path=")" + c.path + R"(",target=")" +
                           target + R"("} 1)") != std::string::npos);
        CHECK(metrics.find(R"(tumen_path_changes_total{agent="fra",from="china-unicom",target=")" +
                           target + R"(",to=")" + c.path + R"("} 1)") != std::string::npos);
        CHECK(metrics.find("Lab TTK") == std::string::npos);
        CHECK(metrics.find("path=\"unknown") == std::string::npos);
    }
}

TEST_CASE("assignment: authenticated, versioned, 304 on If-None-Match") {
    harness h;
    auto res = h.call(http::verb::get, "/api/v1/agents/tyo/assignment", "", "tyo");
    REQUIRE(res.result() == http::status::ok);
    auto doc = json::parse(res.body());
    CHECK(doc["agent"] == "tyo");
    // 4 prefixes x 1 address x 2 methods.
    CHECK(doc["work"].size() == 8);
    const std::string etag(res[http::field::etag]);
    CHECK(etag == "\"" + doc["version"].get<std::string>() + "\"");

    request req{http::verb::get, "/api/v1/agents/tyo/assignment", 11};
    req.set(http::field::authorization, "Bearer " + test::token_of("tyo"));
    req.set(http::field::if_none_match, etag);
    CHECK(handle(req, h.ctx).result() == http::status::not_modified);
    // Next round (interval 10s): another address, another version.
    h.now += 10;
    CHECK(handle(req, h.ctx).result() == http::status::ok);

    CHECK(h.call(http::verb::get, "/api/v1/agents/tyo/assignment", "", "fra").result() ==
          http::status::unauthorized);
    CHECK(h.call(http::verb::get, "/api/v1/agents/nobody/assignment", "", "fra").result() ==
          http::status::unauthorized);
}

TEST_CASE("assignment: pings go to the address the latest trace found answering") {
    harness h;
    const ipv4_addr dst177 = test::lab().target_addr(1, 9); // not the campaign's address
    const auto prefix177 = test::lab().target_24(1);
    // The ping address of each prefix in fra's assignment; the document parses as an agent would.
    auto ping_addresses = [&h] {
        auto res = h.call(http::verb::get, "/api/v1/agents/fra/assignment");
        REQUIRE(res.result() == http::status::ok);
        auto parsed = protocol::parse_assignment(std::string_view(res.body()));
        REQUIRE(parsed.ok());
        std::map<ipv4_prefix, ipv4_addr> out;
        for (const auto& w : parsed->work) {
            if (w.how == method::ping) {
                CHECK(out.count(w.target_prefix) == 0);
                out[w.target_prefix] = w.address;
            }
        }
        return out;
    };
    h.now = 1005;
    const auto before = ping_addresses();
    REQUIRE(before.size() == 4);
    CHECK(before.at(prefix177) != dst177); // the campaign's own address this round
    // A trace whose destination answered: pings go to the destination.
    REQUIRE(h.post(test::batch(test::make_trace("fra", "a1", dst177, test::border::cu, 1000)))
                .result() == http::status::ok);
    auto after = ping_addresses();
    CHECK(after.at(prefix177) == dst177);
    for (const auto& [prefix, addr] : before) {
        if (prefix != prefix177) {
            CHECK(after.at(prefix) == addr); // no trace yet: as before
        }
    }
    // The destination is silent: the last hop that answered at or after the border, here the
    // TTK-facing border interface, outside the target prefix.
    auto silent = test::make_trace("fra", "a2", dst177, test::border::ttk, 1001);
    silent.hops.pop_back();
    REQUIRE(h.post(test::batch(silent)).result() == http::status::ok);
    CHECK(ping_addresses().at(prefix177) == test::border_addr(test::border::ttk));
    // Another agent's assignment is its own.
    auto tyo = h.call(http::verb::get, "/api/v1/agents/tyo/assignment", "", "tyo");
    CHECK(tyo.body().find(test::border_addr(test::border::ttk).to_string()) == std::string::npos);
}

TEST_CASE("assignment: work items of a watch campaign carry the controller's hysteresis") {
    auto set = campaign::parse_campaigns(test::campaign_yaml(), "campaigns.yaml");
    controller::config::agent_entry tyo;
    tyo.name = "tyo";
    auto off = protocol::parse_assignment(assignment_document(set, tyo, 1000, {}, 3));
    REQUIRE(off.ok());
    REQUIRE_FALSE(off->work.empty());
    CHECK(off->work[0].params.watch_interval.count() == 0);
    set.campaigns[0].params.watch_interval = std::chrono::seconds(5);
    const auto doc = assignment_document(set, tyo, 1000, {}, 3);
    CHECK(doc["work"][0]["watch_interval_ms"] == 5000);
    auto on = protocol::parse_assignment(doc);
    REQUIRE(on.ok());
    for (const auto& w : on->work) {
        CHECK(w.hysteresis == 3);
        CHECK(w.params.watch_interval == std::chrono::seconds(5));
    }
}

TEST_CASE("routing: 404, 405, healthz") {
    harness h;
    CHECK(h.call(http::verb::get, "/nope", "", "").result() == http::status::not_found);
    auto r = h.call(http::verb::get, "/api/v1/results", "", "");
    CHECK(r.result() == http::status::method_not_allowed);
    CHECK(std::string(r[http::field::allow]) == "POST");
    CHECK(h.call(http::verb::post, "/healthz", "{}", "").result() ==
          http::status::method_not_allowed);
    auto hz = json::parse(h.call(http::verb::get, "/healthz", "", "").body());
    CHECK(hz["status"] == "ok");
    CHECK(hz["campaigns"] == 1);
}

TEST_CASE("parse_since and query_param") {
    CHECK(parse_since("1506848820") == 1506848820);
    CHECK(parse_since("2017-10-01T09:07:00Z") == 1506848820);
    CHECK(parse_since("2017-10-01T12:07:00+03:00") == 1506848820);
    CHECK(parse_since("2017-10-01T09:07:00.250Z") == 1506848820);
    CHECK_FALSE(parse_since("2017-13-01T09:07:00Z"));
    CHECK_FALSE(parse_since("2017-10-01 09:07"));
    CHECK_FALSE(parse_since("-5"));
    CHECK_FALSE(parse_since(""));
    CHECK(query_param("/x?a=1&since=2017-10-01T12%3A07%3A00%2B03%3A00", "since") ==
          "2017-10-01T12:07:00+03:00");
    CHECK_FALSE(query_param("/x?a=1", "since"));
    CHECK_FALSE(query_param("/x?since=%4", "since"));
}
