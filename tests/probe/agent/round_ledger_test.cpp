// The round ledger: an item starts at most once per round, also when the assignment changes
// mid-round; a new round starts afresh.
#include <doctest/doctest.h>

#include <tumen/probe/agent/round_ledger.hpp>

using namespace tumen;
using namespace tumen::probe::agent;

namespace {

campaign::work_item item(const std::string& c, const std::string& addr,
                         campaign::method how = campaign::method::udp_paris) {
    campaign::work_item w;
    w.campaign = c;
    w.target_prefix = *ipv4_prefix::parse("198.51.100.0/24");
    w.address = *ipv4_addr::parse(addr);
    w.how = how;
    return w;
}

std::vector<std::string> addresses(const std::vector<campaign::work_item>& items) {
    std::vector<std::string> out;
    for (const auto& w : items) {
        out.push_back(w.address.to_string());
    }
    return out;
}

using strings = std::vector<std::string>;

} // namespace

TEST_CASE("work item keys: campaign, address and method") {
    CHECK(work_item_key(item("c1", "198.51.100.1")) == "c1|198.51.100.1|udp-paris");
    CHECK(work_item_key(item("c1", "198.51.100.1", campaign::method::ping)) ==
          "c1|198.51.100.1|ping");
    // Parameters are not part of the key.
    auto w = item("c1", "198.51.100.1");
    w.params.attempts = 9;
    CHECK(work_item_key(w) == work_item_key(item("c1", "198.51.100.1")));
}

TEST_CASE("round ledger: each item once per round, only the campaign's items") {
    round_ledger l;
    const std::vector<campaign::work_item> items{
        item("c1", "198.51.100.1"), item("c2", "198.51.100.2"), item("c1", "198.51.100.1"),
        item("c1", "198.51.100.1", campaign::method::ping), item("c1", "198.51.100.3")};
    const auto first = l.admit("c1", 5, items);
    CHECK(addresses(first) == strings{"198.51.100.1", "198.51.100.1", "198.51.100.3"});
    CHECK(first[1].how == campaign::method::ping);
    // The same round again (the assignment polled again): nothing new.
    CHECK(l.admit("c1", 5, items).empty());
}

TEST_CASE("round ledger: an assignment changed mid-round starts only the new items") {
    round_ledger l;
    CHECK(l.admit("c1", 5, {item("c1", "198.51.100.1"), item("c1", "198.51.100.2")}).size() == 2);
    const auto changed = l.admit(
        "c1", 5,
        {item("c1", "198.51.100.2"), item("c1", "198.51.100.4"), item("c1", "198.51.100.1")});
    CHECK(addresses(changed) == strings{"198.51.100.4"});
    // An item removed mid-round and added back in the same round is not started again.
    CHECK(l.admit("c1", 5, {item("c1", "198.51.100.4")}).empty());
}

TEST_CASE("round ledger: a new round starts afresh, campaigns are independent") {
    round_ledger l;
    const std::vector<campaign::work_item> c1{item("c1", "198.51.100.1")};
    const std::vector<campaign::work_item> c2{item("c2", "198.51.100.1")};
    CHECK(l.admit("c1", 5, c1).size() == 1);
    CHECK(l.admit("c2", 5, c2).size() == 1);
    CHECK(l.admit("c1", 6, c1).size() == 1); // next round
    CHECK(l.admit("c2", 5, c2).empty());     // c2 still in round 5
    // A round number going back is a new round too (a controller restarted its numbering).
    CHECK(l.admit("c1", 5, c1).size() == 1);
    // An empty plan still moves the campaign to its round.
    CHECK(l.admit("c1", 7, {}).empty());
    CHECK(l.admit("c1", 5, c1).size() == 1);
    // The first round of a campaign may be round 0.
    CHECK(l.admit("c3", 0, {item("c3", "198.51.100.1")}).size() == 1);
}
