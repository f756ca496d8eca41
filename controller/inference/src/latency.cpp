#include <algorithm>

#include <tumen/controller/inference/latency.hpp>

namespace tumen::controller::inference {

latency_observation measure(const result::trace& t, const border_verdict& v) {
    latency_observation o;
    o.end_rtt_ms = v.end_rtt_ms;
    o.border_rtt_ms = v.border_rtt_ms;
    if (t.hops.empty()) {
        return o;
    }
    const auto& last = t.hops.back();
    bool dst_hop = std::any_of(last.replies.begin(), last.replies.end(),
                               [&](const auto& r) { return !r.timeout && r.from == t.dst; });
    if (dst_hop) {
        for (const auto& r : last.replies) {
            ++o.sent;
            if (r.timeout) {
                ++o.lost;
            }
        }
    } else {
        o.sent = 1;
        o.lost = 1;
    }
    return o;
}

latency_observation measure(const result::ping& p) {
    latency_observation o;
    for (const auto& r : p.rtts_ms) {
        if (r) {
            o.end_rtt_ms = o.end_rtt_ms ? std::min(*o.end_rtt_ms, *r) : *r;
        }
    }
    o.sent = p.sent;
    o.lost = p.sent >= p.received ? p.sent - p.received : 0;
    return o;
}

void rtt_summary::add(double v) {
    if (count == 0) {
        min = max = v;
    } else {
        min = std::min(min, v);
        max = std::max(max, v);
    }
    ++count;
    sum += v;
    last = v;
}

void latency_accumulator::add(const latency_key& key, const latency_observation& o, bool is_ping) {
    add_to(series_[key], o, is_ping);
}

void latency_accumulator::add_to(latency_stats& s, const latency_observation& o, bool is_ping) {
    if (is_ping) {
        ++s.pings;
    } else {
        ++s.traces;
    }
    if (o.end_rtt_ms) {
        s.end_to_end.add(*o.end_rtt_ms);
    }
    if (o.border_rtt_ms) {
        s.border.add(*o.border_rtt_ms);
    }
    s.sent += o.sent;
    s.lost += o.lost;
}

} // namespace tumen::controller::inference
