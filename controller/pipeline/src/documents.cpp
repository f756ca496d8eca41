#include "documents.hpp"

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

} // namespace

json paths_document(const verdict_map& verdicts) {
    json list = json::array();
    for (const auto& [key, v] : verdicts) {
        json entry{{"agent", v.agent},
                   {"target", v.target},
                   {"path", name_or_none(v.path)},
                   {"path_identity", v.path},
                   {"since", v.since},
                   {"updated", v.updated},
                   {"evidence", evidence_of(v.evidence_json)}};
        if (auto s = inf::snapshot_from_json(v.tracker_json)) {
            entry["candidate"] = s->candidate;
            entry["candidate_trace_ids"] = s->candidate_trace_ids;
            entry["candidate_observations"] = s->candidate_observations;
            entry["candidate_rounds"] = s->candidate_rounds;
            entry["last_trace_id"] = s->last_current_trace_id;
            entry["observations"] = s->observations;
            entry["changes"] = s->changes;
        }
        list.push_back(std::move(entry));
    }
    return json{{"paths", list}};
}

json changes_document(std::int64_t since, const std::vector<store::change_row>& rows) {
    json list = json::array();
    for (const auto& c : rows) {
        list.push_back(json{{"seq", c.seq},
                            {"agent", c.agent},
                            {"target", c.target},
                            {"from", name_or_none(c.from_path)},
                            {"to", inf::path_name(c.to_path)},
                            {"from_identity", c.from_path},
                            {"to_identity", c.to_path},
                            {"time", c.at},
                            {"evidence", evidence_of(c.evidence_json)}});
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
