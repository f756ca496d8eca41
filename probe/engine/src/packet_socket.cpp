#include "packet_socket.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <net/ethernet.h>
#include <unistd.h>

namespace tumen::probe::engine {

packet_socket::~packet_socket() {
    close();
}

std::error_code packet_socket::open(int send_buffer_bytes, bool tx_ring) {
    close();
    if (tx_ring) {
        return ring_.open(1024);
    }
    // Protocol 0: the socket only sends (each packet names ETH_P_IP in its address), so the
    // kernel hands it no received frames.
    const int fd = ::socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return {errno, std::generic_category()};
    }
    fd_ = fd;
    const int on = 1;
    (void)::setsockopt(fd_, SOL_PACKET, PACKET_QDISC_BYPASS, &on, sizeof on);
    set_send_buffer(fd_, send_buffer_bytes);
    return {};
}

void packet_socket::close() noexcept {
    ring_.close();
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

batch_result packet_socket::send_batch(std::span<const link_packet> packets) noexcept {
    const std::size_t n = std::min(packets.size(), max_batch);
    if (n == 0) {
        return {};
    }
    if (ring_.is_open()) {
        return ring_.send_batch(packets.first(n));
    }
    for (std::size_t i = 0; i < n; ++i) {
        auto& a = addresses_[i];
        a = sockaddr_ll{};
        a.sll_family = AF_PACKET;
        a.sll_protocol = htons(ETH_P_IP);
        a.sll_ifindex = packets[i].to.ifindex;
        a.sll_halen = 6;
        std::memcpy(a.sll_addr, packets[i].to.mac.data(), 6);
        // sendmmsg(2) takes a non-const iovec; the kernel only reads the bytes.
        iovecs_[i].iov_base = const_cast<std::uint8_t*>(packets[i].bytes.data());
        iovecs_[i].iov_len = packets[i].bytes.size();
        headers_[i] = mmsghdr{};
        headers_[i].msg_hdr.msg_name = &a;
        headers_[i].msg_hdr.msg_namelen = sizeof(sockaddr_ll);
        headers_[i].msg_hdr.msg_iov = &iovecs_[i];
        headers_[i].msg_hdr.msg_iovlen = 1;
    }
    const int rc = ::sendmmsg(fd_, headers_.data(), static_cast<unsigned>(n), 0);
    if (rc < 0) {
        return {0, {errno, std::generic_category()}};
    }
    return {static_cast<std::size_t>(rc), {}};
}

} // namespace tumen::probe::engine
