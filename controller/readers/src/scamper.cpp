#include "scamper.hpp"

#include <algorithm>
#include <map>

namespace tumen::controller::readers::detail {
namespace {

using json = nlohmann::json;

bool get_string(const json& j, const char* key, std::string& out) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) {
        return false;
    }
    out = it->get<std::string>();
    return true;
}

template <class Int>
bool get_uint(const json& j, const char* key, Int& out, std::uint64_t hi) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_number_integer() || it->get<std::int64_t>() < 0 ||
        it->get<std::uint64_t>() > hi) {
        return false;
    }
    out = static_cast<Int>(it->get<std::uint64_t>());
    return true;
}

struct name_map {
    std::string_view scamper;
    result::stop_reason stop;
};
// scamper's trace stop reasons (scamper_trace.h SCAMPER_TRACE_STOP_*).
constexpr name_map stop_names[] = {
    {"NONE", result::stop_reason::none},
    {"COMPLETED", result::stop_reason::completed},
    {"UNREACH", result::stop_reason::unreachable},
    {"ICMP", result::stop_reason::unreachable},
    {"LOOP", result::stop_reason::loop},
    {"GAPLIMIT", result::stop_reason::gap_limit},
    {"ERROR", result::stop_reason::error},
    {"HOPLIMIT", result::stop_reason::max_ttl},
    {"GSS", result::stop_reason::none},
    {"HALTED", result::stop_reason::error},
};

result::hop_reply timeout_reply() {
    result::hop_reply r;
    r.timeout = true;
    return r;
}

} // namespace

parsed<result::trace> parse_scamper_trace(const json& j, const scamper_context& ctx) {
    result::trace t;
    std::string src, dst, method, stop;
    if (!get_string(j, "src", src)) {
        return parse_error{"src", "missing or not a string"};
    }
    if (!get_string(j, "dst", dst)) {
        return parse_error{"dst", "missing or not a string"};
    }
    if (src.find(':') != std::string::npos || dst.find(':') != std::string::npos) {
        return parse_error{"af", "IPv6 trace (only IPv4 is supported)"};
    }
    auto s = ipv4_addr::parse(src);
    auto d = ipv4_addr::parse(dst);
    if (!s) {
        return parse_error{"src", "not an IPv4 address: " + src.substr(0, 64)};
    }
    if (!d) {
        return parse_error{"dst", "not an IPv4 address: " + dst.substr(0, 64)};
    }
    t.src = *s;
    t.dst = *d;
    if (!get_string(j, "method", method)) {
        return parse_error{"method", "missing or not a string"};
    }
    if (method == "udp-paris") {
        t.method = "udp-paris";
        t.proto = "UDP";
    } else if (method == "udp") {
        t.method = "udp";
        t.proto = "UDP";
    } else if (method == "icmp-echo-paris" || method == "icmp-echo") {
        t.method = "icmp-paris";
        t.proto = "ICMP";
    } else if (method == "tcp" || method == "tcp-ack" || method == "tcp-syn") {
        t.method = "tcp-syn";
        t.proto = "TCP";
    } else {
        return parse_error{"method", "unknown scamper method \"" + method.substr(0, 32) + "\""};
    }
    if (get_string(j, "stop_reason", stop)) {
        auto it = std::find_if(std::begin(stop_names), std::end(stop_names),
                               [&](const auto& n) { return n.scamper == stop; });
        if (it == std::end(stop_names)) {
            return parse_error{"stop_reason", "unknown stop reason \"" + stop.substr(0, 32) + "\""};
        }
        t.stop = it->stop;
    } else if (j.contains("stop_reason")) {
        return parse_error{"stop_reason", "not a string"};
    }
    auto start = j.find("start");
    if (start == j.end() || !start->is_object() ||
        !get_uint(*start, "sec", t.timestamp, 1ull << 40)) {
        return parse_error{"start.sec", "missing or not a non-negative integer"};
    }
    t.endtime = t.timestamp;
    get_uint(j, "icmp_sum", t.paris_id, 65535);
    std::uint32_t attempts = 1;
    get_uint(j, "attempts", attempts, 16);
    std::uint32_t firsthop = 1;
    get_uint(j, "firsthop", firsthop, 255);
    t.agent = ctx.hostname.empty() ? src : ctx.hostname;
    t.id = !ctx.uuid.empty() ? ctx.uuid
                             : "scamper-" + src + "-" + dst + "-" + std::to_string(t.timestamp);

    auto hops = j.find("hops");
    std::map<std::uint8_t, result::hop> by_ttl;
    if (hops != j.end()) {
        if (!hops->is_array()) {
            return parse_error{"hops", "not an array"};
        }
        for (std::size_t i = 0; i < hops->size(); ++i) {
            const json& h = (*hops)[i];
            const std::string where = "hops[" + std::to_string(i) + "]";
            if (!h.is_object()) {
                return parse_error{where, "not an object"};
            }
            std::uint8_t ttl = 0;
            if (!get_uint(h, "probe_ttl", ttl, 255) || ttl == 0) {
                return parse_error{where + ".probe_ttl", "missing or not in 1..255"};
            }
            result::hop_reply r;
            std::string addr;
            if (!get_string(h, "addr", addr)) {
                return parse_error{where + ".addr", "missing or not a string"};
            }
            if (addr.empty() || addr == "*") {
                r.timeout = true; // M-Lab's anonymised/star variants
            } else {
                auto a = ipv4_addr::parse(addr);
                if (!a) {
                    return parse_error{where + ".addr",
                                       "not an IPv4 address: " + addr.substr(0, 64)};
                }
                r.from = *a;
                auto rtt = h.find("rtt");
                if (rtt == h.end() || !rtt->is_number() || rtt->get<double>() < 0) {
                    return parse_error{where + ".rtt", "missing or not a non-negative number"};
                }
                r.rtt_ms = rtt->get<double>();
                get_uint(h, "reply_size", r.size, 65535);
                get_uint(h, "reply_ttl", r.ttl, 255);
                if (!get_uint(h, "icmp_type", r.icmp_type, 255)) {
                    r.icmp_type = j.contains("tcp_flags") ? 255 : 11;
                }
                get_uint(h, "icmp_code", r.icmp_code, 255);
                std::uint8_t q = 0;
                if (get_uint(h, "icmp_q_ttl", q, 255)) {
                    r.quoted_ttl = q;
                }
                if (auto ext = h.find("icmp_ext"); ext != h.end() && ext->is_array()) {
                    for (const auto& e : *ext) {
                        auto mpls = e.find("mpls_ext");
                        if (mpls == e.end() || !mpls->is_array()) {
                            continue;
                        }
                        for (const auto& m : *mpls) {
                            result::mpls_entry me;
                            std::uint32_t sbit = 0;
                            if (!get_uint(m, "mpls_label", me.label, 0xfffff)) {
                                return parse_error{where + ".icmp_ext.mpls_ext.mpls_label",
                                                   "missing or out of range"};
                            }
                            get_uint(m, "mpls_exp", me.tc, 7);
                            get_uint(m, "mpls_ttl", me.ttl, 255);
                            get_uint(m, "mpls_s", sbit, 1);
                            me.bottom = sbit == 1;
                            r.mpls.push_back(me);
                        }
                    }
                }
                if (auto tx = h.find("tx"); tx != h.end() && tx->is_object()) {
                    std::int64_t sec = 0;
                    if (get_uint(*tx, "sec", sec, 1ull << 40)) {
                        t.endtime = std::max(t.endtime, sec);
                    }
                }
            }
            auto& hop = by_ttl[ttl];
            hop.ttl = ttl;
            hop.replies.push_back(std::move(r));
        }
    }
    // scamper lists replies only: add TTLs without any reply as silent hops.
    if (!by_ttl.empty()) {
        const std::uint8_t last = by_ttl.rbegin()->first;
        for (std::uint32_t ttl = std::max<std::uint32_t>(firsthop, 1); ttl <= last; ++ttl) {
            auto& hop = by_ttl[static_cast<std::uint8_t>(ttl)];
            if (hop.replies.empty()) {
                hop.ttl = static_cast<std::uint8_t>(ttl);
                hop.replies.assign(std::max<std::uint32_t>(attempts, 1), timeout_reply());
            }
        }
    }
    for (auto& [ttl, hop] : by_ttl) {
        t.hops.push_back(std::move(hop));
    }
    return t;
}

} // namespace tumen::controller::readers::detail
