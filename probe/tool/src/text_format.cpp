#include <algorithm>
#include <cmath>
#include <cstdio>

#include <tumen/probe/tool/text_format.hpp>

namespace tumen::probe::tool {
namespace {

std::string fmt_ms(double ms) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f ms", ms);
    return buf;
}

std::string fmt_mpls(const std::vector<result::mpls_entry>& stack) {
    std::string out;
    for (const auto& e : stack) {
        out += " [MPLS: L=" + std::to_string(e.label) + " E=" + std::to_string(e.tc) +
               " S=" + std::to_string(e.bottom ? 1 : 0) + " TTL=" + std::to_string(e.ttl) + "]";
    }
    return out;
}

} // namespace

std::string format_trace_header(const result::trace& t, std::uint8_t max_ttl) {
    const std::string dst = t.dst.to_string();
    std::string name = t.dst_name.empty() ? dst : t.dst_name;
    return "traceroute to " + name + " (" + dst + ") from " + t.src.to_string() + ", " + t.method +
           ", flow " + std::to_string(t.paris_id) + ", " + std::to_string(max_ttl) + " hops max";
}

std::string format_trace_hops(const result::trace& t) {
    std::string out;
    for (std::size_t i = 0; i < t.hops.size(); ++i) {
        const auto& h = t.hops[i];
        char num[8];
        std::snprintf(num, sizeof num, "%2u", static_cast<unsigned>(h.ttl));
        std::string line = num;
        std::optional<ipv4_addr> last;
        std::vector<result::mpls_entry> mpls;
        for (const auto& r : h.replies) {
            if (r.timeout) {
                line += "  *";
                continue;
            }
            if (!last || *last != r.from) {
                line += "  " + r.from.to_string();
                last = r.from;
            }
            line += "  " + fmt_ms(r.rtt_ms);
            if (!r.err.empty()) {
                line += " !" + r.err;
            }
            if (r.nat) {
                line += " !NAT";
            }
            if (mpls.empty()) {
                mpls = r.mpls;
            }
        }
        line += fmt_mpls(mpls);
        if (!h.error.empty()) {
            line += "  error: " + h.error;
        }
        out += line;
        if (i + 1 < t.hops.size()) {
            out += '\n';
        }
    }
    return out;
}

std::string format_trace_text(const result::trace& t, std::uint8_t max_ttl) {
    std::string out = format_trace_header(t, max_ttl) + '\n';
    const std::string hops = format_trace_hops(t);
    if (!hops.empty()) {
        out += hops + '\n';
    }
    out += std::string("stop: ") + result::to_string(t.stop) + '\n';
    return out;
}

ping_summary summarize(const result::ping& p) {
    ping_summary s;
    s.sent = p.sent;
    std::vector<double> rtts;
    for (const auto& r : p.rtts_ms) {
        if (r) {
            rtts.push_back(*r);
        }
    }
    s.received = static_cast<std::uint32_t>(rtts.size());
    s.loss_percent = s.sent == 0 ? 0.0 : 100.0 * (s.sent - std::min(s.sent, s.received)) / s.sent;
    if (!rtts.empty()) {
        double sum = 0, sq = 0;
        s.min_ms = rtts.front();
        s.max_ms = rtts.front();
        for (double v : rtts) {
            sum += v;
            sq += v * v;
            s.min_ms = std::min(s.min_ms, v);
            s.max_ms = std::max(s.max_ms, v);
        }
        const double n = static_cast<double>(rtts.size());
        s.avg_ms = sum / n;
        s.stddev_ms = std::sqrt(std::max(0.0, sq / n - s.avg_ms * s.avg_ms));
    }
    return s;
}

std::string format_ping_text(const result::ping& p) {
    const ping_summary s = summarize(p);
    char buf[256];
    std::string out = "--- " + p.dst.to_string() + " ping (" + p.method + ") ---\n";
    std::snprintf(buf, sizeof buf, "%u sent, %u received, %.1f%% loss\n", s.sent, s.received,
                  s.loss_percent);
    out += buf;
    if (s.received > 0) {
        std::snprintf(buf, sizeof buf, "rtt min/avg/max/stddev = %.3f/%.3f/%.3f/%.3f ms\n",
                      s.min_ms, s.avg_ms, s.max_ms, s.stddev_ms);
        out += buf;
    }
    return out;
}

} // namespace tumen::probe::tool
