// Cost of writing one result as a JSON line (prints figures; not a test): nlohmann's tree
// (result::to_json(t).dump(), the reference) against result::to_json_text(t), which writes
// the same bytes without the tree and which `tumen-probe trace|ping --format json` uses
// (common/src/result_json_text.cpp says why it is kept beside to_json). The two alternate,
// three rounds each (the machine's speed drifts); the best round of each is printed.
// Usage: tumen-bench-result-json [RESULTS]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <tumen/common/result.hpp>
#include <tumen/common/result_json.hpp>

namespace {

using namespace tumen;
using clk = std::chrono::steady_clock;

/// A 15-hop udp-paris trace like the /22 benchmark's, three replies a hop, one hop silent.
result::trace sample_trace() {
    result::trace t;
    t.id = "fra-1700000000-000042";
    t.agent = "fra";
    t.campaign = "border";
    t.dst = *ipv4_addr::parse("198.51.100.7");
    t.src = *ipv4_addr::parse("192.0.2.1");
    t.proto = "UDP";
    t.method = "udp-paris";
    t.paris_id = 7;
    t.timestamp = 1700000000;
    t.endtime = 1700000002;
    t.stop = result::stop_reason::completed;
    for (std::uint8_t ttl = 1; ttl <= 15; ++ttl) {
        result::hop h;
        h.ttl = ttl;
        for (int a = 0; a < 3; ++a) {
            result::hop_reply r;
            if (ttl == 6) {
                r.timeout = true;
            } else {
                r.from = *ipv4_addr::parse("198.18." + std::to_string(ttl) + ".1");
                r.rtt_ms = 0.731 * ttl + 0.017 * a;
                r.size = 56;
                r.ttl = static_cast<std::uint8_t>(255 - ttl);
                r.icmp_type = ttl == 15 ? 3 : 11;
                r.icmp_code = ttl == 15 ? 3 : 0;
                r.quoted_ttl = 1;
            }
            h.replies.push_back(r);
        }
        t.hops.push_back(std::move(h));
    }
    return t;
}

} // namespace

int main(int argc, char** argv) {
    const long n = argc > 1 ? std::atol(argv[1]) : 20000;
    if (n <= 0) {
        std::fprintf(stderr, "usage: tumen-bench-result-json [RESULTS]\n");
        return 2;
    }
    const result::trace t = sample_trace();
    if (result::to_json(t).dump() != result::to_json_text(t)) {
        std::fprintf(stderr, "tumen-bench-result-json: the two writers disagree\n");
        return 1;
    }
    double best[2] = {1e300, 1e300};
    std::size_t bytes = 0;
    for (int round = 0; round < 3; ++round) {
        const auto t0 = clk::now();
        for (long i = 0; i < n; ++i) {
            bytes += result::to_json(t).dump().size();
        }
        const auto t1 = clk::now();
        for (long i = 0; i < n; ++i) {
            bytes += result::to_json_text(t).size();
        }
        const auto t2 = clk::now();
        best[0] = std::min(best[0], std::chrono::duration<double>(t1 - t0).count());
        best[1] = std::min(best[1], std::chrono::duration<double>(t2 - t1).count());
    }
    const double tree = best[0] * 1e6 / static_cast<double>(n);
    const double text = best[1] * 1e6 / static_cast<double>(n);
    std::printf("15-hop trace, %zu bytes of JSON: to_json().dump() %.2f us, to_json_text() %.2f us "
                "(%.1fx less)   (check %zu)\n",
                result::to_json_text(t).size(), tree, text, tree / text, bytes % 10);
    return 0;
}
