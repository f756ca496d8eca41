#pragma once
// The packet socket that sends probes straight to the interface (AF_PACKET, SOCK_DGRAM: the
// kernel writes the Ethernet header to the MAC we give), RAII. With PACKET_QDISC_BYPASS a
// probe skips the IP output path, the routing lookup and the queueing discipline, which is
// most of a raw IP socket's cost per packet (bench/probe/send_rate.sh). It also skips
// netfilter's OUTPUT and POSTROUTING hooks: no NAT, no firewall counters on the way out.
#include <array>
#include <cstddef>
#include <cstdint>
#include <linux/if_packet.h>
#include <span>
#include <sys/socket.h>
#include <sys/uio.h>
#include <system_error>

#include "next_hop.hpp"
#include "packet_ring.hpp"
#include "raw_socket.hpp"

namespace tumen::probe::engine {

/// One IPv4 packet and where it goes on the link.
struct link_packet {
    std::span<const std::uint8_t> bytes;
    link_destination to;
};

class packet_socket {
public:
    packet_socket() = default;
    ~packet_socket();
    packet_socket(const packet_socket&) = delete;
    packet_socket& operator=(const packet_socket&) = delete;

    /// socket(AF_PACKET, SOCK_DGRAM, 0) (send only), non-blocking, PACKET_QDISC_BYPASS (best
    /// effort), send buffer `send_buffer_bytes`. Needs CAP_NET_RAW, like the raw socket.
    /// With `tx_ring`, probes go through a transmit ring instead (packet_ring.hpp).
    std::error_code open(int send_buffer_bytes, bool tx_ring = false);
    void close() noexcept;
    bool is_open() const noexcept { return fd_ >= 0 || ring_.is_open(); }

    /// Most packets send_batch() takes at once.
    static constexpr std::size_t max_batch = raw_socket::max_batch;
    /// Sends up to max_batch complete IPv4 packets (checksums written) with one
    /// sendmmsg(2); as raw_socket::send_batch().
    batch_result send_batch(std::span<const link_packet> packets) noexcept;

private:
    int fd_ = -1;
    packet_ring ring_;
    std::array<mmsghdr, max_batch> headers_{};
    std::array<iovec, max_batch> iovecs_{};
    std::array<sockaddr_ll, max_batch> addresses_{};
};

} // namespace tumen::probe::engine
