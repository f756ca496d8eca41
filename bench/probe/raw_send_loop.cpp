// Baseline for the engine's uncapped send rate: a plain loop of sendto() on a raw IPv4
// socket (IP_HDRINCL), no pacing, no capture, no bookkeeping. Sends COUNT udp-paris probes
// (built once per destination) round-robin to the addresses of PREFIX and prints the rate.
// Usage (inside a lab VP namespace only): raw_send_loop SRC PREFIX COUNT
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

#include <tumen/common/ipv4.hpp>
#include <tumen/probe/codec/probe_builder.hpp>

int main(int argc, char** argv) {
    using namespace tumen;
    if (argc != 4) {
        std::fprintf(stderr, "usage: raw_send_loop SRC PREFIX COUNT\n");
        return 2;
    }
    const auto src = ipv4_addr::parse(argv[1]);
    const auto prefix = ipv4_prefix::parse(argv[2]);
    const long count = std::atol(argv[3]);
    if (!src || !prefix || count <= 0) {
        std::fprintf(stderr, "raw_send_loop: bad arguments\n");
        return 2;
    }
    const int fd = ::socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
    if (fd < 0) {
        std::perror("socket");
        return 1;
    }
    const int on = 1;
    ::setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &on, sizeof on);
    const std::size_t n = std::min<std::uint64_t>(prefix->size(), 4096);
    std::vector<std::vector<std::uint8_t>> packets(n);
    std::vector<sockaddr_in> dsts(n);
    for (std::size_t i = 0; i < n; ++i) {
        probe::codec::probe_spec spec;
        spec.kind = probe::codec::method::udp_paris;
        spec.src = *src;
        spec.dst = prefix->at(i);
        spec.ttl = 8;
        spec.ident = static_cast<std::uint16_t>(i + 1);
        spec.ip_id = static_cast<std::uint16_t>(i + 1);
        if (probe::codec::build_probe(spec, packets[i])) {
            std::fprintf(stderr, "raw_send_loop: build_probe failed\n");
            return 1;
        }
        dsts[i] = sockaddr_in{};
        dsts[i].sin_family = AF_INET;
        dsts[i].sin_addr.s_addr = spec.dst.to_network();
    }
    long sent = 0, errors = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (long k = 0; k < count; ++k) {
        const auto& p = packets[k % n];
        const auto& d = dsts[k % n];
        if (::sendto(fd, p.data(), p.size(), 0, reinterpret_cast<const sockaddr*>(&d), sizeof d) <
            0) {
            ++errors;
        } else {
            ++sent;
        }
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("{\"sent\":%ld,\"errors\":%ld,\"seconds\":%.4f,\"pps\":%.0f}\n", sent, errors, s,
                sent / s);
    ::close(fd);
    return 0;
}
