// tests/lib/lab_plan.hpp: lab.env parsing and its errors, and the lab's three files (lab.env,
// pfx2as.txt, schedules/lab.yaml) telling the same plan.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include <doctest/doctest.h>

#include <tumen/controller/asmap/sources/pfx2as.hpp>

#include "lab_plan.hpp"

using namespace tumen;
using tumen::test::lab;
using tumen::test::lab_plan;

namespace {

/// A source tree holding only deploy/lab/lab.env with `text`; removed on destruction.
struct env_tree {
    std::filesystem::path root;
    explicit env_tree(const std::string& text) {
        static std::atomic<int> n{0};
        root = std::filesystem::temp_directory_path() /
               ("tumen-lab-plan-test-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
        std::filesystem::create_directories(root / "deploy" / "lab");
        std::ofstream(root / "deploy" / "lab" / "lab.env") << text;
    }
    ~env_tree() {
        std::error_code ec;
        std::filesystem::remove_all(root, ec);
    }
    env_tree(const env_tree&) = delete;
    env_tree& operator=(const env_tree&) = delete;
    lab_plan plan() const { return lab_plan(root.string()); }
};

} // namespace

TEST_CASE("lab.env: assignments, quotes, ';' and comments; typed values") {
    env_tree t("# comment\n"
               "\n"
               "A=1; B=\"x y\"   # trailing comment\n"
               "P=198.51.100.0/24;Q=198.51.100.7\n"
               "L=\"192.0.2.0/25 192.0.2.128/25\"\n"
               "E=\"\"\n");
    const auto p = t.plan();
    CHECK(p.value("A") == "1");
    CHECK(p.asn("A") == 1);
    CHECK(p.value("B") == "x y");
    CHECK(p.words("B") == std::vector<std::string>{"x", "y"});
    CHECK(p.value("E").empty());
    CHECK(p.prefix("P").to_string() == "198.51.100.0/24");
    CHECK(p.addr("Q").to_string() == "198.51.100.7");
    CHECK(p.addr_in("P", 9).to_string() == "198.51.100.9");
    REQUIRE(p.prefixes("L").size() == 2);
    CHECK(p.prefixes("L")[1].to_string() == "192.0.2.128/25");
}

TEST_CASE("lab.env: malformed lines, unknown keys and mistyped values throw, naming the place") {
    auto error_of = [](const std::string& text) -> std::string {
        try {
            env_tree t(text);
            t.plan();
        } catch (const std::runtime_error& e) {
            return e.what();
        }
        return "";
    };
    CHECK(error_of("A=1\nnot an assignment\n").find("lab.env:2: not a KEY=VALUE") !=
          std::string::npos);
    CHECK(error_of("A=x y\n").find("lab.env:1: an unquoted value") != std::string::npos);
    CHECK(error_of("A=$HOME\n").find("lab.env:1: shell syntax") != std::string::npos);
    CHECK(error_of("A=\"$HOME\"\n").find("lab.env:1: shell syntax") != std::string::npos);
    CHECK(error_of("A=1; A=2\n").find("lab.env:1: set twice") != std::string::npos);
    CHECK_THROWS_WITH_AS(lab_plan("/nonexistent"), doctest::Contains("cannot open"),
                         std::runtime_error);

    env_tree t("A=abc; P=198.51.100.0/24; H=198.51.100.1/24\n");
    const auto p = t.plan();
    CHECK_THROWS_WITH_AS(p.value("MISSING"), doctest::Contains("no variable MISSING"),
                         std::runtime_error);
    CHECK_THROWS_WITH_AS(p.asn("A"), doctest::Contains("A=abc is not an AS number"),
                         std::runtime_error);
    CHECK_THROWS_WITH_AS(p.addr("P"), doctest::Contains("is not an IPv4 address"),
                         std::runtime_error);
    CHECK_THROWS_WITH_AS(p.prefix("H"), doctest::Contains("is not an IPv4 prefix"),
                         std::runtime_error); // host bits set
    CHECK_THROWS_WITH_AS(p.addr_in("P", 256), doctest::Contains("has no address 256"),
                         std::runtime_error);
}

TEST_CASE("the lab's plan: targets inside the target prefix, VPs named") {
    const auto& p = lab();
    CHECK(p.words("LAB_VPS") == std::vector<std::string>{"fra", "tyo", "msk"});
    const auto target = p.prefix("LAB_TARGET_PREFIX");
    const auto t24s = p.prefixes("LAB_TARGET_24S");
    CHECK(t24s.size() == 4);
    for (const auto& t : t24s) {
        CHECK(target.contains(t.network));
    }
    CHECK(target.contains(p.addr("LAB_TARGET_ADDR")));
    for (const auto& vp : p.words("LAB_VPS")) {
        CHECK(p.prefix("LAB_VP_PREFIX_" + vp).contains(p.addr("LAB_VP_ADDR_" + vp)));
    }
}

TEST_CASE("deploy/lab/pfx2as.txt maps the prefixes of lab.env to its AS numbers") {
    const auto& p = lab();
    controller::asmap::as_map_builder b;
    REQUIRE(controller::asmap::sources::read_pfx2as_file(p.pfx2as_path(), b).error_count == 0);
    const auto map = b.build();
    auto origin = [&](const std::string& prefix_key) {
        return map.lookup(p.prefix(prefix_key).network).asn;
    };
    CHECK(origin("LAB_TARGET_PREFIX") == p.asn("LAB_TARGET_AS"));
    CHECK(origin("LAB_CU_PREFIX") == p.asn("LAB_CU_AS"));
    CHECK(origin("LAB_TTK_PREFIX") == p.asn("LAB_TTK_AS"));
    CHECK(origin("LAB_TATA_PREFIX") == p.asn("LAB_TATA_AS"));
    for (const auto& vp : p.words("LAB_VPS")) {
        CHECK(origin("LAB_VP_PREFIX_" + vp) == p.asn("LAB_VP_AS_" + vp));
    }
    CHECK_FALSE(map.lookup(p.prefix("LAB_CU_BACKBONE_PREFIX").network).mapped());
}

TEST_CASE("schedules/lab.yaml campaigns on the targets, classes and VPs of lab.env") {
    const auto& p = lab();
    const auto set = p.schedule();
    REQUIRE(set.campaigns.size() == 1);
    const auto& c = set.campaigns[0];
    CHECK(c.targets.asn == p.asn("LAB_TARGET_AS"));
    CHECK(c.targets.prefixes == p.prefixes("LAB_TARGET_24S"));
    REQUIRE(c.classes.size() == 2);
    CHECK(c.classes[0].asns == std::vector<std::uint32_t>{p.asn("LAB_CU_AS")});
    CHECK(c.classes[0].prefixes == std::vector<ipv4_prefix>{p.prefix("LAB_CU_BACKBONE_PREFIX")});
    CHECK(c.classes[1].asns == std::vector<std::uint32_t>{p.asn("LAB_TTK_AS")});
    // The third transit is unknown to the campaign (flips onto it show a transit in no class).
    for (const auto& cls : c.classes) {
        for (const auto asn : cls.asns) {
            CHECK(asn != p.asn("LAB_TATA_AS"));
        }
        for (const auto& pfx : cls.prefixes) {
            CHECK_FALSE(pfx.contains(p.prefix("LAB_TATA_PREFIX").network));
        }
    }
    CHECK_FALSE(c.agents.all);
    CHECK(c.agents.names == p.words("LAB_VPS"));
}
