#pragma once
/// @file
/// Runs rounds of work items on the probe engine: each item of a round starts at a random
/// offset in [0, jitter) (bounded by the round's end) on an Asio timer, items run
/// concurrently (the engine enforces the global pps cap and its window), an item is started
/// at most once per round, and an item whose previous run is still in flight is skipped and
/// counted. Every finished result gets a fresh id and goes to the sink.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <tumen/common/asio.hpp>
#include <tumen/common/campaign.hpp>
#include <tumen/probe/agent/agent_metrics.hpp>
#include <tumen/probe/agent/round_ledger.hpp>
#include <tumen/probe/engine/engine.hpp>

namespace tumen::probe::agent {

/// Receives every finished result: its id, its JSON form and whether it is a traceroute.
using result_sink =
    std::function<void(const std::string& id, const nlohmann::json& result, bool is_trace)>;

/// Sees every finished trace of a round with its work item (the watch probes learn from it).
using trace_observer = std::function<void(const campaign::work_item& w, const result::trace& t)>;

/// The engine requests for one work item (id and campaign set; flow chosen from the target
/// so a target keeps its Paris flow across rounds).
engine::trace_request to_trace_request(const campaign::work_item& w, std::uint16_t max_flows);
/// The ping request for a `ping` work item.
engine::ping_request to_ping_request(const campaign::work_item& w, std::uint16_t max_flows);

/// The scheduler. Single-threaded (the engine's io_context).
class scheduler {
public:
    /// `metrics` may be null.
    scheduler(boost::asio::io_context& io, engine::engine& eng, std::string agent, result_sink sink,
              agent_metrics* metrics);
    ~scheduler();
    scheduler(const scheduler&) = delete;
    scheduler& operator=(const scheduler&) = delete;

    /// Schedules `items` of `campaign`'s round `round`, which ends at `round_end`. Items
    /// already started in this round are not started again.
    void run_round(const std::string& campaign, std::uint64_t round,
                   const std::vector<campaign::work_item>& items,
                   std::chrono::system_clock::time_point round_end);

    /// Calls `observer` for every finished trace, before the sink.
    void observe_traces(trace_observer observer) { observer_ = std::move(observer); }

    /// Asks `paused` before starting each job: while it returns true, due jobs are skipped
    /// (counted in paused_skips()), not queued: their results could not be kept.
    void pause_when(std::function<bool()> paused) { paused_ = std::move(paused); }
    /// Jobs skipped because probing was paused.
    std::uint64_t paused_skips() const noexcept { return paused_skips_; }

    /// Cancels every start not yet due (in-flight jobs continue).
    void stop();
    /// Items waiting for their start time.
    std::size_t waiting() const noexcept { return waiting_; }
    /// Jobs submitted to the engine whose result has not arrived yet.
    std::size_t in_flight() const noexcept { return in_flight_.size(); }
    /// Results delivered to the sink.
    std::uint64_t results() const noexcept { return results_; }

private:
    void start(const campaign::work_item& w);

    boost::asio::io_context& io_;
    engine::engine& engine_;
    std::string agent_;
    result_sink sink_;
    trace_observer observer_;
    agent_metrics* metrics_;
    std::mt19937_64 rng_;
    std::vector<std::unique_ptr<boost::asio::steady_timer>> timers_;
    std::size_t waiting_ = 0;
    std::set<std::string> in_flight_;
    round_ledger ledger_;
    std::uint64_t results_ = 0;
    std::function<bool()> paused_;
    std::uint64_t paused_skips_ = 0;
    std::shared_ptr<bool> alive_;
};

} // namespace tumen::probe::agent
