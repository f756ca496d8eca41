#include "raw_socket.hpp"

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
    if (send_buffer_bytes > 0) {
        // Best effort: SO_SNDBUFFORCE needs CAP_NET_ADMIN, SO_SNDBUF is capped by wmem_max.
        if (::setsockopt(fd_, SOL_SOCKET, SO_SNDBUFFORCE, &send_buffer_bytes,
                         sizeof send_buffer_bytes) != 0) {
            (void)::setsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &send_buffer_bytes,
                               sizeof send_buffer_bytes);
        }
    }
    return {};
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
