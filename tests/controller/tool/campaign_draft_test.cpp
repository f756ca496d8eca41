// Drafting campaigns from destinations over the lab's address plan (deploy/lab/pfx2as.txt).
#include <doctest/doctest.h>

#include <tumen/controller/asmap/loader.hpp>

#include "campaign_draft.hpp"
#include "lab_plan.hpp"

using namespace tumen;
using tumen::controller::tool::draft_campaigns;
using tumen::controller::tool::draft_rules;

namespace {
std::vector<ipv4_addr> addrs(std::initializer_list<const char*> texts) {
    std::vector<ipv4_addr> out;
    for (const char* t : texts) {
        out.push_back(*ipv4_addr::parse(t));
    }
    return out;
}
ipv4_prefix pfx(const char* text) {
    return *ipv4_prefix::parse(text);
}
const auto lab_map =
    controller::asmap::load_as_map({{tumen::test::lab().pfx2as_path()}, {}, {}, {}});
} // namespace

TEST_CASE("draft: one campaign per destination AS in ASN order, prefixes in address order") {
    draft_rules rules;
    rules.methods = {campaign::method::udp_paris, campaign::method::ping};
    // AS24940 (198.18.1.0/24), AS2516 (198.18.2.0/24), AS4837 (198.18.48.0/20), given out of
    // order and with duplicates; 198.51.100.1 and 10.0.0.1 have no route in the lab plan.
    const auto d = draft_campaigns(
        addrs({"198.18.48.200", "198.18.1.7", "198.18.2.9", "198.18.1.7", "198.18.1.99",
               "198.18.50.1", "198.18.49.3", "198.51.100.1", "10.0.0.1"}),
        lab_map, rules);
    CHECK(d.destinations == 8);
    CHECK(d.unmapped == 2);
    CHECK(d.excluded == 0);
    REQUIRE(d.set.campaigns.size() == 3);
    CHECK(d.set.campaigns[0].name == "as2516");
    CHECK(d.set.campaigns[1].name == "as4837");
    CHECK(d.set.campaigns[2].name == "as24940");
    const auto& cu = d.set.campaigns[1];
    CHECK(cu.targets.asn == 4837);
    CHECK(cu.targets.prefixes ==
          std::vector{pfx("198.18.48.0/24"), pfx("198.18.49.0/24"), pfx("198.18.50.0/24")});
    CHECK(d.set.campaigns[2].targets.prefixes == std::vector{pfx("198.18.1.0/24")});
    CHECK(cu.methods == rules.methods);
    CHECK(cu.classes.empty());
}

TEST_CASE("draft: classes lose the campaign's own AS; excluded ASes and prefix length") {
    draft_rules rules;
    rules.methods = {campaign::method::icmp_paris};
    rules.classes = {{"china-unicom", {4837, 4808}, {}}, {"ttk", {20485}, {}}};
    rules.exclude_asns = {131279};
    rules.prefix_length = 20;
    const auto d =
        draft_campaigns(addrs({"198.19.177.1", "198.18.81.1", "198.18.49.1"}), lab_map, rules);
    CHECK(d.excluded == 1);
    REQUIRE(d.set.campaigns.size() == 2);
    const auto& cu = d.set.campaigns[0];
    CHECK(cu.name == "as4837");
    CHECK(cu.targets.prefixes == std::vector{pfx("198.18.48.0/20")});
    REQUIRE(cu.classes.size() == 2);
    CHECK(cu.classes[0].name == "china-unicom");
    CHECK(cu.classes[0].asns == std::vector<std::uint32_t>{4808});
    CHECK(cu.classes[1].name == "ttk");
    // The TTK campaign: class ttk listed only its own AS and is dropped.
    const auto& ttk = d.set.campaigns[1];
    CHECK(ttk.name == "as20485");
    REQUIRE(ttk.classes.size() == 1);
    CHECK(ttk.classes[0].name == "china-unicom");
    CHECK(ttk.classes[0].asns == std::vector<std::uint32_t>{4837, 4808});
}

TEST_CASE("draft: no destination, no campaign") {
    const auto d = draft_campaigns({}, lab_map, draft_rules{});
    CHECK(d.destinations == 0);
    CHECK(d.set.campaigns.empty());
}
