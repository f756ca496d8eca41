// The agent's probe metrics mirror the engine's counters, including the replies refused as
// forged (wrong keyed bits) or damaged (wrong ICMP checksum), and the capture and recording
// (--pcap-out) counters that tumen-probe prints with --stats.
#include <string>

#include <doctest/doctest.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

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

TEST_CASE("agent metrics: the capture and --pcap-out counters are exported on /metrics") {
    agent::agent_metrics m{"fra", "test"};
    engine::counters c;
    c.packets_captured = 120;
    c.outgoing_captured = 60;
    c.capture_drops = 3;
    c.pcap_recorded = 110;
    c.pcap_dropped = 7;
    c.pcap_write_errors = 1;
    m.update_engine(c);
    c.pcap_dropped = 9; // cumulative snapshots: the delta is added
    c.pcap_write_errors = 1;
    m.update_engine(c);
    // The text a Prometheus scrape of /metrics gets (serve_metrics exposes this registry).
    const std::string text = prometheus::TextSerializer{}.Serialize(m.registry()->Collect());
    for (const char* line :
         {"tumen_probe_capture_packets_total 120", "tumen_probe_capture_outgoing_packets_total 60",
          "tumen_probe_capture_drops_total 3", "tumen_probe_pcap_recorded_total 110",
          "tumen_probe_pcap_dropped_total 9", "tumen_probe_pcap_write_errors_total 1"}) {
        INFO(line);
        CHECK(text.find(std::string{line} + "\n") != std::string::npos);
    }
    CHECK(text.find("# TYPE tumen_probe_pcap_dropped_total counter") != std::string::npos);
}
