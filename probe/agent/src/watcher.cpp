#include "watcher.hpp"

#include <spdlog/spdlog.h>

#include <tumen/common/result_json.hpp>
#include <tumen/probe/agent/result_id.hpp>

namespace tumen::probe::agent {
namespace asio = boost::asio;
using steady = std::chrono::steady_clock;

/// One watched target.
struct watcher::target {
    explicit target(asio::io_context& io)
        : timer(io) {}
    campaign::work_item item; ///< the work item of the trace learned last (its address)
    watch_state state;
    asio::steady_timer timer;
    bool armed = false;
    bool busy = false; ///< a re-trace or its confirmations are running
    steady::time_point learned{};
};

watcher::watcher(asio::io_context& io, engine::engine& eng, std::string agent, result_sink sink,
                 agent_metrics* metrics)
    : io_(io)
    , engine_(eng)
    , agent_(std::move(agent))
    , sink_(std::move(sink))
    , metrics_(metrics)
    , alive_(std::make_shared<bool>(true)) {}

watcher::~watcher() {
    *alive_ = false;
}

void watcher::stop() {
    stopped_ = true;
    for (auto& [k, tg] : targets_) {
        tg->timer.cancel();
    }
}

void watcher::on_trace(const campaign::work_item& w, const result::trace& t) {
    const key k{w.campaign, w.target_prefix};
    auto it = targets_.find(k);
    if (w.params.watch_interval.count() <= 0 || stopped_) {
        if (it != targets_.end() && !it->second->busy) {
            it->second->timer.cancel();
            targets_.erase(it);
        }
        return;
    }
    if (it == targets_.end()) {
        it = targets_.emplace(k, std::make_unique<target>(io_)).first;
        it->second->item = w;
    }
    auto& tg = *it->second;
    // One method per target is watched: the first one traced (its hops, its flow).
    if (tg.item.how != w.how || tg.busy) {
        return;
    }
    const auto was = tg.state.border();
    const bool same_address = tg.item.address == w.address;
    learn(tg, w, t);
    if (new_border(was, tg.state.border(), same_address) && tg.item.hysteresis > 1) {
        // A round's trace saw the border move before a watch probe did: confirm it at once
        // all the same, rather than waiting K-1 rounds.
        spdlog::info("watch: {} {}: a round's trace shows a new border; confirming at once",
                     k.first, k.second.to_string());
        confirm(tg, tg.item.hysteresis - 1);
    }
}

bool watcher::learn(target& tg, const campaign::work_item& w, const result::trace& t) {
    tg.item = w;
    tg.state.set_attempts(w.params.attempts);
    const bool moved = tg.state.learn(border_of(t, w.target_prefix));
    tg.learned = steady::now();
    arm(tg);
    return moved;
}

void watcher::arm(target& tg) {
    if (tg.armed || stopped_) {
        return;
    }
    tg.armed = true;
    tg.timer.expires_after(tg.item.params.watch_interval);
    const key k{tg.item.campaign, tg.item.target_prefix};
    tg.timer.async_wait([this, k, alive = alive_](const boost::system::error_code& ec) {
        if (*alive && !ec) {
            tick(k);
        }
    });
}

void watcher::tick(const key& k) {
    auto it = targets_.find(k);
    if (it == targets_.end()) {
        return;
    }
    auto& tg = *it->second;
    tg.armed = false;
    // A target no round traced for three intervals left the assignment: forget it.
    if (!tg.busy && steady::now() - tg.learned > 3 * tg.item.params.interval) {
        spdlog::info("watch: {} {} no longer traced; not watched any more", k.first,
                     k.second.to_string());
        targets_.erase(it);
        return;
    }
    if (!tg.busy && !(paused_ && paused_())) {
        if (auto hop = tg.state.next_probe()) {
            probe(tg, *hop);
        }
    }
    arm(tg);
}

void watcher::probe(target& tg, const watched_hop& hop) {
    auto req = to_trace_request(tg.item, 4096);
    req.first_ttl = hop.ttl;
    req.max_ttl = hop.ttl;
    req.attempts = 1;
    req.gap_limit = 1;
    req.hops_in_flight = 1;
    if (metrics_ != nullptr) {
        metrics_->watch_probe();
    }
    const key k{tg.item.campaign, tg.item.target_prefix};
    const std::uint8_t ttl = hop.ttl;
    engine_.submit_trace(std::move(req), [this, k, ttl, alive = alive_](result::trace t) {
        if (!*alive) {
            return;
        }
        auto it = targets_.find(k);
        if (it == targets_.end() || it->second->busy) {
            return;
        }
        std::optional<ipv4_addr> from;
        for (const auto& h : t.hops) {
            for (const auto& r : h.replies) {
                if (h.ttl == ttl && !r.timeout && !from) {
                    from = r.from;
                }
            }
        }
        const auto v = it->second->state.observe(ttl, from);
        if (v != watch_verdict::quiet) {
            alarm(*it->second, v);
        }
    });
}

void watcher::alarm(target& tg, watch_verdict why) {
    if (stopped_) {
        return;
    }
    spdlog::info("watch: {} {}: {} at a border hop; tracing {} at once", tg.item.campaign,
                 tg.item.target_prefix.to_string(),
                 why == watch_verdict::moved ? "another address answered" : "silence",
                 tg.item.address.to_string());
    if (metrics_ != nullptr) {
        metrics_->watch_alarm();
        metrics_->watch_retrace();
    }
    full_trace(tg, false, tg.item.hysteresis > 0 ? tg.item.hysteresis - 1 : 0);
}

void watcher::full_trace(target& tg, bool confirmation, std::uint32_t left) {
    tg.busy = true;
    auto req = to_trace_request(tg.item, 4096);
    const auto id = make_result_id(agent_);
    req.id = id;
    const key k{tg.item.campaign, tg.item.target_prefix};
    engine_.submit_trace(std::move(req),
                         [this, k, id, confirmation, left, alive = alive_](result::trace t) {
                             if (!*alive) {
                                 return;
                             }
                             t.id = id;
                             t.trigger = result::trigger_watch;
                             t.confirmation = confirmation;
                             if (metrics_ != nullptr) {
                                 metrics_->result_produced(true);
                             }
                             sink_(id, result::to_json(t), true);
                             after_full_trace(k, t, confirmation, left);
                         });
}

void watcher::after_full_trace(const key& k, const result::trace& t, bool confirmation,
                               std::uint32_t left) {
    auto it = targets_.find(k);
    if (it == targets_.end()) {
        return;
    }
    auto& tg = *it->second;
    const bool moved = tg.state.learn(border_of(t, tg.item.target_prefix));
    tg.learned = steady::now();
    // The re-trace decides: a new border is confirmed at once, the same one ends the alarm.
    const bool more = confirmation ? left > 0 : moved && left > 0;
    if (!more || stopped_) {
        tg.busy = false;
        arm(tg);
        return;
    }
    confirm(tg, left);
}

void watcher::confirm(target& tg, std::uint32_t left) {
    tg.busy = true;
    const key k{tg.item.campaign, tg.item.target_prefix};
    // Spaced by the wait, not by the interval.
    auto timer = std::make_shared<asio::steady_timer>(io_, tg.item.params.wait);
    timer->async_wait([this, k, left, timer, alive = alive_](const boost::system::error_code&) {
        if (!*alive) {
            return;
        }
        auto found = targets_.find(k);
        if (found == targets_.end()) {
            return;
        }
        if (stopped_) {
            found->second->busy = false;
            return;
        }
        if (metrics_ != nullptr) {
            metrics_->watch_confirmation();
        }
        full_trace(*found->second, true, left - 1);
    });
}

} // namespace tumen::probe::agent
