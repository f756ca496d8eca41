// The engine's receive path: captured frames are our own probes leaving (send timestamps on
// the capture clock) or replies, matched in the probe table and delivered to their job.
#include <algorithm>

#include <tumen/probe/engine/frame_role.hpp>

#include "engine_impl.hpp"

namespace tumen::probe::engine {

void engine::impl::arm_capture() {
    capture.async_wait([this](boost::system::error_code e) {
        if (e || !open) {
            return;
        }
        drain_capture();
        arm_capture();
    });
}

void engine::impl::drain_capture() {
    auto on_frame = [this](const captured_frame& f) { handle_frame(f); };
    capture.drain(on_frame, open);
}

void engine::impl::gate_capture(steady::time_point now) {
    const bool gate = events.send_wake_pending() && events.armed_at() <= now + pacing_quantum;
    if (gate != capture_gated) {
        capture.wakeups(!gate);
        capture_gated = gate;
    }
}

void engine::impl::handle_frame(const captured_frame& f) {
    if (!open) {
        return;
    }
    ++stats.packets_captured;
    const auto head = f.payload ? codec::peek_ipv4(f.payload->ip) : std::nullopt;
    if (!head) {
        ++stats.decode_errors;
        return;
    }
    if (role_of_frame(*head, f.payload->direction, src) == frame_role::own_probe) {
        // Our own probe leaving: its send time on the capture clock.
        const auto ip = f.payload->ip; // peek_ipv4() checked 20 bytes
        const ipv4_addr dst{(std::uint32_t{ip[16]} << 24) | (std::uint32_t{ip[17]} << 16) |
                            (std::uint32_t{ip[18]} << 8) | ip[19]};
        if (outstanding* e = probes.outgoing_copy(head->id, dst, ip[8])) {
            ++stats.outgoing_captured;
            e->sent_ns = f.ts_ns;
            e->sent_captured = true;
        }
        return;
    }
    if (recorder) {
        recorder->record(f.payload->ip, f.ts_ns); // --pcap-out: every reply as captured
    }
    auto decoded = codec::decode_reply(f.payload->ip, std::chrono::nanoseconds(f.ts_ns));
    if (!decoded) {
        ++(decoded.error == codec::decode_error::bad_checksum ? stats.replies_bad_checksum
                                                              : stats.decode_errors);
        return;
    }
    const codec::reply& r = *decoded.value;
    if (const auto m = probes.match(r)) {
        deliver(*m.probe, r, m.nat);
    } else if (m.mismatched) {
        ++stats.replies_mismatched;
    } else {
        ++stats.replies_unmatched;
    }
}

void engine::impl::deliver(outstanding& e, const codec::reply& r, bool nat) {
    if (e.answered) {
        ++stats.replies_duplicate;
        return;
    }
    if (e.expired) {
        // Arrived after the wait: the attempt was already recorded as "*".
        ++stats.replies_late;
        return;
    }
    job* jp = find_job(e.job);
    if (jp == nullptr) {
        ++stats.replies_unmatched;
        return;
    }
    e.answered = true;
    ++stats.replies_matched;
    const std::int64_t sent = e.sent_ns;
    const double rtt = std::max<double>(0.0, static_cast<double>(r.timestamp.count() - sent) / 1e6);
    job& j = *jp;
    auto c = classify_reply(r, j.dst(), rtt, nat);
    if (trace_machine* t = j.trace()) {
        t->on_reply(e.slot, std::move(c.hop), c.meaning);
        trace_moved_on(j);
    } else {
        j.ping()->on_reply(e.seq, rtt, c.meaning == reply_meaning::destination);
        maybe_finish_ping(j);
    }
}

} // namespace tumen::probe::engine
