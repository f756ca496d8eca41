#include <vector>

#include <doctest/doctest.h>
#include <pcap/dlt.h>

#include <tumen/probe/engine/link_layer.hpp>

using namespace tumen::probe::engine;

namespace {
// A minimal IPv4 header start (version 4, IHL 5) followed by filler.
const std::vector<std::uint8_t> ip{0x45, 0x00, 0x00, 0x1c, 0xab, 0xcd, 0, 0, 1, 1, 0, 0,
                                   198,  51,   100,  1,    192,  0,    2, 1, 0, 0, 0, 0};

std::vector<std::uint8_t> concat(std::vector<std::uint8_t> a, const std::vector<std::uint8_t>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}
} // namespace

TEST_CASE("Ethernet II frame") {
    std::vector<std::uint8_t> eth(12, 0x11);
    eth.push_back(0x08);
    eth.push_back(0x00);
    const auto frame = concat(eth, ip);
    auto p = ipv4_payload(DLT_EN10MB, frame);
    REQUIRE(p);
    CHECK(p->ip.size() == ip.size());
    CHECK(p->ip[0] == 0x45);
    CHECK(p->ip[4] == 0xab);
    CHECK(p->direction == link_direction::unknown);
}

TEST_CASE("802.1Q tagged Ethernet frame") {
    std::vector<std::uint8_t> eth(12, 0x11);
    for (std::uint8_t b : {0x81, 0x00, 0x00, 0x64, 0x08, 0x00}) {
        eth.push_back(b);
    }
    auto p = ipv4_payload(DLT_EN10MB, concat(eth, ip));
    REQUIRE(p);
    CHECK(p->ip[0] == 0x45);
    CHECK(p->ip.size() == ip.size());
}

TEST_CASE("Ethernet frame carrying ARP or truncated is rejected") {
    std::vector<std::uint8_t> arp(12, 0);
    arp.push_back(0x08);
    arp.push_back(0x06);
    CHECK_FALSE(ipv4_payload(DLT_EN10MB, concat(arp, ip)));
    CHECK_FALSE(ipv4_payload(DLT_EN10MB, std::vector<std::uint8_t>(13, 0)));
    CHECK_FALSE(ipv4_payload(DLT_EN10MB, {}));
}

TEST_CASE("Linux cooked (any device) frames with direction") {
    std::vector<std::uint8_t> sll(16, 0);
    sll[1] = 4; // PACKET_OUTGOING
    sll[14] = 0x08;
    sll[15] = 0x00;
    auto out = ipv4_payload(DLT_LINUX_SLL, concat(sll, ip));
    REQUIRE(out);
    CHECK(out->direction == link_direction::outgoing);
    CHECK(out->ip[0] == 0x45);
    sll[1] = 0; // PACKET_HOST
    auto in = ipv4_payload(DLT_LINUX_SLL, concat(sll, ip));
    REQUIRE(in);
    CHECK(in->direction == link_direction::incoming);
    CHECK_FALSE(ipv4_payload(DLT_LINUX_SLL, std::vector<std::uint8_t>(15, 0)));
}

TEST_CASE("raw IP and unsupported link types") {
    auto p = ipv4_payload(DLT_RAW, ip);
    REQUIRE(p);
    CHECK(p->ip.data() == ip.data());
    std::vector<std::uint8_t> v6 = ip;
    v6[0] = 0x60;
    CHECK_FALSE(ipv4_payload(DLT_RAW, v6));
    CHECK(supported_link_type(DLT_EN10MB));
    CHECK_FALSE(supported_link_type(DLT_IEEE802_11));
    CHECK_FALSE(ipv4_payload(DLT_IEEE802_11, ip));
}
