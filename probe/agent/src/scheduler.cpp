#include <spdlog/spdlog.h>

#include <tumen/common/result_json.hpp>
#include <tumen/probe/agent/result_id.hpp>
#include <tumen/probe/agent/round_plan.hpp>
#include <tumen/probe/agent/scheduler.hpp>

namespace tumen::probe::agent {
namespace asio = boost::asio;

namespace {

std::uint16_t flow_for(const campaign::work_item& w, std::uint16_t max_flows) {
    // FNV-1a of campaign and target prefix: stable across rounds and restarts.
    std::uint32_t h = 2166136261u;
    auto mix = [&h](std::string_view s) {
        for (unsigned char c : s) {
            h = (h ^ c) * 16777619u;
        }
    };
    mix(w.campaign);
    mix(w.target_prefix.to_string());
    return static_cast<std::uint16_t>(h % std::max<std::uint16_t>(max_flows, 1));
}

std::uint8_t clamp8(std::uint32_t v) {
    return static_cast<std::uint8_t>(std::min<std::uint32_t>(v, 255));
}

} // namespace

engine::trace_request to_trace_request(const campaign::work_item& w, std::uint16_t max_flows) {
    engine::trace_request r;
    r.dst = w.address;
    r.dst_name = w.address.to_string();
    r.method = w.how;
    r.dst_port = w.how == campaign::method::tcp_syn ? w.params.tcp_port : w.params.udp_port;
    r.flow = flow_for(w, max_flows);
    r.first_ttl = clamp8(w.params.first_ttl);
    r.max_ttl = clamp8(w.params.max_ttl);
    r.attempts = clamp8(w.params.attempts);
    r.wait = w.params.wait;
    r.gap_limit = clamp8(w.params.gap_limit);
    r.hops_in_flight = clamp8(w.params.hops_in_flight);
    r.campaign = w.campaign;
    r.rate_group = w.campaign; // the campaign's pps, inside the agent's global cap
    r.group_pps = w.params.pps;
    return r;
}

engine::ping_request to_ping_request(const campaign::work_item& w, std::uint16_t max_flows) {
    engine::ping_request r;
    r.dst = w.address;
    r.method = engine::ping_method::icmp;
    r.flow = flow_for(w, max_flows);
    r.count = w.params.attempts;
    r.interval = std::chrono::milliseconds(1000);
    r.wait = w.params.wait;
    r.campaign = w.campaign;
    r.rate_group = w.campaign;
    r.group_pps = w.params.pps;
    return r;
}

scheduler::scheduler(asio::io_context& io, engine::engine& eng, std::string agent, result_sink sink,
                     agent_metrics* metrics)
    : io_(io)
    , engine_(eng)
    , agent_(std::move(agent))
    , sink_(std::move(sink))
    , metrics_(metrics)
    , rng_(std::random_device{}())
    , alive_(std::make_shared<bool>(true)) {}

scheduler::~scheduler() {
    *alive_ = false;
}

void scheduler::run_round(const std::string& campaign, std::uint64_t round,
                          const std::vector<campaign::work_item>& items,
                          std::chrono::system_clock::time_point round_end) {
    const auto now = std::chrono::system_clock::now();
    std::size_t scheduled = 0;
    for (const auto& w : ledger_.admit(campaign, round, items)) {
        const auto offset = start_offset(now, round_end, w.params.jitter, rng_);
        auto timer = std::make_unique<asio::steady_timer>(io_, offset);
        auto* t = timer.get();
        timers_.push_back(std::move(timer));
        ++waiting_;
        ++scheduled;
        t->async_wait([this, w, t, alive = alive_](const boost::system::error_code& ec) {
            if (!*alive) {
                return;
            }
            --waiting_;
            std::erase_if(timers_, [t](const auto& p) { return p.get() == t; });
            if (!ec) {
                start(w);
            }
        });
    }
    spdlog::info("scheduler: campaign {} round {}: {} item(s) scheduled", campaign, round,
                 scheduled);
}

void scheduler::start(const campaign::work_item& w) {
    if (paused_ && paused_()) {
        ++paused_skips_; // logged once per pause by the result hand-off
        return;
    }
    const auto key = work_item_key(w);
    if (!in_flight_.insert(key).second) {
        spdlog::warn("scheduler: {} {} ({}) still running from the previous round; skipped",
                     w.campaign, w.address.to_string(), campaign::to_string(w.how));
        if (metrics_ != nullptr) {
            metrics_->round_skipped();
        }
        return;
    }
    auto id = make_result_id(agent_);
    auto done_common = [this, key, alive = alive_](const std::string& rid, nlohmann::json j,
                                                   bool trace) {
        if (!*alive) {
            return;
        }
        in_flight_.erase(key);
        ++results_;
        if (metrics_ != nullptr) {
            metrics_->result_produced(trace);
        }
        sink_(rid, j, trace);
    };
    if (w.how == campaign::method::ping) {
        auto req = to_ping_request(w, 4096);
        req.id = id;
        engine_.submit_ping(std::move(req), [done_common, id](result::ping p) {
            p.id = id;
            done_common(id, result::to_json(p), false);
        });
    } else {
        auto req = to_trace_request(w, 4096);
        req.id = id;
        engine_.submit_trace(std::move(req),
                             [this, done_common, id, w, alive = alive_](result::trace t) {
                                 t.id = id;
                                 if (*alive && observer_) {
                                     observer_(w, t);
                                 }
                                 done_common(id, result::to_json(t), true);
                             });
    }
}

void scheduler::stop() {
    for (auto& t : timers_) {
        t->cancel();
    }
}

} // namespace tumen::probe::agent
