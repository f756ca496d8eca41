// Matcher: key_of recovers the identity for every method and reply kind; check accepts only
// replies naming a probe we sent and flags NAT rewriting (dublin-traceroute style).
#include <tuple>

#include <doctest/doctest.h>

#include <tumen/probe/codec/matcher.hpp>
#include <tumen/probe/codec/probe_builder.hpp>

#include "test_support.hpp"

using namespace tumen;
using namespace tumen::probe::codec;
using namespace tumen::probe::codec::test;
using namespace std::chrono_literals;

namespace {

const ipv4_addr target{203, 0, 113, 5};

probe_spec sent_probe(method m, std::uint16_t ident = 7) {
    probe_spec s;
    s.kind = m;
    s.src = ipv4_addr{192, 0, 2, 10};
    s.dst = target;
    s.src_port = 33434;
    s.dst_port = default_dst_port(m);
    s.ttl = 5;
    s.ident = ident;
    s.ip_id = 0x1234;
    return s;
}

/// Another probe of the same flow: another ident and, as the engine derives them, its own tag.
probe_spec another_probe(method m, std::uint16_t ident) {
    probe_spec s = sent_probe(m, ident);
    s.tag = 0x0badf00d;
    return s;
}

reply decode(const bytes& pkt) {
    const decode_result d = decode_reply(pkt, 0ns);
    REQUIRE_MESSAGE(d, to_string(d.error));
    return *d.value;
}

} // namespace

TEST_CASE("fixture replies match the probes that caused them") {
    const std::tuple<const char*, method> cases[] = {
        {"te_udp.hex", method::udp_paris},          {"te_icmp.hex", method::icmp_paris},
        {"te_tcp8.hex", method::tcp_syn},           {"unreach_port.hex", method::udp},
        {"te_udp_ipopts.hex", method::udp_paris},   {"te_mpls1_len.hex", method::udp_paris},
        {"te_mpls3_compat.hex", method::udp_paris}, {"echo_reply.hex", method::icmp_paris},
        {"tcp_synack.hex", method::tcp_syn},        {"tcp_rst.hex", method::tcp_syn},
    };
    for (const auto& c : cases) {
        const auto& file = std::get<0>(c); // not a structured binding: clang 14 cannot capture one
        const auto m = std::get<1>(c);
        CAPTURE(file);
        const reply r = decode(load_fixture(file));
        const auto k = key_of(r, m, default_udp_dst_port);
        REQUIRE(k.has_value());
        CHECK(k->kind == m);
        CHECK(k->dst == target);
        CHECK(k->ident == 7);
        CHECK(k->src_port == 33434);
        const probe_spec s = sent_probe(m);
        const match_result mr = check(s, r);
        CHECK(mr.matched);
        CHECK_FALSE(mr.nat);
        // Another outstanding probe of the same flow is not this reply's. It has its own
        // keyed tag (probe_ident.hpp): with an equal tag and IP id, a udp-paris quote holding
        // the tag would pass as NAT-rewritten (a checksum that differs, a tag that matches).
        CHECK_FALSE(check(another_probe(m, 8), r).matched);
        // Other methods cannot claim it.
        for (method other : {method::udp_paris, method::icmp_paris, method::tcp_syn}) {
            if (other != m && !(m == method::udp && other == method::udp_paris)) {
                CHECK_FALSE(key_of(r, other, default_udp_dst_port).has_value());
                CHECK_FALSE(check(sent_probe(other), r).matched);
            }
        }
    }
}

TEST_CASE("classic udp: identity is the destination port offset") {
    const reply r = decode(load_fixture("unreach_port.hex"));
    auto k = key_of(r, method::udp, 33435);
    REQUIRE(k.has_value());
    CHECK(k->dst_port == 33442);
    CHECK(k->ident == 7);
    k = key_of(r, method::udp, 33400);
    REQUIRE(k.has_value());
    CHECK(k->ident == 42);
    CHECK_FALSE(key_of(r, method::udp, 40000).has_value()); // below the base port
}

TEST_CASE("a reply for another destination does not match") {
    for (const char* file : {"te_udp.hex", "te_icmp.hex", "te_tcp8.hex"}) {
        CAPTURE(file);
        bytes p = load_fixture(file);
        p[28 + 19] = 9; // quoted destination 203.0.113.9
        fix_checksums(p);
        const reply r = decode(p);
        REQUIRE(r.quote.has_value());
        CHECK(r.quote->dst == ipv4_addr{203, 0, 113, 9});
        for (method m : {method::udp_paris, method::icmp_paris, method::tcp_syn}) {
            CHECK_FALSE(check(sent_probe(m), r).matched);
        }
    }
    // Echo reply and SYN-ACK from a host that is not the destination.
    for (const char* file : {"echo_reply.hex", "tcp_synack.hex"}) {
        bytes p = load_fixture(file);
        p[15] = 6; // source 203.0.113.6
        const reply r = decode([&] {
            // only the IP header checksum needs fixing for a TCP packet's source here;
            // the TCP checksum is not verified by the decoder.
            put_be16(p, 10, 0);
            put_be16(p, 10, static_cast<std::uint16_t>(~ref_sum(std::span(p).first(20))));
            return p;
        }());
        CHECK_FALSE(check(sent_probe(method::icmp_paris), r).matched);
        CHECK_FALSE(check(sent_probe(method::tcp_syn), r).matched);
    }
}

TEST_CASE("NAT-rewritten checksum in an 8-byte quote is not matched") {
    // Before keyed identities this quote was matched on its IP id alone. A rewritten checksum
    // leaves the IP id as the only keyed field of an 8-byte quote: 16 bits, which a blind
    // spoofer guesses in 65536 tries, so such quotes are refused now. A NAT-rewritten quote
    // that holds the payload tag is still matched and flagged (probe_ident_test.cpp,
    // te_nat_tag.hex).
    const reply r = decode(load_fixture("te_nat.hex"));
    REQUIRE(r.quote.has_value());
    CHECK(r.quote->src == ipv4_addr{203, 0, 113, 77});
    CHECK(r.quote->src_port == 40001);
    CHECK(r.quote->udp_checksum != udp_paris_checksum(7));
    CHECK(r.quote->ip_id == 8);
    CHECK_FALSE(r.quote->payload_tag.has_value());
    probe_spec s = sent_probe(method::udp_paris);
    s.ip_id = 8;
    CHECK_FALSE(check(s, r).matched);
}

TEST_CASE("NAT detection from quote fields") {
    const bytes base = load_fixture("te_udp.hex");
    // Address rewritten, nothing else: matched, NAT.
    bytes p = base;
    p[28 + 15] = 77; // quoted source 192.0.2.77
    fix_checksums(p);
    match_result mr = check(sent_probe(method::udp_paris), decode(p));
    CHECK(mr.matched);
    CHECK(mr.nat);
    // Port differs with our own address: another flow or process, not ours.
    p = base;
    put_be16(p, 48, 33500);
    fix_checksums(p);
    mr = check(sent_probe(method::udp_paris), decode(p));
    CHECK_FALSE(mr.matched);
    // Address and port rewritten (NAPT that did not translate the quote back).
    p[28 + 15] = 77;
    fix_checksums(p);
    mr = check(sent_probe(method::udp_paris), decode(p));
    CHECK(mr.matched);
    CHECK(mr.nat);
    // Checksum rewritten but the address restored (dublin-traceroute's case): with an
    // 8-byte quote nothing keyed names the probe besides the IP id, so it is not matched;
    // with the whole probe quoted, the payload tag does (flagged as NAT).
    p = base;
    put_be16(p, 54, 0x4242);
    fix_checksums(p);
    probe_spec s = sent_probe(method::udp_paris);
    CHECK_FALSE(check(s, decode(p)).matched);
    bytes probe;
    REQUIRE_FALSE(build_probe(s, probe));
    p = make_icmp_error(probe, 11, 0, (198u << 24) | (51u << 16) | (100u << 8) | 1u, 44);
    put_be16(p, 28 + 26, 0x4242);
    fix_checksums(p);
    mr = check(s, decode(p));
    CHECK(mr.matched);
    CHECK(mr.nat);

    // icmp-paris: identifier rewritten together with the address.
    p = load_fixture("te_icmp.hex");
    p[28 + 15] = 77;
    put_be16(p, 52, 5555);
    fix_checksums(p);
    mr = check(sent_probe(method::icmp_paris), decode(p));
    CHECK(mr.matched);
    CHECK(mr.nat);
    // ... identifier different with our own address: not ours.
    p = load_fixture("te_icmp.hex");
    put_be16(p, 52, 5555);
    fix_checksums(p);
    CHECK_FALSE(check(sent_probe(method::icmp_paris), decode(p)).matched);
}

TEST_CASE("round trip: built probe -> synthetic ICMP error -> key -> match") {
    const std::uint32_t router = (198u << 24) | (51u << 16) | (100u << 8) | 7u;
    for (method m : {method::udp_paris, method::icmp_paris, method::tcp_syn, method::udp}) {
        for (std::uint16_t ident : {0, 1, 7, 300, 0x7fff, 0xfffe}) {
            if (m == method::udp && ident > 30000) {
                continue;
            }
            CAPTURE(to_string(m));
            CAPTURE(ident);
            const probe_spec s = sent_probe(m, ident);
            bytes probe;
            REQUIRE_FALSE(build_probe(s, probe));
            for (std::size_t quote_len : {std::size_t{28}, probe.size()}) {
                const bytes err = make_icmp_error(probe, 11, 0, router, quote_len);
                const reply r = decode(err);
                CHECK(r.quote->ttl == 1);
                CHECK(r.quote->ip_length == probe.size());
                const auto k = key_of(r, m, default_udp_dst_port);
                REQUIRE(k.has_value());
                CHECK(k->ident == ident);
                CHECK(k->dst == s.dst);
                const match_result mr = check(s, r);
                CHECK(mr.matched);
                CHECK_FALSE(mr.nat);
                if (ident != 0) {
                    CHECK_FALSE(
                        check(another_probe(m, static_cast<std::uint16_t>(ident - 1)), r).matched);
                }
            }
        }
    }
}

TEST_CASE("key_of without a usable quote") {
    reply r;
    r.kind = reply_kind::time_exceeded;
    CHECK_FALSE(key_of(r, method::udp_paris, 33435).has_value());
    CHECK_FALSE(check(sent_probe(method::udp_paris), r).matched);
    // A udp-paris quote with checksum 0 (never sent) has no identity.
    r.quote = quoted_probe{};
    r.quote->protocol = 17;
    CHECK_FALSE(key_of(r, method::udp_paris, 33435).has_value());
    // An icmp quote of something other than an echo request.
    r.quote->protocol = 1;
    r.quote->src_port = 0x0d00;
    CHECK_FALSE(key_of(r, method::icmp_paris, 33435).has_value());
}
