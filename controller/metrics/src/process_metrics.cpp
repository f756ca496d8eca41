#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

#include <tumen/controller/metrics/process_metrics.hpp>

namespace tumen::controller::metrics {
namespace {

struct proc_stat {
    double utime_ticks = 0;
    double stime_ticks = 0;
    double start_ticks = 0;
    double vsize = 0;
    double rss_pages = 0;
};

/// Parses /proc/self/stat (proc(5)); the command name may contain spaces and parentheses,
/// so fields are counted from the last ')'.
bool read_proc_stat(proc_stat& out) {
    std::ifstream in("/proc/self/stat");
    std::string line;
    if (!std::getline(in, line)) {
        return false;
    }
    auto close = line.rfind(')');
    if (close == std::string::npos) {
        return false;
    }
    std::istringstream fields(line.substr(close + 1));
    std::string f;
    // After ')': field 3 (state) is the first; utime=14, stime=15, starttime=22, vsize=23,
    // rss=24.
    for (int i = 3; i <= 24 && (fields >> f); ++i) {
        try {
            if (i == 14) {
                out.utime_ticks = std::stod(f);
            } else if (i == 15) {
                out.stime_ticks = std::stod(f);
            } else if (i == 22) {
                out.start_ticks = std::stod(f);
            } else if (i == 23) {
                out.vsize = std::stod(f);
            } else if (i == 24) {
                out.rss_pages = std::stod(f);
                return true;
            }
        } catch (...) {
            return false;
        }
    }
    return false;
}

double boot_time_seconds() {
    std::ifstream in("/proc/stat");
    std::string key;
    while (in >> key) {
        if (key == "btime") {
            double v = 0;
            in >> v;
            return v;
        }
        in.ignore(1 << 20, '\n');
    }
    return 0;
}

prometheus::MetricFamily gauge_family(const std::string& name, const std::string& help,
                                      prometheus::MetricType type, double value) {
    prometheus::MetricFamily f;
    f.name = name;
    f.help = help;
    f.type = type;
    prometheus::ClientMetric m;
    if (type == prometheus::MetricType::Counter) {
        m.counter.value = value;
    } else {
        m.gauge.value = value;
    }
    f.metric.push_back(m);
    return f;
}

} // namespace

process_collector::process_collector() {
    proc_stat s;
    const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    if (read_proc_stat(s) && ticks > 0) {
        start_time_seconds_ = boot_time_seconds() + s.start_ticks / ticks;
    }
}

std::vector<prometheus::MetricFamily> process_collector::Collect() const {
    std::vector<prometheus::MetricFamily> out;
    using prometheus::MetricType;
    proc_stat s;
    const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
    if (read_proc_stat(s) && ticks > 0) {
        out.push_back(gauge_family("process_cpu_seconds_total",
                                   "Total user and system CPU time spent in seconds.",
                                   MetricType::Counter, (s.utime_ticks + s.stime_ticks) / ticks));
        out.push_back(gauge_family("process_resident_memory_bytes",
                                   "Resident memory size in bytes.", MetricType::Gauge,
                                   s.rss_pages * page));
        out.push_back(gauge_family("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                                   MetricType::Gauge, s.vsize));
    }
    if (start_time_seconds_ > 0) {
        out.push_back(gauge_family("process_start_time_seconds",
                                   "Start time of the process since unix epoch in seconds.",
                                   MetricType::Gauge, start_time_seconds_));
    }
    std::error_code ec;
    std::size_t fds = 0;
    for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
        ++fds;
    }
    if (!ec) {
        out.push_back(gauge_family("process_open_fds", "Number of open file descriptors.",
                                   MetricType::Gauge, static_cast<double>(fds)));
    }
    return out;
}

} // namespace tumen::controller::metrics
