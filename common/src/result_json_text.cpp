// The result JSON written straight to text: the same bytes as to_json(r).dump() (keys in
// nlohmann's sorted order, its number forms), without building the nlohmann tree. Kept
// beside to_json() because `tumen-probe trace --format json` spent 9-14% of its CPU in
// to_json() and dump() on the /22 benchmark (bench/probe/run.sh, perf): a std::map node and
// several strings per field of every reply; `tumen-bench-result-json` (bench/probe) times
// both on a 15-hop trace: 49 us against 6.2 us (1 Dec 2026, idle VM, 8x).
// tests/common/result_json_text_test.cpp checks the bytes against dump() on every field and
// escape.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>
#include <utility>

#include <tumen/common/atlas_err.hpp>
#include <tumen/common/result_json.hpp>

namespace tumen::result {
namespace {

/// Appends JSON to a string; commas between members and elements come by themselves.
class writer {
public:
    explicit writer(std::string& out)
        : out_(out) {}

    void open(char c) {
        out_ += c;
        fresh_ = true;
    }
    void close(char c) {
        out_ += c;
        fresh_ = false;
    }
    /// `"key":` (keys are literals without characters to escape), after a comma unless the
    /// object was just opened.
    writer& member(std::string_view k) {
        element();
        out_ += '"';
        out_ += k;
        out_ += "\":";
        return *this;
    }
    /// A comma before an array's element unless the array was just opened.
    void element() {
        if (!fresh_) {
            out_ += ',';
        }
        fresh_ = true;
    }
    /// A string as dump() writes it: plain printable ASCII here, anything else by nlohmann
    /// (its escapes, and its error on invalid UTF-8).
    void str(std::string_view s) {
        fresh_ = false;
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
        fresh_ = false;
        char buf[24];
        const auto r = std::to_chars(buf, buf + sizeof buf, v);
        out_.append(buf, r.ptr);
    }
    /// A double as dump() writes it (nlohmann's shortest round-trip form, "null" when not
    /// finite).
    void number(double v) {
        fresh_ = false;
        if (!std::isfinite(v)) {
            out_ += "null";
            return;
        }
        char buf[64];
        char* end = nlohmann::detail::to_chars(buf, buf + sizeof buf, v);
        out_.append(buf, end);
    }
    void boolean(bool v) {
        fresh_ = false;
        out_ += v ? "true" : "false";
    }
    /// A value written out as is.
    void raw(std::string_view s) {
        fresh_ = false;
        out_ += s;
    }

private:
    std::string& out_;
    bool fresh_ = true;
};

void write_mpls(writer& w, const std::vector<mpls_entry>& stack) {
    // RFC 4950: MPLS label stack object, class 1, c-type 1; RFC 4884 extension structure.
    w.open('{');
    w.member("obj").open('[');
    w.element();
    w.open('{');
    w.member("class").integer(1);
    w.member("mpls").open('[');
    for (const auto& m : stack) {
        w.element();
        w.open('{');
        w.member("exp").integer(m.tc);
        w.member("label").integer(m.label);
        w.member("s").integer(m.bottom ? 1 : 0);
        w.member("ttl").integer(m.ttl);
        w.close('}');
    }
    w.close(']');
    w.member("type").integer(1);
    w.close('}');
    w.close(']');
    w.member("rfc4884").integer(1);
    w.member("version").integer(2);
    w.close('}');
}

void write_reply(writer& w, const hop_reply& r) {
    if (r.timeout) {
        w.raw("{\"x\":\"*\"}");
        return;
    }
    w.open('{');
    if (err_is_numeric(r.err)) {
        w.member("err").integer(std::stoi(r.err)); // Atlas writes other codes as a number
    } else if (!r.err.empty()) {
        w.member("err").str(r.err);
    }
    w.member("from").str(r.from.to_string());
    w.member("icmp_code").integer(r.icmp_code);
    w.member("icmp_type").integer(r.icmp_type);
    if (!r.mpls.empty()) {
        w.member("icmpext");
        write_mpls(w, r.mpls);
    }
    if (r.quoted_ttl) {
        w.member("ittl").integer(*r.quoted_ttl);
    }
    if (r.late) {
        w.member("late").integer(1);
    }
    w.member("nat").boolean(r.nat);
    w.member("rtt").number(r.rtt_ms);
    w.member("size").integer(r.size);
    w.member("ttl").integer(r.ttl);
    w.close('}');
}

/// The members both kinds of result start with, in key order up to "campaign".
void write_head(writer& w, const std::string& agent) {
    w.open('{');
    w.member("af").integer(4);
    w.member("agent").str(agent);
}

} // namespace

std::string to_json_text(const trace& t) {
    std::string out;
    out.reserve(256 + 160 * t.hops.size());
    writer w(out);
    write_head(w, t.agent);
    w.member("campaign").str(t.campaign);
    if (t.confirmation) {
        w.member("confirmation").boolean(true);
    }
    w.member("dst_addr").str(t.dst.to_string());
    if (!t.dst_name.empty()) {
        w.member("dst_name").str(t.dst_name);
    }
    w.member("endtime").integer(t.endtime);
    w.member("id").str(t.id);
    w.member("method").str(t.method);
    w.member("paris_id").integer(t.paris_id);
    w.member("proto").str(t.proto);
    w.member("result").open('[');
    for (const auto& h : t.hops) {
        w.element();
        w.open('{');
        if (!h.error.empty()) {
            w.member("error").str(h.error);
        }
        w.member("hop").integer(h.ttl);
        w.member("result").open('[');
        for (const auto& r : h.replies) {
            w.element();
            write_reply(w, r);
        }
        w.close(']');
        w.close('}');
    }
    w.close(']');
    w.member("src_addr").str(t.src.to_string());
    w.member("stop_reason").str(to_string(t.stop));
    w.member("timestamp").integer(t.timestamp);
    if (!t.trigger.empty()) {
        w.member("trigger").str(t.trigger);
    }
    w.member("type").str("traceroute");
    w.close('}');
    return out;
}

std::string to_json_text(const ping& p) {
    const rtt_summary sum = rtt_summary_of(p);
    std::string out;
    out.reserve(256 + 16 * p.rtts_ms.size());
    writer w(out);
    write_head(w, p.agent);
    w.member("avg").number(sum.avg);
    w.member("campaign").str(p.campaign);
    w.member("dst_addr").str(p.dst.to_string());
    w.member("id").str(p.id);
    w.member("max").number(sum.max);
    w.member("method").str(p.method);
    w.member("min").number(sum.min);
    w.member("rcvd").integer(p.received);
    w.member("result").open('[');
    for (const auto& r : p.rtts_ms) {
        w.element();
        if (r) {
            w.open('{');
            w.member("rtt").number(*r);
            w.close('}');
        } else {
            w.raw("{\"x\":\"*\"}");
        }
    }
    w.close(']');
    w.member("sent").integer(p.sent);
    w.member("src_addr").str(p.src.to_string());
    w.member("timestamp").integer(p.timestamp);
    w.member("type").str("ping");
    w.close('}');
    return out;
}

} // namespace tumen::result
