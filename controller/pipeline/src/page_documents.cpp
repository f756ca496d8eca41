#include "page_documents.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>
#include <unordered_map>

#include <tumen/controller/inference/path_names.hpp>
#include <tumen/controller/inference/tracker_snapshot.hpp>

namespace tumen::controller::pipeline {
namespace {

using json = nlohmann::json;
namespace inf = tumen::controller::inference;

std::string name_or_none(const std::string& identity) {
    return identity.empty() ? std::string(inf::path_none) : inf::path_name(identity);
}

/// A path name that names a campaign class (not AS<n>, other or none).
bool is_class(const std::string& name) {
    return name != inf::path_none && name != inf::path_other && !inf::is_as_path_name(name);
}

/// Index of `value` in `list`, appended when new.
template <class Index>
std::size_t index_of(Index& index, std::vector<std::string>& list, const std::string& value) {
    auto [it, inserted] = index.emplace(value, list.size());
    if (inserted) {
        list.push_back(value);
    }
    return it->second;
}

/// The median of a ping's answered echoes in its stored JSON; nullopt when none answered.
std::optional<double> ping_median(const std::string& raw) {
    const json doc = json::parse(raw, nullptr, false);
    if (!doc.is_object()) {
        return std::nullopt;
    }
    const auto it = doc.find("result");
    if (it == doc.end() || !it->is_array()) {
        return std::nullopt;
    }
    std::vector<double> rtts;
    for (const auto& e : *it) {
        if (e.is_object()) {
            const auto r = e.find("rtt");
            if (r != e.end() && r->is_number()) {
                rtts.push_back(r->get<double>());
            }
        }
    }
    if (rtts.empty()) {
        return std::nullopt;
    }
    std::sort(rtts.begin(), rtts.end());
    return rtts[rtts.size() / 2];
}

} // namespace

namespace {

/// The text of the JSON value of `name` inside `object` (a flat JSON object text), or empty.
std::string_view raw_value(std::string_view object, std::string_view name) {
    const std::string key = "\"" + std::string(name) + "\":";
    const auto at = object.find(key);
    if (at == std::string_view::npos) {
        return {};
    }
    std::string_view rest = object.substr(at + key.size());
    const auto end = rest.find_first_of(",}");
    return end == std::string_view::npos ? std::string_view{} : rest.substr(0, end);
}

/// The border hop of a stored evidence text as two JSON texts (address and RTT, "null" when
/// absent), read from its "border" object alone: the evidence is written by this controller
/// (keys sorted, the border object holds no object), so a few bytes are read instead of the
/// whole evidence parsed. Anything unexpected reads as null.
std::pair<std::string, std::string> border_of(std::string_view evidence) {
    constexpr std::string_view key = "\"border\":{";
    const auto at = evidence.find(key);
    const auto end = at == std::string_view::npos ? at : evidence.find('}', at);
    if (end == std::string_view::npos) {
        return {"null", "null"};
    }
    const std::string_view border = evidence.substr(at + key.size() - 1, end - at - key.size() + 2);
    std::string addr = "null";
    const auto a = raw_value(border, "addr");
    if (a.size() >= 9 && a.size() <= 17 && a.front() == '"' && a.back() == '"' &&
        std::all_of(a.begin() + 1, a.end() - 1,
                    [](char c) { return (c >= '0' && c <= '9') || c == '.'; })) {
        addr = std::string(a);
    }
    std::string rtt = "null";
    const auto r = raw_value(border, "rtt_ms");
    double value = 0;
    if (!r.empty() &&
        std::from_chars(r.data(), r.data() + r.size(), value).ptr == r.data() + r.size()) {
        rtt = std::string(r);
    }
    return {std::move(addr), std::move(rtt)};
}

/// Appends the decimal text of `v` and a comma.
template <class Int>
void append_int(std::string& out, Int v) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
    out.push_back(',');
}

/// What the matrix shows of a tracker: reachability, candidate, current transit AS.
struct tracker_view {
    bool reachable = true;
    std::string candidate;
    std::optional<std::uint32_t> current_asn;
};

} // namespace

std::string matrix_document(const verdict_map& verdicts, const asmap::as_map& map,
                            const std::map<inf::track_key, inf::path_tracker>& trackers,
                            const standing_rules& rules, std::int64_t now) {
    std::vector<std::string> agents;
    std::vector<std::string> targets;
    std::vector<std::string> paths;
    std::unordered_map<std::string, std::size_t> agent_index;
    std::unordered_map<std::string, std::size_t> target_index;
    std::unordered_map<std::string, std::size_t> path_index;
    std::map<std::size_t, std::uint32_t> path_asn; // path index -> the first transit AS seen
    for (const auto& [key, v] : verdicts) {
        index_of(agent_index, agents, v.agent);
        index_of(target_index, targets, v.target);
    }
    std::sort(targets.begin(), targets.end(), [](const std::string& a, const std::string& b) {
        const auto pa = ipv4_prefix::parse(a);
        const auto pb = ipv4_prefix::parse(b);
        if (pa && pb) {
            return std::pair(pa->network.value, pa->length) <
                   std::pair(pb->network.value, pb->length);
        }
        return a < b;
    });
    for (std::size_t i = 0; i < targets.size(); ++i) {
        target_index[targets[i]] = i;
    }
    std::string cells;
    cells.reserve(verdicts.size() * 64);
    for (const auto& [key, v] : verdicts) {
        const std::string name = name_or_none(v.path);
        const std::size_t p = index_of(path_index, paths, name);
        // The tracker in memory; its stored snapshot when it has none (a target no longer in
        // a campaign).
        tracker_view tv;
        const auto prefix = ipv4_prefix::parse(v.target);
        const auto t = prefix ? trackers.find(inf::track_key{v.agent, *prefix}) : trackers.end();
        if (t != trackers.end()) {
            const auto& s = t->second.snapshot();
            tv = {s.reachable, s.candidate, s.current_asn};
        } else if (const auto snap = inf::snapshot_from_json(v.tracker_json)) {
            tv = {snap->reachable, snap->candidate, snap->current_asn};
        }
        int flags = 0;
        const auto standing = rules.standing(v, now);
        if (standing.freshness.stale) {
            flags |= 1;
        }
        if (!tv.reachable) {
            flags |= 2;
        }
        long candidate = -1;
        if (!tv.candidate.empty()) {
            flags |= 4;
            candidate =
                static_cast<long>(index_of(path_index, paths, inf::path_name(tv.candidate)));
        }
        if (tv.current_asn && !path_asn.count(p)) {
            path_asn[p] = *tv.current_asn;
        }
        const auto [border_addr, border_rtt] = border_of(v.evidence_json);
        cells += cells.empty() ? "[" : ",[";
        append_int(cells, agent_index.at(v.agent));
        append_int(cells, target_index.at(v.target));
        append_int(cells, p);
        append_int(cells, flags);
        append_int(cells, v.since);
        append_int(cells, standing.freshness.age_seconds);
        cells += border_addr;
        cells += ',';
        cells += border_rtt;
        cells += ',';
        append_int(cells, candidate);
        cells.back() = ']';
    }
    json path_list = json::array();
    for (std::size_t i = 0; i < paths.size(); ++i) {
        json asn = path_asn.count(i) ? json(path_asn[i]) : json(nullptr);
        if (asn.is_null() && inf::is_as_path_name(paths[i])) {
            asn = std::stoul(paths[i].substr(2));
        }
        json transit_name = nullptr;
        if (asn.is_number_unsigned() && asn.get<std::uint64_t>() <= UINT32_MAX) {
            const auto& n = map.as_name(asn.get<std::uint32_t>());
            if (!n.empty()) {
                transit_name = n;
            }
        }
        path_list.push_back(json{{"name", paths[i]},
                                 {"class", is_class(paths[i])},
                                 {"transit_asn", asn},
                                 {"transit_name", transit_name}});
    }
    std::string out =
        json{{"now", now}, {"agents", agents}, {"targets", targets}, {"paths", path_list}}.dump();
    out.pop_back(); // the closing brace: the cells follow
    out += ",\"cells\":[" + cells + "]}";
    return out;
}

path_timeline::path_timeline(const std::vector<store::change_row>& changes, std::string current)
    : current_(std::move(current)) {
    for (const auto& c : changes) {
        step s{c.at, name_or_none(c.from_path), inf::path_name(c.to_path)};
        const json evidence = json::parse(c.evidence_json, nullptr, false);
        if (evidence.is_object()) {
            const auto t = evidence.find("first_new_time");
            if (t != evidence.end() && t->is_number_integer()) {
                s.from_time = std::min(s.from_time, t->get<std::int64_t>());
            }
        }
        steps_.push_back(std::move(s));
    }
}

std::string path_timeline::at(std::int64_t t) const {
    if (steps_.empty()) {
        return current_;
    }
    // The last change in force at t; before the first one, its `from`.
    const step* last = nullptr;
    for (const auto& s : steps_) {
        if (s.from_time <= t) {
            last = &s;
        }
    }
    return last == nullptr ? steps_.front().from : last->to;
}

json series_document(const std::string& agent, const ipv4_prefix& target, std::int64_t from,
                     std::int64_t to, const std::vector<store::series_row>& rows,
                     const std::vector<store::change_row>& changes, const std::string& current_path,
                     const std::optional<ipv4_addr>& ping_target) {
    const path_timeline timeline(changes, current_path);
    json points = json::array();
    std::set<std::string> seen;
    for (const auto& r : rows) {
        const auto dst = ipv4_addr::parse(r.dst);
        if (!dst) {
            continue;
        }
        const bool ping = r.kind == "ping";
        if (!target.contains(*dst) && !(ping && ping_target && *ping_target == *dst)) {
            continue;
        }
        // Built without a conditional over two optionals: GCC 12 warns (a false
        // -Wmaybe-uninitialized) on the optional that expression makes.
        json rtt_ms = nullptr;
        if (const std::optional<double> rtt =
                ping ? (r.raw ? ping_median(*r.raw) : std::nullopt) : r.end_rtt_ms;
            rtt) {
            rtt_ms = *rtt;
        }
        const std::string path = timeline.at(r.timestamp);
        seen.insert(path);
        points.push_back(json{{"time", r.timestamp},
                              {"kind", r.kind},
                              {"id", r.id},
                              {"rtt_ms", rtt_ms},
                              {"path", path}});
    }
    json change_list = json::array();
    for (const auto& c : changes) {
        if (c.at >= from && c.at <= to) {
            change_list.push_back(json{{"time", c.at},
                                       {"from", name_or_none(c.from_path)},
                                       {"to", inf::path_name(c.to_path)}});
        }
    }
    return json{
        {"agent", agent},   {"target", target.to_string()}, {"from", from},       {"to", to},
        {"points", points}, {"changes", change_list},       {"paths", json(seen)}};
}

} // namespace tumen::controller::pipeline
