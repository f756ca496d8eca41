#pragma once
/// @file
/// The pure part of the delay line: a FIFO that holds each packet for a constant delay,
/// a random-loss decision, and the per-direction counters. No I/O, so tests can drive it
/// with made-up clocks.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

namespace tumen::lab {

/// The clock every deadline uses (never wall-clock time).
using delay_clock = std::chrono::steady_clock;

/// One packet held until `due`.
struct held_packet {
    std::vector<std::uint8_t> bytes; ///< the IP packet as read from the TUN device
    delay_clock::time_point due;     ///< when it may be written to the other side
};

/// A bounded FIFO with one constant delay. Because every packet gets the same delay,
/// deadlines are non-decreasing in arrival order and the queue never reorders.
class delay_queue {
public:
    /// `delay` is added to each arrival time; at most `capacity` packets are held.
    delay_queue(std::chrono::nanoseconds delay, std::size_t capacity);

    /// Holds a copy of `packet` until `now + delay`. Returns false (and holds nothing)
    /// when the queue is full.
    bool push(std::span<const std::uint8_t> packet, delay_clock::time_point now);

    /// Deadline of the oldest held packet, if any.
    std::optional<delay_clock::time_point> next_due() const;

    /// Removes every packet whose deadline is at or before `now`, oldest first, handing
    /// each to `sink(std::span<const std::uint8_t>)`. Returns how many were released.
    template <typename Sink>
    std::size_t release_due(delay_clock::time_point now, Sink&& sink) {
        std::size_t released = 0;
        while (!packets_.empty() && packets_.front().due <= now) {
            sink(std::span<const std::uint8_t>(packets_.front().bytes));
            recycle(std::move(packets_.front().bytes));
            packets_.pop_front();
            ++released;
        }
        return released;
    }

    /// Number of packets held.
    std::size_t size() const noexcept { return packets_.size(); }
    /// True when nothing is held.
    bool empty() const noexcept { return packets_.empty(); }
    /// The constant delay.
    std::chrono::nanoseconds delay() const noexcept { return delay_; }

private:
    void recycle(std::vector<std::uint8_t>&& buffer);

    std::chrono::nanoseconds delay_;
    std::size_t capacity_;
    std::deque<held_packet> packets_;
    std::vector<std::vector<std::uint8_t>> spare_; ///< buffers kept for reuse
};

/// Independent random loss: each packet is dropped with probability `percent` / 100.
class loss_model {
public:
    /// `percent` in [0, 100]; throws std::invalid_argument otherwise (start-up only).
    loss_model(double percent, std::uint64_t seed);
    /// Decides the fate of one packet.
    bool drop();
    /// The configured percentage.
    double percent() const noexcept { return percent_; }
    /// Changes the percentage at run time (the random stream goes on). Returns false and
    /// keeps the old value when `percent` is outside [0, 100].
    bool set_percent(double percent);

private:
    double percent_;
    std::mt19937_64 rng_;
    std::bernoulli_distribution dist_;
};

/// What happened to the packets of one direction.
struct direction_counters {
    std::uint64_t received = 0;     ///< read from the source device
    std::uint64_t forwarded = 0;    ///< written to the destination device
    std::uint64_t lost = 0;         ///< dropped by the configured random loss
    std::uint64_t overflow = 0;     ///< dropped because the queue was full
    std::uint64_t write_errors = 0; ///< the destination refused the write (e.g. device down)
};

/// One line such as `cu1->cu2 received=10 forwarded=9 lost=1 overflow=0 write_errors=0 queued=0`.
std::string format_counters(const std::string& name, const direction_counters& c,
                            std::size_t queued);

} // namespace tumen::lab
