// The draft writer's YAML, read back by the campaign parser (common/campaign/yaml.hpp).
#include <sstream>

#include <doctest/doctest.h>

#include <tumen/common/campaign/yaml.hpp>

#include "campaign_yaml_writer.hpp"

using namespace tumen;
using tumen::controller::tool::write_campaigns_yaml;

namespace {
ipv4_prefix pfx(const char* text) {
    return *ipv4_prefix::parse(text);
}
campaign::campaign lab_campaign(std::string name, std::uint32_t asn,
                                std::vector<ipv4_prefix> prefixes) {
    campaign::campaign c;
    c.name = std::move(name);
    c.targets.asn = asn;
    c.targets.prefixes = std::move(prefixes);
    c.methods = {campaign::method::udp_paris, campaign::method::icmp_paris, campaign::method::ping};
    return c;
}
std::string to_yaml(const campaign::campaign_set& set, const std::vector<std::string>& comment) {
    std::ostringstream out;
    write_campaigns_yaml(out, set, comment);
    return out.str();
}
} // namespace

TEST_CASE("writer: campaigns read back by the campaign parser as written") {
    campaign::campaign_set set;
    set.campaigns.push_back(
        lab_campaign("as24940", 24940, {pfx("198.18.1.0/24"), pfx("198.18.3.0/24")}));
    set.campaigns.back().classes = {{"china-unicom", {4837, 4808}, {pfx("198.18.64.0/20")}},
                                    {"ttk", {20485}, {}},
                                    {"backbone", {}, {pfx("198.18.96.0/20")}}};
    set.campaigns.push_back(lab_campaign("as2516", 2516, {pfx("198.18.2.0/24")}));
    const auto text = to_yaml(set, {"lab draft", ""});
    CAPTURE(text);
    CHECK(text.starts_with("# lab draft\n#\ncampaigns:\n  - name: as24940\n"
                           "    targets: {asn: 24940, prefixes: [198.18.1.0/24, 198.18.3.0/24]}\n"
                           "    classes:\n"
                           "      - {name: china-unicom, asns: [4837, 4808], prefixes: "
                           "[198.18.64.0/20]}\n"));
    const auto back = campaign::parse_campaigns(text, "draft");
    REQUIRE(back.campaigns.size() == 2);
    for (std::size_t i = 0; i < 2; ++i) {
        const auto& a = set.campaigns[i];
        const auto& b = back.campaigns[i];
        CHECK(b.name == a.name);
        CHECK(b.description.empty());
        CHECK(b.targets.asn == a.targets.asn);
        CHECK(b.targets.prefixes == a.targets.prefixes);
        CHECK(b.methods == a.methods);
        CHECK(b.params == campaign::probe_params{});
        CHECK(b.agents.all);
        REQUIRE(b.classes.size() == a.classes.size());
        for (std::size_t k = 0; k < a.classes.size(); ++k) {
            CHECK(b.classes[k].name == a.classes[k].name);
            CHECK(b.classes[k].asns == a.classes[k].asns);
            CHECK(b.classes[k].prefixes == a.classes[k].prefixes);
        }
    }
}

TEST_CASE("writer: no campaign is an empty list the parser accepts") {
    const auto text = to_yaml({}, {});
    CHECK(text == "campaigns: []\n");
    CHECK(campaign::parse_campaigns(text, "draft").campaigns.empty());
}

TEST_CASE("writer: a campaign with keys it does not write is refused, nothing written") {
    auto c = lab_campaign("as2516", 2516, {pfx("198.18.2.0/24")});
    SUBCASE("description") {
        c.description = "lab";
    }
    SUBCASE("probe parameters") {
        c.params.pps = 10;
    }
    SUBCASE("agents") {
        c.agents.all = false;
    }
    SUBCASE("fixed addresses") {
        c.targets.addresses = {*ipv4_addr::parse("198.18.2.1")};
    }
    campaign::campaign_set set;
    set.campaigns.push_back(c);
    std::ostringstream out;
    CHECK_THROWS_AS(write_campaigns_yaml(out, set), std::invalid_argument);
    CHECK(out.str().empty());
}
