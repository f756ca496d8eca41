#include "documents.hpp"

#include <cstdint>

#include <tumen/controller/inference/classifier.hpp>
#include <tumen/controller/inference/tracker_snapshot.hpp>

namespace tumen::controller::pipeline {
namespace {

using json = nlohmann::json;
namespace inf = tumen::controller::inference;

/// A stored evidence text as JSON; null when it is damaged.
json evidence_of(const std::string& text) {
    json evidence = json::parse(text, nullptr, false);
    return evidence.is_discarded() ? json(nullptr) : evidence;
}

std::string name_or_none(const std::string& identity) {
    return identity.empty() ? std::string(inf::path_none) : inf::path_name(identity);
}

/// The AS number in `v` (null when absent or not a number).
json asn_of(const json& v) {
    return v.is_number_unsigned() ? v : json(nullptr);
}

/// The name of the AS `asn` (a JSON number or null) in `map`; null when it has none.
json transit_name(const json& asn, const asmap::as_map& map) {
    if (!asn.is_number_unsigned() || asn.get<std::uint64_t>() > UINT32_MAX) {
        return nullptr;
    }
    const auto& name = map.as_name(asn.get<std::uint32_t>());
    return name.empty() ? json(nullptr) : json(name);
}

/// "watch" or "round" from a change's evidence; changes stored before watch probes: "round".
std::string detected_by_of(const json& evidence) {
    if (evidence.is_object()) {
        const auto it = evidence.find("detected_by");
        if (it != evidence.end() && it->is_string() && *it == "watch") {
            return "watch";
        }
    }
    return "round";
}

} // namespace

json paths_document(const verdict_map& verdicts, const asmap::as_map& map,
                    const standing_of& standing) {
    json list = json::array();
    for (const auto& [key, v] : verdicts) {
        json entry{{"agent", v.agent},
                   {"target", v.target},
                   {"path", name_or_none(v.path)},
                   {"path_identity", v.path},
                   {"since", v.since},
                   {"updated", v.updated},
                   {"evidence", evidence_of(v.evidence_json)}};
        const auto snap = inf::snapshot_from_json(v.tracker_json);
        if (snap) {
            entry["candidate"] = inf::path_name(snap->candidate);
            entry["candidate_trace_ids"] = snap->candidate_trace_ids;
            entry["candidate_observations"] = snap->candidate_observations;
            entry["candidate_rounds"] = snap->candidate_rounds;
            entry["last_trace_id"] = snap->last_current_trace_id;
            entry["observations"] = snap->observations;
            entry["changes"] = snap->changes;
            entry["reachable"] = snap->reachable;
            entry["reachability_reason"] = snap->reachability_reason;
            entry["unreachable_since"] =
                snap->reachable ? json(nullptr) : json(snap->unreachable_since);
            entry["weak_observations"] = snap->weak_observations;
        }
        // The transit of the current path (its latest trace's AS: for "other", the last one).
        const json asn = snap && snap->current_asn ? json(*snap->current_asn) : json(nullptr);
        entry["transit_asn"] = asn;
        entry["transit_name"] = transit_name(asn, map);
        if (standing) {
            const auto s = standing(v);
            entry["stale"] = s.freshness.stale;
            entry["age_seconds"] = s.freshness.age_seconds;
        }
        list.push_back(std::move(entry));
    }
    return json{{"paths", list}};
}

json changes_document(std::int64_t since, const std::vector<store::change_row>& rows,
                      const asmap::as_map& map) {
    json list = json::array();
    for (const auto& c : rows) {
        json evidence = evidence_of(c.evidence_json);
        const json from_asn =
            evidence.is_object() ? asn_of(evidence.value("from_asn", json())) : json(nullptr);
        const json to_asn =
            evidence.is_object() ? asn_of(evidence.value("to_asn", json())) : json(nullptr);
        list.push_back(json{{"seq", c.seq},
                            {"agent", c.agent},
                            {"target", c.target},
                            {"from", name_or_none(c.from_path)},
                            {"to", inf::path_name(c.to_path)},
                            {"from_identity", c.from_path},
                            {"to_identity", c.to_path},
                            {"from_asn", from_asn},
                            {"to_asn", to_asn},
                            {"from_transit_name", transit_name(from_asn, map)},
                            {"to_transit_name", transit_name(to_asn, map)},
                            {"time", c.at},
                            {"detected_by", detected_by_of(evidence)},
                            {"evidence", std::move(evidence)}});
    }
    return json{{"since", since}, {"changes", list}};
}

json agents_document(const std::vector<store::agent_row>& rows) {
    json list = json::array();
    for (const auto& a : rows) {
        list.push_back(json{{"name", a.name}, {"last_seen", a.last_seen}, {"results", a.results}});
    }
    return json{{"agents", list}};
}

} // namespace tumen::controller::pipeline
