// tumen_path_changes_total{agent,target,from,to} brought up to a count read from a shared
// store (the exporter replica: docs/deploy.md, "Several controllers on PostgreSQL").
#include <tumen/controller/metrics/controller_metrics.hpp>

namespace tumen::controller::metrics {

void controller_metrics::raise_change_total(const std::string& agent, const std::string& target,
                                            const std::string& from, const std::string& to,
                                            double total) {
    auto& c = changes_.Add({{"agent", agent}, {"target", target}, {"from", from}, {"to", to}});
    const double have = c.Value();
    if (total > have) {
        c.Increment(total - have);
    }
}

} // namespace tumen::controller::metrics
