#include "graph_document.hpp"

#include <algorithm>
#include <map>

#include <tumen/common/path_graph.hpp>
#include <tumen/controller/inference/border.hpp>
#include <tumen/controller/inference/path_names.hpp>

namespace tumen::controller::pipeline {
namespace {

using json = nlohmann::json;
namespace inf = tumen::controller::inference;
namespace pg = tumen::path_graph;

template <class T>
json or_null(const std::optional<T>& v) {
    return v ? json(*v) : json(nullptr);
}

json name_or_null(const std::string& s) {
    return s.empty() ? json(nullptr) : json(s);
}

/// The stored trace as a result trace (one reply per TTL: the stored address and RTT).
result::trace result_of(const store::trace_row& row) {
    result::trace t;
    t.id = row.id;
    t.agent = row.agent;
    t.campaign = row.campaign;
    t.dst = ipv4_addr::parse(row.dst).value_or(ipv4_addr{});
    t.timestamp = row.timestamp;
    for (const auto& h : row.hops) {
        result::hop hop;
        hop.ttl = static_cast<std::uint8_t>(std::clamp(h.ttl, 0, 255));
        result::hop_reply r;
        if (h.addr) {
            r.from = *h.addr;
            r.rtt_ms = h.rtt_ms.value_or(0);
        } else {
            r.timeout = true;
        }
        hop.replies.push_back(r);
        t.hops.push_back(std::move(hop));
    }
    return t;
}

std::vector<pg::hop> graph_hops(const store::trace_row& row, const asmap::as_map& map) {
    std::vector<pg::hop> out;
    out.reserve(row.hops.size());
    for (const auto& h : row.hops) {
        pg::hop hop{h.ttl, {}};
        if (h.addr) {
            hop.replies.push_back(
                pg::reply{*h.addr, h.rtt_ms, h.asn, h.asn ? map.as_name(*h.asn) : std::string()});
        }
        out.push_back(std::move(hop));
    }
    return out;
}

/// The evidence text as JSON; null when it is damaged.
json evidence_of(const std::string& text) {
    json evidence = json::parse(text, nullptr, false);
    return evidence.is_discarded() || !evidence.is_object() ? json(nullptr) : evidence;
}

std::string string_field(const json& j, const char* key) {
    if (!j.is_object()) {
        return {};
    }
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::int64_t int_field(const json& j, const char* key) {
    if (!j.is_object()) {
        return 0;
    }
    const auto it = j.find(key);
    return it != j.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

json node_json(const pg::node& n) {
    return json{{"id", n.id},
                {"kind", pg::to_string(n.kind)},
                {"addr", n.addr ? json(n.addr->to_string()) : json(nullptr)},
                {"asn", or_null(n.asn)},
                {"as_name", name_or_null(n.as_name)},
                {"border", n.border},
                {"border_of", n.border_of},
                {"ttls", n.ttls},
                {"rtt_ms", or_null(n.rtt_ms)},
                {"paths", n.paths}};
}

} // namespace

std::vector<path_source> path_sources(const store::verdict_row* verdict,
                                      const std::vector<store::change_row>& changes,
                                      std::int64_t until) {
    std::map<std::string, path_source> latest;
    auto offer = [&](const std::string& identity, const std::string& trace_id, std::int64_t time) {
        if (identity.empty() || trace_id.empty() || time > until) {
            return;
        }
        auto [it, fresh] = latest.try_emplace(identity, path_source{identity, trace_id, time});
        if (!fresh && time >= it->second.time) {
            it->second = path_source{identity, trace_id, time};
        }
    };
    for (const auto& c : changes) {
        const json e = evidence_of(c.evidence_json);
        offer(c.from_path, string_field(e, "last_old_trace_id"), int_field(e, "last_old_time"));
        offer(c.to_path, string_field(e, "first_new_trace_id"), int_field(e, "first_new_time"));
    }
    if (verdict) {
        const json e = evidence_of(verdict->evidence_json);
        offer(string_field(e, "observed_path"), string_field(e, "trace_id"), int_field(e, "time"));
    }
    std::vector<path_source> out;
    out.reserve(latest.size());
    for (auto& [identity, s] : latest) {
        out.push_back(std::move(s));
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const path_source& a, const path_source& b) { return a.time < b.time; });
    return out;
}

json graph_document(const std::string& agent, const std::string& target,
                    std::optional<std::int64_t> at, const std::string& current,
                    const std::vector<path_source>& sources, const trace_loader& load,
                    const campaign::campaign_set& campaigns, const asmap::as_map& map) {
    std::vector<pg::path_trace> traces;
    json paths = json::array();
    for (const auto& s : sources) {
        const std::string name = inf::path_name(s.identity);
        pg::path_trace p{name, s.trace_id, s.time, std::nullopt, std::nullopt, {}};
        json border = nullptr;
        json transit_asn = nullptr;
        json transit_name = nullptr;
        const auto row = load(s.trace_id);
        const bool stored = row && !row->pruned;
        if (row) {
            p.hops = graph_hops(*row, map);
            if (const auto* c = campaigns.find(row->campaign)) {
                const auto v = inf::infer_border(result_of(*row), *c, map);
                if (v.border_addr) {
                    p.border = v.border_addr;
                    p.border_ttl = v.border_ttl ? std::optional<int>(*v.border_ttl) : std::nullopt;
                    border =
                        json{{"addr", v.border_addr->to_string()}, {"ttl", or_null(p.border_ttl)}};
                }
                transit_asn = or_null(v.transit_asn);
                transit_name = name_or_null(v.transit_name);
            }
        }
        paths.push_back(json{{"name", name},
                             {"identity", s.identity},
                             {"current", s.identity == current},
                             {"trace_id", s.trace_id},
                             {"time", s.time},
                             {"stored", stored},
                             {"border", border},
                             {"transit_asn", transit_asn},
                             {"transit_name", transit_name}});
        traces.push_back(std::move(p));
    }
    const auto g = pg::build(traces);
    json nodes = json::array();
    for (const auto& n : g.nodes) {
        nodes.push_back(node_json(n));
    }
    json links = json::array();
    for (const auto& l : g.links) {
        links.push_back(json{{"from", l.from}, {"to", l.to}, {"paths", l.paths}});
    }
    return json{{"agent", agent},
                {"target", target},
                {"at", or_null(at)},
                {"current_path", current.empty() ? json(nullptr) : json(inf::path_name(current))},
                {"paths", std::move(paths)},
                {"nodes", std::move(nodes)},
                {"links", std::move(links)}};
}

json trace_document(const store::trace_row& trace, const asmap::as_map& map) {
    json hops = json::array();
    for (const auto& h : trace.hops) {
        hops.push_back(json{{"ttl", h.ttl},
                            {"addr", h.addr ? json(h.addr->to_string()) : json(nullptr)},
                            {"asn", or_null(h.asn)},
                            {"as_name", h.asn ? name_or_null(map.as_name(*h.asn)) : json(nullptr)},
                            {"rtt_ms", or_null(h.rtt_ms)},
                            {"replies", h.replies}});
    }
    return json{{"agent", trace.agent},         {"id", trace.id},
                {"campaign", trace.campaign},   {"dst", trace.dst},
                {"timestamp", trace.timestamp}, {"received", trace.received},
                {"pruned", trace.pruned},       {"hops", std::move(hops)}};
}

} // namespace tumen::controller::pipeline
