#include "scamper.hpp"

#include <algorithm>
#include <limits>
#include <map>

#include <tumen/common/json/field_reader.hpp>

namespace tumen::controller::readers::detail {
namespace {

using json = nlohmann::json;

using json_fields::field_reader;

/// A lenient optional integer (scamper's optional fields are best effort): `out` is set only
/// when the field is an integer in [0, hi].
template <class Int>
bool get_uint(const field_reader& r, const char* key, Int& out, std::int64_t hi) {
    auto v = r.try_integer(key, 0, hi);
    if (v) {
        out = static_cast<Int>(*v);
    }
    return v.has_value();
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
    field_reader top(j, "");
    if (!top.str("src", src, true) || !top.str("dst", dst, true)) {
        return *top.error();
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
    if (!top.str("method", method, true)) {
        return *top.error();
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
    if (!top.str("stop_reason", stop, false)) {
        return *top.error();
    }
    if (top.has("stop_reason")) {
        auto it = std::find_if(std::begin(stop_names), std::end(stop_names),
                               [&](const auto& n) { return n.scamper == stop; });
        if (it == std::end(stop_names)) {
            return parse_error{"stop_reason", "unknown stop reason \"" + stop.substr(0, 32) + "\""};
        }
        t.stop = it->stop;
    }
    const nlohmann::json* start = top.get("start");
    if (start == nullptr || !start->is_object() ||
        !get_uint(field_reader(*start, "start"), "sec", t.timestamp, 1ll << 40)) {
        return parse_error{"start.sec", "missing or not a non-negative integer"};
    }
    t.endtime = t.timestamp;
    get_uint(top, "icmp_sum", t.paris_id, 65535);
    std::uint32_t attempts = 1;
    get_uint(top, "attempts", attempts, 16);
    std::uint32_t firsthop = 1;
    get_uint(top, "firsthop", firsthop, 255);
    t.agent = ctx.hostname.empty() ? src : ctx.hostname;
    t.id = !ctx.uuid.empty() ? ctx.uuid
                             : "scamper-" + src + "-" + dst + "-" + std::to_string(t.timestamp);

    const nlohmann::json* hops = nullptr;
    if (!top.array("hops", hops, false)) {
        return *top.error();
    }
    std::map<std::uint8_t, result::hop> by_ttl;
    if (hops != nullptr) {
        for (std::size_t i = 0; i < hops->size(); ++i) {
            const json& h = (*hops)[i];
            const std::string where = "hops[" + std::to_string(i) + "]";
            if (auto e = json_fields::expect_object(h, where)) {
                return *e;
            }
            field_reader hr(h, where);
            std::uint8_t ttl = 0;
            if (!get_uint(hr, "probe_ttl", ttl, 255) || ttl == 0) {
                return parse_error{where + ".probe_ttl", "missing or not in 1..255"};
            }
            result::hop_reply r;
            std::string addr;
            if (!hr.str("addr", addr, true)) {
                return *hr.error();
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
                if (!hr.number("rtt", r.rtt_ms, true, 0, std::numeric_limits<double>::max())) {
                    return *hr.error();
                }
                get_uint(hr, "reply_size", r.size, 65535);
                get_uint(hr, "reply_ttl", r.ttl, 255);
                if (!get_uint(hr, "icmp_type", r.icmp_type, 255)) {
                    r.icmp_type = j.contains("tcp_flags") ? 255 : 11;
                }
                get_uint(hr, "icmp_code", r.icmp_code, 255);
                std::uint8_t q = 0;
                if (get_uint(hr, "icmp_q_ttl", q, 255)) {
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
                            const field_reader mr(m, where + ".icmp_ext.mpls_ext");
                            if (!get_uint(mr, "mpls_label", me.label, 0xfffff)) {
                                return parse_error{where + ".icmp_ext.mpls_ext.mpls_label",
                                                   "missing or out of range"};
                            }
                            get_uint(mr, "mpls_exp", me.tc, 7);
                            get_uint(mr, "mpls_ttl", me.ttl, 255);
                            get_uint(mr, "mpls_s", sbit, 1);
                            me.bottom = sbit == 1;
                            r.mpls.push_back(me);
                        }
                    }
                }
                if (auto tx = h.find("tx"); tx != h.end() && tx->is_object()) {
                    std::int64_t sec = 0;
                    if (get_uint(field_reader(*tx, where + ".tx"), "sec", sec, 1ll << 40)) {
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
