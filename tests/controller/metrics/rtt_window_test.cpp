// The windowed RTT summaries (tumen_rtt_window_seconds, tumen_border_rtt_window_seconds): the
// median they report against a brute-force median of the same random samples, one series per
// path, and the per-path loss gauge.
#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <tumen/controller/metrics/controller_metrics.hpp>

using tumen::controller::metrics::controller_metrics;
using tumen::controller::metrics::rtt_window_rank_error;

namespace {

/// The value of quantile `q` of summary `family` for the series with label path=`path`.
double summary_quantile(controller_metrics& m, const std::string& family, const std::string& path,
                        double q) {
    for (const auto& f : m.registry().Collect()) {
        if (f.name != family) {
            continue;
        }
        for (const auto& metric : f.metric) {
            const bool match = std::any_of(metric.label.begin(), metric.label.end(), [&](auto& l) {
                return l.name == "path" && l.value == path;
            });
            if (!match) {
                continue;
            }
            for (const auto& quantile : metric.summary.quantile) {
                if (quantile.quantile == q) {
                    return quantile.value;
                }
            }
        }
    }
    FAIL("no quantile ", q, " in ", family, "{path=", path, "}");
    return 0;
}

/// Brute force: the sample at rank `rank` (clamped) of the sorted samples.
double at_rank(const std::vector<double>& sorted, double rank) {
    const auto n = static_cast<double>(sorted.size());
    const auto i = static_cast<std::size_t>(std::clamp(rank, 0.0, n - 1));
    return sorted[i];
}

struct sample_case {
    const char* name;
    std::size_t count;
    double base_ms;   ///< the delay line
    double jitter_ms; ///< exponential scheduling delay on top (mean)
    double spread_ms; ///< uniform spread
};

} // namespace

TEST_CASE("the windowed median matches a brute-force median of random samples") {
    const sample_case cases[] = {
        {"20 traces on a 40 ms line", 20, 40.1, 0.3, 0.0},
        {"200 pings on a 70 ms line with jitter", 200, 70.0, 1.5, 0.0},
        {"1000 uniform 10..90 ms", 1000, 10.0, 0.0, 80.0},
        {"5000 heavy-tailed around 40 ms", 5000, 40.0, 8.0, 2.0},
        {"1 sample", 1, 40.1, 0.0, 0.0},
    };
    std::mt19937_64 rng(11);
    for (const auto& c : cases) {
        CAPTURE(c.name);
        controller_metrics m;
        std::exponential_distribution<double> jitter(c.jitter_ms > 0 ? 1.0 / c.jitter_ms : 1.0);
        std::uniform_real_distribution<double> spread(0.0, c.spread_ms);
        std::vector<double> samples;
        for (std::size_t i = 0; i < c.count; ++i) {
            double ms = c.base_ms + (c.jitter_ms > 0 ? jitter(rng) : 0.0) +
                        (c.spread_ms > 0 ? spread(rng) : 0.0);
            samples.push_back(ms / 1000.0);
            m.observe_rtt("fra", "198.19.177.0/24", "china-unicom", ms / 1000.0);
            m.observe_border_rtt("fra", "198.19.177.0/24", "china-unicom", ms / 2000.0);
        }
        std::sort(samples.begin(), samples.end());
        const double n = static_cast<double>(samples.size());
        const double exact =
            samples.size() % 2 == 1
                ? samples[samples.size() / 2]
                : (samples[samples.size() / 2 - 1] + samples[samples.size() / 2]) / 2;
        const double median = summary_quantile(m, "tumen_rtt_window_seconds", "china-unicom", 0.5);
        // CKMS guarantee: the rank of the reported value is within rank_error * n of n / 2.
        const double lo = at_rank(samples, std::floor((0.5 - rtt_window_rank_error) * n) - 1);
        const double hi = at_rank(samples, std::ceil((0.5 + rtt_window_rank_error) * n));
        CHECK(median >= lo);
        CHECK(median <= hi);
        // And within 2 % of the exact median, the accuracy the controller promises.
        CHECK(std::abs(median - exact) <= 0.02 * exact);
        const double border =
            summary_quantile(m, "tumen_border_rtt_window_seconds", "china-unicom", 0.5);
        CHECK(std::abs(border - exact / 2) <= 0.02 * exact / 2);
    }
}

TEST_CASE("each path has its own RTT window") {
    controller_metrics m;
    for (int i = 0; i < 50; ++i) {
        m.observe_rtt("msk", "198.19.177.0/24", "china-unicom", 0.040 + i * 1e-5);
        m.observe_rtt("msk", "198.19.177.0/24", "ttk", 0.070 + i * 1e-5);
    }
    CHECK(summary_quantile(m, "tumen_rtt_window_seconds", "china-unicom", 0.5) < 0.041);
    CHECK(summary_quantile(m, "tumen_rtt_window_seconds", "ttk", 0.5) > 0.069);
    const std::string text = m.render();
    CHECK(
        text.find(
            R"(tumen_rtt_window_seconds{agent="msk",path="ttk",target="198.19.177.0/24",quantile="0.5"})") !=
        std::string::npos);
}

TEST_CASE("loss is kept per path next to the last-ping loss") {
    controller_metrics m;
    m.set_loss("msk", "198.19.177.0/24", 0.25);
    m.set_path_loss("msk", "198.19.177.0/24", "ttk", 0.25);
    m.set_path_loss("msk", "198.19.177.0/24", "china-unicom", 0.0);
    const std::string text = m.render();
    CHECK(text.find(R"(tumen_loss_ratio{agent="msk",target="198.19.177.0/24"} 0.25)") !=
          std::string::npos);
    CHECK(text.find(
              R"(tumen_path_loss_ratio{agent="msk",path="ttk",target="198.19.177.0/24"} 0.25)") !=
          std::string::npos);
    CHECK(
        text.find(
            R"(tumen_path_loss_ratio{agent="msk",path="china-unicom",target="198.19.177.0/24"} 0)") !=
        std::string::npos);
}
