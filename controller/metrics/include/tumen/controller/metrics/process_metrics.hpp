#pragma once
/// @file
/// Standard Prometheus process metrics read from /proc/self: process_start_time_seconds,
/// process_cpu_seconds_total, process_resident_memory_bytes, process_virtual_memory_bytes,
/// process_open_fds. prometheus-cpp 1.0 does not ship them; this is a Collectable that is
/// serialised together with the registry.
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

namespace tumen::controller::metrics {

/// Collects the process metrics of the calling process at each scrape.
class process_collector final : public prometheus::Collectable {
public:
    process_collector();
    /// Reads /proc/self/stat; metrics whose source cannot be read are left out.
    std::vector<prometheus::MetricFamily> Collect() const override;

private:
    double start_time_seconds_ = 0;
};

} // namespace tumen::controller::metrics
