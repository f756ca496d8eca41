// The one method enum: names, parsing, and the aliases of the campaign model and the codec.
#include <string>

#include <doctest/doctest.h>

#include <tumen/common/campaign/model.hpp>
#include <tumen/common/method.hpp>

using tumen::method;

TEST_CASE("method names round-trip; unknown names are rejected") {
    for (method m :
         {method::udp_paris, method::icmp_paris, method::tcp_syn, method::udp, method::ping}) {
        auto back = tumen::parse_method(tumen::to_string(m));
        REQUIRE(back);
        CHECK(*back == m);
    }
    CHECK(std::string(tumen::to_string(method::icmp_paris)) == "icmp-paris");
    CHECK(std::string(tumen::to_string(method::ping)) == "ping");
    CHECK(std::string(tumen::to_string(static_cast<method>(42))) == "unknown");
    CHECK_FALSE(tumen::parse_method("traceroute"));
    CHECK_FALSE(tumen::parse_method("UDP"));
    CHECK(tumen::is_traceroute(method::udp));
    CHECK_FALSE(tumen::is_traceroute(method::ping));
}

TEST_CASE("the campaign model uses the same enum (no conversion through strings)") {
    static_assert(std::is_same_v<tumen::campaign::method, tumen::method>);
    CHECK(tumen::campaign::parse_method("tcp-syn") == method::tcp_syn);
}
