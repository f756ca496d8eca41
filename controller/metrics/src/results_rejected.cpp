// tumen_results_rejected_total{agent,reason}: results refused one by one (authorization by
// work).
#include <tumen/controller/metrics/controller_metrics.hpp>

namespace tumen::controller::metrics {

void controller_metrics::count_rejected(const std::string& agent, const std::string& reason,
                                        double n) {
    rejected_.Add({{"agent", agent}, {"reason", reason}}).Increment(n);
}

double controller_metrics::rejected(const std::string& agent, const std::string& reason) const {
    return rejected_.Add({{"agent", agent}, {"reason", reason}}).Value();
}

} // namespace tumen::controller::metrics
