#pragma once
/// @file
/// The agent's Prometheus metrics (`/metrics`, prometheus-cpp pull Exposer). Names follow
/// Prometheus conventions: `tumen_probe_*` for probing (mirrored from the engine's
/// counters), `tumen_agent_*` for the daemon (spool, uploads, assignment). See
/// docs/agent.md for the list.
#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace prometheus {
class Exposer;
}

namespace tumen::probe::engine {
struct counters;
}

namespace tumen::probe::agent {

/// Why an upload attempt failed (label `reason` of tumen_agent_upload_errors_total).
enum class upload_error : std::uint8_t {
    network,  ///< connect/resolve/TLS/read/write error
    timeout,  ///< a step exceeded controller.timeout
    server,   ///< HTTP 5xx, 408 or 429
    auth,     ///< HTTP 401/403 (token problem; retried)
    rejected, ///< HTTP 400/413/422 (batch dead-lettered)
    other,    ///< any other HTTP status (retried)
};

/// Every metric of the agent, registered in one registry.
class agent_metrics {
public:
    /// `agent` and `version` become labels of tumen_agent_info.
    agent_metrics(const std::string& agent, const std::string& version);
    ~agent_metrics();
    agent_metrics(const agent_metrics&) = delete;
    agent_metrics& operator=(const agent_metrics&) = delete;

    /// The registry to expose.
    std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

    /// Mirrors an engine counter snapshot (counters only grow; deltas are added).
    void update_engine(const engine::counters& c);

    /// Spool gauges.
    void set_spool(std::uint64_t results, std::uint64_t bytes, std::uint64_t max_bytes);
    void spool_dropped(std::uint64_t n) { spool_dropped_->Increment(static_cast<double>(n)); }
    void spool_write_error() { spool_write_errors_->Increment(); }
    /// tumen_agent_probing_paused: 1 while probing is paused because nothing can be spooled.
    void set_probing_paused(bool paused) { probing_paused_->Set(paused ? 1.0 : 0.0); }
    double probing_paused() const { return probing_paused_->Value(); }
    void spool_quarantined(std::uint64_t n) {
        spool_quarantined_->Increment(static_cast<double>(n));
    }

    /// Upload outcomes.
    void upload_failed(upload_error why);
    void uploaded(std::uint64_t results, double unix_time);
    void dead_lettered(std::uint64_t results) {
        dead_lettered_->Increment(static_cast<double>(results));
    }

    /// Results produced (kind: "trace" or "ping").
    void result_produced(bool trace) { (trace ? results_trace_ : results_ping_)->Increment(); }
    /// Assignment polls (outcome: "changed", "unchanged", "error").
    void assignment_poll(const char* outcome);
    /// Work items currently assigned.
    void set_assignment_items(std::size_t n) { assignment_items_->Set(static_cast<double>(n)); }
    /// Jobs skipped because the previous round of the same item was still running.
    void round_skipped() { rounds_skipped_->Increment(); }

    /// Watch probes (docs/agent.md, "Watch probes"): probes sent, alarms raised, full
    /// re-traces they started, confirmation traces run after a re-trace showed a new border.
    void watch_probe() { watch_probes_->Increment(); }
    void watch_alarm() { watch_alarms_->Increment(); }
    void watch_retrace() { watch_retraces_->Increment(); }
    void watch_confirmation() { watch_confirmations_->Increment(); }
    double watch_probes() const { return watch_probes_->Value(); }
    double watch_retraces() const { return watch_retraces_->Value(); }
    double watch_confirmations() const { return watch_confirmations_->Value(); }

    /// Test access to counts.
    double upload_errors(upload_error why) const;
    double uploaded_results() const { return uploaded_results_->Value(); }
    double dead_lettered_results() const { return dead_lettered_->Value(); }
    double last_upload_success() const { return last_success_->Value(); }

private:
    std::shared_ptr<prometheus::Registry> registry_;
    // tumen_probe_*
    prometheus::Counter* probes_sent_;
    prometheus::Counter* replies_matched_;
    prometheus::Counter* replies_unmatched_;
    prometheus::Counter* replies_mismatched_;
    prometheus::Counter* replies_bad_checksum_;
    prometheus::Counter* replies_late_;
    prometheus::Counter* send_errors_;
    prometheus::Counter* decode_errors_;
    prometheus::Counter* capture_drops_;
    prometheus::Counter* capture_packets_;
    prometheus::Counter* capture_outgoing_;
    prometheus::Counter* pcap_recorded_;
    prometheus::Counter* pcap_dropped_;
    prometheus::Counter* pcap_write_errors_;
    prometheus::Counter* pings_done_;
    std::array<prometheus::Counter*, 7> traces_by_stop_{};
    // tumen_agent_*
    prometheus::Gauge* spool_results_;
    prometheus::Gauge* spool_bytes_;
    prometheus::Gauge* spool_max_bytes_;
    prometheus::Counter* spool_dropped_;
    prometheus::Counter* spool_write_errors_;
    prometheus::Counter* spool_quarantined_;
    prometheus::Gauge* probing_paused_;
    std::array<prometheus::Counter*, 6> upload_errors_{};
    prometheus::Counter* uploaded_results_;
    prometheus::Counter* upload_batches_;
    prometheus::Counter* dead_lettered_;
    prometheus::Gauge* last_success_;
    prometheus::Counter* results_trace_;
    prometheus::Counter* results_ping_;
    prometheus::Family<prometheus::Counter>* assignment_polls_;
    prometheus::Gauge* assignment_items_;
    prometheus::Counter* rounds_skipped_;
    prometheus::Counter* watch_probes_;
    prometheus::Counter* watch_alarms_;
    prometheus::Counter* watch_retraces_;
    prometheus::Counter* watch_confirmations_;
    std::unique_ptr<engine::counters> last_engine_;
};

/// Serves `metrics` on http://<listen>/metrics (`listen` is "addr:port"). Null, after logging
/// why, when it cannot listen.
std::unique_ptr<prometheus::Exposer> serve_metrics(const agent_metrics& metrics,
                                                   const std::string& listen);

} // namespace tumen::probe::agent
