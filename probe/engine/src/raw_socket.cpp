#include "raw_socket.hpp"

#include <algorithm>
#include <cerrno>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <utility>

namespace tumen::probe::engine {

raw_socket::~raw_socket() {
    close();
}

raw_socket::raw_socket(raw_socket&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)) {}

raw_socket& raw_socket::operator=(raw_socket&& other) noexcept {
    if (this != &other) {
        close();
        fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
}

std::error_code raw_socket::open(int send_buffer_bytes) {
    close();
    const int fd = ::socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_RAW);
    if (fd < 0) {
        return {errno, std::generic_category()};
    }
    fd_ = fd;
    const int on = 1;
    if (::setsockopt(fd_, IPPROTO_IP, IP_HDRINCL, &on, sizeof on) != 0) {
        const std::error_code ec{errno, std::generic_category()};
        close();
        return ec;
    }
    set_send_buffer(fd_, send_buffer_bytes);
    return {};
}

void set_send_buffer(int fd, int bytes) noexcept {
    if (bytes > 0) {
        // Best effort: SO_SNDBUFFORCE needs CAP_NET_ADMIN, SO_SNDBUF is capped by wmem_max.
        if (::setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &bytes, sizeof bytes) != 0) {
            (void)::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes);
        }
    }
}

void raw_socket::close() noexcept {
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

std::error_code raw_socket::send(std::span<const std::uint8_t> packet, ipv4_addr dst) noexcept {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = dst.to_network();
    const auto n = ::sendto(fd_, packet.data(), packet.size(), 0,
                            reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
    if (n < 0) {
        return {errno, std::generic_category()};
    }
    if (static_cast<std::size_t>(n) != packet.size()) {
        return std::make_error_code(std::errc::message_size);
    }
    return {};
}

} // namespace tumen::probe::engine

namespace tumen::probe::engine {

batch_result raw_socket::send_batch(std::span<const outgoing_packet> packets) noexcept {
    const std::size_t n = std::min(packets.size(), max_batch);
    for (std::size_t i = 0; i < n; ++i) {
        addresses_[i] = sockaddr_in{};
        addresses_[i].sin_family = AF_INET;
        addresses_[i].sin_addr.s_addr = packets[i].dst.to_network();
        // sendmmsg(2) takes a non-const iovec; the kernel only reads the bytes.
        iovecs_[i].iov_base = const_cast<std::uint8_t*>(packets[i].bytes.data());
        iovecs_[i].iov_len = packets[i].bytes.size();
        headers_[i] = mmsghdr{};
        headers_[i].msg_hdr.msg_name = &addresses_[i];
        headers_[i].msg_hdr.msg_namelen = sizeof(sockaddr_in);
        headers_[i].msg_hdr.msg_iov = &iovecs_[i];
        headers_[i].msg_hdr.msg_iovlen = 1;
    }
    if (n == 0) {
        return {};
    }
    const int rc = ::sendmmsg(fd_, headers_.data(), static_cast<unsigned>(n), 0);
    if (rc < 0) {
        return {0, {errno, std::generic_category()}};
    }
    // A short count means the next packet failed; the next call reports its errno.
    return {static_cast<std::size_t>(rc), {}};
}

} // namespace tumen::probe::engine
