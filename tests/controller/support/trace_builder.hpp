#pragma once
// Test helper: builds result::trace values hop by hop with lab addresses.
#include <initializer_list>
#include <string>

#include <tumen/common/result.hpp>

namespace tumen::test {

/// One hop: addresses answering (one reply each, "*" for a lost probe), and an RTT.
struct hop_spec {
    std::initializer_list<const char*> addrs;
    double rtt = 1.0;
};

inline result::trace make_trace(const char* src, const char* dst,
                                std::initializer_list<hop_spec> hops, std::string agent = "fra",
                                std::int64_t time = 1000, std::string id = "") {
    result::trace t;
    t.src = *ipv4_addr::parse(src);
    t.dst = *ipv4_addr::parse(dst);
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
        for (const char* a : h.addrs) {
            result::hop_reply r;
            if (std::string(a) == "*") {
                r.timeout = true;
            } else {
                r.from = *ipv4_addr::parse(a);
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
