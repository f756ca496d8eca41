#pragma once
// The packet socket's transmit ring (PACKET_TX_RING, TPACKET_V2), RAII: probes are written
// with their Ethernet header into frames of a ring the kernel maps too, and one send() hands
// the kernel every frame written since the last (it copies nothing from user space, the
// frames' pages go to the driver). With PACKET_QDISC_BYPASS, as the packet socket.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <system_error>
#include <utility>
#include <vector>

#include "next_hop.hpp"
#include "raw_socket.hpp"

namespace tumen::probe::engine {

struct link_packet;

/// A send-only AF_PACKET socket with a transmit ring.
class packet_ring {
public:
    packet_ring() = default;
    ~packet_ring();
    packet_ring(const packet_ring&) = delete;
    packet_ring& operator=(const packet_ring&) = delete;

    /// socket(AF_PACKET, SOCK_RAW, 0), TPACKET_V2, PACKET_QDISC_BYPASS, PACKET_LOSS (a frame
    /// the driver refuses is dropped, not sent again) and a ring of `frames` 256-byte frames.
    std::error_code open(unsigned frames);
    void close() noexcept;
    bool is_open() const noexcept { return fd_ >= 0; }

    /// Writes the packets that leave by the first one's interface into free frames (with
    /// our interface's and the next hop's Ethernet addresses) and sends them with one
    /// send(); as raw_socket::send_batch(): `sent` counts the packets handed to the kernel,
    /// EAGAIN when the ring has no free frame for the next one.
    batch_result send_batch(std::span<const link_packet> packets) noexcept;

private:
    /// Our Ethernet address on `ifindex` (SIOCGIFHWADDR), looked up once.
    std::optional<std::array<std::uint8_t, 6>> source_mac(int ifindex) noexcept;

    int fd_ = -1;
    std::uint8_t* ring_ = nullptr;
    std::size_t ring_bytes_ = 0;
    unsigned frame_count_ = 0;
    unsigned next_ = 0;          ///< the frame the next packet goes into
    std::error_code kick_error_; ///< the last send()'s failure, reported by the next call
    std::vector<std::pair<int, std::array<std::uint8_t, 6>>> macs_;
};

} // namespace tumen::probe::engine
