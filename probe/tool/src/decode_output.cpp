#include <cinttypes>
#include <ctime>
#include <memory>

#include <nlohmann/json.hpp>
#include <pcap/pcap.h>

#include <tumen/probe/tool/decode_output.hpp>

namespace tumen::probe::tool {
namespace {

/// "YYYY-MM-DDTHH:MM:SS.uuuuuuZ" (UTC, microseconds).
std::string iso_time(std::chrono::nanoseconds t) {
    const std::int64_t us = t.count() / 1000;
    std::int64_t secs = us / 1000000;
    std::int64_t frac = us % 1000000;
    if (frac < 0) {
        frac += 1000000;
        --secs;
    }
    const auto tt = static_cast<std::time_t>(secs);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06" PRId64 "Z",
                  tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  frac);
    return buf;
}

template <class T>
nlohmann::json opt(const std::optional<T>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

nlohmann::json quoted_json(const capture::quoted_fields& q) {
    nlohmann::json j{{"dst", q.dst}, {"proto", q.protocol}};
    if (q.src_port) {
        j["sport"] = *q.src_port;
        j["dport"] = opt(q.dst_port);
    }
    if (q.icmp_id) {
        j["icmp_id"] = *q.icmp_id;
        j["icmp_seq"] = opt(q.icmp_seq);
    }
    j["ttl"] = q.ttl;
    j["ip_id"] = opt(q.ip_id);
    return j;
}

struct json_line {
    std::string operator()(const capture::capture_error& e) const {
        return nlohmann::json{{"frame", e.frame}, {"error", e.what}}.dump() + "\n";
    }
    std::string operator()(const capture::capture_reply& r) const {
        nlohmann::json j{{"frame", r.frame},         {"time", iso_time(r.time)},
                         {"family", r.family},       {"src", r.src},
                         {"icmp_type", r.icmp_type}, {"icmp_code", r.icmp_code}};
        j["quoted"] = r.quoted ? quoted_json(*r.quoted) : nlohmann::json(nullptr);
        if (r.echo_id) {
            j["echo"] = {{"icmp_id", *r.echo_id}, {"icmp_seq", opt(r.echo_seq)}};
        }
        nlohmann::json mpls = nlohmann::json::array();
        for (const auto& m : r.mpls) {
            mpls.push_back(
                {{"label", m.label}, {"exp", m.tc}, {"s", m.bottom ? 1 : 0}, {"ttl", m.ttl}});
        }
        j["mpls"] = std::move(mpls);
        j["probe_ttl"] = opt(r.probe_ttl);
        j["rtt_ms"] = opt(r.rtt_ms);
        if (!r.warning.empty()) {
            j["warning"] = r.warning;
        }
        return j.dump() + "\n";
    }
};

struct text_line {
    std::string operator()(const capture::capture_error& e) const {
        return "frame " + std::to_string(e.frame) + ": error: " + e.what + "\n";
    }
    std::string operator()(const capture::capture_reply& r) const {
        std::string s = "frame " + std::to_string(r.frame) + " " + iso_time(r.time) + " " +
                        (r.family == 6 ? "icmp6 " : "icmp ") + r.src + " type " +
                        std::to_string(r.icmp_type) + " code " + std::to_string(r.icmp_code);
        if (r.quoted) {
            const auto& q = *r.quoted;
            s += " quoted dst " + q.dst + " proto " + std::to_string(q.protocol);
            if (q.src_port) {
                s += " ports " + std::to_string(*q.src_port) + ">" +
                     std::to_string(q.dst_port.value_or(0));
            }
            if (q.icmp_id) {
                s += " id " + std::to_string(*q.icmp_id) + " seq " +
                     std::to_string(q.icmp_seq.value_or(0));
            }
            s += " ttl " + std::to_string(q.ttl);
            if (q.ip_id) {
                s += " ip-id " + std::to_string(*q.ip_id);
            }
        }
        if (r.echo_id) {
            s += " echo id " + std::to_string(*r.echo_id) + " seq " +
                 std::to_string(r.echo_seq.value_or(0));
        }
        for (std::size_t i = 0; i < r.mpls.size(); ++i) {
            const auto& m = r.mpls[i];
            s += (i == 0 ? " mpls " : ",") + std::string("L=") + std::to_string(m.label) +
                 ":E=" + std::to_string(m.tc) + ":S=" + std::to_string(m.bottom ? 1 : 0) +
                 ":TTL=" + std::to_string(m.ttl);
        }
        if (r.rtt_ms) {
            char rtt[32];
            std::snprintf(rtt, sizeof rtt, "%.3f", *r.rtt_ms);
            s += " probe-ttl " + std::to_string(r.probe_ttl.value_or(0)) + " rtt " + rtt + " ms";
        }
        if (!r.warning.empty()) {
            s += " (" + r.warning + ")";
        }
        return s + "\n";
    }
};

struct pcap_closer {
    void operator()(pcap_t* p) const noexcept { pcap_close(p); }
};

} // namespace

std::string decode_json_line(const capture::capture_event& e) {
    return std::visit(json_line{}, e);
}

std::string decode_text_line(const capture::capture_event& e) {
    return std::visit(text_line{}, e);
}

std::optional<decode_summary> decode_file(const std::string& path, bool json, std::FILE* out,
                                          std::string& error) {
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    std::unique_ptr<pcap_t, pcap_closer> p(
        pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, errbuf));
    if (!p) {
        const std::string why = errbuf;
        error = why.find(path) == std::string::npos ? path + ": " + why : why;
        return std::nullopt;
    }
    const int dlt = pcap_datalink(p.get());
    if (!capture::capture_link_supported(dlt)) {
        const char* name = pcap_datalink_val_to_name(dlt);
        error = path + ": link type " + std::to_string(dlt) + " (" + (name ? name : "unknown") +
                ") is not supported (Ethernet, Linux cooked, raw IP)";
        return std::nullopt;
    }
    capture::capture_decoder dec(dlt);
    decode_summary sum;
    pcap_pkthdr* h = nullptr;
    const u_char* data = nullptr;
    int rc = 0;
    while ((rc = pcap_next_ex(p.get(), &h, &data)) == 1) {
        const std::chrono::nanoseconds t =
            std::chrono::seconds(h->ts.tv_sec) + std::chrono::nanoseconds(h->ts.tv_usec);
        auto ev = dec.feed({data, h->caplen}, t);
        if (!ev) {
            continue;
        }
        ++(std::holds_alternative<capture::capture_error>(*ev) ? sum.errors : sum.replies);
        const std::string line = json ? decode_json_line(*ev) : decode_text_line(*ev);
        std::fwrite(line.data(), 1, line.size(), out);
    }
    sum.frames = dec.frames();
    if (rc == PCAP_ERROR) {
        // A file cut short mid-record: report it as the next frame's error, keep what came.
        const capture::capture_event e = capture::capture_error{
            sum.frames + 1, std::string("capture file: ") + pcap_geterr(p.get())};
        const std::string line = json ? decode_json_line(e) : decode_text_line(e);
        std::fwrite(line.data(), 1, line.size(), out);
        ++sum.errors;
    }
    std::fflush(out);
    return sum;
}

} // namespace tumen::probe::tool
