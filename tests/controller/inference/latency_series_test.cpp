// Latency series through the classifier on the lab's plan: each trace adds to the series of
// its (agent, target prefix, path); a ping adds to the series of the path the latest trace of
// its (agent, target prefix) observed, "none" before any trace. The classifier finds these
// series through a per-key cache (classifier.hpp, series_slot): the counts must be those of
// latency_accumulator's keys, whatever the order of agents, targets and paths.
#include <doctest/doctest.h>

#include <tumen/common/campaign.hpp>
#include <tumen/controller/asmap/sources/pfx2as.hpp>
#include <tumen/controller/inference/classifier.hpp>

#include "lab_plan.hpp"
#include "trace_builder.hpp"

using namespace tumen;
using namespace tumen::controller;
using namespace tumen::controller::inference;

namespace {

const test::lab_plan& plan() {
    return test::lab();
}

/// A trace from `agent` toward the `target`-th target /24 through China Unicom or TTK.
result::trace trace_via(bool ttk, const std::string& agent, std::size_t target, std::int64_t time) {
    const auto dst = plan().target_addr(target, 1);
    const auto transit = plan().addr_in(ttk ? "LAB_TTK_PREFIX" : "LAB_CU_BACKBONE_PREFIX", 1);
    return test::make_trace(
        plan().vp_addr("fra"), dst,
        {{{plan().acc_addr("fra")}}, {{transit}, 30}, {{dst}, ttk ? 70.0 : 40.0}}, agent, time,
        agent + "-" + std::to_string(target) + "-" + std::to_string(time));
}

result::ping ping_of(const std::string& agent, std::size_t target, double rtt) {
    result::ping p;
    p.agent = agent;
    p.dst = plan().target_addr(target, 1);
    p.sent = 2;
    p.received = 1;
    p.rtts_ms = {rtt, std::nullopt};
    return p;
}

} // namespace

TEST_CASE("latency: traces by path, pings on the latest trace's path") {
    asmap::as_map_builder b;
    REQUIRE(asmap::sources::read_pfx2as_file(plan().pfx2as_path(), b).error_count == 0);
    const auto map = b.build();
    const auto set = plan().schedule();
    classifier cls(set, map, 2);
    const auto t0 = plan().target_24(0);
    const auto t1 = plan().target_24(1);

    // Before any trace: the "none" series.
    CHECK(cls.process(ping_of("fra", 0, 5)));
    for (std::int64_t i = 0; i < 3; ++i) {
        cls.process(trace_via(false, "fra", 0, 10 + i));
        cls.process(trace_via(false, "tyo", 0, 10 + i));
        cls.process(trace_via(true, "fra", 1, 10 + i));
    }
    CHECK(cls.process(ping_of("fra", 0, 41)));
    CHECK(cls.process(ping_of("fra", 1, 71)));
    // fra toward t0 moves to TTK: its next ping goes to the TTK series.
    cls.process(trace_via(true, "fra", 0, 20));
    CHECK(cls.process(ping_of("fra", 0, 72)));
    CHECK(cls.process(ping_of("msk", 1, 9))); // no trace of msk: "none"

    const auto& series = cls.latency().series();
    auto at = [&](const char* agent, ipv4_prefix target, const char* path) {
        auto it = series.find(latency_key{agent, target, path});
        REQUIRE_MESSAGE(it != series.end(), agent, " ", target.to_string(), " ", path);
        return it->second;
    };
    CHECK(series.size() == 6);
    CHECK(at("fra", t0, "none").pings == 1);
    CHECK(at("fra", t0, "none").traces == 0);
    CHECK(at("fra", t0, "china-unicom").traces == 3);
    CHECK(at("fra", t0, "china-unicom").pings == 1);
    CHECK(at("fra", t0, "china-unicom").end_to_end.min == doctest::Approx(40));
    CHECK(at("fra", t0, "china-unicom").end_to_end.max == doctest::Approx(41));
    CHECK(at("fra", t0, "ttk").traces == 1);
    CHECK(at("fra", t0, "ttk").pings == 1);
    CHECK(at("fra", t0, "ttk").end_to_end.last == doctest::Approx(72));
    CHECK(at("fra", t0, "ttk").lost == 1);
    CHECK(at("tyo", t0, "china-unicom").traces == 3);
    CHECK(at("tyo", t0, "china-unicom").pings == 0);
    CHECK(at("fra", t1, "ttk").traces == 3);
    CHECK(at("fra", t1, "ttk").pings == 1);
    CHECK(at("msk", t1, "none").pings == 1);
    auto outside = ping_of("fra", 0, 1);
    outside.dst = *ipv4_addr::parse("192.0.2.1");
    CHECK_FALSE(cls.process(outside)); // in no campaign's targets
    CHECK(series.size() == 6);
}
