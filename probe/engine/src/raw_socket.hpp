#pragma once
// The raw IPv4 send socket (IP_HDRINCL), RAII.
#include <cstdint>
#include <span>
#include <system_error>

#include <tumen/common/ipv4.hpp>

namespace tumen::probe::engine {

class raw_socket {
public:
    raw_socket() = default;
    ~raw_socket();
    raw_socket(raw_socket&& other) noexcept;
    raw_socket& operator=(raw_socket&& other) noexcept;
    raw_socket(const raw_socket&) = delete;
    raw_socket& operator=(const raw_socket&) = delete;

    /// socket(AF_INET, SOCK_RAW, IPPROTO_RAW), non-blocking, IP_HDRINCL (raw(7)): we write
    /// the IPv4 header ourselves; the kernel only fills the header checksum.
    std::error_code open(int send_buffer_bytes);
    void close() noexcept;
    bool is_open() const noexcept { return fd_ >= 0; }
    int fd() const noexcept { return fd_; }

    /// Sends one complete IPv4 packet to `dst`. Errors are errno values
    /// (EAGAIN/ENOBUFS: try again later).
    std::error_code send(std::span<const std::uint8_t> packet, ipv4_addr dst) noexcept;

private:
    int fd_ = -1;
};

} // namespace tumen::probe::engine
