// The agent's probe metrics mirror the engine's counters, including the replies refused as
// forged (wrong keyed bits) or damaged (wrong ICMP checksum).
#include <string>

#include <doctest/doctest.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

#include <tumen/probe/agent/agent_metrics.hpp>
#include <tumen/probe/engine/engine.hpp>

using namespace tumen::probe;

namespace {

double counter_value(const agent::agent_metrics& m, const std::string& name) {
    for (const auto& family : m.registry()->Collect()) {
        if (family.name == name) {
            REQUIRE(family.metric.size() == 1);
            return family.metric[0].counter.value;
        }
    }
    FAIL("no metric " << name);
    return -1;
}

} // namespace

TEST_CASE("agent metrics: mismatched and bad-checksum replies are counted apart") {
    agent::agent_metrics m{"fra", "test"};
    engine::counters c;
    c.replies_unmatched = 4;
    c.replies_mismatched = 3;
    c.replies_bad_checksum = 2;
    m.update_engine(c);
    CHECK(counter_value(m, "tumen_probe_replies_unmatched_total") == 4);
    CHECK(counter_value(m, "tumen_probe_replies_mismatched_total") == 3);
    CHECK(counter_value(m, "tumen_probe_replies_bad_checksum_total") == 2);
    c.replies_mismatched = 10; // snapshots are cumulative: the delta is added
    m.update_engine(c);
    CHECK(counter_value(m, "tumen_probe_replies_mismatched_total") == 10);
    CHECK(counter_value(m, "tumen_probe_replies_bad_checksum_total") == 2);
    CHECK(counter_value(m, "tumen_probe_replies_unmatched_total") == 4);
}
