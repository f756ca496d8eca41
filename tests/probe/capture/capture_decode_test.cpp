// capture_decoder on frames built from the codec's annotated fixtures: every link type, the
// places where libtins 4.0 fails (which is why the decoder keeps hand-written code there),
// broken frames, and matching a reply to a probe in the same capture.
#include <doctest/doctest.h>
#include <tins/ethernetII.h>
#include <tins/exceptions.h>
#include <tins/icmp.h>
#include <tins/icmpv6.h>
#include <tins/ip.h>
#include <tins/ipv6.h>
#include <tins/mpls.h>
#include <tins/rawpdu.h>
#include <tins/tcp.h>

#include <tumen/probe/capture/capture_decode.hpp>
#include <tumen/probe/codec/probe_builder.hpp>

#include "../codec/test_support.hpp"

namespace {

using namespace tumen::probe;
using capture::capture_decoder;
using capture::capture_error;
using capture::capture_reply;
using codec::test::bytes;
using codec::test::load_fixture;
namespace lt = capture::link_type;

constexpr std::chrono::nanoseconds t0{1'700'000'000'000'000'000};

bytes ethernet(const bytes& ip, std::uint16_t ethertype = 0x0800, int vlan_tags = 0) {
    bytes f(12, 0x02);
    for (int i = 0; i < vlan_tags; ++i) {
        f.insert(f.end(), {0x81, 0x00, 0x00, 0x05});
    }
    f.push_back(static_cast<std::uint8_t>(ethertype >> 8));
    f.push_back(static_cast<std::uint8_t>(ethertype));
    f.insert(f.end(), ip.begin(), ip.end());
    return f;
}

bytes sll(const bytes& ip) {
    bytes f{0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x00};
    f.insert(f.end(), ip.begin(), ip.end());
    return f;
}

bytes sll2(const bytes& ip) {
    bytes f{0x08, 0x00, 0, 0, 0, 0, 0, 2, 0x00, 0x01, 0x00, 6, 1, 2, 3, 4, 5, 6, 0, 0};
    f.insert(f.end(), ip.begin(), ip.end());
    return f;
}

capture_reply reply_of(const std::optional<capture::capture_event>& e) {
    REQUIRE(e.has_value());
    REQUIRE(std::holds_alternative<capture_reply>(*e));
    return std::get<capture_reply>(*e);
}

std::string error_of(const std::optional<capture::capture_event>& e) {
    REQUIRE(e.has_value());
    REQUIRE(std::holds_alternative<capture_error>(*e));
    return std::get<capture_error>(*e).what;
}

} // namespace

TEST_CASE("every supported link type gives the same reply fields") {
    const bytes ip = load_fixture("te_udp.hex");
    const std::pair<int, bytes> frames[] = {
        {lt::ethernet, ethernet(ip)},
        {lt::ethernet, ethernet(ip, 0x0800, 2)},
        {lt::linux_sll, sll(ip)},
        {lt::linux_sll2, sll2(ip)},
        {lt::raw, ip},
        {lt::linktype_raw, ip},
        {lt::ipv4, ip},
    };
    for (const auto& [dlt, frame] : frames) {
        CAPTURE(dlt);
        CHECK(capture::capture_link_supported(dlt));
        capture_decoder d(dlt);
        const auto r = reply_of(d.feed(frame, t0));
        CHECK(r.frame == 1);
        CHECK(r.family == 4);
        CHECK(r.src == "198.51.100.1");
        CHECK(r.icmp_type == 11);
        CHECK(r.icmp_code == 0);
        REQUIRE(r.quoted);
        CHECK(r.quoted->dst == "203.0.113.5");
        CHECK(r.quoted->protocol == 17);
        CHECK(r.quoted->ttl == 1);
        CHECK(r.quoted->src_port == 33434);
        CHECK(r.quoted->dst_port == 33435);
        CHECK(r.mpls.empty());
        CHECK_FALSE(r.rtt_ms); // the probe is not in this capture
    }
    CHECK_FALSE(capture::capture_link_supported(105)); // IEEE 802.11
}

TEST_CASE("libtins rejects an 8-byte TCP quote: the codec reads it") {
    const bytes ip = load_fixture("te_tcp8.hex");
    // The quote's TCP header is the last 8 bytes: libtins 4.0 needs 20 and throws.
    CHECK_THROWS_AS(Tins::TCP(ip.data() + ip.size() - 8, 8), Tins::malformed_packet);
    capture_decoder d(lt::raw);
    const auto r = reply_of(d.feed(ip, t0));
    REQUIRE(r.quoted);
    CHECK(r.quoted->protocol == 6);
    CHECK(r.quoted->src_port == 33434);
    CHECK(r.quoted->dst_port == 80);
    CHECK(r.quoted->ip_id == 0x1234);
}

TEST_CASE("libtins reads one MPLS entry of a stack: each entry is parsed on its own") {
    const bytes ip = load_fixture("te_mpls3_len.hex");
    const Tins::IP tip(ip.data(), static_cast<std::uint32_t>(ip.size()));
    const auto& ext = tip.rfind_pdu<Tins::ICMP>().extensions().extensions();
    REQUIRE(ext.size() == 1);
    const Tins::MPLS whole(ext.front());
    CHECK(whole.inner_pdu() == nullptr); // the 2nd and 3rd entries are lost
    CHECK(ext.front().payload().size() == 12);

    capture_decoder d(lt::raw);
    const auto r = reply_of(d.feed(ip, t0));
    REQUIRE(r.mpls.size() == 3);
    CHECK(r.mpls[0].label == 24001);
    CHECK(r.mpls[0].bottom == false);
    CHECK(r.mpls[0].ttl == 254);
    CHECK(r.mpls[2].bottom == true);

    capture_decoder compat(lt::raw);
    const auto c = reply_of(compat.feed(load_fixture("te_mpls1_compat.hex"), t0));
    REQUIRE(c.mpls.size() == 1);
    CHECK(c.mpls[0].label == 16005);
    CHECK(c.mpls[0].tc == 0);
    CHECK(c.mpls[0].bottom);
    CHECK(c.mpls[0].ttl == 1);
}

TEST_CASE("libtins names no layer: broken frames are reported with what is wrong") {
    const bytes ip = load_fixture("te_udp.hex");
    bytes cut(ip.begin(), ip.begin() + 24); // 4 bytes of ICMP header; the IP header says 56
    const bytes frame = ethernet(cut);
    try {
        Tins::EthernetII e(frame.data(), static_cast<std::uint32_t>(frame.size()));
        FAIL("libtins parsed a truncated IPv4 packet");
    } catch (const Tins::malformed_packet& e) {
        CHECK(std::string(e.what()) == "Malformed packet");
    }
    capture_decoder d(lt::ethernet);
    CHECK(error_of(d.feed(frame, t0)).find("truncated IPv4") != std::string::npos);
    CHECK(error_of(d.feed(bytes{0x02, 0x02, 0x02}, t0)).find("Ethernet") != std::string::npos);
    bytes bad_sum = ip;
    bad_sum[21] ^= 0x01; // the ICMP code: the checksum no longer verifies
    CHECK(error_of(d.feed(ethernet(bad_sum), t0)).find("checksum") != std::string::npos);
    bytes v6(ip.begin(), ip.begin() + 30);
    v6[0] = 0x60; // an IPv6 header cut short
    CHECK(error_of(d.feed(ethernet(v6, 0x86dd), t0)).find("IPv6") != std::string::npos);
    // Decoding goes on after broken frames.
    const auto r = reply_of(d.feed(ethernet(ip), t0));
    CHECK(r.frame == 5);
    CHECK(d.frames() == 5);
    // ARP and other ethertypes are not reported.
    CHECK_FALSE(d.feed(ethernet(ip, 0x0806), t0));
}

TEST_CASE("a probe in the same capture gives the reply its RTT and TTL") {
    codec::probe_spec s;
    s.kind = codec::method::udp_paris;
    s.src = tumen::ipv4_addr(192, 0, 2, 10);
    s.dst = tumen::ipv4_addr(203, 0, 113, 5);
    s.ttl = 7;
    s.ident = 0x4242;
    s.ip_id = 0x9a9a;
    s.tag = 0xdeadbeef;
    bytes probe;
    REQUIRE_FALSE(codec::build_probe(s, probe));
    const bytes full = codec::test::make_icmp_error(probe, 11, 0, 0xc6336401, probe.size());
    const bytes short_quote = codec::test::make_icmp_error(probe, 11, 0, 0xc6336402, 28);

    capture_decoder d(lt::raw);
    CHECK_FALSE(d.feed(probe, t0)); // a probe is remembered, not reported
    const auto r = reply_of(d.feed(full, t0 + std::chrono::microseconds(12500)));
    REQUIRE(r.rtt_ms);
    CHECK(*r.rtt_ms == doctest::Approx(12.5));
    CHECK(r.probe_ttl == 7);
    CHECK(r.quoted->ip_id == 0x9a9a);
    const auto q = reply_of(d.feed(short_quote, t0 + std::chrono::milliseconds(20)));
    CHECK(q.probe_ttl == 7); // 8 bytes of UDP quoted: still matched (the tag is not quoted)

    // The same reply with another IP id answers no probe of the capture.
    bytes other = full;
    other[28 + 5] ^= 0x01;
    codec::test::fix_checksums(other);
    capture_decoder d2(lt::raw);
    CHECK_FALSE(d2.feed(probe, t0));
    const auto o = reply_of(d2.feed(other, t0 + std::chrono::milliseconds(1)));
    CHECK_FALSE(o.rtt_ms);
    CHECK_FALSE(o.probe_ttl);

    // A reply captured before its probe is not matched.
    capture_decoder d3(lt::raw);
    CHECK_FALSE(reply_of(d3.feed(full, t0)).rtt_ms);
    // A reply stamped before its probe (a recording stamps probes after sendto() returns)
    // still matches, with an RTT of 0.
    capture_decoder d4(lt::raw);
    CHECK_FALSE(d4.feed(probe, t0));
    const auto early = reply_of(d4.feed(full, t0 - std::chrono::microseconds(3)));
    CHECK(early.probe_ttl == 7);
    CHECK(early.rtt_ms == 0.0);
}

TEST_CASE("probe_of_packet reads each method's identity back") {
    for (const auto m : {codec::method::udp_paris, codec::method::icmp_paris,
                         codec::method::tcp_syn, codec::method::udp}) {
        CAPTURE(tumen::to_string(m));
        codec::probe_spec s;
        s.kind = m;
        s.src = tumen::ipv4_addr(192, 0, 2, 10);
        s.dst = tumen::ipv4_addr(203, 0, 113, 5);
        s.dst_port = m == codec::method::tcp_syn ? 80 : 33435;
        s.ttl = 9;
        s.ident = 17;
        s.ip_id = 0x1111;
        s.tag = 0xabcd0000;
        bytes p;
        REQUIRE_FALSE(codec::build_probe(s, p));
        const auto back = capture::probe_of_packet(p);
        REQUIRE(back);
        CHECK(back->ttl == 9);
        CHECK(back->ip_id == 0x1111);
        CHECK(back->dst == s.dst);
        if (m != codec::method::udp) {
            CHECK(back->ident == 17);
            CHECK(back->tag == 0xabcd0000);
        }
    }
    CHECK_FALSE(capture::probe_of_packet(load_fixture("te_udp.hex"))); // a reply
    CHECK_FALSE(capture::probe_of_packet(bytes{0x45, 0x00}));
}

namespace {

/// An ICMPv6 time exceeded from 2001:db8::1 quoting a UDP probe to 2001:db8:ffff::5 (hop
/// limit 1, ports 33434 > 33435), RFC 3849 documentation addresses. The ICMPv6 checksum is
/// not checked by the decoder and left 0.
bytes icmp6_time_exceeded(std::size_t quoted_l4 = 8) {
    bytes quote = {0x60, 0, 0, 0, 0, 8, 17, 1};
    const bytes probe_src = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a};
    const bytes probe_dst = {0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5};
    quote.insert(quote.end(), probe_src.begin(), probe_src.end());
    quote.insert(quote.end(), probe_dst.begin(), probe_dst.end());
    const bytes udp = {0x82, 0x9a, 0x82, 0x9b, 0x00, 0x08, 0x12, 0x34};
    quote.insert(quote.end(), udp.begin(), udp.begin() + static_cast<long>(quoted_l4));
    const std::size_t payload = 8 + quote.size();
    bytes ip = {
        0x60, 0, 0, 0, static_cast<std::uint8_t>(payload >> 8), static_cast<std::uint8_t>(payload),
        58,   64};
    const bytes router = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    ip.insert(ip.end(), router.begin(), router.end());
    ip.insert(ip.end(), probe_src.begin(), probe_src.end());
    ip.insert(ip.end(), {3, 0, 0, 0, 0, 0, 0, 0}); // RFC 4443 section 3.3, code 0
    ip.insert(ip.end(), quote.begin(), quote.end());
    return ip;
}

} // namespace

TEST_CASE("ICMPv6 errors: outer layers by libtins, the quote by hand (libtins keeps it raw)") {
    const bytes ip = icmp6_time_exceeded();
    const Tins::IPv6 tip(ip.data(), static_cast<std::uint32_t>(ip.size()));
    const auto& icmp = tip.rfind_pdu<Tins::ICMPv6>();
    REQUIRE(icmp.inner_pdu() != nullptr);
    CHECK(icmp.inner_pdu()->pdu_type() == Tins::PDU::RAW); // no IPv6 PDU for the quote

    capture_decoder d(lt::ethernet);
    const auto r = reply_of(d.feed(ethernet(ip, 0x86dd), t0));
    CHECK(r.family == 6);
    CHECK(r.src == "2001:db8::1");
    CHECK(r.icmp_type == 3);
    CHECK(r.icmp_code == 0);
    REQUIRE(r.quoted);
    CHECK(r.quoted->dst == "2001:db8:ffff::5");
    CHECK(r.quoted->protocol == 17);
    CHECK(r.quoted->ttl == 1);
    CHECK_FALSE(r.quoted->ip_id);
    CHECK(r.quoted->src_port == 33434);
    CHECK(r.quoted->dst_port == 33435);

    CHECK_FALSE(r.rtt_ms); // no probe in this capture

    // With the probe captured first (as sent: hop limit 5), the reply is matched on the
    // quoted bytes (destination, next header, 8 bytes of UDP header).
    bytes probe6(ip.begin() + 48, ip.end());
    probe6[7] = 5;
    capture_decoder m(lt::raw);
    CHECK_FALSE(m.feed(probe6, t0));
    const auto matched = reply_of(m.feed(ip, t0 + std::chrono::milliseconds(3)));
    CHECK(matched.probe_ttl == 5);
    REQUIRE(matched.rtt_ms);
    CHECK(*matched.rtt_ms == doctest::Approx(3.0));
    bytes other_sum = ip;
    other_sum.back() ^= 0x01; // another UDP checksum: another probe
    CHECK_FALSE(reply_of(m.feed(other_sum, t0 + std::chrono::milliseconds(4))).rtt_ms);

    // A quote shorter than an IPv6 header and 8 bytes is an error naming it, not garbage.
    capture_decoder e(lt::raw);
    CHECK(error_of(e.feed(icmp6_time_exceeded(4), t0)).find("ICMPv6 error quoting") !=
          std::string::npos);
    // A payload length beyond the captured bytes.
    bytes cut = ip;
    cut.resize(ip.size() - 10);
    CHECK(error_of(e.feed(cut, t0)).find("truncated ICMPv6") != std::string::npos);
}
