// tumen_target_reachable{agent,target}: whether an agent reaches a target prefix.
#include <tumen/controller/metrics/controller_metrics.hpp>

namespace tumen::controller::metrics {

void controller_metrics::set_target_reachable(const std::string& agent, const std::string& target,
                                              bool reachable) {
    std::lock_guard lock(mutex_);
    auto& series = reachable_series_[{agent, target}];
    if (series == nullptr) {
        series = &reachable_.Add({{"agent", agent}, {"target", target}});
    }
    series->Set(reachable ? 1.0 : 0.0);
}

} // namespace tumen::controller::metrics
