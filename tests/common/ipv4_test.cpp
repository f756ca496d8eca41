#include <doctest/doctest.h>

#include <tumen/common/ipv4.hpp>

using tumen::ipv4_addr;
using tumen::ipv4_prefix;

TEST_CASE("ipv4_addr parses and formats dotted quads") {
    auto a = ipv4_addr::parse("192.0.2.1");
    REQUIRE(a);
    CHECK(a->value == 0xc0000201u);
    CHECK(a->to_string() == "192.0.2.1");
    CHECK(a->to_network() == 0x010200c0u);
    CHECK(ipv4_addr::parse("255.255.255.255")->value == 0xffffffffu);
    CHECK(ipv4_addr::parse("0.0.0.0")->value == 0u);
    CHECK(ipv4_addr::parse("10.200.0.99")->value == 0x0ac80063u);
}

TEST_CASE("ipv4_addr rejects malformed text") {
    for (const char* bad :
         {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4 ", "01.2.3.4", "a.b.c.d", "1..2.3",
          "-1.2.3.4", "1.2.3.0004", "1.2.3.1000", "1.2.3.256", "1.2.3.999", "1.2.3.+4", "1.2.3.4.",
          "1.2.3.00", "99999999999.1.1.1"}) {
        CAPTURE(bad);
        CHECK_FALSE(ipv4_addr::parse(bad));
    }
}

TEST_CASE("ipv4_prefix parses, masks and contains") {
    auto p = ipv4_prefix::parse("198.18.0.0/15");
    REQUIRE(p);
    CHECK(p->length == 15);
    CHECK(p->contains(*ipv4_addr::parse("198.19.255.255")));
    CHECK_FALSE(p->contains(*ipv4_addr::parse("198.20.0.0")));
    CHECK(p->size() == 131072u);
    CHECK(p->at(256).to_string() == "198.18.1.0");
    CHECK(ipv4_prefix::parse("203.0.113.7/24")->to_string() == "203.0.113.0/24");
    CHECK_FALSE(ipv4_prefix::parse("203.0.113.7/24", true));
    CHECK_FALSE(ipv4_prefix::parse("203.0.113.0/33"));
    CHECK_FALSE(ipv4_prefix::parse("203.0.113.0/"));
    CHECK(ipv4_prefix::parse("0.0.0.0/0")->contains(*ipv4_addr::parse("8.8.8.8")));
    CHECK(ipv4_prefix::parse("192.0.2.1")->length == 32);
}
