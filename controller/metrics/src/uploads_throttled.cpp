// tumen_uploads_throttled_total{agent}: uploads refused with 429 (over the agent's
// upload_rate).
#include <tumen/controller/metrics/controller_metrics.hpp>

namespace tumen::controller::metrics {

void controller_metrics::count_throttled(const std::string& agent) {
    std::lock_guard lock(mutex_);
    auto& series = throttled_series_[agent];
    if (series == nullptr) {
        series = &throttled_.Add({{"agent", agent}});
    }
    series->Increment();
}

double controller_metrics::throttled(const std::string& agent) const {
    std::lock_guard lock(mutex_);
    auto it = throttled_series_.find(agent);
    return it == throttled_series_.end() ? 0.0 : it->second->Value();
}

} // namespace tumen::controller::metrics
