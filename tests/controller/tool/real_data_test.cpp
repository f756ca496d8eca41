#include <set>
#include <sstream>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <tumen/common/campaign.hpp>
#include <tumen/controller/asmap/as_map.hpp>
#include <tumen/controller/asmap/line_reader.hpp>
#include <tumen/controller/asmap/sources/ixp.hpp>
#include <tumen/controller/asmap/sources/pfx2as.hpp>
#include <tumen/controller/inference/border.hpp>
#include <tumen/controller/inference/classifier.hpp>
#include <tumen/controller/readers/reader.hpp>

#include "campaign_yaml_writer.hpp"
#include "real_data.hpp"
#include "run_command.hpp"

/// This binary needs the real data folder (real_data_main.cpp skips it when absent).
const char* const tumen::test::real_data_subdir = "";

using namespace tumen;
using namespace tumen::controller;

namespace {
const std::string real = tumen::test::real_data_dir();

const asmap::as_map& table_2017() {
    static const asmap::as_map map = [] {
        asmap::as_map_builder b;
        auto r = asmap::sources::read_pfx2as_file(
            real + "/pfx2as/routeviews-rv2-20170329-0200.pfx2as.gz", b);
        REQUIRE(r.error_count == 0);
        CHECK(r.entries == 694682);
        return b.build();
    }();
    return map;
}

/// Campaign YAML built from the data itself: one campaign "real" whose target is the /24 of
/// `dst` (target AS from the map), with the class tata (AS6453); written by the draft writer.
std::string tata_campaign_yaml(ipv4_addr dst) {
    campaign::campaign c;
    c.name = "real";
    c.targets.asn = table_2017().lookup(dst).asn;
    REQUIRE(c.targets.asn != 0);
    c.targets.prefixes = {ipv4_prefix(dst, 24)};
    c.classes = {{"tata", {6453}, {}}};
    c.methods = {campaign::method::udp_paris};
    std::ostringstream yaml;
    tool::write_campaigns_yaml(yaml, campaign::campaign_set{{c}});
    return yaml.str();
}
} // namespace

TEST_CASE("full 2017 RouteViews table: known origins") {
    const auto& m = table_2017();
    CHECK(m.datasets().at(0).date == "2017-03-29");
    // The real case's ASes, with addresses taken from schedules/nk-border.yaml (no real
    // prefixes in test sources): the Star JV /24s and the China Unicom backbone /16.
    auto set = campaign::load_campaigns_file(TUMEN_SOURCE_DIR "/schedules/nk-border.yaml");
    const auto& c = set.campaigns[0];
    for (const auto& p : c.targets.prefixes) {
        auto info = m.lookup(p.at(10));
        CHECK(info.asn == 131279);
        CHECK(info.prefix_length == 24);
    }
    const auto backbone = c.class_by_asn(4837)->prefixes.at(0);
    CHECK(m.lookup(backbone.network).asn == 4837);
    // ...which is only partly announced: some of it has no route (hence the class prefix).
    int unmapped = 0;
    for (std::uint64_t i = 0; i < backbone.size(); i += 256) {
        unmapped += m.lookup(backbone.at(i)).mapped() ? 0 : 1;
    }
    CHECK(unmapped > 16);
}

TEST_CASE("pfx2as reader agrees with a line-by-line reference on MOAS and AS-set lines") {
    asmap::line_reader in(real + "/pfx2as/routeviews-rv2-20170329-0200.pfx2as.gz");
    REQUIRE(in.ok());
    std::string line;
    int checked = 0;
    const auto& m = table_2017();
    while (in.next(line) && checked < 200) {
        if (line.find('_') == std::string::npos && line.find(',') == std::string::npos) {
            continue;
        }
        auto tab1 = line.find('\t');
        auto tab2 = line.find('\t', tab1 + 1);
        auto p =
            ipv4_prefix::parse(line.substr(0, tab1) + "/" + line.substr(tab1 + 1, tab2 - tab1 - 1));
        REQUIRE(p);
        auto info = m.lookup(p->network);
        if (info.prefix_length != p->length) {
            continue; // a more specific prefix starts at the same address
        }
        CAPTURE(line);
        std::string origins = line.substr(tab2 + 1);
        CHECK(info.asn == std::stoul(origins));
        CHECK(info.multi_origin == (origins.find('_') != std::string::npos));
        CHECK(info.as_set == (origins.find(',') != std::string::npos));
        ++checked;
    }
    CHECK(checked >= 100);
}

TEST_CASE("traceroute text toward Star JV through China Unicom: china-unicom, weak") {
    // A New York traceroute to the Star JV /22 (2019): TATA, then China Unicom backbone
    // backbone (partly unannounced), then only '!X' from China Unicom: never reaches Star JV.
    auto set = campaign::load_campaigns_file(TUMEN_SOURCE_DIR "/schedules/nk-border.yaml");
    auto b = readers::read_results_file(real + "/traceroute_text/miamiww_net_blog/Day-33.txt");
    CHECK(b.error_count() == 0);
    REQUIRE(b.traces.size() == 1);
    const auto& t = b.traces[0];
    const auto& c = set.campaigns[0];
    REQUIRE(c.target_prefix_of(t.dst));
    auto v = inference::infer_border(t, c, table_2017());
    CHECK(v.path == "china-unicom");
    REQUIRE(v.transit_asn);
    CHECK(*v.transit_asn == 4837);
    CHECK(v.weak);
    CHECK_FALSE(v.reached_target);
    REQUIRE(v.border_addr);
    CHECK(c.class_by_prefix(*v.border_addr)->name == "china-unicom");
    // TATA (AS6453) handed over to China Unicom: the AS path shows it just before.
    REQUIRE(v.as_path.size() >= 2);
    CHECK(v.as_path[v.as_path.size() - 2] == 6453);
    CHECK(v.as_path.back() == 4837);
}

TEST_CASE("traceroute text toward Star JV ending with `!X`: a known border, counted, reachable") {
    // The same New York trace, classified with schedules/nk-border.yaml: its last reply is
    // `!X` (admin prohibited) from China Unicom's 219.158.39.42, which answered for the target.
    // The trace is weak but ends at a border interface: it sets the path and teaches the border.
    auto set = campaign::load_campaigns_file(TUMEN_SOURCE_DIR "/schedules/nk-border.yaml");
    auto b = readers::read_results_file(real + "/traceroute_text/miamiww_net_blog/Day-33.txt");
    REQUIRE(b.traces.size() == 1);
    const auto& t = b.traces[0];
    inference::classifier cls(set, table_2017());
    auto out = cls.process(t);
    REQUIRE(out.verdict);
    const auto& v = out.verdict->verdict;
    CHECK(v.path == "china-unicom");
    CHECK(v.weak);
    REQUIRE(v.border_addr);
    CHECK(v.border_addr->to_string() == "219.158.39.42");
    CHECK(v.prohibited);
    CHECK(v.known_border);
    CHECK(out.verdict->reachable);
    CHECK_FALSE(out.change);
    const auto& tracker = cls.trackers().at({t.agent, out.verdict->target});
    CHECK(tracker.current() == "china-unicom");
    const auto& known = cls.known_borders(out.verdict->target);
    REQUIRE(known.size() == 1);
    CHECK(known[0].addr.to_string() == "219.158.39.42");
    CHECK(known[0].prohibited);
    CHECK(known[0].expires == t.timestamp + 24 * 300); // 24 intervals of 5 minutes
}

TEST_CASE("RIPE Atlas (sagan) results: IPv4 parsed, IPv6 and failures noted, verdicts via TATA") {
    auto b = readers::read_results_file(real + "/atlas/ripe-atlas-sagan_test_traceroute.ndjson");
    CHECK(b.error_count() == 0);
    CHECK(b.traces.size() == 13);
    CHECK(b.issues.size() == 9); // 8 IPv6 results, 1 name-resolution failure
    for (const auto& i : b.issues) {
        CHECK(i.unsupported);
        CHECK(i.line >= 12);
    }
    // msm 1000157 targets one address behind TATA (AS6453); every verdict with evidence
    // must name the tata class.
    const auto dst = b.traces[0].dst;
    auto set = campaign::parse_campaigns(tata_campaign_yaml(dst), "generated");
    int with_evidence = 0;
    for (const auto& t : b.traces) {
        if (t.dst != dst) {
            continue;
        }
        auto v = inference::infer_border(t, set.campaigns[0], table_2017());
        if (v.path == "none") {
            continue;
        }
        CAPTURE(t.id);
        CHECK(v.path == "tata");
        CHECK(*v.transit_asn == 6453);
        ++with_evidence;
    }
    CHECK(with_evidence >= 8);
}

TEST_CASE("RIPE Atlas wrapped and array files") {
    auto wrapped = readers::read_results_file(real + "/atlas/ripe-atlas-monitor_msm3082698.json");
    CHECK(wrapped.error_count() == 0);
    CHECK(wrapped.traces.size() == 8);
    auto arr =
        readers::read_results_file(real + "/atlas/ripe-atlas-tools_test_traceroute_aspath.json");
    CHECK(arr.error_count() == 0);
    REQUIRE(arr.traces.size() == 2);
    std::set<std::string> agents{arr.traces[0].agent, arr.traces[1].agent};
    CHECK(agents == std::set<std::string>{"12185", "22880"});
    auto big = readers::read_results_file(real + "/atlas/ripe-atlas-monitor_msm1033154.json");
    CHECK(big.error_count() == 0);
    CHECK(big.traces.size() + big.issues.size() > 50);
}

TEST_CASE("scamper (M-Lab) valid files") {
    auto b = readers::read_results_file(
        real + "/scamper/m-lab_traceroute-caller/scamper2_valid-complex.jsonl");
    CHECK(b.issues.empty());
    REQUIRE(b.traces.size() == 1);
    const auto& t = b.traces[0];
    CHECK(t.id == "0280ea26207e_1637004208_unsafe_0000000000438AA2");
    CHECK(t.agent == "0280ea26207e");
    CHECK(t.method == "icmp-paris");
    CHECK(t.stop == result::stop_reason::completed);
    REQUIRE_FALSE(t.hops.empty());
    CHECK(t.hops.back().replies.back().from == t.dst);
    for (std::size_t i = 0; i < t.hops.size(); ++i) {
        CHECK(t.hops[i].ttl == i + 1);
    }
    auto one = readers::read_results_file(
        real + "/scamper/m-lab_traceroute-caller/scamper2_valid-simple-json.jsonl");
    CHECK(one.issues.empty());
    REQUIRE(one.traces.size() == 1);
    CHECK(one.traces[0].stop == result::stop_reason::gap_limit);
    CHECK(one.traces[0].agent == "autonode");
    auto lb = readers::read_results_file(
        real + "/scamper/m-lab_traceroute-caller/triggertrace_valid.jsonl");
    CHECK(lb.traces.empty());
    CHECK(lb.error_count() == 0);
    CHECK(lb.issues.size() == 1); // tracelb: noted as unsupported
}

TEST_CASE("scamper malformed files: error with the right line, rest processed") {
    const std::string dir = real + "/scamper/m-lab_traceroute-caller/malformed/";
    struct expect {
        const char* file;
        std::size_t line;
        std::size_t traces; // good traces still read from the same file
    };
    for (auto e : {expect{"scamper2_invalid-cycle-start.jsonl", 2, 1},
                   expect{"scamper2_invalid-cycle-stop.jsonl", 4, 1},
                   expect{"scamper2_invalid-cycle-start-type.jsonl", 2, 0},
                   expect{"scamper2_invalid-cycle-stop-type.jsonl", 4, 0},
                   expect{"scamper2_invalid-last-line.jsonl", 5, 1},
                   expect{"scamper2_invalid-metadata.jsonl", 1, 1},
                   expect{"scamper2_invalid-metadata-uuid.jsonl", 1, 1},
                   expect{"scamper2_invalid-trace.jsonl", 3, 0},
                   expect{"scamper2_invalid-trace-type.jsonl", 3, 0},
                   // An empty fifth line after cycle-stop; the trace before it is kept.
                   expect{"scamper2_invalid-num-lines.jsonl", 5, 1}}) {
        CAPTURE(e.file);
        auto b = readers::read_results_file(dir + e.file);
        REQUIRE(b.error_count() >= 1);
        bool found = false;
        for (const auto& i : b.issues) {
            found = found || (i.line == e.line && !i.unsupported);
            CHECK(i.file == dir + e.file);
        }
        CHECK(found);
        CHECK(b.traces.size() == e.traces);
    }
}

TEST_CASE("scamper2 invalid-trace-links is a valid file (M-Lab's own parser accepts it)") {
    // M-Lab traceroute-caller's parser test lists this file with no expected error: it is a
    // well-formed trace whose hops are merely unusual. It must be read without an issue.
    const std::string file =
        real + "/scamper/m-lab_traceroute-caller/malformed/scamper2_invalid-trace-links.jsonl";
    auto b = readers::read_results_file(file);
    CHECK(b.error_count() == 0);
    REQUIRE(b.traces.size() == 1);
    CHECK(b.traces[0].dst.to_string() == "91.189.88.142");
    CHECK(b.traces[0].hops.size() == 14); // TTL 1, silent 2-13, TTL 14
}

TEST_CASE("IXP datasets load with their dates") {
    asmap::as_map_builder b;
    auto caida = asmap::sources::read_ixp_file(real + "/ixp/caida_ixs_202310.jsonl", b);
    CHECK(caida.error_count == 0);
    CHECK(caida.entries > 1000);
    auto ram = asmap::sources::read_ixp_file(real + "/ixp/ripe-atlas-monitor_ixps.json", b);
    CHECK(ram.error_count == 0);
    CHECK(ram.entries > 200);
    auto m = b.build();
    CHECK(m.datasets()[0].date == "2023-11-01");
    CHECK(m.datasets()[1].date == "2016-01-01");
    // Every loaded IXP LAN resolves to an IXP: pick prefixes from the file itself.
    std::string text;
    std::string err;
    REQUIRE(asmap::read_whole_file(real + "/ixp/ripe-atlas-monitor_ixps.json", text, err));
    auto j = nlohmann::json::parse(text);
    int checked = 0;
    for (auto it = j["Data"].begin(); it != j["Data"].end(); ++it) {
        auto p = ipv4_prefix::parse(it.key());
        if (!p || it.key().find(':') != std::string::npos) {
            continue;
        }
        CHECK(m.lookup(p->network).ixp != 0);
        ++checked;
    }
    CHECK(checked > 200);
}

TEST_CASE("classify CLI on the real Atlas and scamper files") {
    const std::string exe = TUMEN_CONTROLLER_EXE;
    // Campaign generated from the data: the first Atlas destination's /24.
    auto b = readers::read_results_file(real + "/atlas/ripe-atlas-sagan_test_traceroute.ndjson");
    REQUIRE_FALSE(b.traces.empty());
    auto dst = b.traces[0].dst;
    const std::string yaml = "/tmp/tumen-real-cli-" + std::to_string(::getpid()) + ".yaml";
    tumen::test::write_file(yaml, tata_campaign_yaml(dst));
    const std::string base = exe + " classify --quiet-notes --format json --pfx2as " + real +
                             "/pfx2as/routeviews-rv2-20170329-0200.pfx2as.gz --campaign " + yaml +
                             " ";
    auto r = tumen::test::run_command(
        base + real + "/atlas/ripe-atlas-sagan_test_traceroute.ndjson " + real +
        "/scamper/m-lab_traceroute-caller/scamper2_valid-complex.jsonl");
    CAPTURE(r.err);
    CHECK(r.status == 0);
    int tata = 0;
    int verdicts = 0;
    for (const auto& l : r.out_lines()) {
        auto j = nlohmann::json::parse(l);
        if (j["kind"] == "verdict") {
            ++verdicts;
            tata += j["path"] == "tata" ? 1 : 0;
            CHECK((j["path"] == "tata" || j["path"] == "none"));
        }
    }
    CHECK(verdicts == 11); // the sagan traces toward that destination
    CHECK(tata >= 8);
    CHECK(r.err.find("13 traces") == std::string::npos); // 13 Atlas + 1 scamper = 14
    CHECK(r.err.find("14 traces") != std::string::npos);

    auto bad = tumen::test::run_command(base + real +
                                        "/scamper/m-lab_traceroute-caller/malformed/*.jsonl");
    CHECK(bad.status == 1);
    CHECK(bad.err.find("scamper2_invalid-cycle-start.jsonl:2: error") != std::string::npos);
    CHECK(bad.err.find("scamper2_invalid-trace.jsonl:3: error") != std::string::npos);
    std::remove(yaml.c_str());
}
