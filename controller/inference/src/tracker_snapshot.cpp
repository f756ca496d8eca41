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

json borders_to_json(const std::vector<known_border>& list) {
    json out = json::array();
    for (const auto& b : list) {
        out.push_back({{"addr", b.addr.to_string()},
                       {"path", b.path},
                       {"asn", optional_u32(b.asn)},
                       {"seen", b.seen},
                       {"expires", b.expires},
                       {"prohibited", b.prohibited}});
    }
    return out;
}

/// The known border interfaces of a stored state; nullopt when an address is damaged, throws
/// json::exception when a field is missing or of the wrong type.
std::optional<std::vector<known_border>> borders_from_json(const json& j) {
    std::vector<known_border> out;
    for (const auto& e : j.get_ref<const json::array_t&>()) {
        known_border b;
        const auto addr = ipv4_addr::parse(e.at("addr").get<std::string>());
        if (!addr) {
            return std::nullopt;
        }
        b.addr = *addr;
        b.path = e.at("path").get<std::string>();
        b.asn = u32_or_null(e.at("asn"));
        b.seen = e.at("seen").get<std::int64_t>();
        b.expires = e.at("expires").get<std::int64_t>();
        b.prohibited = e.at("prohibited").get<bool>();
        out.push_back(std::move(b));
    }
    return out;
}

/// The reachability fields, absent from states stored before reachability was tracked (they
/// load as reachable, with no weak run and no known border interface). False when damaged.
bool reachability_from_json(const json& j, path_tracker_snapshot& s) {
    if (!j.contains("reachable")) {
        return true;
    }
    s.reachable = j.at("reachable").get<bool>();
    s.reachability_reason = j.at("reachability_reason").get<std::string>();
    s.unreachable_since = j.at("unreachable_since").get<std::int64_t>();
    s.weak_observations = j.at("weak_observations").get<std::uint32_t>();
    s.weak_rounds = j.at("weak_rounds").get<std::vector<std::uint64_t>>();
    s.weak_first_time = j.at("weak_first_time").get<std::int64_t>();
    auto borders = borders_from_json(j.at("known_borders"));
    if (!borders) {
        return false;
    }
    s.known_borders = std::move(*borders);
    return true;
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
                {"named_paths", s.named_paths},
                {"reachable", s.reachable},
                {"reachability_reason", s.reachability_reason},
                {"unreachable_since", s.unreachable_since},
                {"weak_observations", s.weak_observations},
                {"weak_rounds", s.weak_rounds},
                {"weak_first_time", s.weak_first_time},
                {"known_borders", borders_to_json(s.known_borders)}}
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
        if (!reachability_from_json(j, s)) {
            return std::nullopt;
        }
    } catch (const json::exception&) {
        return std::nullopt;
    }
    return s;
}

} // namespace tumen::controller::inference
