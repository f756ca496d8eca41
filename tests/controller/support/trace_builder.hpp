#pragma once
// Test helper: builds result::trace values hop by hop (addresses as text or values).
#include <initializer_list>
#include <string>

#include <tumen/common/result.hpp>

namespace tumen::test {

/// An address of a trace: dotted-quad text ("*" for a lost probe in a hop) or a value (as
/// tests/lib/lab_plan.hpp gives them).
struct addr_text {
    std::string text;
    addr_text(const char* s)
        : text(s) {} // NOLINT: implicit on purpose
    addr_text(std::string s)
        : text(std::move(s)) {} // NOLINT
    addr_text(ipv4_addr a)
        : text(a.to_string()) {} // NOLINT
};

/// One hop: addresses answering (one reply each, "*" for a lost probe), and an RTT.
struct hop_spec {
    std::initializer_list<addr_text> addrs;
    double rtt = 1.0;
};

inline result::trace make_trace(const addr_text& src, const addr_text& dst,
                                std::initializer_list<hop_spec> hops, std::string agent = "fra",
                                std::int64_t time = 1000, std::string id = "") {
    result::trace t;
    t.src = *ipv4_addr::parse(src.text);
    t.dst = *ipv4_addr::parse(dst.text);
    t.agent = std::move(agent);
    t.timestamp = time;
    t.endtime = time;
    t.id = id.empty() ? t.agent + "-" + std::to_string(time) : id;
    t.proto = "UDP";
    t.method = "udp-paris";
    std::uint8_t ttl = 1;
    for (const auto& h : hops) {
        result::hop hop;
        hop.ttl = ttl++;
        for (const auto& a : h.addrs) {
            result::hop_reply r;
            if (a.text == "*") {
                r.timeout = true;
            } else {
                r.from = *ipv4_addr::parse(a.text);
                r.rtt_ms = h.rtt;
                r.icmp_type = r.from == t.dst ? 3 : 11;
                r.icmp_code = r.from == t.dst ? 3 : 0;
            }
            hop.replies.push_back(r);
        }
        t.hops.push_back(hop);
    }
    return t;
}

} // namespace tumen::test
