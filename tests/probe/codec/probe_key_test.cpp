// probe_key: the key made from a probe equals the key made from a reply to it, for every
// method; fields a method cannot recover are normalised away; peek_ipv4 reads the header
// and tells our probes from replies by their shape.
#include <utility>

#include <doctest/doctest.h>

#include <tumen/probe/codec/probe_builder.hpp>
#include <tumen/probe/codec/probe_key.hpp>

#include "test_support.hpp"

using namespace tumen;
using namespace tumen::probe::codec;
using namespace tumen::probe::codec::test;
using namespace std::chrono_literals;

namespace {

probe_spec spec_of(method m, std::uint16_t ident) {
    probe_spec s;
    s.kind = m;
    s.src = ipv4_addr{192, 0, 2, 10};
    s.dst = ipv4_addr{203, 0, 113, 5};
    s.src_port = 33440;
    s.dst_port = default_dst_port(m);
    s.ttl = 5;
    s.ident = ident;
    s.ip_id = 0x4321;
    return s;
}

} // namespace

TEST_CASE("a time-exceeded reply has the key of the probe it quotes") {
    for (const method m : {method::udp_paris, method::icmp_paris, method::tcp_syn, method::udp}) {
        CAPTURE(to_string(m));
        const probe_spec s = spec_of(m, 9);
        bytes pkt;
        REQUIRE_FALSE(build_probe(s, pkt));
        const bytes err = make_icmp_error(pkt, 11, 0, 0xc6336401, 28 + 20);
        const decode_result d = decode_reply(err, 0ns);
        REQUIRE(d);
        const auto k = key_of(*d.value, m, default_udp_dst_port);
        REQUIRE(k);
        CHECK(key_of_reply(*k) == key_of_probe(s));
        CHECK(probe_key_hash{}(key_of_reply(*k)) == probe_key_hash{}(key_of_probe(s)));
        CHECK_FALSE(key_of_probe(spec_of(m, 10)) == key_of_probe(s));
    }
}

TEST_CASE("normalised fields: no icmp-paris port, no classic-udp identity") {
    const probe_key icmp = normalise_key(method::icmp_paris, ipv4_addr{1, 2, 3, 4}, 5, 6, 7);
    CHECK(icmp.dst_port == 0);
    CHECK(icmp.ident == 7);
    const probe_key udp = normalise_key(method::udp, ipv4_addr{1, 2, 3, 4}, 5, 6, 7);
    CHECK(udp.dst_port == 6);
    CHECK(udp.ident == 0);
    CHECK(key_of_probe(spec_of(method::udp, 3)).dst_port == default_udp_dst_port + 3);
}

TEST_CASE("peek_ipv4 reads source and identification, refuses short packets") {
    bytes pkt;
    REQUIRE_FALSE(build_probe(spec_of(method::udp_paris, 1), pkt));
    const auto p = peek_ipv4(pkt);
    REQUIRE(p);
    CHECK(p->src == ipv4_addr{192, 0, 2, 10});
    CHECK(p->id == 0x4321);
    CHECK_FALSE(peek_ipv4(std::span<const std::uint8_t>(pkt.data(), 19)));
}

TEST_CASE("peek_ipv4 tells our probes from replies by their shape, not their source") {
    // Every probe we build is probe-shaped; every reply to it is not, even from our address.
    for (const method m : {method::udp_paris, method::icmp_paris, method::tcp_syn, method::udp}) {
        CAPTURE(to_string(m));
        bytes pkt;
        REQUIRE_FALSE(build_probe(spec_of(m, 1), pkt));
        REQUIRE(peek_ipv4(pkt));
        CHECK(peek_ipv4(pkt)->probe_shaped);
        // Time exceeded, unreachable (port, host, prohibited) from a router and from the
        // agent's own address 192.0.2.10.
        for (const std::uint32_t from : {0xc6336401u, 0xc000020au}) {
            for (const auto& tc :
                 {std::pair{11, 0}, std::pair{3, 3}, std::pair{3, 1}, std::pair{3, 13}}) {
                const int type = tc.first; // not a structured binding: clang 14's CAPTURE
                const int code = tc.second;
                CAPTURE(type);
                CAPTURE(code);
                const bytes err = make_icmp_error(pkt, static_cast<std::uint8_t>(type),
                                                  static_cast<std::uint8_t>(code), from, 28 + 20);
                const auto p = peek_ipv4(err);
                REQUIRE(p);
                CHECK(p->src.value == from);
                CHECK_FALSE(p->probe_shaped);
            }
        }
    }
    struct row {
        method m;
        std::size_t at; // byte patched (IHL 5: transport header at 20)
        std::uint8_t value;
        bool probe_shaped;
    };
    const row rows[] = {
        {method::icmp_paris, 20, 0, false}, // echo reply (RFC 792 type 0)
        {method::icmp_paris, 20, 8, true},  // echo request
        {method::tcp_syn, 33, 0x12, false}, // SYN-ACK
        {method::tcp_syn, 33, 0x14, false}, // RST-ACK
        {method::tcp_syn, 33, 0x04, false}, // RST
        {method::tcp_syn, 33, 0x02, true},  // SYN
        {method::udp_paris, 9, 47, false},  // GRE: neither
    };
    for (const auto& r : rows) {
        CAPTURE(to_string(r.m));
        CAPTURE(int{r.value});
        bytes pkt;
        REQUIRE_FALSE(build_probe(spec_of(r.m, 1), pkt));
        pkt[r.at] = r.value;
        CHECK(peek_ipv4(pkt)->probe_shaped == r.probe_shaped);
    }
    // Truncated transport headers are not probe-shaped.
    bytes tcp;
    REQUIRE_FALSE(build_probe(spec_of(method::tcp_syn, 1), tcp));
    CHECK_FALSE(probe_shaped(std::span<const std::uint8_t>(tcp.data(), 33)));
    bytes icmp;
    REQUIRE_FALSE(build_probe(spec_of(method::icmp_paris, 1), icmp));
    CHECK_FALSE(probe_shaped(std::span<const std::uint8_t>(icmp.data(), 20)));
    CHECK_FALSE(probe_shaped(std::span<const std::uint8_t>(icmp.data(), 19)));
}

TEST_CASE("be16 and be32 read network order and give 0 past the end") {
    const std::uint8_t b[] = {0x12, 0x34, 0x56, 0x78, 0x9a};
    CHECK(be16(b, 0) == 0x1234);
    CHECK(be16(b, 3) == 0x789a);
    CHECK(be16(b, 4) == 0);
    CHECK(be16(b, 99) == 0);
    CHECK(be32(b, 0) == 0x12345678u);
    CHECK(be32(b, 1) == 0x3456789au);
    CHECK(be32(b, 2) == 0);
    static_assert(be16(std::span<const std::uint8_t>{}, 0) == 0);
}
