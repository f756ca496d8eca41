#include "forwarder.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <unistd.h>

namespace tumen::lab {

namespace {
/// Packets read per readiness event before yielding to timers (keeps latency bounded).
constexpr int max_reads_per_event = 256;
} // namespace

forwarder::forwarder(boost::asio::io_context& io, boost::asio::posix::stream_descriptor& src,
                     int dst_fd, std::string name, std::chrono::nanoseconds delay, double loss_pct,
                     std::uint64_t seed, std::size_t max_queue)
    : io_(io)
    , src_(src)
    , dst_fd_(dst_fd)
    , name_(std::move(name))
    , queue_(delay, max_queue)
    , loss_(loss_pct, seed)
    , timer_(io) {}

void forwarder::start() {
    wait_readable();
}

void forwarder::wait_readable() {
    src_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                    [this](const boost::system::error_code& ec) {
                        if (ec) {
                            if (ec != boost::asio::error::operation_aborted) {
                                fail("wait", ec.value());
                            }
                            return;
                        }
                        drain_source();
                        if (!failed_) {
                            wait_readable();
                        }
                    });
}

void forwarder::drain_source() {
    for (int i = 0; i < max_reads_per_event; ++i) {
        const ssize_t n = ::read(src_.native_handle(), buffer_.data(), buffer_.size());
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                fail("read", errno);
                return;
            }
            break;
        }
        if (n == 0) {
            break;
        }
        ++counters_.received;
        if (loss_.drop()) {
            ++counters_.lost;
            continue;
        }
        const auto now = delay_clock::now();
        if (!queue_.push(std::span<const std::uint8_t>(buffer_.data(), static_cast<std::size_t>(n)),
                         now)) {
            ++counters_.overflow;
        }
    }
    arm_timer(); // no-op while a timer for an older packet is pending
}

void forwarder::fail(const char* what, int err) {
    // The device is gone or broken (e.g. deleted with `ip link del`): without it this link
    // cannot work, so the whole delay line stops rather than spin on an error.
    std::fprintf(stderr, "tumen-delayline: %s: %s: %s; stopping\n", name_.c_str(), what,
                 std::strerror(err));
    failed_ = true;
    io_.stop();
}

void forwarder::arm_timer() {
    if (timer_armed_) {
        return; // already waiting for an earlier (older) packet
    }
    const auto due = queue_.next_due();
    if (!due) {
        return;
    }
    timer_armed_ = true;
    timer_.expires_at(*due);
    timer_.async_wait([this](const boost::system::error_code& ec) {
        timer_armed_ = false;
        if (ec) {
            return;
        }
        on_timer();
    });
}

void forwarder::on_timer() {
    queue_.release_due(delay_clock::now(), [this](std::span<const std::uint8_t> packet) {
        for (;;) {
            const ssize_t n = ::write(dst_fd_, packet.data(), packet.size());
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n == static_cast<ssize_t>(packet.size())) {
                ++counters_.forwarded;
            } else {
                ++counters_.write_errors;
            }
            break;
        }
    });
    arm_timer();
}

} // namespace tumen::lab
