#include <doctest/doctest.h>

#include <tumen/controller/asmap/file_hash.hpp>
#include <tumen/controller/asmap/loader.hpp>

#include "lab_plan.hpp"
#include "temp_file.hpp"

using namespace tumen;
using namespace tumen::controller::asmap;
using tumen::test::temp_file;

TEST_CASE("loader: pfx2as, then iptoasn, then IXP files, each reported once in that order") {
    temp_file pfx2as("192.0.2.0\t24\t64500\nbad\n");
    temp_file iptoasn("192.0.2.0\t192.0.2.127\t64501\tZZ\tmore specific\n");
    temp_file ixp("{\"name\": \"IX\", \"prefixes\": {\"ipv4\": [\"198.51.100.0/24\"]}}\n");
    std::vector<std::string> seen;
    std::size_t errors = 0;
    auto m = load_as_map({{pfx2as.path}, {iptoasn.path}, {ixp.path}, {}},
                         [&](const std::string& path, const char* kind, const load_report& r) {
                             seen.push_back(std::string(kind) + " " + path);
                             errors += r.error_count;
                         });
    CHECK(seen == std::vector<std::string>{"pfx2as " + pfx2as.path, "iptoasn " + iptoasn.path,
                                           "ixp " + ixp.path});
    CHECK(errors == 1);
    // Later files win for equal prefixes; here the iptoasn /25 is more specific anyway.
    CHECK(m.lookup(*ipv4_addr::parse("192.0.2.1")).asn == 64501);
    CHECK(m.lookup(*ipv4_addr::parse("192.0.2.200")).asn == 64500);
    CHECK(m.ixp_name(m.lookup(*ipv4_addr::parse("198.51.100.1")).ixp) == "IX");
    REQUIRE(m.datasets().size() == 3);
    CHECK(m.datasets()[2].kind == "ixp");
}

TEST_CASE("loader: no observer needed; the lab's plan loads") {
    const auto& plan = tumen::test::lab();
    auto m = load_as_map({{plan.pfx2as_path()}, {}, {}, {}});
    CHECK(m.lookup(plan.target_addr(0, 1)).asn == plan.asn("LAB_TARGET_AS"));
    CHECK(m.lookup(plan.addr("LAB_CU1_ADDR_fra")).asn == plan.asn("LAB_CU_AS"));
}

TEST_CASE("loader: an unreadable file is a runtime_error naming it") {
    temp_file pfx2as("192.0.2.0\t24\t64500\n");
    for (const auto& files : {as_map_sources{{pfx2as.path, "/nonexistent/a.pfx2as"}, {}, {}, {}},
                              as_map_sources{{}, {"/nonexistent/a.pfx2as"}, {}, {}},
                              as_map_sources{{}, {}, {"/nonexistent/a.pfx2as"}, {}}}) {
        CHECK_THROWS_WITH_AS(load_as_map(files), doctest::Contains("/nonexistent/a.pfx2as"),
                             std::runtime_error);
    }
}

TEST_CASE("loader: each data set carries the SHA-256 of its bytes and a version string") {
    temp_file pfx2as("192.0.2.0\t24\t64500\n");
    // printf '192.0.2.0\t24\t64500\n' > f && sha256sum f
    const std::string expected = "35709cad167ceaf0600913e0d4284fd93869c8e2aa150c5cb3b055555c2d86f2";
    CHECK(sha256_file(pfx2as.path) == expected);
    auto m = load_as_map({{pfx2as.path}, {}, {}, {}});
    REQUIRE(m.datasets().size() == 1);
    CHECK(m.datasets()[0].sha256 == expected);
    const std::string name = pfx2as.path.substr(pfx2as.path.find_last_of('/') + 1);
    CHECK(m.datasets()[0].version() == name + "@undated#35709cad167c");
    dataset dated{"/data/routeviews-rv2-20170329-1200.pfx2as.gz", "pfx2as", "2017-03-29", 1,
                  expected};
    CHECK(dated.version() == "routeviews-rv2-20170329-1200.pfx2as.gz@2017-03-29#35709cad167c");
}
