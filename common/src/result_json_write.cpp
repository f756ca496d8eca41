// The writer of the result JSON (tumen's form of a trace or ping result, close to RIPE
// Atlas'); its strict parser is result_json.cpp.
#include <string>

#include <tumen/common/atlas_err.hpp>
#include <tumen/common/result_json.hpp>

namespace tumen::result {
namespace {

using json = nlohmann::json;

json mpls_to_json(const std::vector<mpls_entry>& stack) {
    json entries = json::array();
    for (const auto& m : stack) {
        entries.push_back(
            {{"label", m.label}, {"exp", m.tc}, {"s", m.bottom ? 1 : 0}, {"ttl", m.ttl}});
    }
    // RFC 4950: MPLS label stack object, class 1, c-type 1; RFC 4884 extension structure.
    return json{{"version", 2},
                {"rfc4884", 1},
                {"obj", json::array({json{{"class", 1}, {"type", 1}, {"mpls", entries}}})}};
}

} // namespace

nlohmann::json to_json(const trace& t) {
    json hops = json::array();
    for (const auto& h : t.hops) {
        json replies = json::array();
        for (const auto& r : h.replies) {
            if (r.timeout) {
                replies.push_back(json{{"x", "*"}});
                continue;
            }
            json o{{"from", r.from.to_string()},
                   {"rtt", r.rtt_ms},
                   {"size", r.size},
                   {"ttl", r.ttl},
                   {"icmp_type", r.icmp_type},
                   {"icmp_code", r.icmp_code},
                   {"nat", r.nat}};
            if (r.quoted_ttl) {
                o["ittl"] = *r.quoted_ttl;
            }
            if (err_is_numeric(r.err)) {
                o["err"] = std::stoi(r.err); // Atlas writes other codes as a number
            } else if (!r.err.empty()) {
                o["err"] = r.err;
            }
            if (!r.mpls.empty()) {
                o["icmpext"] = mpls_to_json(r.mpls);
            }
            if (r.late) {
                o["late"] = 1;
            }
            replies.push_back(std::move(o));
        }
        json ho{{"hop", h.ttl}, {"result", std::move(replies)}};
        if (!h.error.empty()) {
            ho["error"] = h.error;
        }
        hops.push_back(std::move(ho));
    }
    json j{{"type", "traceroute"},
           {"af", 4},
           {"id", t.id},
           {"agent", t.agent},
           {"campaign", t.campaign},
           {"method", t.method},
           {"dst_addr", t.dst.to_string()},
           {"src_addr", t.src.to_string()},
           {"proto", t.proto},
           {"paris_id", t.paris_id},
           {"timestamp", t.timestamp},
           {"endtime", t.endtime},
           {"stop_reason", to_string(t.stop)},
           {"result", std::move(hops)}};
    if (!t.dst_name.empty()) {
        j["dst_name"] = t.dst_name;
    }
    if (!t.trigger.empty()) {
        j["trigger"] = t.trigger;
    }
    if (t.confirmation) {
        j["confirmation"] = true;
    }
    return j;
}

nlohmann::json to_json(const ping& p) {
    json results = json::array();
    for (const auto& r : p.rtts_ms) {
        results.push_back(r ? json{{"rtt", *r}} : json{{"x", "*"}});
    }
    const rtt_summary sum = rtt_summary_of(p);
    return json{{"type", "ping"},
                {"af", 4},
                {"id", p.id},
                {"agent", p.agent},
                {"campaign", p.campaign},
                {"method", p.method},
                {"dst_addr", p.dst.to_string()},
                {"src_addr", p.src.to_string()},
                {"timestamp", p.timestamp},
                {"sent", p.sent},
                {"rcvd", p.received},
                {"min", sum.min},
                {"avg", sum.avg},
                {"max", sum.max},
                {"result", std::move(results)}};
}

} // namespace tumen::result
