#include <tumen/probe/engine/send_scheduler.hpp>

namespace tumen::probe::engine {

rate_group* send_scheduler::group_for(const std::string& name, double pps, clock::time_point now) {
    if (name.empty() || pps <= 0) {
        return nullptr;
    }
    auto& g = groups_[name];
    if (!g) {
        g = std::make_unique<rate_group>(pps, now);
    } else if (g->bucket.rate() != pps) {
        g->bucket = token_bucket(pps, std::max(1.0, pps / 100.0), now);
    }
    return g.get();
}

void send_scheduler::clear() {
    for (auto& [name, g] : groups_) {
        g->blocked.clear();
        g->timer_armed = false;
    }
    ready_.clear();
    ready_new_.clear();
    ready_by_ttl_ = {};
}

} // namespace tumen::probe::engine
