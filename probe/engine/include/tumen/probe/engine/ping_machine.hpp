#pragma once
/// @file
/// The per-ping-series state machine, free of sockets and clocks (the caller passes the
/// time): it says when the next probe is due and turns replies and timeouts into a
/// result::ping. The engine drives it, as it drives trace_machine; unit tests feed it
/// synthetic events.
///
/// A series sends `count` probes `interval` apart (numbered 0..count-1); each taken probe
/// later gets exactly one on_reply(), on_timeout() or on_lost(). The series is done when
/// every probe was sent and none is open. Only a reply from the destination gives an RTT;
/// a second reply for the same probe is not counted again.
#include <chrono>
#include <cstdint>

#include <tumen/common/result.hpp>
#include <tumen/probe/engine/engine.hpp>

namespace tumen::probe::engine {

/// The state machine of one ping series.
class ping_machine {
public:
    using clock = std::chrono::steady_clock;

    /// Copies the request's parameters; the result's dst/campaign/method/rtts are filled
    /// here, id/agent/src/timestamp by the caller through result(). The first probe is due
    /// at `now`.
    ping_machine(const ping_request& request, clock::time_point now);

    /// True while probes remain to be sent.
    bool has_next() const noexcept { return next_ < count_; }
    /// When the next probe is due.
    clock::time_point next_at() const noexcept { return next_at_; }
    /// Takes the next probe (requires has_next()): returns its number, counts it sent and
    /// open, and makes the one after it due `interval` after `now`.
    std::uint32_t take(clock::time_point now);

    /// Records a reply to probe `seq`; `from_destination` false (e.g. time exceeded) closes
    /// the probe without an RTT.
    void on_reply(std::uint32_t seq, double rtt_ms, bool from_destination);
    /// Records that an open probe got no reply within the wait.
    void on_timeout() noexcept { close_one(); }
    /// Records that a taken probe could not be sent (it counts as lost; the series goes on).
    void on_lost() noexcept { close_one(); }

    bool done() const noexcept { return !has_next() && open_ == 0; }
    /// Probes sent and not yet answered, timed out or lost.
    std::uint32_t open() const noexcept { return open_; }
    /// The TTL of the series' probes.
    std::uint8_t ttl() const noexcept { return ttl_; }
    /// The interval between probes.
    clock::duration interval() const noexcept { return interval_; }

    /// The result so far (complete once done()).
    result::ping& result() noexcept { return result_; }
    const result::ping& result() const noexcept { return result_; }

private:
    void close_one() noexcept {
        if (open_ > 0) {
            --open_;
        }
    }

    std::uint32_t count_;
    clock::duration interval_;
    std::uint8_t ttl_;
    std::uint32_t next_ = 0;
    std::uint32_t open_ = 0;
    clock::time_point next_at_;
    result::ping result_;
};

} // namespace tumen::probe::engine
