#include "store_rows.hpp"

#include <nlohmann/json.hpp>

#include <tumen/controller/inference/dataset_evidence.hpp>

namespace tumen::controller::pipeline {
namespace {

using json = nlohmann::json;

json optional_u32(const std::optional<std::uint32_t>& v) {
    return v ? json(*v) : json(nullptr);
}

json optional_double(const std::optional<double>& v) {
    return v ? json(*v) : json(nullptr);
}

std::vector<store::hop_row> hop_rows(const result::trace& t, const asmap::as_map& map) {
    std::vector<store::hop_row> rows;
    rows.reserve(t.hops.size());
    for (const auto& h : t.hops) {
        store::hop_row row;
        row.ttl = h.ttl;
        for (const auto& r : h.replies) {
            if (r.timeout) {
                continue;
            }
            ++row.replies;
            if (!row.addr) {
                row.addr = r.from;
                auto info = map.lookup(r.from);
                if (info.mapped()) {
                    row.asn = info.asn;
                }
            }
            if (!row.rtt_ms || r.rtt_ms < *row.rtt_ms) {
                row.rtt_ms = r.rtt_ms;
            }
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

} // namespace

store::result_row result_row_of(const parsed_result& r, const std::string& agent, std::int64_t now,
                                const asmap::as_map& map) {
    store::result_row row;
    row.agent = agent;
    row.received = now;
    row.raw_json = r.raw();
    if (const auto* t = std::get_if<result::trace>(&r.value)) {
        row.id = t->id;
        row.kind = "traceroute";
        row.campaign = t->campaign;
        row.dst = t->dst;
        row.timestamp = t->timestamp;
        row.hops = hop_rows(*t, map);
    } else {
        const auto& p = std::get<result::ping>(r.value);
        row.id = p.id;
        row.kind = "ping";
        row.campaign = p.campaign;
        row.dst = p.dst;
        row.timestamp = p.timestamp;
    }
    return row;
}

std::string verdict_evidence(const inference::verdict_record& r, const asmap::as_map& map,
                             const std::optional<ipv4_addr>& ping_target) {
    const auto& v = r.verdict;
    json border = nullptr;
    if (v.border_addr) {
        border = json{{"addr", v.border_addr->to_string()},
                      {"ttl", v.border_ttl ? json(*v.border_ttl) : json(nullptr)},
                      {"rtt_ms", optional_double(v.border_rtt_ms)}};
    }
    return json{{"trace_id", r.trace_id},
                {"time", r.time},
                {"campaign", r.campaign},
                {"observed_path", inference::path_identity(v)},
                {"transit_asn", optional_u32(v.transit_asn)},
                {"transit_name", v.transit_name.empty() ? json(nullptr) : json(v.transit_name)},
                {"border", border},
                {"as_path", v.as_path},
                {"reached_target", v.reached_target},
                {"weak", v.weak},
                {"known_border", v.known_border},
                {"prohibited", v.prohibited},
                {"reachable", r.reachable},
                {"via_ixp", v.via_ixp},
                {"end_rtt_ms", optional_double(v.end_rtt_ms)},
                {"reason", v.reason},
                {"datasets", inference::dataset_evidence(map)},
                {"ping_target", ping_target ? json(ping_target->to_string()) : json(nullptr)}}
        .dump();
}

std::string change_evidence(const inference::change_record& c) {
    const auto& e = c.event;
    return json{{"campaign", c.campaign},
                {"from_asn", optional_u32(e.from_asn)},
                {"to_asn", optional_u32(e.to_asn)},
                {"last_old_time", e.last_old_time},
                {"first_new_time", e.first_new_time},
                {"last_old_trace_id", e.last_old_trace_id},
                {"first_new_trace_id", e.first_new_trace_id},
                {"trace_ids", e.trace_ids},
                {"rounds", e.rounds},
                {"detected_by", c.detected_by}}
        .dump();
}

} // namespace tumen::controller::pipeline
