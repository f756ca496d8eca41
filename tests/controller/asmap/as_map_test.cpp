#include <cstdio>
#include <fstream>
#include <random>
#include <unistd.h>

#include <doctest/doctest.h>

#include <tumen/controller/asmap/as_map.hpp>
#include <tumen/controller/asmap/sources/iptoasn.hpp>
#include <tumen/controller/asmap/sources/ixp.hpp>
#include <tumen/controller/asmap/sources/pfx2as.hpp>

#include "temp_file.hpp"

using namespace tumen;
using namespace tumen::controller::asmap;
using tumen::test::temp_file;

namespace {
ipv4_addr addr(const char* s) {
    return *ipv4_addr::parse(s);
}

} // namespace

TEST_CASE("flattened table agrees with brute-force longest-prefix match") {
    std::mt19937 rng(12345);
    for (int round = 0; round < 5; ++round) {
        struct ref {
            ipv4_prefix p;
            std::uint32_t asn;
        };
        std::vector<ref> refs;
        as_map_builder b;
        // Clustered prefixes so that nesting and equal prefixes (later wins) are frequent.
        const std::uint32_t base = rng() & 0xff000000u;
        for (int i = 0; i < 400; ++i) {
            std::uint8_t len = static_cast<std::uint8_t>(8 + rng() % 25);
            ipv4_prefix p{ipv4_addr{static_cast<std::uint32_t>(
                              base | (rng() & 0x00ffffffu & ~(0xfffu * (rng() % 2))))},
                          len};
            std::uint32_t asn = 1 + rng() % 50;
            refs.push_back({p, asn});
            b.add_prefix(p, {asn});
        }
        auto m = b.build();
        auto brute = [&](ipv4_addr a) {
            std::uint32_t best = 0;
            int best_len = -1;
            for (const auto& r : refs) { // later entries win on equal length
                if (r.p.contains(a) && r.p.length >= best_len) {
                    best = r.asn;
                    best_len = r.p.length;
                }
            }
            return std::pair{best, best_len < 0 ? 0 : best_len};
        };
        std::vector<ipv4_addr> probes;
        for (const auto& r : refs) { // edges of every prefix
            probes.push_back(r.p.network);
            probes.push_back(
                ipv4_addr{r.p.network.value + static_cast<std::uint32_t>(r.p.size() - 1)});
            probes.push_back(ipv4_addr{r.p.network.value - 1});
            probes.push_back(ipv4_addr{static_cast<std::uint32_t>(r.p.network.value + r.p.size())});
        }
        for (int i = 0; i < 20000; ++i) {
            probes.push_back(ipv4_addr{static_cast<std::uint32_t>(base | (rng() & 0x00ffffffu))});
            probes.push_back(ipv4_addr{static_cast<std::uint32_t>(rng())});
        }
        probes.push_back(ipv4_addr{0});
        probes.push_back(ipv4_addr{0xffffffffu});
        int mismatches = 0;
        for (auto a : probes) {
            auto info = m.lookup(a);
            auto [asn, len] = brute(a);
            if (info.asn != asn || (asn != 0 && info.prefix_length != len)) {
                ++mismatches;
                if (mismatches < 5) {
                    FAIL_CHECK("mismatch at " << a.to_string() << ": got AS" << info.asn << "/"
                                              << int(info.prefix_length) << " want AS" << asn << "/"
                                              << len);
                }
            }
        }
        CHECK(mismatches == 0);
    }
}

TEST_CASE("pfx2as text: multi-origin, AS sets, bad lines with line numbers") {
    as_map_builder b;
    auto r = sources::read_pfx2as_text("198.18.48.0\t20\t4837\n"
                                       "198.18.80.0\t20\t20485_4837\n"
                                       "192.0.2.0\t24\t64500,64501\n"
                                       "\n"
                                       "198.51.100.0\t24\n"
                                       "198.51.100.0\t33\t1\n"
                                       "198.51.300.0\t24\t1\n"
                                       "203.0.113.0\t24\tAS5\n"
                                       "2001:db8::\t32\t64502\n"
                                       "203.0.113.0\t25\t64503\n",
                                       "test.pfx2as", b);
    CHECK(r.lines == 10);
    CHECK(r.entries == 4);
    CHECK(r.error_count == 4);
    REQUIRE(r.errors.size() == 4);
    CHECK(r.errors[0].where == "test.pfx2as:5");
    CHECK(r.errors[1].where == "test.pfx2as:6");
    CHECK(r.errors[1].what.find("length") != std::string::npos);
    CHECK(r.errors[2].where == "test.pfx2as:7");
    CHECK(r.errors[3].where == "test.pfx2as:8");
    auto m = b.build();
    auto cu = m.lookup(addr("198.18.50.1"));
    CHECK(cu.asn == 4837);
    CHECK_FALSE(cu.multi_origin);
    auto moas = m.lookup(addr("198.18.81.1"));
    CHECK(moas.asn == 20485);
    CHECK(moas.multi_origin);
    CHECK(m.origins(moas.origin_set) == std::vector<std::uint32_t>{20485, 4837});
    CHECK(format_origins(m, moas) == "20485_4837");
    auto set = m.lookup(addr("192.0.2.77"));
    CHECK(set.as_set);
    CHECK(format_origins(m, set) == "{64500,64501}");
    CHECK(m.lookup(addr("203.0.113.1")).asn == 64503);
    CHECK(m.lookup(addr("203.0.113.200")).asn == 0);
    CHECK_FALSE(m.lookup(addr("198.18.64.1")).mapped());
    CHECK(m.datasets().at(0).kind == "pfx2as");
}

TEST_CASE("special-purpose space, but not the lab's benchmark and documentation ranges") {
    CHECK(special_space_of(addr("10.1.2.3")) == special_space::private_use);
    CHECK(special_space_of(addr("172.31.255.255")) == special_space::private_use);
    CHECK(special_space_of(addr("172.32.0.0")) == special_space::none);
    CHECK(special_space_of(addr("192.168.1.1")) == special_space::private_use);
    CHECK(special_space_of(addr("100.64.0.1")) == special_space::shared);
    CHECK(special_space_of(addr("100.128.0.1")) == special_space::none);
    CHECK(special_space_of(addr("127.0.0.1")) == special_space::loopback);
    CHECK(special_space_of(addr("169.254.9.9")) == special_space::link_local);
    CHECK(special_space_of(addr("224.0.0.5")) == special_space::multicast);
    CHECK(special_space_of(addr("255.255.255.255")) == special_space::reserved);
    for (const char* lab :
         {"198.18.0.1", "198.19.255.254", "192.0.2.1", "198.51.100.1", "203.0.113.1"}) {
        CAPTURE(lab);
        CHECK(special_space_of(addr(lab)) == special_space::none);
    }
}

TEST_CASE("special-purpose space: the first-octet shortcut agrees with the ranges") {
    // The RFC 6890 ranges special_space_of() knows, as /8 bounds of their first octet: every
    // address whose first octet is outside them is public, whatever the other octets.
    auto special_octet = [](std::uint32_t o) {
        return o == 0 || o == 10 || o == 100 || o == 127 || o == 169 || o == 172 || o == 192 ||
               o >= 224;
    };
    std::mt19937 rng(7);
    for (std::uint32_t o = 0; o < 256; ++o) {
        CAPTURE(o);
        for (int i = 0; i < 16; ++i) {
            const std::uint32_t low = i == 0 ? 0 : i == 1 ? 0xffffffu : rng() & 0xffffffu;
            const ipv4_addr a{(o << 24) | low};
            if (!special_octet(o)) {
                CHECK(special_space_of(a) == special_space::none);
            }
        }
        if (o == 10 || o == 127 || o == 0 || o >= 224) { // whole /8s (or wider)
            CHECK(special_space_of(ipv4_addr{o << 24}) != special_space::none);
            CHECK(special_space_of(ipv4_addr{(o << 24) | 0xffffffu}) != special_space::none);
        }
    }
    CHECK(special_space_of(addr("100.127.255.255")) == special_space::shared);
    CHECK(special_space_of(addr("100.63.255.255")) == special_space::none);
    CHECK(special_space_of(addr("169.253.255.255")) == special_space::none);
    CHECK(special_space_of(addr("172.15.255.255")) == special_space::none);
    CHECK(special_space_of(addr("223.255.255.255")) == special_space::none);
}

TEST_CASE("iptoasn ranges become prefixes; AS 0 and IPv6 skipped; bad lines reported") {
    temp_file f("198.51.100.0\t198.51.100.130\t64500\tZZ\tTest one\n"
                "198.51.100.131\t198.51.100.255\t0\tNone\tNot routed\n"
                "2001:db8::\t2001:db8::ff\t64501\tZZ\tv6\n"
                "203.0.113.9\t203.0.113.1\t64502\tZZ\tbackwards\n"
                "203.0.113.0\t203.0.113.255\tx\tZZ\tbad as\n");
    as_map_builder b;
    auto r = sources::read_iptoasn_file(f.path, b);
    CHECK(r.entries == 1);
    CHECK(r.skipped == 2);
    REQUIRE(r.error_count == 2);
    CHECK(r.errors[0].where == f.path + ":4");
    CHECK(r.errors[1].where == f.path + ":5");
    auto m = b.build();
    CHECK(m.lookup(addr("198.51.100.0")).asn == 64500);
    CHECK(m.lookup(addr("198.51.100.130")).asn == 64500);
    CHECK(m.lookup(addr("198.51.100.131")).asn == 0);
}

TEST_CASE("IXP files: CAIDA jsonl and ripe-atlas-monitor json") {
    temp_file caida("# {\"date\": \"2023.11.01 14:34:57\"}\n"
                    "{\"name\": \"Lab-IX\", \"prefixes\": {\"ipv4\": [\"203.0.113.0/26\"], "
                    "\"ipv6\": [\"2001:db8::/64\"]}}\n"
                    "{\"name\": \"Broken-IX\", \"prefixes\": {\"ipv4\": [\"203.0.113.300/26\"]}}\n"
                    "not json\n");
    temp_file ram("{\"Data\": {\"192.0.2.128/25\": {\"name\": \"Doc-IX\"}, \"2001:db8:1::/48\": "
                  "{\"name\": \"v6\"}}, \"TS\": 1451606400}");
    as_map_builder b;
    auto r1 = sources::read_ixp_file(caida.path, b);
    CHECK(r1.entries == 1);
    REQUIRE(r1.error_count == 2);
    CHECK(r1.errors[0].where == caida.path + ":3");
    CHECK(r1.errors[1].where == caida.path + ":4");
    auto r2 = sources::read_ixp_file(ram.path, b);
    CHECK(r2.entries == 1);
    auto m = b.build();
    CHECK(m.ixp_name(m.lookup(addr("203.0.113.5")).ixp) == "Lab-IX");
    CHECK(m.lookup(addr("203.0.113.100")).ixp == 0);
    CHECK(m.ixp_name(m.lookup(addr("192.0.2.200")).ixp) == "Doc-IX");
    REQUIRE(m.datasets().size() == 2);
    CHECK(m.datasets()[0].date == "2023-11-01");
    CHECK(m.datasets()[1].date == "2016-01-01");
}

TEST_CASE("unreadable files are an asmap_error") {
    as_map_builder b;
    CHECK_THROWS_AS(sources::read_pfx2as_file("/nonexistent/pfx2as.gz", b), asmap_error);
}
