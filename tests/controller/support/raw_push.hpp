#pragma once
// Test helper: a client that sends a request header, then pushes body bytes over a raw
// loopback socket until the server stops taking them (closed or reset), as an outsider would.
#include <arpa/inet.h>
#include <cstddef>
#include <cstdint>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

namespace tumen::test {

/// Connects to 127.0.0.1:`port`, sends `head`, then up to `total` bytes of body in 64 KiB
/// writes. Returns the body bytes the kernel accepted before a write failed. A 5 s send
/// timeout keeps a server that stops reading from hanging the test.
inline std::size_t push_after_header(std::uint16_t port, const std::string& head,
                                     std::size_t total) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        return 0;
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    std::size_t sent = 0;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        ::send(fd, head.data(), head.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(head.size())) {
        const std::string chunk(64 * 1024, ' ');
        while (sent < total) {
            auto n = ::send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL);
            if (n <= 0) {
                break;
            }
            sent += static_cast<std::size_t>(n);
        }
    }
    ::close(fd);
    return sent;
}

} // namespace tumen::test
