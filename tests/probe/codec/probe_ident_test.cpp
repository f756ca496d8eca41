// Keyed probe identities: derive_ident is SipHash-2-4 over the documented message, the keyed
// fields land where the builder says (annotated fixtures), and check() refuses a reply that
// gets any quoted or echoed keyed bit wrong, while NAT-rewritten quotes still match by tag.
#include <array>
#include <tuple>

#include <doctest/doctest.h>

#include <tumen/probe/codec/matcher.hpp>
#include <tumen/probe/codec/probe_builder.hpp>
#include <tumen/probe/codec/probe_ident.hpp>

#include "test_support.hpp"

using namespace tumen;
using namespace tumen::probe::codec;
using namespace tumen::probe::codec::test;
using namespace std::chrono_literals;

namespace {

// The keyed fields of the *_tag.hex fixtures (make_fixtures.py: K_IDENT, K_IPID, K_TAG).
constexpr std::uint16_t k_ident = 0x3c4d;
constexpr std::uint16_t k_ip_id = 0x5a17;
constexpr std::uint32_t k_tag = 0xa1b2c3d4;

probe_spec keyed_spec(method m) {
    probe_spec s;
    s.kind = m;
    s.src = ipv4_addr{192, 0, 2, 10};
    s.dst = ipv4_addr{203, 0, 113, 5};
    s.src_port = 33434;
    s.dst_port = default_dst_port(m);
    s.ttl = 5;
    s.ident = m == method::udp ? 7 : k_ident; // classic udp: the port offset
    s.ip_id = k_ip_id;
    s.tag = k_tag;
    return s;
}

reply decode(const bytes& pkt) {
    const decode_result d = decode_reply(pkt, 0ns);
    REQUIRE_MESSAGE(d, to_string(d.error));
    return *d.value;
}

siphash_key test_key() {
    siphash_key k{};
    for (std::size_t i = 0; i < k.size(); ++i) {
        k[i] = static_cast<std::uint8_t>(0xa0 + i);
    }
    return k;
}

} // namespace

TEST_CASE("derive_ident is SipHash-2-4 over method, flow, TTL and attempt") {
    const siphash_key key = test_key();
    probe_spec s = keyed_spec(method::udp_paris);
    // The 22-byte message, spelled out independently of probe_ident.cpp.
    const std::array<std::uint8_t, 22> msg = {0x00,                // method udp-paris
                                              192,  0,    2,   10, // source
                                              203,  0,    113, 5,  // destination
                                              0x82, 0x9a,          // source port 33434
                                              0x82, 0x9b,          // destination port 33435
                                              5,                   // TTL
                                              0x2a, 0,    0,   0,
                                              0,    0,    0,   0}; // attempt 42, little-endian
    const std::uint64_t h = siphash_2_4(key, msg);
    const keyed_ident k = derive_ident(key, s, 42);
    CHECK(k.ident == static_cast<std::uint16_t>(h));
    CHECK(k.ip_id == static_cast<std::uint16_t>(h >> 16));
    CHECK(k.tag == static_cast<std::uint32_t>(h >> 32));
    // Deterministic, and every input changes it.
    CHECK(derive_ident(key, s, 42) == k);
    CHECK_FALSE(derive_ident(key, s, 43) == k);
    siphash_key other = key;
    other[15] ^= 1;
    CHECK_FALSE(derive_ident(other, s, 42) == k);
    probe_spec t = s;
    t.ttl = 6;
    CHECK_FALSE(derive_ident(key, t, 42) == k);
    t = s;
    t.src_port = 33435;
    CHECK_FALSE(derive_ident(key, t, 42) == k);
    t = s;
    t.kind = method::tcp_syn;
    CHECK_FALSE(derive_ident(key, t, 42) == k);

    // apply_ident: classic udp keeps its port offset as ident.
    probe_spec u = keyed_spec(method::udp);
    apply_ident(u, k);
    CHECK(u.ident == 7);
    CHECK(u.ip_id == k.ip_id);
    CHECK(u.tag == k.tag);
    apply_ident(s, k);
    CHECK(s.ident == k.ident);
}

TEST_CASE("keyed fields on the wire: exact fixture bytes, Paris flow unchanged") {
    const std::tuple<method, const char*> cases[] = {
        {method::udp_paris, "probe_udp_paris_tag.hex"},
        {method::icmp_paris, "probe_icmp_paris_tag.hex"},
        {method::tcp_syn, "probe_tcp_syn_tag.hex"},
        {method::udp, "probe_udp_tag.hex"},
    };
    for (const auto& c : cases) {
        const method m = std::get<0>(c);
        const char* file = std::get<1>(c);
        CAPTURE(file);
        const bytes expected = load_fixture(file);
        REQUIRE(ref_ip_header_ok(expected));
        REQUIRE(ref_l4_ok(expected));
        const probe_spec s = keyed_spec(m);
        bytes got;
        REQUIRE_FALSE(build_probe(s, got));
        CHECK(got == expected);
        CHECK(be16(got, 4) == k_ip_id);
        // The flow a load balancer hashes is the untagged probe's (icmp: same checksum).
        probe_spec plain = s;
        plain.tag = 0;
        plain.ident = m == method::udp ? 7 : 1;
        bytes plain_bytes;
        REQUIRE_FALSE(build_probe(plain, plain_bytes));
        CHECK(flow_of(got) == flow_of(plain_bytes));
        CHECK(carries_payload_tag(s) == (m != method::tcp_syn));
        if (m == method::udp) {
            CHECK(be16(got, 26) == udp_checksum(s));
        }
    }
    // Too short for a tag: nothing written past the header, no tag expected back.
    probe_spec s = keyed_spec(method::udp_paris);
    s.length = 33;
    CHECK_FALSE(carries_payload_tag(s));
    bytes p;
    REQUIRE_FALSE(build_probe(s, p));
    CHECK(ref_l4_ok(p));
}

TEST_CASE("a quote must carry every keyed bit it holds") {
    const probe_spec s = keyed_spec(method::udp_paris);
    // Whole quote (RFC 1812): IP id, checksum and tag.
    const reply full = decode(load_fixture("te_udp_tag.hex"));
    REQUIRE(full.quote->payload_tag.has_value());
    CHECK(*full.quote->payload_tag == k_tag);
    const auto k = key_of(full, method::udp_paris, default_udp_dst_port);
    REQUIRE(k.has_value());
    CHECK(k->ident == k_ident);
    CHECK(check(s, full).matched);
    CHECK_FALSE(check(s, full).nat);
    probe_spec wrong = s;
    wrong.tag ^= 0x00010000;
    CHECK_FALSE(check(wrong, full).matched);
    wrong = s;
    wrong.ip_id ^= 1;
    CHECK_FALSE(check(wrong, full).matched);

    // RFC 792 quote (header + 8 bytes): no tag, the IP id and the checksum must match.
    const reply short8 = decode(load_fixture("te_udp_tag8.hex"));
    CHECK_FALSE(short8.quote->payload_tag.has_value());
    CHECK(check(s, short8).matched);
    CHECK(check(wrong, short8).matched == false);
    // Knowing the flow and the ident is not enough: of all 65536 IP ids only ours matches.
    bytes forged = load_fixture("te_udp_tag8.hex");
    int accepted = 0;
    for (unsigned id = 0; id <= 0xffff; ++id) {
        put_be16(forged, 28 + 4, static_cast<std::uint16_t>(id));
        fix_checksums(forged);
        accepted += check(s, decode(forged)).matched ? 1 : 0;
    }
    CHECK(accepted == 1);

    // tcp-syn: the whole 32-bit sequence is compared, not only the ident in its low half.
    probe_spec t = keyed_spec(method::tcp_syn);
    bytes probe;
    REQUIRE_FALSE(build_probe(t, probe));
    const std::uint32_t router = (198u << 24) | (51u << 16) | (100u << 8) | 1u;
    bytes te = make_icmp_error(probe, 11, 0, router, 28);
    CHECK(check(t, decode(te)).matched);
    put_be16(te, 28 + 20 + 4, 0x0000); // upper half of the quoted sequence
    fix_checksums(te);
    const reply r = decode(te);
    CHECK(key_of(r, method::tcp_syn, default_udp_dst_port)->ident == k_ident);
    CHECK_FALSE(check(t, r).matched);
}

TEST_CASE("NAT-rewritten checksum: matched only by the quoted tag") {
    const probe_spec s = keyed_spec(method::udp_paris);
    const reply r = decode(load_fixture("te_nat_tag.hex"));
    REQUIRE(r.quote.has_value());
    CHECK(r.quote->src == ipv4_addr{203, 0, 113, 77});
    CHECK(r.quote->udp_checksum != udp_paris_checksum(k_ident));
    const match_result mr = check(s, r);
    CHECK(mr.matched);
    CHECK(mr.nat);
    probe_spec wrong = s;
    wrong.tag = 0;
    CHECK_FALSE(check(wrong, r).matched);
}

TEST_CASE("the outer ICMP checksum is verified") {
    bytes p = load_fixture("te_icmp_badsum.hex");
    const decode_result d = decode_reply(p, 0ns);
    CHECK_FALSE(d);
    CHECK(d.error == decode_error::bad_checksum);
    CHECK(std::string(to_string(decode_error::bad_checksum)) == "bad_checksum");
    fix_checksums(p); // the same message with a correct checksum decodes and matches
    const reply r = decode(p);
    CHECK(check(keyed_spec(method::icmp_paris), r).matched);
    // Every other fixture ICMP reply verifies; one flipped bit anywhere in the message fails.
    for (const char* file :
         {"te_udp.hex", "echo_reply.hex", "unreach_port.hex", "te_mpls1_len.hex"}) {
        CAPTURE(file);
        bytes q = load_fixture(file);
        CHECK(decode_reply(q, 0ns));
        q.back() ^= 0x40;
        CHECK(decode_reply(q, 0ns).error == decode_error::bad_checksum);
    }
}

TEST_CASE("direct replies echo the keyed bits") {
    const probe_spec e = keyed_spec(method::icmp_paris);
    const reply echo = decode(load_fixture("echo_reply_tag.hex"));
    REQUIRE(echo.echo_tag.has_value());
    CHECK(*echo.echo_tag == k_tag);
    CHECK(check(e, echo).matched);
    probe_spec wrong = e;
    wrong.tag ^= 1;
    CHECK_FALSE(check(wrong, echo).matched);
    // An echo reply without the data (right identifier and sequence): refused.
    reply bare = echo;
    bare.echo_tag.reset();
    CHECK_FALSE(check(e, bare).matched);

    const probe_spec t = keyed_spec(method::tcp_syn);
    const reply synack = decode(load_fixture("tcp_synack_tag.hex"));
    CHECK(synack.tcp_ack == ((k_tag & 0xffff0000u) | k_ident) + 1u);
    CHECK(check(t, synack).matched);
    reply guessed = synack;
    guessed.tcp_ack = k_ident + 1u; // right ident, upper half guessed as 0
    CHECK(key_of(guessed, method::tcp_syn, default_udp_dst_port)->ident == k_ident);
    CHECK_FALSE(check(t, guessed).matched);
}
