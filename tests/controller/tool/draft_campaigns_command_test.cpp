// `tumen-controller draft-campaigns` end to end on lab traces (deploy/lab/pfx2as.txt): the
// printed YAML is read back by the campaign parser.
#include <doctest/doctest.h>

#include <tumen/common/campaign/yaml.hpp>
#include <tumen/common/result_json.hpp>

#include "lab_plan.hpp"
#include "run_command.hpp"
#include "trace_builder.hpp"

using namespace tumen;
using tumen::test::make_trace;
using tumen::test::run_command;
using tumen::test::write_file;

namespace {
const std::string lab_pfx2as_path = tumen::test::lab().pfx2as_path();
const std::string exe = TUMEN_CONTROLLER_EXE;
const std::string tmp = "/tmp/tumen-draft-test-" + std::to_string(::getpid());

std::string trace_line(const char* dst, std::int64_t time) {
    return result::to_json(make_trace("198.18.1.10", dst,
                                      {{{"198.18.1.1"}}, {{"198.18.48.1"}}, {{dst}, 40.5}}, "fra",
                                      time))
               .dump() +
           "\n";
}
} // namespace

TEST_CASE("draft-campaigns: lab traces give campaigns the parser reads back") {
    write_file(tmp + "-a.jsonl", trace_line("198.19.177.1", 100) + trace_line("198.18.2.9", 110) +
                                     trace_line("198.18.81.7", 120));
    write_file(tmp + "-b.jsonl", trace_line("198.18.2.77", 130) + trace_line("198.18.3.1", 140));
    auto r = run_command(exe + " draft-campaigns --pfx2as " + lab_pfx2as_path +
                         " --class china-unicom=4837,4808 --class ttk=20485"
                         " --method udp-paris --method ping --exclude-asn 131279 " +
                         tmp + "-a.jsonl " + tmp + "-b.jsonl");
    CAPTURE(r.err);
    CAPTURE(r.out);
    CHECK(r.status == 0);
    CHECK(r.err.find("5 traces, 0 pings, 5 destinations, 3 campaigns") != std::string::npos);
    CHECK(r.err.find("1 in excluded ASes") != std::string::npos);
    const auto set = campaign::parse_campaigns(r.out, "stdout");
    REQUIRE(set.campaigns.size() == 3);
    CHECK(set.campaigns[0].name == "as2516");
    CHECK(set.campaigns[0].targets.asn == 2516);
    CHECK(set.campaigns[0].targets.prefixes == std::vector{*ipv4_prefix::parse("198.18.2.0/24")});
    CHECK(set.campaigns[1].name == "as8359");
    CHECK(set.campaigns[2].name == "as20485");
    for (const auto& c : set.campaigns) {
        CHECK(c.methods == std::vector{campaign::method::udp_paris, campaign::method::ping});
    }
    REQUIRE(set.campaigns[0].classes.size() == 2);
    CHECK(set.campaigns[0].classes[1].name == "ttk");
    REQUIRE(set.campaigns[2].classes.size() == 1); // ttk: its own AS
    CHECK(set.campaigns[2].classes[0].name == "china-unicom");
    std::remove((tmp + "-a.jsonl").c_str());
    std::remove((tmp + "-b.jsonl").c_str());
}

TEST_CASE("draft-campaigns: a malformed record exits 1; a bad class exits with an error") {
    write_file(tmp + "-c.jsonl", trace_line("198.18.2.9", 100) + "{oops\n");
    auto r =
        run_command(exe + " draft-campaigns --pfx2as " + lab_pfx2as_path + " " + tmp + "-c.jsonl");
    CHECK(r.status == 1);
    CHECK(r.err.find(tmp + "-c.jsonl:2: error: invalid JSON") != std::string::npos);
    CHECK(campaign::parse_campaigns(r.out, "stdout").campaigns.size() == 1);
    // Defaults: the methods of schedules/nk-border.yaml.
    CHECK(r.out.find("methods: [udp-paris, icmp-paris, ping]") != std::string::npos);

    auto bad_asn = run_command(exe + " draft-campaigns --pfx2as " + lab_pfx2as_path +
                               " --class cu=48x37 " + tmp + "-c.jsonl");
    CHECK(bad_asn.status != 0);
    CHECK(bad_asn.err.find("bad AS number \"48x37\"") != std::string::npos);
    auto bad_name = run_command(exe + " draft-campaigns --pfx2as " + lab_pfx2as_path +
                                " --class 'c u=4837' " + tmp + "-c.jsonl");
    CHECK(bad_name.status == 2);
    CHECK(bad_name.err.find("the draft does not parse") != std::string::npos);
    CHECK(bad_name.out.empty());
    std::remove((tmp + "-c.jsonl").c_str());
}
