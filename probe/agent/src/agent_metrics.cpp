#include <prometheus/exposer.h>
#include <spdlog/spdlog.h>

#include <tumen/common/result.hpp>
#include <tumen/probe/agent/agent_metrics.hpp>
#include <tumen/probe/engine/engine.hpp>

namespace tumen::probe::agent {
namespace {

prometheus::Counter& counter(prometheus::Registry& r, const std::string& name,
                             const std::string& help, const prometheus::Labels& labels = {}) {
    return prometheus::BuildCounter().Name(name).Help(help).Register(r).Add(labels);
}

prometheus::Gauge& gauge(prometheus::Registry& r, const std::string& name, const std::string& help,
                         const prometheus::Labels& labels = {}) {
    return prometheus::BuildGauge().Name(name).Help(help).Register(r).Add(labels);
}

constexpr std::array<const char*, 6> upload_error_names{"network", "timeout",  "server",
                                                        "auth",    "rejected", "other"};

} // namespace

agent_metrics::agent_metrics(const std::string& agent, const std::string& version)
    : registry_(std::make_shared<prometheus::Registry>())
    , last_engine_(std::make_unique<engine::counters>()) {
    auto& r = *registry_;
    gauge(r, "tumen_agent_info", "Agent identity (value 1)",
          {{"agent", agent}, {"version", version}})
        .Set(1);
    probes_sent_ = &counter(r, "tumen_probe_probes_sent_total", "Probes sent");
    replies_matched_ =
        &counter(r, "tumen_probe_replies_matched_total", "Replies matched to an outstanding probe");
    replies_unmatched_ = &counter(r, "tumen_probe_replies_unmatched_total",
                                  "Decoded replies that answer no outstanding probe");
    replies_mismatched_ = &counter(r, "tumen_probe_replies_mismatched_total",
                                   "Replies naming an outstanding probe with wrong keyed bits "
                                   "(IP id, tag, TCP sequence): guesses or forgeries, dropped");
    replies_bad_checksum_ = &counter(r, "tumen_probe_replies_bad_checksum_total",
                                     "ICMP replies with a wrong ICMP checksum, dropped");
    replies_late_ = &counter(r, "tumen_probe_replies_late_total",
                             "Replies that arrived after their probe's wait expired");
    send_errors_ = &counter(r, "tumen_probe_send_errors_total", "Probe send failures");
    decode_errors_ = &counter(r, "tumen_probe_decode_errors_total",
                              "Captured packets that could not be decoded");
    capture_drops_ = &counter(r, "tumen_probe_capture_drops_total",
                              "Packets dropped by the kernel capture buffer");
    capture_packets_ = &counter(r, "tumen_probe_capture_packets_total",
                                "Packets the capture filter admitted (replies and our own probes)");
    capture_outgoing_ = &counter(r, "tumen_probe_capture_outgoing_packets_total",
                                 "Our own probes seen leaving by the capture (send timestamps)");
    pcap_recorded_ = &counter(r, "tumen_probe_pcap_recorded_total",
                              "--pcap-out: probes and replies written to the recording");
    pcap_dropped_ = &counter(r, "tumen_probe_pcap_dropped_total",
                             "--pcap-out: packets not recorded (writer queue full, or after a "
                             "write error)");
    pcap_write_errors_ = &counter(r, "tumen_probe_pcap_write_errors_total",
                                  "--pcap-out: failed writes, opens or rotations of the recording");
    pings_done_ = &counter(r, "tumen_probe_pings_total", "Ping series finished");
    auto& traces = prometheus::BuildCounter()
                       .Name("tumen_probe_traces_total")
                       .Help("Traceroutes finished, by stop reason")
                       .Register(r);
    for (std::size_t i = 0; i < traces_by_stop_.size(); ++i) {
        traces_by_stop_[i] =
            &traces.Add({{"stop_reason", result::to_string(static_cast<result::stop_reason>(i))}});
    }

    spool_results_ =
        &gauge(r, "tumen_agent_spool_results", "Results in the spool, not yet acknowledged");
    spool_bytes_ = &gauge(r, "tumen_agent_spool_bytes", "Bytes of results in the spool");
    spool_max_bytes_ = &gauge(r, "tumen_agent_spool_max_bytes", "Spool size cap in bytes");
    spool_dropped_ = &counter(r, "tumen_agent_spool_dropped_total",
                              "Results dropped (oldest first) because the spool was full");
    spool_write_errors_ = &counter(r, "tumen_agent_spool_write_errors_total",
                                   "Results that could not be written to the spool");
    spool_quarantined_ = &counter(r, "tumen_agent_spool_quarantined_files_total",
                                  "Corrupt spool files renamed aside at start-up");
    probing_paused_ = &gauge(r, "tumen_agent_probing_paused",
                             "1 while probing is paused because nothing can be spooled (disk "
                             "full, or the spool near its cap)");
    auto& errors = prometheus::BuildCounter()
                       .Name("tumen_agent_upload_errors_total")
                       .Help("Failed upload attempts, by reason")
                       .Register(r);
    for (std::size_t i = 0; i < upload_errors_.size(); ++i) {
        upload_errors_[i] = &errors.Add({{"reason", upload_error_names[i]}});
    }
    uploaded_results_ =
        &counter(r, "tumen_agent_uploaded_results_total", "Results acknowledged by the controller");
    upload_batches_ =
        &counter(r, "tumen_agent_upload_batches_total", "Batches acknowledged by the controller");
    dead_lettered_ =
        &counter(r, "tumen_agent_dead_lettered_results_total",
                 "Results rejected by the controller and moved to the dead-letter file");
    last_success_ = &gauge(r, "tumen_agent_last_upload_success_timestamp_seconds",
                           "Unix time of the last successful upload");
    auto& produced = prometheus::BuildCounter()
                         .Name("tumen_agent_results_total")
                         .Help("Results produced, by type")
                         .Register(r);
    results_trace_ = &produced.Add({{"type", "traceroute"}});
    results_ping_ = &produced.Add({{"type", "ping"}});
    assignment_polls_ = &prometheus::BuildCounter()
                             .Name("tumen_agent_assignment_polls_total")
                             .Help("Assignment polls, by outcome")
                             .Register(r);
    assignment_items_ = &gauge(r, "tumen_agent_assignment_items", "Work items currently assigned");
    rounds_skipped_ = &counter(r, "tumen_agent_rounds_skipped_total",
                               "Rounds skipped because the previous one was still running");
    watch_probes_ = &counter(r, "tumen_agent_watch_probes_total",
                             "Watch probes sent to border hops between rounds");
    watch_alarms_ = &counter(r, "tumen_agent_watch_alarms_total",
                             "Watch probes that saw another address or silence at a border hop");
    watch_retraces_ = &counter(r, "tumen_agent_watch_retraces_total",
                               "Full traces started at once by a watch alarm");
    watch_confirmations_ =
        &counter(r, "tumen_agent_watch_confirmations_total",
                 "Confirmation traces run after a watch re-trace showed a new border");
}

agent_metrics::~agent_metrics() = default;

void agent_metrics::update_engine(const engine::counters& c) {
    auto& p = *last_engine_;
    auto add = [](prometheus::Counter* m, std::uint64_t now, std::uint64_t before) {
        if (now > before) {
            m->Increment(static_cast<double>(now - before));
        }
    };
    add(probes_sent_, c.probes_sent, p.probes_sent);
    add(replies_matched_, c.replies_matched, p.replies_matched);
    add(replies_unmatched_, c.replies_unmatched, p.replies_unmatched);
    add(replies_mismatched_, c.replies_mismatched, p.replies_mismatched);
    add(replies_bad_checksum_, c.replies_bad_checksum, p.replies_bad_checksum);
    add(replies_late_, c.replies_late, p.replies_late);
    add(send_errors_, c.send_errors, p.send_errors);
    add(decode_errors_, c.decode_errors, p.decode_errors);
    add(capture_drops_, c.capture_drops, p.capture_drops);
    add(capture_packets_, c.packets_captured, p.packets_captured);
    add(capture_outgoing_, c.outgoing_captured, p.outgoing_captured);
    add(pcap_recorded_, c.pcap_recorded, p.pcap_recorded);
    add(pcap_dropped_, c.pcap_dropped, p.pcap_dropped);
    add(pcap_write_errors_, c.pcap_write_errors, p.pcap_write_errors);
    add(pings_done_, c.pings_done, p.pings_done);
    for (std::size_t i = 0; i < traces_by_stop_.size(); ++i) {
        add(traces_by_stop_[i], c.traces_by_stop[i], p.traces_by_stop[i]);
    }
    p = c;
}

void agent_metrics::set_spool(std::uint64_t results, std::uint64_t bytes, std::uint64_t max_bytes) {
    spool_results_->Set(static_cast<double>(results));
    spool_bytes_->Set(static_cast<double>(bytes));
    spool_max_bytes_->Set(static_cast<double>(max_bytes));
}

void agent_metrics::upload_failed(upload_error why) {
    upload_errors_[static_cast<std::size_t>(why)]->Increment();
}

double agent_metrics::upload_errors(upload_error why) const {
    return upload_errors_[static_cast<std::size_t>(why)]->Value();
}

void agent_metrics::uploaded(std::uint64_t results, double unix_time) {
    uploaded_results_->Increment(static_cast<double>(results));
    upload_batches_->Increment();
    last_success_->Set(unix_time);
}

void agent_metrics::assignment_poll(const char* outcome) {
    assignment_polls_->Add({{"outcome", outcome}}).Increment();
}

std::unique_ptr<prometheus::Exposer> serve_metrics(const agent_metrics& metrics,
                                                   const std::string& listen) {
    try {
        auto exposer = std::make_unique<prometheus::Exposer>(listen);
        exposer->RegisterCollectable(metrics.registry());
        spdlog::info("metrics on http://{}/metrics", listen);
        return exposer;
    } catch (const std::exception& e) {
        spdlog::error("cannot listen for metrics on {}: {}", listen, e.what());
        return nullptr;
    }
}

} // namespace tumen::probe::agent
