// Reply parsing cost: the engine's hand-written codec::decode_reply against libtins 4.0 parsing
// the same reply's outer IPv4 + ICMP headers and RFC 4884 extensions (what libtins can parse of
// it: the quote stays raw bytes). Both run on the same packets, alternating, N pairs; prints
// the median ns per reply of each and their ratio. Usage:
//   tumen-bench-reply-parse FIXTURE_DIR [PAIRS]   (FIXTURE_DIR: tests/fixtures/codec)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <tins/icmp.h>
#include <tins/ip.h>

#include <tumen/probe/codec/reply.hpp>

namespace {

using bytes = std::vector<std::uint8_t>;
using clock_type = std::chrono::steady_clock;

bytes load_hex(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        std::fprintf(stderr, "cannot read %s\n", path.c_str());
        std::exit(1);
    }
    bytes out;
    std::string line, digits;
    while (std::getline(in, line)) {
        line = line.substr(0, line.find('#'));
        for (char c : line) {
            if (std::isxdigit(static_cast<unsigned char>(c)) != 0) {
                digits += c;
                if (digits.size() == 2) {
                    out.push_back(static_cast<std::uint8_t>(std::stoul(digits, nullptr, 16)));
                    digits.clear();
                }
            }
        }
    }
    return out;
}

template <class F>
double ns_per_reply(const std::vector<bytes>& packets, int rounds, F&& parse) {
    std::uint64_t sink = 0;
    const auto t0 = clock_type::now();
    for (int r = 0; r < rounds; ++r) {
        for (const auto& p : packets) {
            sink += parse(p);
        }
    }
    const auto t1 = clock_type::now();
    if (sink == 42) {
        std::puts(""); // keeps the work observable
    }
    return static_cast<double>(
               std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count()) /
           (static_cast<double>(rounds) * static_cast<double>(packets.size()));
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s FIXTURE_DIR [PAIRS]\n", argv[0]);
        return 2;
    }
    const std::string dir = argv[1];
    const int pairs = argc > 2 ? std::max(1, std::atoi(argv[2])) : 9;
    std::vector<bytes> packets;
    for (const char* f :
         {"te_udp.hex", "te_udp_tag.hex", "te_icmp.hex", "unreach_port.hex", "te_mpls1_len.hex",
          "te_mpls3_len.hex", "te_mpls3_compat.hex", "echo_reply.hex"}) {
        packets.push_back(load_hex(dir + "/" + f));
    }
    constexpr int rounds = 20000;
    std::vector<double> codec_ns, tins_ns;
    for (int i = 0; i < pairs; ++i) {
        codec_ns.push_back(ns_per_reply(packets, rounds, [](const bytes& p) {
            const auto d = tumen::probe::codec::decode_reply(p, std::chrono::nanoseconds{1});
            return d ? std::uint64_t{d.value->icmp_type} + d.value->mpls.size() : 0;
        }));
        tins_ns.push_back(ns_per_reply(packets, rounds, [](const bytes& p) -> std::uint64_t {
            try {
                const Tins::IP ip(p.data(), static_cast<std::uint32_t>(p.size()));
                const auto* icmp = ip.find_pdu<Tins::ICMP>();
                return icmp != nullptr
                           ? std::uint64_t{icmp->type()} + icmp->extensions().extensions().size()
                           : 0;
            } catch (const std::exception&) {
                return 0;
            }
        }));
    }
    const double c = median(codec_ns), t = median(tins_ns);
    std::printf("reply parsing, %zu replies x %d rounds, median of %d alternating pairs:\n",
                packets.size(), rounds, pairs);
    std::printf("  codec::decode_reply (outer, quote, extensions, checksums): %.0f ns/reply\n", c);
    std::printf("  libtins IP+ICMP+extensions (no quote fields):              %.0f ns/reply\n", t);
    std::printf("  libtins / codec: %.2fx\n", t / c);
    return 0;
}
