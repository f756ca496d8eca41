#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <tumen/common/result_json.hpp>

#include "dot_render.hpp"
#include "lab_plan.hpp"
#include "run_command.hpp"
#include "trace_builder.hpp"

using namespace tumen;
using tumen::test::make_trace;
using tumen::test::run_command;
using tumen::test::write_file;

namespace {
const std::string exe = TUMEN_CONTROLLER_EXE;
const std::string tmp = "/tmp/tumen-cli-test-" + std::to_string(::getpid());
const tumen::test::lab_plan& plan = tumen::test::lab();
/// The lab's pfx2as table and campaign, as classify options.
const std::string lab_files =
    " --pfx2as " + plan.pfx2as_path() + " --campaign " + plan.schedule_path() + " ";

/// The `i`-th target /24 of the lab, as text.
std::string target_24(std::size_t i) {
    return plan.target_24(i).to_string();
}
/// The `n`-th address of the lab's China Unicom backbone (only in the class prefix).
ipv4_addr backbone(std::uint64_t n) {
    return plan.addr_in("LAB_CU_BACKBONE_PREFIX", n);
}

std::string cu_trace(const char* agent, ipv4_addr dst, std::int64_t time, ipv4_addr backbone) {
    return result::to_json(make_trace(plan.vp_addr("fra"), dst,
                                      {{{plan.acc_addr("fra")}},
                                       {{plan.addr("LAB_CU1_ADDR_fra")}},
                                       {{"*"}},
                                       {{backbone}, 40},
                                       {{plan.addr_in("LAB_CU_PREFIX", 9)}, 40.2},
                                       {{dst}, 40.5}},
                                      agent, time, std::string(agent) + "-" + std::to_string(time)))
        .dump();
}
std::string ttk_trace(const char* agent, ipv4_addr dst, std::int64_t time) {
    return result::to_json(make_trace(plan.vp_addr("fra"), dst,
                                      {{{plan.acc_addr("fra")}},
                                       {{plan.addr_in("LAB_TTK_PREFIX", 1)}},
                                       {{plan.addr_in("LAB_TTK_PREFIX", 9)}, 70.2},
                                       {{dst}, 70.5}},
                                      agent, time, std::string(agent) + "-" + std::to_string(time)))
        .dump();
}
} // namespace

TEST_CASE("classify: CU -> TTK flip gives verdicts and one change, in time order across files") {
    // File a: CU traces (ECMP alternation cu3a/cu3b) and a malformed line; file b: TTK traces,
    // one earlier than the last CU trace of file a is not allowed, so times interleave cleanly.
    const ipv4_addr dst177 = plan.target_addr(1, 1);
    std::string a = cu_trace("fra", dst177, 100, backbone(3)) + "\n" +
                    cu_trace("fra", dst177, 110, backbone(4)) + "\n" + "{oops\n" +
                    cu_trace("fra", dst177, 120, backbone(3)) + "\n" +
                    cu_trace("fra", plan.target_addr(0, 1), 125, backbone(4)) + "\n";
    std::string b = ttk_trace("fra", dst177, 140) + "\n" + ttk_trace("fra", dst177, 130) + "\n" +
                    ttk_trace("fra", dst177, 150) + "\n";
    write_file(tmp + "-a.jsonl", a);
    write_file(tmp + "-b.jsonl", b);
    auto r = run_command(exe + " classify" + lab_files + "--format json " + tmp + "-a.jsonl " +
                         tmp + "-b.jsonl");
    CAPTURE(r.err);
    CHECK(r.status == 1); // one malformed record skipped
    CHECK(r.err.find(tmp + "-a.jsonl:3: error: invalid JSON") != std::string::npos);
    std::vector<nlohmann::json> verdicts, changes;
    for (const auto& l : r.out_lines()) {
        auto j = nlohmann::json::parse(l);
        if (j["kind"] == "verdict") {
            verdicts.push_back(j);
        } else if (j["kind"] == "change") {
            changes.push_back(j);
        }
    }
    REQUIRE(verdicts.size() == 7);
    std::int64_t last = 0;
    for (const auto& v : verdicts) {
        CHECK(v["time"].get<std::int64_t>() >= last);
        last = v["time"].get<std::int64_t>();
    }
    CHECK(verdicts[0]["path"] == "china-unicom");
    CHECK(verdicts[0]["transit_asn"] == plan.asn("LAB_CU_AS"));
    CHECK(verdicts[0]["target"] == target_24(1));
    CHECK(verdicts[3]["target"] == target_24(0));
    CHECK(verdicts[4]["path"] == "ttk");
    CHECK(verdicts[4]["time"] == 130);
    REQUIRE(changes.size() == 1);
    CHECK(changes[0]["agent"] == "fra");
    CHECK(changes[0]["target"] == target_24(1));
    CHECK(changes[0]["from"] == "china-unicom");
    CHECK(changes[0]["to"] == "ttk");
    CHECK(changes[0]["time"] == 130);
    CHECK(changes[0]["last_old_time"] == 120);
}

TEST_CASE("classify: clean input exits 0; bad campaign exits 2 with file:line:column") {
    write_file(tmp + "-ok.jsonl", cu_trace("msk", plan.target_addr(2, 1), 5, backbone(3)) + "\n");
    auto ok = run_command(exe + " classify" + lab_files + tmp + "-ok.jsonl");
    CHECK(ok.status == 0);
    CHECK(ok.out.find("msk  " + target_24(2) + "  china-unicom (AS" + plan.value("LAB_CU_AS") +
                      ")") != std::string::npos);
    write_file(tmp + "-bad.yaml", "campaigns:\n  - name: x\n    tragets: {}\n");
    auto bad = run_command(exe + " classify --pfx2as " + plan.pfx2as_path() + " --campaign " + tmp +
                           "-bad.yaml " + tmp + "-ok.jsonl");
    CHECK(bad.status == 2);
    CHECK(bad.err.find(tmp + "-bad.yaml:3:5: unknown key \"tragets\"") != std::string::npos);
    for (const char* f : {"-a.jsonl", "-b.jsonl", "-ok.jsonl", "-bad.yaml"}) {
        std::remove((tmp + f).c_str());
    }
}

TEST_CASE("classify --format dot: one path graph per agent x target, border hops, dot -Tsvg") {
    const ipv4_addr dst177 = plan.target_addr(1, 1);
    std::string a = cu_trace("fra", dst177, 100, backbone(3)) + "\n" +
                    cu_trace("fra", dst177, 110, backbone(4)) + "\n" +
                    cu_trace("fra", dst177, 120, backbone(3)) + "\n" +
                    ttk_trace("fra", dst177, 130) + "\n" + ttk_trace("fra", dst177, 140) + "\n" +
                    cu_trace("tyo", plan.target_addr(0, 1), 125, backbone(4)) + "\n";
    write_file(tmp + "-dot.jsonl", a);
    auto r = run_command(exe + " classify" + lab_files + "--format dot " + tmp + "-dot.jsonl");
    std::remove((tmp + "-dot.jsonl").c_str());
    CAPTURE(r.err);
    CHECK(r.status == 0);
    const std::string& dot = r.out;
    CAPTURE(dot);
    // Two graphs, in agent, target order.
    const auto fra = dot.find("digraph \"path_0\" {\n");
    const auto tyo = dot.find("digraph \"path_1\" {\n");
    REQUIRE(fra == 0);
    REQUIRE(tyo != std::string::npos);
    CHECK(dot.find("label=\"fra -> " + target_24(1) + "\"") < tyo);
    CHECK(dot.find("label=\"tyo -> " + target_24(0) + "\"") > tyo);
    const std::string fra_graph = dot.substr(0, tyo);
    // fra: the China Unicom path (last trace fra-120, backbone 3) and TTK, overlaid.
    // The backbone is in the class prefix only (no AS in pfx2as); the CU hops in its AS prefix
    // are mapped.
    CHECK(fra_graph.find("\"" + backbone(3).to_string() + "\" [label=") != std::string::npos);
    CHECK(fra_graph.find("\\nAS" + std::to_string(plan.asn("LAB_CU_AS"))) != std::string::npos);
    CHECK(fra_graph.find("\"" + backbone(4).to_string() + "\"") == std::string::npos);
    CHECK(fra_graph.find("trace fra-120") != std::string::npos);
    CHECK(fra_graph.find("trace fra-140") != std::string::npos);
    CHECK(fra_graph.find("border of china-unicom") != std::string::npos);
    CHECK(fra_graph.find("border of ttk") != std::string::npos);
    CHECK(fra_graph.find("\"*0:3\"") != std::string::npos); // the silent CU hop
    // The shared access router: one node, on both paths.
    CHECK(fra_graph.find("\"" + plan.acc_addr("fra").to_string() + "\" [label=") !=
          std::string::npos);
    CHECK(fra_graph.find("tooltip=\"china-unicom, ttk\"") != std::string::npos);

    const auto svg = test::render_dot(dot);
    if (!svg) {
        MESSAGE(test::dot_missing);
        return;
    }
    CAPTURE(svg->errors);
    CHECK(svg->exit_status == 0);
    CHECK(svg->errors.empty());
    CHECK(svg->svg.find("<svg") != std::string::npos);
    CHECK(svg->svg.find("<svg", svg->svg.find("<svg") + 1) != std::string::npos); // two graphs
}
