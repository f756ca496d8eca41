#pragma once
// The raw IPv4 send socket (IP_HDRINCL), RAII: one packet per sendto(), or a batch per
// sendmmsg().
#include <array>
#include <cstddef>
#include <cstdint>
#include <netinet/in.h>
#include <span>
#include <sys/socket.h>
#include <sys/uio.h>
#include <system_error>

#include <tumen/common/ipv4.hpp>

namespace tumen::probe::engine {

/// One packet of a batch: a complete IPv4 packet and its destination.
struct outgoing_packet {
    std::span<const std::uint8_t> bytes;
    ipv4_addr dst;
};

/// What send_batch() did: the first `sent` packets left; `error` (if set) is why the next
/// one did not.
struct batch_result {
    std::size_t sent = 0;
    std::error_code error;
};

/// Sets `fd`'s send buffer to `bytes` (nothing when `bytes` <= 0): SO_SNDBUFFORCE, or
/// SO_SNDBUF capped by net.core.wmem_max without CAP_NET_ADMIN. Best effort.
void set_send_buffer(int fd, int bytes) noexcept;

/// The raw IPv4 send socket (IP_HDRINCL); owns its descriptor.
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

    /// Most packets send_batch() takes at once.
    static constexpr std::size_t max_batch = 64;
    /// Sends up to max_batch packets with one sendmmsg(2): one system call for the batch
    /// instead of one per packet (bench/probe/send_rate.sh measures the difference).
    /// Stops at the first packet the kernel refuses; its errno is in `error` (EAGAIN or
    /// ENOBUFS: try it again later), the packets before it were sent.
    batch_result send_batch(std::span<const outgoing_packet> packets) noexcept;

private:
    int fd_ = -1;
    std::array<mmsghdr, max_batch> headers_{};
    std::array<iovec, max_batch> iovecs_{};
    std::array<sockaddr_in, max_batch> addresses_{};
};

} // namespace tumen::probe::engine
