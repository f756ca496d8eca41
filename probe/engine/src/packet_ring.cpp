#include "packet_ring.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "packet_socket.hpp"

namespace tumen::probe::engine {
namespace {

constexpr unsigned frame_bytes = 256; // a probe is at most 60 bytes of IP; TPACKET_ALIGNed
constexpr unsigned block_bytes = 4096;
/// Where a frame's data starts for a socket without PACKET_TX_HAS_OFF (tpacket_snd()).
constexpr std::size_t data_offset = TPACKET_ALIGN(sizeof(tpacket2_hdr));
constexpr std::size_t eth_bytes = 14;

std::error_code last_error() {
    return {errno, std::generic_category()};
}

} // namespace

packet_ring::~packet_ring() {
    close();
}

std::error_code packet_ring::open(unsigned frames) {
    close();
    const int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return last_error();
    }
    fd_ = fd;
    const int version = TPACKET_V2;
    const int on = 1;
    if (::setsockopt(fd_, SOL_PACKET, PACKET_VERSION, &version, sizeof version) != 0 ||
        ::setsockopt(fd_, SOL_PACKET, PACKET_LOSS, &on, sizeof on) != 0) {
        const auto ec = last_error();
        close();
        return ec;
    }
    (void)::setsockopt(fd_, SOL_PACKET, PACKET_QDISC_BYPASS, &on, sizeof on);
    constexpr unsigned per_block = block_bytes / frame_bytes;
    tpacket_req req{};
    req.tp_block_size = block_bytes;
    req.tp_block_nr = std::max(1u, (frames + per_block - 1) / per_block);
    req.tp_frame_size = frame_bytes;
    req.tp_frame_nr = req.tp_block_nr * per_block;
    if (::setsockopt(fd_, SOL_PACKET, PACKET_TX_RING, &req, sizeof req) != 0) {
        const auto ec = last_error();
        close();
        return ec;
    }
    ring_bytes_ = std::size_t{req.tp_block_size} * req.tp_block_nr;
    void* m = ::mmap(nullptr, ring_bytes_, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
    if (m == MAP_FAILED) {
        const auto ec = last_error();
        ring_bytes_ = 0;
        close();
        return ec;
    }
    ring_ = static_cast<std::uint8_t*>(m);
    frame_count_ = req.tp_frame_nr;
    next_ = 0;
    return {};
}

void packet_ring::close() noexcept {
    if (ring_ != nullptr) {
        ::munmap(ring_, ring_bytes_);
        ring_ = nullptr;
        ring_bytes_ = 0;
    }
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

std::optional<std::array<std::uint8_t, 6>> packet_ring::source_mac(int ifindex) noexcept {
    for (const auto& [i, mac] : macs_) {
        if (i == ifindex) {
            return mac;
        }
    }
    ifreq ifr{};
    if (::if_indextoname(static_cast<unsigned>(ifindex), ifr.ifr_name) == nullptr ||
        ::ioctl(fd_, SIOCGIFHWADDR, &ifr) != 0) {
        return std::nullopt;
    }
    std::array<std::uint8_t, 6> mac{};
    std::memcpy(mac.data(), ifr.ifr_hwaddr.sa_data, mac.size());
    macs_.emplace_back(ifindex, mac);
    return mac;
}

batch_result packet_ring::send_batch(std::span<const link_packet> packets) noexcept {
    if (packets.empty()) {
        return {};
    }
    if (kick_error_) {
        // The last send() failed for good (say, the interface went down): this packet is
        // refused with its errno, the frames still requested go with the next send().
        return {0, std::exchange(kick_error_, {})};
    }
    const int ifindex = packets.front().to.ifindex;
    const auto src_mac = source_mac(ifindex);
    if (!src_mac) {
        return {0, last_error()};
    }
    std::size_t queued = 0;
    std::error_code full;
    for (const auto& p : packets) {
        if (p.to.ifindex != ifindex) {
            break;
        }
        std::uint8_t* frame = ring_ + std::size_t{next_} * frame_bytes;
        auto* h = reinterpret_cast<tpacket2_hdr*>(frame);
        // The kernel hands a frame back (TP_STATUS_AVAILABLE) once the driver freed its skb.
        if (__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) != TP_STATUS_AVAILABLE) {
            full = std::make_error_code(std::errc::resource_unavailable_try_again);
            break;
        }
        if (eth_bytes + p.bytes.size() > frame_bytes - data_offset) {
            if (queued == 0) {
                return {0, std::make_error_code(std::errc::message_size)};
            }
            break;
        }
        std::uint8_t* d = frame + data_offset;
        std::memcpy(d, p.to.mac.data(), 6);
        std::memcpy(d + 6, src_mac->data(), 6);
        d[12] = ETH_P_IP >> 8;
        d[13] = ETH_P_IP & 0xff;
        std::memcpy(d + eth_bytes, p.bytes.data(), p.bytes.size());
        h->tp_len = static_cast<std::uint32_t>(eth_bytes + p.bytes.size());
        __atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
        next_ = (next_ + 1) % frame_count_;
        ++queued;
    }
    if (queued > 0) {
        sockaddr_ll a{};
        a.sll_family = AF_PACKET;
        a.sll_protocol = htons(ETH_P_IP);
        a.sll_ifindex = ifindex;
        // Sends every requested frame; a frame the driver refuses is dropped (PACKET_LOSS).
        // EAGAIN/ENOBUFS leave frames requested: the next send() takes them.
        if (::sendto(fd_, nullptr, 0, MSG_DONTWAIT, reinterpret_cast<const sockaddr*>(&a),
                     sizeof a) < 0 &&
            errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS) {
            kick_error_ = last_error();
        }
    }
    return {queued, full};
}

} // namespace tumen::probe::engine
