#include <algorithm>

#include <nlohmann/json.hpp>

#include <tumen/controller/inference/path_names.hpp>
#include <tumen/controller/inference/tracker_snapshot.hpp>

namespace tumen::controller::inference {
namespace {

using json = nlohmann::json;

json optional_u32(const std::optional<std::uint32_t>& v) {
    return v ? json(*v) : json(nullptr);
}

std::optional<std::uint32_t> u32_or_null(const json& v) {
    if (v.is_number_unsigned()) {
        return v.get<std::uint32_t>();
    }
    return std::nullopt;
}

/// A state stored before paths were named and capped: "unknown:<asn>" becomes "AS<asn>",
/// and the paths it knows are the ones named.
void upgrade_legacy(path_tracker_snapshot& s) {
    s.current = path_name(s.current);
    s.candidate = path_name(s.candidate);
    for (const auto* p : {&s.current, &s.candidate}) {
        if (!p->empty() && *p != path_none &&
            std::find(s.named_paths.begin(), s.named_paths.end(), *p) == s.named_paths.end()) {
            s.named_paths.push_back(*p);
        }
    }
}

} // namespace

std::string snapshot_to_json(const path_tracker_snapshot& s) {
    return json{{"k", s.k},
                {"current", s.current},
                {"current_asn", optional_u32(s.current_asn)},
                {"current_since", s.current_since},
                {"last_current_time", s.last_current_time},
                {"last_current_trace_id", s.last_current_trace_id},
                {"candidate", s.candidate},
                {"candidate_asn", optional_u32(s.candidate_asn)},
                {"candidate_trace_ids", s.candidate_trace_ids},
                {"candidate_first_time", s.candidate_first_time},
                {"candidate_observations", s.candidate_observations},
                {"candidate_rounds", s.candidate_rounds},
                {"observations", s.observations},
                {"changes", s.changes},
                {"named_paths", s.named_paths}}
        .dump();
}

std::optional<path_tracker_snapshot> snapshot_from_json(std::string_view text) {
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        return std::nullopt;
    }
    path_tracker_snapshot s;
    try {
        s.k = j.at("k").get<std::uint32_t>();
        s.current = j.at("current").get<std::string>();
        s.current_asn = u32_or_null(j.at("current_asn"));
        s.current_since = j.at("current_since").get<std::int64_t>();
        s.last_current_time = j.at("last_current_time").get<std::int64_t>();
        s.last_current_trace_id = j.at("last_current_trace_id").get<std::string>();
        s.candidate = j.at("candidate").get<std::string>();
        s.candidate_asn = u32_or_null(j.at("candidate_asn"));
        s.candidate_trace_ids = j.at("candidate_trace_ids").get<std::vector<std::string>>();
        s.candidate_first_time = j.at("candidate_first_time").get<std::int64_t>();
        // Absent from snapshots stored before rounds were counted: their candidate counted
        // one observation per trace, with no round remembered.
        s.candidate_observations = j.contains("candidate_observations")
                                       ? j.at("candidate_observations").get<std::uint32_t>()
                                       : static_cast<std::uint32_t>(s.candidate_trace_ids.size());
        if (j.contains("candidate_rounds")) {
            s.candidate_rounds = j.at("candidate_rounds").get<std::vector<std::uint64_t>>();
        }
        s.observations = j.at("observations").get<std::uint64_t>();
        s.changes = j.at("changes").get<std::uint64_t>();
        if (j.contains("named_paths")) {
            s.named_paths = j.at("named_paths").get<std::vector<std::string>>();
        } else {
            upgrade_legacy(s);
        }
    } catch (const json::exception&) {
        return std::nullopt;
    }
    return s;
}

} // namespace tumen::controller::inference
