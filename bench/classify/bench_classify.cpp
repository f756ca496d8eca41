// bench_classify: figures for the controller core.
//   - pfx2as load time and lookups/s on the full RouteViews 2017 table;
//   - offline classification throughput (synthetic 15-hop lab-like traces, in memory);
//   - heap memory per tracked (agent, target prefix).
// Usage: bench_classify [PFX2AS_FILE] [TRACES]
// Prints measured figures; nothing here asserts anything.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <malloc.h>
#include <random>
#include <string>
#include <vector>

#include <tumen/common/campaign.hpp>
#include <tumen/controller/asmap/loader.hpp>
#include <tumen/controller/inference/classifier.hpp>

#include "lab_plan.hpp"

using namespace tumen;
using namespace tumen::controller;
using clock_type = std::chrono::steady_clock;

namespace {

double seconds_since(clock_type::time_point t0) {
    return std::chrono::duration<double>(clock_type::now() - t0).count();
}

/// CPU time of this process: on a shared, loaded machine wall time also counts the time other
/// processes held the cores, so both are printed.
double cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

std::size_t heap_in_use() {
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

/// The lab's prefixes the synthetic traces are numbered from (tests/lib/lab_plan.hpp reads them
/// from deploy/lab/lab.env).
struct lab_prefixes {
    std::vector<std::string> vps;     ///< the vantage points, "fra tyo msk"
    std::vector<ipv4_prefix> vp;      ///< each VP's hosting prefix
    std::vector<ipv4_addr> vp_addr;   ///< each VP's address
    ipv4_prefix cu, cu_backbone, ttk; ///< the transits' prefixes
    ipv4_prefix target;               ///< the target /22
    explicit lab_prefixes(const test::lab_plan& plan)
        : vps(plan.words("LAB_VPS"))
        , cu(plan.prefix("LAB_CU_PREFIX"))
        , cu_backbone(plan.prefix("LAB_CU_BACKBONE_PREFIX"))
        , ttk(plan.prefix("LAB_TTK_PREFIX"))
        , target(plan.prefix("LAB_TARGET_PREFIX")) {
        for (const auto& name : vps) {
            vp.push_back(plan.prefix("LAB_VP_PREFIX_" + name));
            vp_addr.push_back(plan.vp_addr(name));
        }
    }
};

/// A 15-hop lab-like trace: 3 hops in the VP's network, 8 transit hops (CU or TTK, some silent,
/// ECMP at one hop), 3 hops in the target, 3 replies per hop.
result::trace synth(const lab_prefixes& lab, std::mt19937& rng, int agent, int target, bool ttk,
                    std::int64_t time) {
    const auto vp = static_cast<std::size_t>(agent);
    const auto target_24 = static_cast<std::uint64_t>(target) * 256;
    result::trace t;
    t.agent = lab.vps.at(vp);
    t.src = lab.vp_addr.at(vp);
    t.dst = lab.target.at(target_24 + 1 + rng() % 250);
    t.id = t.agent + "-" + std::to_string(time) + "-" + std::to_string(target);
    t.proto = "UDP";
    t.method = "udp-paris";
    t.timestamp = time;
    for (int ttl = 1; ttl <= 15; ++ttl) {
        result::hop h;
        h.ttl = static_cast<std::uint8_t>(ttl);
        ipv4_addr from;
        if (ttl <= 3) {
            from = lab.vp.at(vp).at(static_cast<std::uint64_t>(ttl));
        } else if (ttl <= 11) {
            const ipv4_prefix& transit = ttk ? lab.ttk : (ttl % 2 == 0 ? lab.cu : lab.cu_backbone);
            from = transit.at(static_cast<std::uint64_t>(ttl % 4) * 256 +
                              static_cast<std::uint64_t>(ttl) + rng() % 2);
        } else if (ttl < 15) {
            from = lab.target.at(target_24 + 250 + static_cast<std::uint64_t>(ttl % 4));
        } else {
            from = t.dst;
        }
        const bool silent = ttl == 6 || (ttl == 9 && rng() % 4 == 0);
        for (int a = 0; a < 3; ++a) {
            result::hop_reply r;
            if (silent || rng() % 50 == 0) {
                r.timeout = true;
            } else {
                r.from = from;
                r.rtt_ms = ttl * (ttk ? 5.0 : 3.0) + (rng() % 100) / 100.0;
                r.icmp_type = ttl == 15 ? 3 : 11;
                r.icmp_code = ttl == 15 ? 3 : 0;
                r.ttl = static_cast<std::uint8_t>(64 - ttl);
            }
            h.replies.push_back(r);
        }
        t.hops.push_back(std::move(h));
    }
    return t;
}

} // namespace

int main(int argc, char** argv) {
    const std::string pfx2as =
        argc > 1 ? argv[1]
                 : TUMEN_SOURCE_DIR
            "/../shared/data/real/pfx2as/routeviews-rv2-20170329-0200.pfx2as.gz";
    const std::size_t n_traces = argc > 2 ? std::stoul(argv[2]) : 300000;

    // 1. Load the full table, then the lab's address plan (deploy/lab/pfx2as.txt) on top.
    const test::lab_plan& plan = test::lab();
    const lab_prefixes lab(plan);
    const asmap::as_map_sources files{{pfx2as, plan.pfx2as_path()}, {}, {}, {}};
    auto t0 = clock_type::now();
    double c0 = cpu_seconds();
    asmap::load_report r;
    asmap::as_map map;
    try {
        map = asmap::load_as_map(
            files, [&](const std::string& path, const char*, const asmap::load_report& report) {
                if (path == pfx2as) {
                    r = report;
                }
            });
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_classify: %s\n", e.what());
        return 1;
    }
    const double load_s = seconds_since(t0);
    const double load_cpu = cpu_seconds() - c0;
    std::printf("pfx2as: %s\n  %zu prefixes (%zu bad lines) -> %zu ranges, %.1f MiB; load+build "
                "%.3f s wall, %.3f s CPU\n",
                pfx2as.c_str(), r.entries, r.error_count, map.range_count(),
                static_cast<double>(map.memory_bytes()) / (1 << 20), load_s, load_cpu);

    // 2. Lookups on random addresses.
    std::mt19937 rng(42);
    std::vector<ipv4_addr> addrs(1 << 20);
    for (auto& a : addrs) {
        a = ipv4_addr{static_cast<std::uint32_t>(rng())};
    }
    std::uint64_t sink = 0;
    const int rounds = 10;
    t0 = clock_type::now();
    c0 = cpu_seconds();
    for (int k = 0; k < rounds; ++k) {
        for (auto a : addrs) {
            sink += map.lookup(a).asn;
        }
    }
    const double lookup_s = seconds_since(t0);
    const double lookup_cpu = cpu_seconds() - c0;
    const double lookups = static_cast<double>(addrs.size()) * rounds;
    std::printf("lookups: %.0f random addresses: %.3f s wall = %.1f M/s; %.3f s CPU = %.1f M/s "
                "(%.0f ns CPU each) [sink %llu]\n",
                lookups, lookup_s, lookups / lookup_s / 1e6, lookup_cpu, lookups / lookup_cpu / 1e6,
                lookup_cpu / lookups * 1e9, static_cast<unsigned long long>(sink % 10));

    // 3. Offline classification throughput.
    // The lab campaign (schedules/lab.yaml): its targets and classes.
    auto campaigns = plan.schedule();
    std::vector<result::trace> traces;
    traces.reserve(n_traces);
    for (std::size_t i = 0; i < n_traces; ++i) {
        const int agent = static_cast<int>(i % 3);
        const int target = static_cast<int>((i / 3) % 4);
        const std::int64_t time = 1506816000 + static_cast<std::int64_t>(i / 12) * 10;
        const bool ttk = target > 0 && i > n_traces / 2; // 1 Oct 2017: three /24s flip
        traces.push_back(synth(lab, rng, agent, target, ttk, time));
    }
    inference::classifier cls(campaigns, map);
    std::size_t changes = 0;
    std::size_t by_path[3] = {0, 0, 0};
    t0 = clock_type::now();
    c0 = cpu_seconds();
    for (const auto& t : traces) {
        auto out = cls.process(t);
        if (out.change) {
            ++changes;
        }
        if (out.verdict) {
            const auto& p = out.verdict->verdict.path;
            ++by_path[p == "china-unicom" ? 0 : p == "ttk" ? 1 : 2];
        }
    }
    const double cls_s = seconds_since(t0);
    const double cls_cpu = cpu_seconds() - c0;
    std::printf("classify: %zu synthetic 15-hop traces: %.3f s wall = %.0f traces/s; %.3f s CPU = "
                "%.0f traces/s "
                "(china-unicom %zu, ttk %zu, other %zu; %zu changes)\n",
                traces.size(), cls_s, static_cast<double>(traces.size()) / cls_s, cls_cpu,
                static_cast<double>(traces.size()) / cls_cpu, by_path[0], by_path[1], by_path[2],
                changes);

    // 4. Memory per tracked (agent, target): many distinct agents, one trace each after warm-up.
    {
        const std::size_t n_keys = 100000;
        std::vector<result::trace> one;
        one.reserve(n_keys);
        for (std::size_t i = 0; i < n_keys; ++i) {
            auto t = synth(lab, rng, 0, static_cast<int>(i % 4), false, 1);
            t.agent = "agent-" + std::to_string(i);
            t.id = "id-" + std::to_string(i);
            one.push_back(std::move(t));
        }
        inference::classifier fresh(campaigns, map);
        malloc_trim(0);
        const std::size_t before = heap_in_use();
        for (const auto& t : one) {
            fresh.process(t);
        }
        const std::size_t after = heap_in_use();
        std::printf("memory: %zu tracked (agent, target) series: %.0f bytes each "
                    "(tracker state + latency series, heap in use)\n",
                    fresh.trackers().size(),
                    static_cast<double>(after - before) /
                        static_cast<double>(fresh.trackers().size()));
    }
    return 0;
}
