// probe_table: identities unique per flow, the IP-ID index, and matching a reply to the
// outstanding probe it quotes (only for methods in use, only while the probe is there).
#include <chrono>
#include <set>
#include <vector>

#include <doctest/doctest.h>

#include <tumen/probe/codec/probe_builder.hpp>
#include <tumen/probe/engine/probe_table.hpp>

using namespace tumen;
using namespace tumen::probe;
using namespace tumen::probe::engine;
using namespace std::chrono_literals;

namespace {

const ipv4_addr src{192, 0, 2, 10};
const ipv4_addr dst{203, 0, 113, 5};

codec::probe_spec spec(codec::method m) {
    codec::probe_spec s;
    s.kind = m;
    s.src = src;
    s.dst = dst;
    s.src_port = 33440;
    s.dst_port = codec::default_dst_port(m);
    s.ttl = 3;
    return s;
}

std::uint16_t ones_sum(const std::vector<std::uint8_t>& b, std::size_t from, std::size_t n) {
    std::uint32_t acc = 0;
    for (std::size_t i = from; i + 1 < from + n; i += 2) {
        acc += static_cast<std::uint32_t>((b[i] << 8) | b[i + 1]);
    }
    while (acc > 0xffff) {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    return static_cast<std::uint16_t>(~acc);
}

/// An ICMP time exceeded (RFC 792) from a router quoting the probe's header and 8 bytes.
codec::reply time_exceeded(const codec::probe_spec& s) {
    std::vector<std::uint8_t> probe;
    REQUIRE_FALSE(codec::build_probe(s, probe));
    const std::size_t quote = 28, total = 20 + 8 + quote;
    std::vector<std::uint8_t> p(total, 0);
    p[0] = 0x45;
    p[2] = static_cast<std::uint8_t>(total >> 8);
    p[3] = static_cast<std::uint8_t>(total);
    p[8] = 250;
    p[9] = 1;
    const std::uint32_t router = ipv4_addr{198, 51, 100, 1}.value;
    for (int i = 0; i < 4; ++i) {
        p[12 + i] = static_cast<std::uint8_t>(router >> (24 - 8 * i));
        p[16 + i] = static_cast<std::uint8_t>(src.value >> (24 - 8 * i));
    }
    const std::uint16_t ip_sum = ones_sum(p, 0, 20);
    p[10] = static_cast<std::uint8_t>(ip_sum >> 8);
    p[11] = static_cast<std::uint8_t>(ip_sum);
    p[20] = 11; // time exceeded, code 0
    std::copy(probe.begin(), probe.begin() + quote, p.begin() + 28);
    p[28 + 8] = 1; // the quoted TTL, as the expiring router saw it
    const std::uint16_t icmp_sum = ones_sum(p, 20, 8 + quote);
    p[22] = static_cast<std::uint8_t>(icmp_sum >> 8);
    p[23] = static_cast<std::uint8_t>(icmp_sum);
    const auto d = codec::decode_reply(p, 0ns);
    REQUIRE(d);
    return *d.value;
}

codec::siphash_key test_key(std::uint8_t seed = 1) {
    codec::siphash_key k{};
    for (std::size_t i = 0; i < k.size(); ++i) {
        k[i] = static_cast<std::uint8_t>(seed * 31 + i);
    }
    return k;
}

outstanding entry_for(const codec::probe_spec& s, std::uint64_t job) {
    outstanding e;
    e.job = job;
    e.spec = s;
    return e;
}

} // namespace

TEST_CASE("probe table: identities are unique among outstanding probes") {
    probe_table t{test_key()};
    std::uint16_t counter = 0;
    std::set<std::uint16_t> idents;
    for (int i = 0; i < 100; ++i) {
        auto s = spec(codec::method::udp_paris);
        const auto key = t.assign_identity(s, counter);
        CHECK(key == codec::key_of_probe(s));
        CHECK(s.ident != 0);
        CHECK(s.ident != 0xffff);
        idents.insert(s.ident);
        t.insert(key, entry_for(s, 1));
    }
    CHECK(idents.size() == 100);
    CHECK(t.size() == 100);
    CHECK(counter == 0); // only classic udp uses the job's counter
}

TEST_CASE("probe table: classic udp takes its identity from the job's counter") {
    probe_table t{test_key()};
    std::uint16_t counter = 0;
    auto s = spec(codec::method::udp);
    t.assign_identity(s, counter);
    CHECK(s.ident == 1);
    CHECK(counter == 1);
    t.assign_identity(s, counter);
    CHECK(s.ident == 2);
}

TEST_CASE("probe table: by_ip_id finds the probe until it is erased") {
    probe_table t{test_key()};
    std::uint16_t counter = 0;
    auto s = spec(codec::method::icmp_paris);
    const auto key = t.assign_identity(s, counter);
    const auto h = t.insert(key, entry_for(s, 7));
    outstanding* e = t.by_ip_id(s.ip_id);
    REQUIRE(e != nullptr);
    CHECK(e->job == 7);
    CHECK(t.at(h.slot, h.serial) == e);
    t.erase(h.slot, h.serial);
    CHECK(t.by_ip_id(s.ip_id) == nullptr);
    CHECK(t.at(h.slot, h.serial) == nullptr);
}

TEST_CASE("probe table: without the IP-id index, probes are found by key and slot only") {
    probe_table t{test_key(), /*index_ip_ids=*/false};
    std::uint16_t counter = 0;
    auto s = spec(codec::method::icmp_paris);
    const auto key = t.assign_identity(s, counter);
    const auto h = t.insert(key, entry_for(s, 7));
    CHECK(t.by_ip_id(s.ip_id) == nullptr);
    CHECK(t.outgoing_copy(s.ip_id, s.dst, s.ttl) == nullptr);
    outstanding* e = t.at(h.slot, h.serial);
    REQUIRE(e != nullptr);
    CHECK(e->job == 7);
}

TEST_CASE("probe table: a slot taken by a probe with another IP id no longer answers the old one") {
    probe_table t{test_key()};
    std::uint16_t counter = 0;
    auto a = spec(codec::method::icmp_paris);
    const auto key_a = t.assign_identity(a, counter);
    const auto ha = t.insert(key_a, entry_for(a, 1));
    t.erase(ha.slot, ha.serial);
    auto b = spec(codec::method::icmp_paris);
    const auto key_b = t.assign_identity(b, counter);
    const auto hb = t.insert(key_b, entry_for(b, 2));
    REQUIRE(hb.slot == ha.slot); // the freed slot is reused
    REQUIRE(a.ip_id != b.ip_id);
    CHECK(t.by_ip_id(a.ip_id) == nullptr);
    outstanding* e = t.by_ip_id(b.ip_id);
    REQUIRE(e != nullptr);
    CHECK(e->job == 2);
}

TEST_CASE("probe table: an outgoing copy is timed once, and only for its own probe") {
    probe_table t{test_key()};
    std::uint16_t counter = 0;
    auto s = spec(codec::method::udp_paris);
    const auto key = t.assign_identity(s, counter);
    const auto h = t.insert(key, entry_for(s, 3));
    outstanding* e = t.outgoing_copy(s.ip_id, s.dst, s.ttl);
    REQUIRE(e != nullptr);
    CHECK(e == t.at(h.slot, h.serial));
    // Same IP id, another destination or TTL: a later probe's copy, not this one's.
    CHECK(t.outgoing_copy(s.ip_id, ipv4_addr{s.dst.value + 1}, s.ttl) == nullptr);
    CHECK(t.outgoing_copy(s.ip_id, s.dst, static_cast<std::uint8_t>(s.ttl + 1)) == nullptr);
    e->sent_ns = 42;
    e->sent_captured = true;
    CHECK(t.outgoing_copy(s.ip_id, s.dst, s.ttl) == nullptr); // timed already
    // A later probe that draws the same IP id takes it over.
    auto s2 = spec(codec::method::udp_paris);
    s2.ttl = static_cast<std::uint8_t>(s.ttl + 1);
    const auto key2 = t.assign_identity(s2, counter);
    s2.ip_id = s.ip_id;
    t.insert(key2, entry_for(s2, 4));
    outstanding* e2 = t.outgoing_copy(s.ip_id, s2.dst, s2.ttl);
    REQUIRE(e2 != nullptr);
    CHECK(e2->job == 4);
    CHECK(t.outgoing_copy(s.ip_id, s.dst, s.ttl) == nullptr);
}

TEST_CASE("probe table: a reply matches the probe it quotes, for each method") {
    for (const auto m : {codec::method::udp_paris, codec::method::icmp_paris,
                         codec::method::tcp_syn, codec::method::udp}) {
        CAPTURE(codec::to_string(m));
        probe_table t{test_key()};
        std::uint16_t counter = 0;
        auto s = spec(m);
        const auto key = t.assign_identity(s, counter);
        const codec::reply r = time_exceeded(s);
        t.insert(key, entry_for(s, 3));
        auto other = spec(m);
        const auto other_key = t.assign_identity(other, counter);
        t.insert(other_key, entry_for(other, 4));
        const auto found = t.match(r);
        REQUIRE(found);
        CHECK(found.probe->job == 3);
        CHECK_FALSE(found.nat); // no NAT
        CHECK_FALSE(found.mismatched);
        t.clear();
        CHECK_FALSE(t.match(r));
    }
}

TEST_CASE("probe table: identities are keyed, not a counter") {
    // The same key gives the same fields (the SipHash input never repeats within a table);
    // another key gives others. Consecutive probes of one TTL are not consecutive idents.
    for (const auto m :
         {codec::method::udp_paris, codec::method::icmp_paris, codec::method::tcp_syn}) {
        CAPTURE(codec::to_string(m));
        probe_table a{test_key(1)}, b{test_key(1)}, c{test_key(2)};
        std::uint16_t counter = 0;
        int consecutive = 0, same_as_other_key = 0;
        std::uint16_t prev = 0;
        for (int i = 0; i < 200; ++i) {
            auto sa = spec(m), sb = spec(m), sc = spec(m);
            a.assign_identity(sa, counter);
            b.assign_identity(sb, counter);
            c.assign_identity(sc, counter);
            CHECK(sa.ident == sb.ident);
            CHECK(sa.ip_id == sb.ip_id);
            CHECK(sa.tag == sb.tag);
            same_as_other_key += sa.ident == sc.ident && sa.ip_id == sc.ip_id ? 1 : 0;
            consecutive += i > 0 && sa.ident == static_cast<std::uint16_t>(prev + 1) ? 1 : 0;
            prev = sa.ident;
        }
        CHECK(same_as_other_key == 0);
        CHECK(consecutive < 3);
    }
}

TEST_CASE("probe table: a reply with the right ident but wrong keyed bits is mismatched") {
    for (const auto m : {codec::method::udp_paris, codec::method::icmp_paris,
                         codec::method::tcp_syn, codec::method::udp}) {
        CAPTURE(codec::to_string(m));
        probe_table t{test_key()};
        std::uint16_t counter = 0;
        auto s = spec(m);
        const auto key = t.assign_identity(s, counter);
        t.insert(key, entry_for(s, 3));
        auto forged = s;
        forged.ip_id = static_cast<std::uint16_t>(s.ip_id ^ 0x0100); // a guess off by one bit
        const auto found = t.match(time_exceeded(forged));
        CHECK_FALSE(found);
        CHECK(found.mismatched);
        forged = s;
        forged.tag ^= 0x80000000u; // tcp-syn: the sequence's upper half
        if (m == codec::method::tcp_syn) {
            const auto f2 = t.match(time_exceeded(forged));
            CHECK_FALSE(f2);
            CHECK(f2.mismatched);
        }
        CHECK(t.match(time_exceeded(s)));
    }
}

TEST_CASE("probe table: a method not in use is not tried") {
    probe_table t{test_key()};
    auto s = spec(codec::method::udp_paris);
    s.ident = 5;
    s.ip_id = 9;
    // Inserted without assign_identity: udp-paris is not in use, so nothing matches.
    t.insert(codec::key_of_probe(s), entry_for(s, 1));
    CHECK_FALSE(t.match(time_exceeded(s)));
}
