#pragma once
/// @file
/// One direction of the delay line: reads packets from one TUN device, holds each for the
/// direction's delay (or drops it at random) and writes it to the other TUN device.
#include <array>
#include <cstdint>
#include <string>

#include <tumen/common/asio.hpp>

#include "delay_queue.hpp"

namespace tumen::lab {

/// Forwards src -> dst. Event driven (readiness of src, one timer for the oldest held
/// packet): it never busy-waits and never reorders. Both descriptors must outlive it.
class forwarder {
public:
    /// `src` is read (its owner also serves the opposite direction's writes); `dst_fd` is
    /// written with plain non-blocking write(2), which never blocks on a TUN device.
    forwarder(boost::asio::io_context& io, boost::asio::posix::stream_descriptor& src, int dst_fd,
              std::string name, std::chrono::nanoseconds delay, double loss_pct, std::uint64_t seed,
              std::size_t max_queue);

    /// Starts waiting for packets.
    void start();
    /// Counters so far.
    const direction_counters& counters() const noexcept { return counters_; }
    /// Packets currently held.
    std::size_t queued() const noexcept { return queue_.size(); }
    /// The random loss in percent now.
    double loss_pct() const noexcept { return loss_.percent(); }
    /// Changes the random loss at run time; false (nothing changed) outside [0, 100].
    bool set_loss_pct(double percent) { return loss_.set_percent(percent); }
    /// "A->B" as given.
    const std::string& name() const noexcept { return name_; }
    /// True when the source device failed (e.g. it was deleted); the io_context was stopped.
    bool failed() const noexcept { return failed_; }

private:
    void wait_readable();
    void drain_source();
    void arm_timer();
    void on_timer();

    void fail(const char* what, int err);

    boost::asio::io_context& io_;
    boost::asio::posix::stream_descriptor& src_;
    int dst_fd_;
    std::string name_;
    delay_queue queue_;
    loss_model loss_;
    boost::asio::steady_timer timer_;
    bool timer_armed_ = false;
    bool failed_ = false;
    direction_counters counters_;
    std::array<std::uint8_t, 65536> buffer_{};
};

} // namespace tumen::lab
