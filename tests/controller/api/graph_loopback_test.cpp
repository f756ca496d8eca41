// The path graph over the API (docs/api.md, "Path graph"): a China Unicom -> TTK change posted
// to a controller on loopback; /api/v1/graph draws the last trace of each path with the border
// hops, the shared hops merged and the silent hop of one path, before and after the change
// (at=); /api/v1/trace gives the stored hops of one trace; bad parameters get a 400 naming
// the parameter.
#include <algorithm>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <tumen/controller/server/controller_server.hpp>

#include "http_client.hpp"
#include "server_fixtures.hpp"

using namespace tumen;
using nlohmann::json;
using bhttp = boost::beast::http::verb;

namespace {

const ipv4_addr dst177 = test::lab().target_addr(1, 1);

json get_ok(test::http_client& c, const std::string& path) {
    auto r = c.send(bhttp::get, path);
    CAPTURE(path);
    CAPTURE(r.res.body());
    REQUIRE(r.res.result_int() == 200);
    return json::parse(r.res.body());
}

/// The error body of a request expected to fail with `status`.
json get_error(test::http_client& c, const std::string& path, int status) {
    auto r = c.send(bhttp::get, path);
    CAPTURE(path);
    CAPTURE(r.res.body());
    CHECK(r.res.result_int() == status);
    return json::parse(r.res.body());
}

const json* node_of(const json& graph, const std::string& id) {
    for (const auto& n : graph["nodes"]) {
        if (n["id"] == id) {
            return &n;
        }
    }
    return nullptr;
}

bool has_link(const json& graph, const std::string& from, const std::string& to) {
    return std::any_of(graph["links"].begin(), graph["links"].end(),
                       [&](const json& l) { return l["from"] == from && l["to"] == to; });
}

} // namespace

TEST_CASE("api: /api/v1/graph draws the paths before and after a change, /api/v1/trace a trace") {
    test::temp_dir dir;
    controller::server::controller_server server(
        controller::config::load_server_config(test::write_config(dir)));
    server.start();
    test::http_client c(server.port());
    using test::border;
    const auto& plan = test::lab();
    const std::string target = plan.target_24(1).to_string();
    const std::string query = "/api/v1/graph?agent=fra&target=" + target;

    // Unknown before anything is stored.
    auto e = get_error(c, query, 404);
    CHECK(e["error"].get<std::string>().find("no path known for agent \"fra\"") !=
          std::string::npos);

    auto r = c.send(bhttp::post, "/api/v1/results",
                    test::batch(test::make_trace("fra", "c1", dst177, border::cu, 100),
                                test::make_trace("fra", "c2", dst177, border::cu, 110),
                                test::make_trace("fra", "c3", dst177, border::cu, 120),
                                test::make_trace("fra", "k1", dst177, border::ttk, 130),
                                test::make_trace("fra", "k2", dst177, border::ttk, 140),
                                test::make_trace("fra", "k3", dst177, border::ttk, 150)),
                    test::token_of("fra"));
    REQUIRE(r.res.result_int() == 200);
    REQUIRE(json::parse(r.res.body())["changes"] == 1);

    const json g = get_ok(c, query);
    CHECK(g["agent"] == "fra");
    CHECK(g["target"] == target);
    CHECK(g["at"].is_null());
    CHECK(g["current_path"] == "ttk");
    REQUIRE(g["paths"].size() == 2);
    const json& cu = g["paths"][0];
    const json& ttk = g["paths"][1];
    CHECK(cu["name"] == "china-unicom");
    CHECK(cu["trace_id"] == "c3"); // the last trace of the old path
    CHECK(cu["time"] == 120);
    CHECK(cu["current"] == false);
    CHECK(cu["stored"] == true);
    CHECK(cu["border"]["addr"] == test::border_addr(border::cu).to_string());
    CHECK(cu["border"]["ttl"] == 14);
    CHECK(cu["transit_asn"] == plan.asn("LAB_CU_AS"));
    CHECK(ttk["name"] == "ttk");
    CHECK(ttk["trace_id"] == "k3"); // the verdict's latest trace
    CHECK(ttk["current"] == true);
    CHECK(ttk["border"]["addr"] == test::border_addr(border::ttk).to_string());
    CHECK(ttk["border"]["ttl"] == 13);

    // The hops both paths share are one node each, with both paths.
    REQUIRE(g["nodes"][0]["id"] == "source");
    CHECK(g["nodes"][0]["kind"] == "source");
    const auto access = plan.acc_addr("fra").to_string();
    REQUIRE(node_of(g, access));
    CHECK((*node_of(g, access))["paths"] == json{"china-unicom", "ttk"});
    CHECK((*node_of(g, access))["ttls"] == json{1});
    CHECK(has_link(g, "source", access));
    // The destination: one node, at TTL 15 on the CU path and 14 on the TTK path.
    const auto* dst = node_of(g, dst177.to_string());
    REQUIRE(dst);
    CHECK((*dst)["ttls"] == json{14, 15});
    CHECK((*dst)["paths"] == json{"china-unicom", "ttk"});
    // cu2 is silent: a '*' node of the CU path (path index 0) at TTL 11.
    const auto* silent = node_of(g, "*0:11");
    REQUIRE(silent);
    CHECK(silent->at("kind") == "silent");
    CHECK(silent->at("addr").is_null());
    CHECK(silent->at("paths") == json{"china-unicom"});
    CHECK(has_link(g, plan.addr("LAB_CU1_ADDR_fra").to_string(), "*0:11"));
    // The border hops, each of its own path, with their AS.
    const auto* cu_border = node_of(g, test::border_addr(border::cu).to_string());
    const auto* ttk_border = node_of(g, test::border_addr(border::ttk).to_string());
    REQUIRE(cu_border);
    REQUIRE(ttk_border);
    CHECK(cu_border->at("border") == true);
    CHECK(cu_border->at("border_of") == json{"china-unicom"});
    CHECK(ttk_border->at("border_of") == json{"ttk"});
    CHECK(ttk_border->at("asn") == plan.asn("LAB_TTK_AS"));
    CHECK(ttk_border->at("rtt_ms") == doctest::Approx(70.6));
    CHECK(node_of(g, access)->at("border") == false);
    for (const auto& l : g["links"]) {
        CHECK(node_of(g, l["from"]));
        CHECK(node_of(g, l["to"]));
    }
    // Deterministic: the same document twice.
    CHECK(get_ok(c, query).dump() == g.dump());

    // Before the change only the China Unicom path is known; the path in force then was CU.
    const json before = get_ok(c, query + "&at=125");
    CHECK(before["at"] == 125);
    CHECK(before["current_path"] == "china-unicom");
    REQUIRE(before["paths"].size() == 1);
    CHECK(before["paths"][0]["trace_id"] == "c3");
    CHECK(before["paths"][0]["current"] == true);
    CHECK_FALSE(node_of(before, test::border_addr(border::ttk).to_string()));
    CHECK(get_ok(c, query + "&at=1970-01-01T00:02:05Z") == before);
    // Percent-encoded target.
    CHECK(get_ok(c, "/api/v1/graph?agent=fra&target=" + plan.target_24(1).network.to_string() +
                        "%2F24") == g);

    // The stored hops of one trace.
    const json t = get_ok(c, "/api/v1/trace?agent=fra&id=c3");
    CHECK(t["agent"] == "fra");
    CHECK(t["id"] == "c3");
    CHECK(t["campaign"] == "lab-border");
    CHECK(t["dst"] == dst177.to_string());
    CHECK(t["timestamp"] == 120);
    CHECK(t["pruned"] == false);
    REQUIRE(t["hops"].size() == 15);
    CHECK(t["hops"][0]["ttl"] == 1);
    CHECK(t["hops"][0]["addr"] == access);
    CHECK(t["hops"][0]["replies"] == 2);
    CHECK(t["hops"][10]["ttl"] == 11);
    CHECK(t["hops"][10]["addr"].is_null());
    CHECK(t["hops"][10]["replies"] == 0);
    CHECK(t["hops"][13]["asn"] == plan.asn("LAB_CU_AS"));

    // Errors: 400 naming the parameter, 404 for unknown things, 405 for other methods.
    CHECK(get_error(c, "/api/v1/graph?target=" + target, 400)["where"] == "agent");
    CHECK(get_error(c, "/api/v1/graph?agent=fra", 400)["where"] == "target");
    CHECK(get_error(c, "/api/v1/graph?agent=fra&target=198.51.100.7/24", 400)["where"] == "target");
    CHECK(get_error(c, "/api/v1/graph?agent=fra&target=nonsense", 400)["where"] == "target");
    CHECK(get_error(c, query + "&at=yesterday", 400)["where"] == "at");
    CHECK(get_error(c, "/api/v1/graph?agent=%zz&target=" + target, 400)["where"] == "agent");
    get_error(c, "/api/v1/graph?agent=tyo&target=" + target, 404);
    get_error(c, query + "&at=99", 404);
    CHECK(get_error(c, "/api/v1/trace?agent=fra", 400)["where"] == "id");
    CHECK(get_error(c, "/api/v1/trace?id=c3", 400)["where"] == "agent");
    get_error(c, "/api/v1/trace?agent=fra&id=nope", 404);
    get_error(c, "/api/v1/trace?agent=tyo&id=c3", 404); // ids are per agent
    CHECK(c.send(bhttp::post, "/api/v1/graph?agent=fra&target=" + target, "{}").res.result_int() ==
          405);
    server.stop();
}
