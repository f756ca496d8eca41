#pragma once
/// @file
/// Watch probes between rounds (docs/agent.md, "Watch probes"): for every target of a
/// campaign with `watch_interval` set, the border hops learned from its last full trace
/// (watch_state.hpp) are probed one per tick, every `watch_interval`, with the trace's
/// method, destination and flow id (Paris: ECMP keeps the path), inside the campaign's pps.
/// An alarm starts a full trace at once; when it shows a new border, the agent runs K-1
/// confirmation traces (K = the work item's hysteresis) spaced by the campaign's `wait`; so
/// does a round's trace that shows a new border before a watch probe saw it.
/// Those traces carry `"trigger":"watch"` (and `"confirmation":true`) and go to the result
/// sink at once (the uploader sends what is spooled without waiting for more).
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include <tumen/common/asio.hpp>
#include <tumen/common/campaign.hpp>
#include <tumen/common/result.hpp>
#include <tumen/probe/agent/agent_metrics.hpp>
#include <tumen/probe/agent/scheduler.hpp>
#include <tumen/probe/agent/watch_state.hpp>
#include <tumen/probe/engine/engine.hpp>

namespace tumen::probe::agent {

/// The watch probes of one agent. Single-threaded (the engine's io_context).
class watcher {
public:
    /// `metrics` may be null.
    watcher(boost::asio::io_context& io, engine::engine& eng, std::string agent, result_sink sink,
            agent_metrics* metrics);
    ~watcher();
    watcher(const watcher&) = delete;
    watcher& operator=(const watcher&) = delete;

    /// A round's full trace of `w` finished: learn its border (or forget the target when the
    /// campaign has no watch_interval).
    void on_trace(const campaign::work_item& w, const result::trace& t);
    /// Stops every watch timer (in-flight probes finish, start nothing new).
    void stop();
    /// Targets watched.
    std::size_t targets() const noexcept { return targets_.size(); }
    /// While `paused` returns true, no watch probe is sent (nothing can be spooled).
    void pause_when(std::function<bool()> paused) { paused_ = std::move(paused); }

private:
    using key = std::pair<std::string, ipv4_prefix>;
    struct target;

    /// True when the border moved.
    bool learn(target& tg, const campaign::work_item& w, const result::trace& t);
    /// Runs `left` confirmation traces, spaced by the wait.
    void confirm(target& tg, std::uint32_t left);
    void arm(target& tg);
    void tick(const key& k);
    void probe(target& tg, const watched_hop& hop);
    void alarm(target& tg, watch_verdict why);
    void full_trace(target& tg, bool confirmation, std::uint32_t left);
    void after_full_trace(const key& k, const result::trace& t, bool confirmation,
                          std::uint32_t left);

    boost::asio::io_context& io_;
    engine::engine& engine_;
    std::string agent_;
    result_sink sink_;
    agent_metrics* metrics_;
    std::map<key, std::unique_ptr<target>> targets_;
    bool stopped_ = false;
    std::function<bool()> paused_;
    std::shared_ptr<bool> alive_;
};

} // namespace tumen::probe::agent
