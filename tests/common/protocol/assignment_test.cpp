// The assignment document: the writer and the parser round-trip, and every rejection of
// the parser names the field.
#include <string>

#include <doctest/doctest.h>

#include <tumen/common/campaign.hpp>
#include <tumen/common/protocol/assignment.hpp>

#include "../campaign/campaign_fixture.hpp"

using namespace tumen;
using nlohmann::json;
using protocol::assignment;
using protocol::parse_assignment;

namespace {

assignment sample() {
    auto set = campaign::parse_campaigns(campaign_fixture::good, "good.yaml");
    assignment a;
    a.agent = "fra";
    a.campaigns.push_back({"t1", 12});
    a.work = campaign::compute_work(set, "fra", {}, 12);
    a.version = "abc123";
    a.valid_until = 130;
    return a;
}

/// The parser's error for `doc` (which it must reject).
parse_error rejection(json doc) {
    auto p = parse_assignment(doc);
    REQUIRE_FALSE(p.ok());
    return p.error();
}

} // namespace

TEST_CASE("assignment: writer and parser round-trip") {
    const assignment a = sample();
    const json doc = protocol::to_json(a);
    CHECK(doc["agent"] == "fra");
    CHECK(doc["campaigns"] == json::parse(R"([{"name":"t1","round":12}])"));
    CHECK(doc["work"].size() == a.work.size());
    CHECK(doc["version"] == "abc123");
    CHECK(doc["valid_until"] == 130);
    auto back = parse_assignment(std::string_view(doc.dump()));
    REQUIRE(back.ok());
    CHECK(*back == a);
    CHECK(back->round_of("t1") == 12u);
    CHECK_FALSE(back->round_of("t2"));

    assignment none;
    none.agent = "x";
    const json empty = protocol::to_json(none);
    CHECK(empty["valid_until"].is_null());
    auto back_none = parse_assignment(empty);
    REQUIRE(back_none.ok());
    CHECK(*back_none == none);
}

TEST_CASE("assignment: the version digests agent, campaigns and work only") {
    const assignment a = sample();
    const json content = protocol::content_json(a);
    CHECK(content.size() == 3);
    CHECK(content.contains("agent"));
    CHECK(content.contains("campaigns"));
    CHECK(content.contains("work"));
    json full = protocol::to_json(a);
    full.erase("version");
    full.erase("valid_until");
    CHECK(full.dump() == content.dump());
}

TEST_CASE("assignment: every rejection names the field") {
    const json good_doc = protocol::to_json(sample());
    CHECK(parse_assignment(std::string_view("{")).error().what == "not a JSON object");
    const std::string deep =
        R"({"work":)" + std::string(100000, '[') + std::string(100000, ']') + "}";
    auto too_deep = parse_assignment(std::string_view(deep));
    REQUIRE_FALSE(too_deep);
    CHECK(too_deep.error().what == "nested deeper than 64 arrays/objects");
    CHECK(too_deep.error().where.rfind("work[0]", 0) == 0);
    CHECK(parse_assignment(json::array()).error().what == "not a JSON object");
    auto doc = good_doc;
    doc.erase("work");
    CHECK(rejection(doc).where == "work");
    doc = good_doc;
    doc["campaigns"] = 3;
    CHECK(rejection(doc).where == "campaigns");
    doc = good_doc;
    doc["campaigns"][0] = "t1";
    CHECK(rejection(doc).message() == "campaigns[0]: expected an object, got string");
    doc = good_doc;
    doc["campaigns"][0].erase("round");
    CHECK(rejection(doc).where == "campaigns[0].round");
    doc = good_doc;
    doc["campaigns"][0]["round"] = -1;
    CHECK(rejection(doc).where == "campaigns[0].round");
    doc = good_doc;
    doc["campaigns"][0]["name"] = 5;
    CHECK(rejection(doc).where == "campaigns[0].name");
    doc = good_doc;
    doc["campaigns"].push_back(doc["campaigns"][0]);
    CHECK(rejection(doc).where == "campaigns[1].name");
    doc = good_doc;
    doc["work"][1]["campaign"] = "other";
    CHECK(rejection(doc).message() == "work[1].campaign: 'other' is not listed in campaigns");
    doc = good_doc;
    doc["work"][2]["address"] = "192.0.2.1";
    CHECK(rejection(doc).where == "work[2].address");
    doc = good_doc;
    doc["work"][0] = 1;
    CHECK(rejection(doc).where == "work[0]");
    doc = good_doc;
    doc["valid_until"] = "soon";
    CHECK(rejection(doc).where == "valid_until");
    doc = good_doc;
    doc["version"] = 7;
    CHECK(rejection(doc).where == "version");
    doc = good_doc;
    doc["agent"] = false;
    CHECK(rejection(doc).where == "agent");
}

TEST_CASE("assignment: work items obey the YAML limits (validate)") {
    json doc = protocol::to_json(sample());
    for (const auto& limit : std::vector<std::pair<const char*, json>>{
             {"wait_ms", 0}, {"attempts", 0}, {"first_ttl", 0}, {"hops_in_flight", 33}}) {
        // Not a structured binding: CAPTURE's lambda cannot capture one under clang 14.
        const char* field = limit.first;
        const json& value = limit.second;
        CAPTURE(field);
        json d = doc;
        d["work"][0][field] = value;
        CHECK(rejection(d).where == std::string("work[0].") + field);
    }
    json d = doc;
    d["work"][0]["first_ttl"] = 31; // above max_ttl 30
    CHECK(rejection(d).message() == "work[0].first_ttl: first_ttl must not exceed max_ttl");
}

TEST_CASE("assignment: optional fields") {
    json doc = protocol::to_json(sample());
    doc.erase("version");
    doc.erase("valid_until");
    doc.erase("agent");
    auto p = parse_assignment(doc);
    REQUIRE(p.ok());
    CHECK(p->version.empty());
    CHECK(p->agent.empty());
    CHECK_FALSE(p->valid_until);
}

TEST_CASE("assignment: the writer's bytes (keys sorted, null valid_until when no campaign)") {
    assignment a;
    a.agent = "fra";
    a.version = "v1";
    CHECK(protocol::to_json(a).dump() ==
          R"({"agent":"fra","campaigns":[],"valid_until":null,"version":"v1","work":[]})");
    a.campaigns.push_back({"c", 3});
    a.valid_until = 40;
    CHECK(protocol::to_json(a).dump() ==
          R"({"agent":"fra","campaigns":[{"name":"c","round":3}],"valid_until":40,)"
          R"("version":"v1","work":[]})");
}
