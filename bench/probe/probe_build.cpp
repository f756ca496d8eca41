// Cost of building one probe (prints figures; not a test): the flow's template serialised
// with libtins for every probe (codec::build_probe, what building each probe with libtins
// costs) against the template built once and patched per probe (probe_template::fill, what
// the engine does), for each method. Usage: tumen-bench-probe-build [PROBES]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <tumen/probe/codec/probe_builder.hpp>
#include <tumen/probe/codec/probe_template.hpp>

namespace {

using namespace tumen;
using namespace tumen::probe::codec;
using clk = std::chrono::steady_clock;

probe_spec spec_of(method m, long i) {
    probe_spec s;
    s.kind = m;
    s.src = *ipv4_addr::parse("192.0.2.1");
    s.dst = *ipv4_addr::parse("198.51.100.7");
    s.src_port = 24000;
    s.dst_port = m == method::tcp_syn ? 80 : 33435;
    s.ttl = static_cast<std::uint8_t>(1 + i % 30);
    s.ident = static_cast<std::uint16_t>(1 + i % 60000);
    s.ip_id = static_cast<std::uint16_t>(i * 7919);
    s.tag = static_cast<std::uint32_t>(i * 2654435761u);
    return s;
}

} // namespace

int main(int argc, char** argv) {
    const long n = argc > 1 ? std::atol(argv[1]) : 200000;
    if (n <= 0) {
        std::fprintf(stderr, "usage: tumen-bench-probe-build [PROBES]\n");
        return 2;
    }
    std::printf("%-11s %14s %14s %7s\n", "method", "libtins ns", "template ns", "ratio");
    for (const method m : {method::udp_paris, method::udp, method::icmp_paris, method::tcp_syn}) {
        std::vector<std::uint8_t> out;
        unsigned long check = 0;
        // Alternate the two, three rounds each (the machine's speed drifts).
        double per_probe[2] = {1e300, 1e300};
        for (int round = 0; round < 3; ++round) {
            const auto t0 = clk::now();
            for (long i = 0; i < n; ++i) {
                (void)build_probe(spec_of(m, i), out);
                check += out[8];
            }
            const auto t1 = clk::now();
            probe_template t;
            (void)probe_template::make(spec_of(m, 0), t);
            for (long i = 0; i < n; ++i) {
                (void)t.fill(spec_of(m, i), out);
                check += out[8];
            }
            const auto t2 = clk::now();
            per_probe[0] = std::min(per_probe[0], std::chrono::duration<double>(t1 - t0).count());
            per_probe[1] = std::min(per_probe[1], std::chrono::duration<double>(t2 - t1).count());
        }
        const double a = per_probe[0] * 1e9 / static_cast<double>(n);
        const double b = per_probe[1] * 1e9 / static_cast<double>(n);
        std::printf("%-11s %14.0f %14.0f %6.1fx   (check %lu)\n", to_string(m), a, b, a / b,
                    check % 10);
    }
    return 0;
}
