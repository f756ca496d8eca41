#include <algorithm>
#include <utility>

#include <tumen/probe/engine/trace_machine.hpp>

namespace tumen::probe::engine {

classified_reply classify_reply(const codec::reply& r, ipv4_addr dst, double rtt_ms, bool nat) {
    classified_reply out;
    result::hop_reply& h = out.hop;
    h.from = r.from;
    h.rtt_ms = rtt_ms;
    h.size = r.size;
    h.ttl = r.ttl;
    h.icmp_type = r.icmp_type;
    h.icmp_code = r.icmp_code;
    h.mpls = r.mpls;
    h.nat = nat;
    if (r.quote) {
        h.quoted_ttl = r.quote->ttl;
    }
    switch (r.kind) {
    case codec::reply_kind::time_exceeded:
        out.meaning = reply_meaning::hop;
        break;
    case codec::reply_kind::echo_reply:
        out.meaning = reply_meaning::destination;
        break;
    case codec::reply_kind::tcp_synack:
    case codec::reply_kind::tcp_rst:
        // Not ICMP: the result model marks TCP answers with type 255.
        h.icmp_type = 255;
        h.icmp_code = 0;
        out.meaning = reply_meaning::destination;
        break;
    case codec::reply_kind::dest_unreachable:
        // RFC 792: code 3 (port unreachable) from the destination itself is the normal end of
        // a UDP trace; any other unreachable ends the trace as unreachable (traceroute's !-marks).
        if (r.icmp_code == 3 && r.from == dst) {
            out.meaning = reply_meaning::destination;
        } else {
            out.meaning = reply_meaning::unreachable;
            h.err = codec::unreachable_flag(r.icmp_code);
            if (h.err.empty()) {
                h.err = std::to_string(r.icmp_code);
            }
        }
        break;
    }
    return out;
}

trace_machine::trace_machine(const trace_request& request)
    : max_ttl_(std::max<std::uint8_t>(request.max_ttl, 1))
    , attempts_(std::max<std::uint8_t>(request.attempts, 1))
    , gap_limit_(std::max<std::uint8_t>(request.gap_limit, 1))
    , ttl_(std::max<std::uint8_t>(request.first_ttl, 1)) {
    result_.dst = request.dst;
    result_.dst_name = request.dst_name;
    result_.method = codec::to_string(request.method);
    result_.paris_id = request.flow;
    result_.id = request.id;
    result_.campaign = request.campaign;
    if (ttl_ > max_ttl_) {
        finish(result::stop_reason::max_ttl);
    }
}

std::optional<probe_slot> trace_machine::next() {
    if (done() || in_flight_) {
        return std::nullopt;
    }
    in_flight_ = probe_slot{ttl_, attempt_};
    return in_flight_;
}

result::hop& trace_machine::current_hop() {
    if (result_.hops.empty() || result_.hops.back().ttl != ttl_) {
        result::hop h;
        h.ttl = ttl_;
        result_.hops.push_back(std::move(h));
    }
    return result_.hops.back();
}

bool trace_machine::loops(ipv4_addr from) const {
    // An address seen again at a hop that is not adjacent to where it answered before.
    for (const auto& h : result_.hops) {
        if (h.ttl + 1 >= ttl_) {
            continue;
        }
        for (const auto& r : h.replies) {
            if (!r.timeout && r.from == from) {
                return true;
            }
        }
    }
    return false;
}

bool trace_machine::on_reply(probe_slot slot, result::hop_reply reply, reply_meaning meaning) {
    if (!in_flight_ || !(*in_flight_ == slot) || done()) {
        return false;
    }
    in_flight_.reset();
    const ipv4_addr from = reply.from;
    const bool is_loop = meaning == reply_meaning::hop && from != result_.dst && loops(from);
    current_hop().replies.push_back(std::move(reply));
    if (meaning == reply_meaning::destination) {
        finish(result::stop_reason::completed);
    } else if (meaning == reply_meaning::unreachable) {
        finish(result::stop_reason::unreachable);
    } else if (is_loop) {
        finish(result::stop_reason::loop);
    } else {
        finish_hop(true);
    }
    return true;
}

bool trace_machine::on_timeout(probe_slot slot) {
    if (!in_flight_ || !(*in_flight_ == slot) || done()) {
        return false;
    }
    in_flight_.reset();
    result::hop_reply r;
    r.timeout = true;
    current_hop().replies.push_back(std::move(r));
    if (attempt_ + 1 < attempts_) {
        ++attempt_;
        return true;
    }
    finish_hop(false);
    return true;
}

void trace_machine::finish_hop(bool answered) {
    gap_ = answered ? 0 : static_cast<std::uint8_t>(gap_ + 1);
    if (gap_ >= gap_limit_) {
        finish(result::stop_reason::gap_limit);
        return;
    }
    if (ttl_ >= max_ttl_) {
        finish(result::stop_reason::max_ttl);
        return;
    }
    ++ttl_;
    attempt_ = 0;
}

void trace_machine::fail(std::string error) {
    if (done()) {
        return;
    }
    in_flight_.reset();
    current_hop().error = std::move(error);
    finish(result::stop_reason::error);
}

void trace_machine::finish(result::stop_reason reason) {
    stop_ = reason;
    in_flight_.reset();
}

} // namespace tumen::probe::engine
