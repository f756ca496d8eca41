// Reply decoder: every reply kind from annotated fixtures, RFC 4884/4950 extensions, and
// hostile input (truncation, length and IHL lies, bad checksums, mutations).
#include <fstream>
#include <iterator>
#include <tuple>

#include <doctest/doctest.h>

#include <tumen/probe/codec/reply.hpp>

#include "test_support.hpp"

using namespace tumen;
using namespace tumen::probe::codec;
using namespace tumen::probe::codec::test;
using namespace std::chrono_literals;

namespace {

const ipv4_addr agent{192, 0, 2, 10};
const ipv4_addr target{203, 0, 113, 5};
const ipv4_addr router{198, 51, 100, 1};

const char* const all_fixtures[] = {
    "te_udp.hex",          "te_icmp.hex",         "te_tcp8.hex",         "unreach_port.hex",
    "te_udp_ipopts.hex",   "te_nat.hex",          "te_mpls1_len.hex",    "te_mpls3_len.hex",
    "te_mpls1_compat.hex", "te_mpls3_compat.hex", "te_mpls_badsum.hex",  "echo_reply.hex",
    "tcp_synack.hex",      "tcp_rst.hex",         "probe_udp_paris.hex", "probe_icmp_paris.hex",
    "probe_tcp_syn.hex",   "probe_udp.hex",
};

reply decode_ok(const bytes& pkt) {
    const decode_result r = decode_reply(pkt, 1234ns);
    REQUIRE_MESSAGE(r, "decode error: " << to_string(r.error));
    return *r.value;
}

decode_error decode_fail(const bytes& pkt) {
    const decode_result r = decode_reply(pkt, 0ns);
    REQUIRE_FALSE(r);
    return r.error;
}

const std::vector<result::mpls_entry> one_label = {{16005, 0, true, 1}};
const std::vector<result::mpls_entry> three_labels = {
    {24001, 0, false, 254}, {16005, 5, false, 1}, {299792, 0, true, 1}};

} // namespace

TEST_CASE("every reply fixture has valid checksums (reference implementation)") {
    for (const char* f : all_fixtures) {
        CAPTURE(f);
        const bytes p = load_fixture(f);
        CHECK(p.size() == be16(p, 2));
        CHECK(ref_ip_header_ok(p));
        CHECK(ref_l4_ok(p));
    }
}

TEST_CASE("time-exceeded quoting a udp-paris probe") {
    const reply r = decode_ok(load_fixture("te_udp.hex"));
    CHECK(r.kind == reply_kind::time_exceeded);
    CHECK(r.from == router);
    CHECK(r.to == agent);
    CHECK(r.ttl == 252);
    CHECK(r.size == 56);
    CHECK(r.icmp_type == 11);
    CHECK(r.icmp_code == 0);
    CHECK(r.timestamp == 1234ns);
    CHECK(r.mpls.empty());
    CHECK_FALSE(r.has_extensions);
    REQUIRE(r.quote.has_value());
    const quoted_probe& q = *r.quote;
    CHECK(q.src == agent);
    CHECK(q.dst == target);
    CHECK(q.protocol == 17);
    CHECK(q.ttl == 1);
    CHECK(q.ip_length == 44);
    CHECK(q.ip_id == 0x1234);
    CHECK(q.tos == 0);
    CHECK(q.src_port == 33434);
    CHECK(q.dst_port == 33435);
    CHECK(q.udp_checksum == 0x0008);
    CHECK_FALSE(decode_reply(load_fixture("te_udp.hex"), 0ns).warning.has_value());
}

TEST_CASE("time-exceeded quoting an icmp-paris probe") {
    const bytes probe = load_fixture("probe_icmp_paris.hex");
    const reply r = decode_ok(load_fixture("te_icmp.hex"));
    CHECK(r.kind == reply_kind::time_exceeded);
    REQUIRE(r.quote.has_value());
    CHECK(r.quote->protocol == 1);
    CHECK(r.quote->src_port == 0x0800); // echo request type 8 code 0
    CHECK(r.quote->dst_port == 33434);  // identifier
    CHECK(r.quote->icmp_seq == 7);
    CHECK(r.quote->icmp_checksum == be16(probe, 22));
}

TEST_CASE("time-exceeded with an 8-byte TCP quote") {
    const reply r = decode_ok(load_fixture("te_tcp8.hex"));
    REQUIRE(r.quote.has_value());
    CHECK(r.quote->protocol == 6);
    CHECK(r.quote->ip_length == 40); // the probe was longer than the quote
    CHECK(r.quote->src_port == 33434);
    CHECK(r.quote->dst_port == 80);
    CHECK(r.quote->tcp_seq == 7);
}

TEST_CASE("port unreachable from the target and every unreachable code") {
    const bytes base = load_fixture("unreach_port.hex");
    const reply r = decode_ok(base);
    CHECK(r.kind == reply_kind::dest_unreachable);
    CHECK(r.from == target);
    CHECK(r.icmp_type == 3);
    CHECK(r.icmp_code == 3);
    CHECK(r.ttl == 60);
    REQUIRE(r.quote.has_value());
    CHECK(r.quote->dst_port == 33442);
    CHECK(r.quote->ip_length == 44);
    for (int code = 0; code < 256; ++code) {
        bytes p = base;
        p[21] = static_cast<std::uint8_t>(code);
        fix_checksums(p);
        const reply u = decode_ok(p);
        CHECK(u.kind == reply_kind::dest_unreachable);
        CHECK(u.icmp_code == code);
    }
}

TEST_CASE("echo reply") {
    const reply r = decode_ok(load_fixture("echo_reply.hex"));
    CHECK(r.kind == reply_kind::echo_reply);
    CHECK(r.from == target);
    CHECK(r.icmp_type == 0);
    CHECK(r.echo_id == 33434);
    CHECK(r.echo_seq == 7);
    CHECK_FALSE(r.quote.has_value());
    CHECK(r.size == 44);
}

TEST_CASE("TCP SYN-ACK and RST") {
    const reply s = decode_ok(load_fixture("tcp_synack.hex"));
    CHECK(s.kind == reply_kind::tcp_synack);
    CHECK(s.from == target);
    CHECK(s.tcp_src_port == 80);
    CHECK(s.tcp_dst_port == 33434);
    CHECK(s.tcp_ack == 8);
    CHECK(s.size == 44); // with the MSS option
    const reply r = decode_ok(load_fixture("tcp_rst.hex"));
    CHECK(r.kind == reply_kind::tcp_rst);
    CHECK(r.tcp_ack == 8);
    // A bare ACK or a SYN is not an answer to a probe.
    for (std::uint8_t flags : {std::uint8_t{0x10}, std::uint8_t{0x02}, std::uint8_t{0x18}}) {
        bytes p = load_fixture("tcp_rst.hex");
        p[33] = flags;
        CHECK(decode_fail(p) == decode_error::not_a_reply);
    }
    bytes p = load_fixture("tcp_rst.hex");
    p[32] = 0x40; // data offset 4 words
    CHECK(decode_fail(p) == decode_error::not_a_reply);
    p[32] = 0x60; // data offset 24 > 20 bytes present
    CHECK(decode_fail(p) == decode_error::truncated);
}

TEST_CASE("RFC 4950 MPLS stacks with and without the RFC 4884 length attribute") {
    const std::tuple<const char*, const std::vector<result::mpls_entry>*> cases[] = {
        {"te_mpls1_len.hex", &one_label},
        {"te_mpls3_len.hex", &three_labels},
        {"te_mpls1_compat.hex", &one_label},
        {"te_mpls3_compat.hex", &three_labels},
    };
    for (const auto& c : cases) {
        const auto& file = std::get<0>(c); // not a structured binding: clang 14 cannot capture one
        const auto& labels = std::get<1>(c);
        CAPTURE(file);
        const bytes p = load_fixture(file);
        const decode_result d = decode_reply(p, 0ns);
        REQUIRE(d);
        CHECK_FALSE(d.warning.has_value());
        const reply& r = *d.value;
        CHECK(r.has_extensions);
        CHECK(r.mpls == *labels);
        REQUIRE(r.quote.has_value());
        CHECK(r.quote->ip_length == 44);
        CHECK(r.quote->udp_checksum == 8);
        CHECK(r.quote->dst == target);
    }
    // The fixtures differ only in the length attribute (and the ICMP checksum).
    CHECK(load_fixture("te_mpls1_len.hex")[25] == 32);
    CHECK(load_fixture("te_mpls1_compat.hex")[25] == 0);
}

TEST_CASE("bad RFC 4884 extensions are ignored with a warning, the reply is kept") {
    {
        const decode_result d = decode_reply(load_fixture("te_mpls_badsum.hex"), 0ns);
        REQUIRE(d);
        REQUIRE(d.warning.has_value());
        CHECK(*d.warning == decode_error::bad_extension);
        CHECK(d.value->mpls.empty());
        CHECK_FALSE(d.value->has_extensions);
        REQUIRE(d.value->quote.has_value());
        CHECK(d.value->quote->udp_checksum == 8);
    }
    const bytes good = load_fixture("te_mpls3_len.hex");
    const std::size_t ext = 20 + 8 + 128;
    auto expect_warning = [](const bytes& p) {
        const decode_result d = decode_reply(p, 0ns);
        REQUIRE(d);
        REQUIRE(d.warning.has_value());
        CHECK(*d.warning == decode_error::bad_extension);
        CHECK(d.value->mpls.empty());
        REQUIRE(d.value->quote.has_value());
    };
    bytes p = good;
    p[ext] = 0x10; // version 1
    fix_checksums(p);
    expect_warning(p);

    p = good;
    p[ext + 5] = 3; // object length 0x0003 < 4 (checksum fixed below so only the length lies)
    put_be16(p, ext + 2, 0);
    put_be16(p, ext + 2, static_cast<std::uint16_t>(~ref_sum(std::span(p).subspan(ext))));
    fix_checksums(p);
    expect_warning(p);

    p = good;
    p[ext + 5] = 0x40; // object length 64 runs past the end
    put_be16(p, ext + 2, 0);
    put_be16(p, ext + 2, static_cast<std::uint16_t>(~ref_sum(std::span(p).subspan(ext))));
    fix_checksums(p);
    expect_warning(p);

    p = good;
    p[25] = 60; // length attribute 240 bytes > the 148 bytes after the ICMP header
    fix_checksums(p);
    expect_warning(p);

    // RFC 4884 section 7: an all-zero checksum means none was transmitted.
    p = good;
    put_be16(p, ext + 2, 0);
    fix_checksums(p);
    const decode_result d = decode_reply(p, 0ns);
    REQUIRE(d);
    CHECK_FALSE(d.warning.has_value());
    CHECK(d.value->mpls == three_labels);
}

TEST_CASE("reply with IP options (IHL 6)") {
    const reply r = decode_ok(load_fixture("te_udp_ipopts.hex"));
    CHECK(r.kind == reply_kind::time_exceeded);
    CHECK(r.size == 60);
    REQUIRE(r.quote.has_value());
    CHECK(r.quote->udp_checksum == 8);
    CHECK(r.quote->dst_port == 33435);
}

TEST_CASE("quoted IP options: L4 fields are read after the quoted IHL") {
    // Build a quote with IHL 6 by inserting 4 option bytes into the te_udp quote.
    bytes p = load_fixture("te_udp.hex");
    p.insert(p.begin() + 48, {0x01, 0x01, 0x01, 0x00});
    p[28] = 0x46;
    put_be16(p, 2, static_cast<std::uint16_t>(p.size()));
    put_be16(p, 30, 48); // quoted total length grows too
    fix_checksums(p);
    const reply r = decode_ok(p);
    REQUIRE(r.quote.has_value());
    CHECK(r.quote->src_port == 33434);
    CHECK(r.quote->dst_port == 33435);
    CHECK(r.quote->udp_checksum == 8);
}

TEST_CASE("truncated quotes and quotes that lie") {
    const bytes base = load_fixture("te_udp.hex");
    auto cut_quote = [&](std::size_t quote_len) {
        bytes p(base.begin(), base.begin() + static_cast<std::ptrdiff_t>(28 + quote_len));
        put_be16(p, 2, static_cast<std::uint16_t>(p.size()));
        fix_checksums(p);
        return p;
    };
    for (std::size_t n = 0; n < 28; ++n) {
        CAPTURE(n);
        CHECK(decode_fail(cut_quote(n)) == decode_error::bad_quote);
    }
    CHECK(decode_ok(cut_quote(28)).quote.has_value());

    bytes p = base;
    put_be16(p, 30, 24); // quoted total length 24 < 20 + 8
    fix_checksums(p);
    CHECK(decode_fail(p) == decode_error::bad_quote);

    p = base;
    p[28] = 0x4f; // quoted IHL 60: the quote would need 68 bytes
    fix_checksums(p);
    CHECK(decode_fail(p) == decode_error::bad_quote);

    p = base;
    p[28] = 0x43; // quoted IHL 12 < 20
    fix_checksums(p);
    CHECK(decode_fail(p) == decode_error::bad_quote);

    p = base;
    p[28] = 0x65; // quoted version 6
    fix_checksums(p);
    CHECK(decode_fail(p) == decode_error::bad_quote);
}

TEST_CASE("outer header lies and non-replies") {
    const bytes base = load_fixture("te_udp.hex");
    bytes p = base;
    p[0] = 0x4f; // IHL 60 > 56 captured bytes
    CHECK(decode_fail(p) == decode_error::truncated);

    p = base;
    p[0] = 0x44; // IHL 16 < 20
    CHECK(decode_fail(p) == decode_error::bad_ip_header);

    p = base;
    p[0] = 0x65;
    CHECK(decode_fail(p) == decode_error::bad_ip_header);

    p = base;
    put_be16(p, 2, 57); // claims one byte more than captured
    fix_checksums(p);
    CHECK(decode_fail(p) == decode_error::truncated);

    p = base;
    put_be16(p, 2, 19); // shorter than its own header
    put_be16(p, 10, 0);
    put_be16(p, 10, static_cast<std::uint16_t>(~ref_sum(std::span(p).first(20))));
    CHECK(decode_fail(p) == decode_error::bad_ip_header);

    p = base;
    p[10] ^= 0x01; // header checksum
    CHECK(decode_fail(p) == decode_error::bad_ip_header);

    p = base;
    put_be16(p, 6, 0x2000); // more fragments
    fix_checksums(p);
    CHECK(decode_fail(p) == decode_error::not_a_reply);

    p = base;
    p[20] = 8; // echo request
    fix_checksums(p);
    CHECK(decode_fail(p) == decode_error::not_a_reply);

    p = base;
    p[20] = 5; // redirect
    fix_checksums(p);
    CHECK(decode_fail(p) == decode_error::not_a_reply);

    p = load_fixture("probe_udp_paris.hex"); // a UDP packet is never a reply
    CHECK(decode_fail(p) == decode_error::not_a_reply);

    p = bytes(base.begin(), base.begin() + 27); // ICMP header cut short
    put_be16(p, 2, 27);
    put_be16(p, 10, 0);
    put_be16(p, 10, static_cast<std::uint16_t>(~ref_sum(std::span(p).first(20))));
    CHECK(decode_fail(p) == decode_error::truncated);

    // Link-layer padding after the IP total length is ignored.
    p = load_fixture("echo_reply.hex");
    p.resize(p.size() + 16, 0);
    const reply r = decode_ok(p);
    CHECK(r.size == 44);
    CHECK(r.echo_seq == 7);
}

TEST_CASE("every proper prefix of every fixture is rejected as truncated") {
    for (const char* f : all_fixtures) {
        CAPTURE(f);
        const bytes p = load_fixture(f);
        for (std::size_t n = 0; n < p.size(); ++n) {
            CAPTURE(n);
            const decode_result d = decode_reply(std::span(p).first(n), 0ns);
            CHECK_FALSE(d);
            CHECK(d.error == decode_error::truncated);
        }
    }
}

TEST_CASE("single-byte mutations of every fixture never crash") {
    // Bounds are what is checked here (run under ASan/UBSan in the asan preset); results
    // must stay self-consistent.
    std::size_t decoded = 0, rejected = 0;
    for (const char* f : all_fixtures) {
        const bytes base = load_fixture(f);
        for (std::size_t i = 0; i < base.size(); ++i) {
            for (std::uint8_t v : {std::uint8_t{0x00}, std::uint8_t{0xff}, std::uint8_t{0x45},
                                   static_cast<std::uint8_t>(base[i] ^ 0x80)}) {
                bytes p = base;
                p[i] = v;
                const decode_result d = decode_reply(p, 0ns);
                if (d) {
                    ++decoded;
                    CHECK(d.value->size <= p.size());
                    CHECK(d.value->mpls.size() <= p.size() / 4);
                } else {
                    ++rejected;
                }
            }
        }
    }
    CHECK(decoded > 0);
    CHECK(rejected > 0);
}

TEST_CASE("the fuzz seed corpus is the fixtures' bytes") {
    for (const char* f : all_fixtures) {
        CAPTURE(f);
        const std::string name(f);
        const std::string path = std::string(TUMEN_SOURCE_DIR) + "/tests/fuzz/corpus/" +
                                 name.substr(0, name.size() - 4) + ".bin";
        std::ifstream in(path, std::ios::binary);
        REQUIRE(in.good());
        const bytes corpus{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        CHECK(corpus == load_fixture(f));
    }
}
