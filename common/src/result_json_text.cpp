// The result JSON written straight to text: the same bytes as to_json(r).dump() (keys in
// nlohmann's sorted order, its number forms), without building the nlohmann tree. Kept
// beside to_json() because `tumen-probe trace --format json` spent 9-14% of its CPU in
// to_json() and dump() on the /22 benchmark (bench/probe/run.sh, perf): a std::map node and
// several strings per field of every reply. tests/common/result_json_text_test.cpp checks
// the bytes against dump() on every field and escape.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>
#include <utility>

#include <tumen/common/atlas_err.hpp>
#include <tumen/common/result_json.hpp>

namespace tumen::result {
namespace {

class writer {
public:
    explicit writer(std::string& out)
        : out_(out) {}

    /// `"key":` (keys are literals without characters to escape).
    writer& key(std::string_view k) {
        out_ += '"';
        out_ += k;
        out_ += "\":";
        return *this;
    }
    /// A string as dump() writes it: plain printable ASCII here, anything else by nlohmann
    /// (its escapes, and its error on invalid UTF-8).
    void str(std::string_view s) {
        for (const char c : s) {
            const auto u = static_cast<unsigned char>(c);
            if (u < 0x20 || u >= 0x7f || c == '"' || c == '\\') {
                out_ += nlohmann::json(s).dump();
                return;
            }
        }
        out_ += '"';
        out_ += s;
        out_ += '"';
    }
    template <class Int>
    void integer(Int v) {
        char buf[24];
        const auto r = std::to_chars(buf, buf + sizeof buf, v);
        out_.append(buf, r.ptr);
    }
    /// A double as dump() writes it (nlohmann's shortest round-trip form, "null" when not
    /// finite).
    void number(double v) {
        if (!std::isfinite(v)) {
            out_ += "null";
            return;
        }
        char buf[64];
        char* end = nlohmann::detail::to_chars(buf, buf + sizeof buf, v);
        out_.append(buf, end);
    }
    void boolean(bool v) { out_ += v ? "true" : "false"; }
    void raw(std::string_view s) { out_ += s; }
    void comma() { out_ += ','; }

private:
    std::string& out_;
};

void write_mpls(writer& w, const std::vector<mpls_entry>& stack) {
    // RFC 4950: MPLS label stack object, class 1, c-type 1; RFC 4884 extension structure.
    w.raw("{\"obj\":[{\"class\":1,\"mpls\":[");
    bool first = true;
    for (const auto& m : stack) {
        if (!std::exchange(first, false)) {
            w.comma();
        }
        w.raw("{\"exp\":");
        w.integer(m.tc);
        w.raw(",\"label\":");
        w.integer(m.label);
        w.raw(",\"s\":");
        w.integer(m.bottom ? 1 : 0);
        w.raw(",\"ttl\":");
        w.integer(m.ttl);
        w.raw("}");
    }
    w.raw("],\"type\":1}],\"rfc4884\":1,\"version\":2}");
}

void write_reply(writer& w, const hop_reply& r) {
    if (r.timeout) {
        w.raw("{\"x\":\"*\"}");
        return;
    }
    w.raw("{");
    if (err_is_numeric(r.err)) {
        w.key("err").integer(std::stoi(r.err)); // Atlas writes other codes as a number
        w.comma();
    } else if (!r.err.empty()) {
        w.key("err").str(r.err);
        w.comma();
    }
    w.key("from").str(r.from.to_string());
    w.comma();
    w.key("icmp_code").integer(r.icmp_code);
    w.comma();
    w.key("icmp_type").integer(r.icmp_type);
    if (!r.mpls.empty()) {
        w.comma();
        w.key("icmpext");
        write_mpls(w, r.mpls);
    }
    if (r.quoted_ttl) {
        w.comma();
        w.key("ittl").integer(*r.quoted_ttl);
    }
    if (r.late) {
        w.comma();
        w.key("late").integer(1);
    }
    w.comma();
    w.key("nat").boolean(r.nat);
    w.comma();
    w.key("rtt").number(r.rtt_ms);
    w.comma();
    w.key("size").integer(r.size);
    w.comma();
    w.key("ttl").integer(r.ttl);
    w.raw("}");
}

} // namespace

std::string to_json_text(const trace& t) {
    std::string out;
    out.reserve(256 + 160 * t.hops.size());
    writer w(out);
    w.raw("{\"af\":4,");
    w.key("agent").str(t.agent);
    w.comma();
    w.key("campaign").str(t.campaign);
    if (t.confirmation) {
        w.raw(",\"confirmation\":true");
    }
    w.comma();
    w.key("dst_addr").str(t.dst.to_string());
    if (!t.dst_name.empty()) {
        w.comma();
        w.key("dst_name").str(t.dst_name);
    }
    w.comma();
    w.key("endtime").integer(t.endtime);
    w.comma();
    w.key("id").str(t.id);
    w.comma();
    w.key("method").str(t.method);
    w.comma();
    w.key("paris_id").integer(t.paris_id);
    w.comma();
    w.key("proto").str(t.proto);
    w.comma();
    w.key("result").raw("[");
    bool first_hop = true;
    for (const auto& h : t.hops) {
        if (!std::exchange(first_hop, false)) {
            w.comma();
        }
        w.raw("{");
        if (!h.error.empty()) {
            w.key("error").str(h.error);
            w.comma();
        }
        w.key("hop").integer(h.ttl);
        w.comma();
        w.key("result").raw("[");
        bool first_reply = true;
        for (const auto& r : h.replies) {
            if (!std::exchange(first_reply, false)) {
                w.comma();
            }
            write_reply(w, r);
        }
        w.raw("]}");
    }
    w.raw("],");
    w.key("src_addr").str(t.src.to_string());
    w.comma();
    w.key("stop_reason").str(to_string(t.stop));
    w.comma();
    w.key("timestamp").integer(t.timestamp);
    if (!t.trigger.empty()) {
        w.comma();
        w.key("trigger").str(t.trigger);
    }
    w.raw(",\"type\":\"traceroute\"}");
    return out;
}

std::string to_json_text(const ping& p) {
    double min = -1;
    double max = -1;
    double sum = 0;
    std::size_t n = 0;
    for (const auto& r : p.rtts_ms) {
        if (r) {
            min = n == 0 ? *r : std::min(min, *r);
            max = n == 0 ? *r : std::max(max, *r);
            sum += *r;
            ++n;
        }
    }
    std::string out;
    out.reserve(256 + 16 * p.rtts_ms.size());
    writer w(out);
    w.raw("{\"af\":4,");
    w.key("agent").str(p.agent);
    w.comma();
    // Atlas convention: min/avg/max are -1 when nothing came back.
    w.key("avg").number(n == 0 ? -1.0 : sum / static_cast<double>(n));
    w.comma();
    w.key("campaign").str(p.campaign);
    w.comma();
    w.key("dst_addr").str(p.dst.to_string());
    w.comma();
    w.key("id").str(p.id);
    w.comma();
    w.key("max").number(max);
    w.comma();
    w.key("method").str(p.method);
    w.comma();
    w.key("min").number(min);
    w.comma();
    w.key("rcvd").integer(p.received);
    w.comma();
    w.key("result").raw("[");
    bool first = true;
    for (const auto& r : p.rtts_ms) {
        if (!std::exchange(first, false)) {
            w.comma();
        }
        if (r) {
            w.raw("{\"rtt\":");
            w.number(*r);
            w.raw("}");
        } else {
            w.raw("{\"x\":\"*\"}");
        }
    }
    w.raw("],");
    w.key("sent").integer(p.sent);
    w.comma();
    w.key("src_addr").str(p.src.to_string());
    w.comma();
    w.key("timestamp").integer(p.timestamp);
    w.raw(",\"type\":\"ping\"}");
    return out;
}

} // namespace tumen::result
