// Probe builders: exact bytes against hand-annotated fixtures, checksums against the test's
// own RFC 1071 reference and libtins, and the Paris flow invariant over whole traces.
#include <set>
#include <tuple>

#include <doctest/doctest.h>
#include <tins/ip.h>

#include <tumen/probe/codec/probe_builder.hpp>

#include "test_support.hpp"

using namespace tumen;
using namespace tumen::probe::codec;
using namespace tumen::probe::codec::test;

namespace {

probe_spec spec_for(method m) {
    probe_spec s;
    s.kind = m;
    s.src = ipv4_addr{192, 0, 2, 10};
    s.dst = ipv4_addr{203, 0, 113, 5};
    s.src_port = 33434;
    s.dst_port = default_dst_port(m);
    s.ttl = 5;
    s.ident = 7;
    s.ip_id = 0x1234;
    return s;
}

bytes build(const probe_spec& s) {
    bytes out;
    const auto ec = build_probe(s, out);
    REQUIRE_MESSAGE(!ec, ec.message());
    return out;
}

/// libtins parses the packet and serializes it again, recomputing every checksum itself.
bytes tins_roundtrip(const bytes& pkt) {
    Tins::IP ip(pkt.data(), static_cast<std::uint32_t>(pkt.size()));
    return ip.serialize();
}

} // namespace

TEST_CASE("method names and protocols") {
    for (method m : {method::udp_paris, method::icmp_paris, method::tcp_syn, method::udp}) {
        const auto back = parse_method(to_string(m));
        REQUIRE(back.has_value());
        CHECK(*back == m);
    }
    CHECK(std::string(to_string(method::udp_paris)) == "udp-paris");
    CHECK(std::string(to_string(method::tcp_syn)) == "tcp-syn");
    CHECK_FALSE(parse_method("paris").has_value());
    CHECK_FALSE(parse_method("").has_value());
    CHECK(ip_protocol(method::udp_paris) == 17);
    CHECK(ip_protocol(method::udp) == 17);
    CHECK(ip_protocol(method::icmp_paris) == 1);
    CHECK(ip_protocol(method::tcp_syn) == 6);
    CHECK(default_dst_port(method::tcp_syn) == 80);
    CHECK(default_dst_port(method::udp_paris) == 33435);
}

TEST_CASE("builders produce the exact annotated fixture bytes") {
    const std::tuple<method, const char*> cases[] = {
        {method::udp_paris, "probe_udp_paris.hex"},
        {method::icmp_paris, "probe_icmp_paris.hex"},
        {method::tcp_syn, "probe_tcp_syn.hex"},
        {method::udp, "probe_udp.hex"},
    };
    for (const auto& c : cases) {
        // Plain variables, not structured bindings: clang 14 cannot capture those (CAPTURE).
        const method m = std::get<0>(c);
        const char* file = std::get<1>(c);
        CAPTURE(file);
        const bytes expected = load_fixture(file);
        // The fixture itself is checked with the reference checksum first.
        REQUIRE(ref_ip_header_ok(expected));
        REQUIRE(ref_l4_ok(expected));
        const probe_spec s = spec_for(m);
        const bytes got = build(s);
        CHECK(got == expected);
        CHECK(got.size() == default_length(m));
        // libtins recomputes the same checksums: serialize round trip is byte-identical.
        CHECK(tins_roundtrip(got) == got);
        const auto f = flow_of(got);
        REQUIRE(f.has_value());
        CHECK(*f == flow_of(s));
    }
}

TEST_CASE("identity encodings read back from the bytes") {
    for (std::uint16_t ident : {0, 1, 7, 0x00ff, 0x1234, 0x7fff, 0xfffe}) {
        CAPTURE(ident);
        probe_spec s = spec_for(method::udp_paris);
        s.ident = ident;
        bytes p = build(s);
        CHECK(be16(p, 26) == ident + 1); // never 0 (RFC 768)
        CHECK(be16(p, 26) == udp_paris_checksum(ident));
        CHECK(ref_l4_ok(p));

        s = spec_for(method::icmp_paris);
        s.ident = ident;
        p = build(s);
        CHECK(be16(p, 26) == ident);
        CHECK(be16(p, 28) == static_cast<std::uint16_t>(~ident));
        CHECK(be16(p, 22) == icmp_paris_checksum(33434));
        CHECK(ref_l4_ok(p));

        s = spec_for(method::tcp_syn);
        s.ident = ident;
        p = build(s);
        CHECK(((std::uint32_t{be16(p, 24)} << 16) | be16(p, 26)) == ident);
        CHECK(p[33] == 0x02); // SYN only
        CHECK(ref_l4_ok(p));

        s = spec_for(method::udp);
        s.ident = static_cast<std::uint16_t>(ident % 1000);
        p = build(s);
        CHECK(be16(p, 22) == 33435 + ident % 1000);
        CHECK(ref_l4_ok(p));
        CHECK(be16(p, 26) != 0);
    }
}

TEST_CASE("IP header fields come from the spec") {
    for (method m : {method::udp_paris, method::icmp_paris, method::tcp_syn, method::udp}) {
        probe_spec s = spec_for(m);
        s.ttl = 17;
        s.ip_id = 0xbeef;
        s.length = 61; // odd length: the checksum pads the last byte (RFC 1071 4.1)
        const bytes p = build(s);
        REQUIRE(p.size() == 61);
        CHECK(p[0] == 0x45);
        CHECK(be16(p, 2) == 61);
        CHECK(be16(p, 4) == 0xbeef);
        CHECK(be16(p, 6) == 0); // DF clear
        CHECK(p[8] == 17);
        CHECK(p[9] == ip_protocol(m));
        CHECK(be16(p, 12) == 0xc000); // 192.0.2.10
        CHECK(be16(p, 14) == 0x020a);
        CHECK(ref_ip_header_ok(p));
        CHECK(ref_l4_ok(p));
        CHECK(tins_roundtrip(p) == p);
    }
}

TEST_CASE("builder rejects what it cannot build") {
    bytes out{1, 2, 3};
    probe_spec s = spec_for(method::udp_paris);
    s.src = ipv4_addr{};
    CHECK(build_probe(s, out) == std::errc::invalid_argument);
    CHECK(out.empty());

    s = spec_for(method::udp_paris);
    s.dst = ipv4_addr{};
    CHECK(build_probe(s, out) == std::errc::invalid_argument);

    s = spec_for(method::icmp_paris);
    s.ttl = 0;
    CHECK(build_probe(s, out) == std::errc::invalid_argument);

    s = spec_for(method::udp_paris);
    s.ident = 0xffff; // its checksum would be 0 = "no checksum"
    CHECK(build_probe(s, out) == std::errc::invalid_argument);

    s = spec_for(method::udp);
    s.dst_port = 65000;
    s.ident = 536; // 65536 does not fit
    CHECK(build_probe(s, out) == std::errc::invalid_argument);
    s.ident = 535;
    CHECK_FALSE(build_probe(s, out));

    for (method m : {method::udp_paris, method::icmp_paris, method::tcp_syn, method::udp}) {
        s = spec_for(m);
        s.length = static_cast<std::uint16_t>(min_length(m) - 1);
        CHECK(build_probe(s, out) == std::errc::invalid_argument);
        s.length = min_length(m);
        CHECK_FALSE(build_probe(s, out));
        CHECK(out.size() == min_length(m));
        CHECK(ref_l4_ok(out));
    }
}

TEST_CASE("Paris invariant: one flow for the whole trace") {
    const std::uint16_t idents[] = {0, 1, 2, 3, 100, 255, 256, 0x1234, 0x7fff, 0x8000, 0xfffe};
    for (method m : {method::udp_paris, method::icmp_paris, method::tcp_syn}) {
        CAPTURE(to_string(m));
        const probe_spec base = spec_for(m);
        const flow_key expected = flow_of(base);
        std::set<std::uint16_t> icmp_checksums;
        for (std::uint8_t ttl = 1; ttl <= 32; ++ttl) {
            for (std::uint16_t ident : idents) {
                probe_spec s = base;
                s.ttl = ttl;
                s.ident = ident;
                s.ip_id = static_cast<std::uint16_t>(ttl * 1000 + ident);
                const bytes p = build(s);
                const auto f = flow_of(p);
                REQUIRE(f.has_value());
                CHECK(*f == expected);
                CHECK(ref_l4_ok(p));
                if (m == method::icmp_paris) {
                    icmp_checksums.insert(be16(p, 22));
                }
            }
        }
        if (m == method::icmp_paris) {
            CHECK(icmp_checksums.size() == 1); // constant ICMP checksum
            CHECK(expected.l4_checksum == *icmp_checksums.begin());
        }
    }
    // Classic traceroute changes the destination port, hence the flow, with every probe.
    std::set<std::uint16_t> ports;
    const probe_spec base = spec_for(method::udp);
    for (std::uint16_t ident : idents) {
        probe_spec s = base;
        s.ident = static_cast<std::uint16_t>(ident % 2000);
        const auto f = flow_of(build(s));
        REQUIRE(f.has_value());
        if (s.ident != 0) {
            CHECK_FALSE(*f == flow_of(base));
        }
        ports.insert(f->dst_port);
    }
    CHECK(ports.size() > 5);
}

TEST_CASE("flow_of rejects malformed packets") {
    bytes p = build(spec_for(method::udp_paris));
    CHECK_FALSE(flow_of(std::span(p).first(27)).has_value());
    bytes q = p;
    q[0] = 0x65;
    CHECK_FALSE(flow_of(q).has_value());
    q = p;
    q[0] = 0x4f; // IHL 60 > total length 44
    CHECK_FALSE(flow_of(q).has_value());
    q = p;
    q[9] = 47; // GRE: not ours
    CHECK_FALSE(flow_of(q).has_value());
    CHECK_FALSE(flow_of(std::span<const std::uint8_t>{}).has_value());
}
