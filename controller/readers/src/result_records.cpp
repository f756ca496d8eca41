// tumen's own result JSON and RIPE Atlas traceroute/ping results (both parsed by
// common/result_json); IPv6 results and probe-side failures become notes.
#include <tumen/common/result_json.hpp>

#include "record_state.hpp"

namespace tumen::controller::readers::detail {
namespace {

using json = nlohmann::json;

bool is_ipv6_record(const json& j) {
    auto af = j.find("af");
    return af != j.end() && af->is_number_integer() && af->get<int>() == 6;
}

/// An Atlas result that holds only probe-side errors (name resolution or bind failed).
bool is_atlas_failure(const json& j, std::string& message) {
    auto r = j.find("result");
    if (r == j.end() || !r->is_array() || r->empty()) {
        return false;
    }
    for (const auto& e : *r) {
        if (!e.is_object() || !e.contains("error") || e.contains("result")) {
            return false;
        }
        if (e["error"].is_string()) {
            message = e["error"].get<std::string>();
        }
    }
    return true;
}

} // namespace

void handle_result_record(record_state& st, const json& j, const std::string& type,
                          std::size_t line, const std::string& el) {
    if (is_ipv6_record(j)) {
        issue(st, line, el, "IPv6 " + type + " result skipped (only IPv4 is supported)", true);
        return;
    }
    std::string failure;
    if (type == "traceroute" && is_atlas_failure(j, failure)) {
        issue(st, line, el, "measurement failed on the probe: " + failure, true);
        return;
    }
    // tumen's own results carry `agent` and `id`; others are Atlas results.
    result::parse_options opts{j.contains("agent") && j.contains("id") && !j.contains("prb_id")};
    if (type == "traceroute") {
        auto t = result::parse_trace(j, opts);
        if (!t.ok()) {
            issue(st, line, el, "traceroute: " + t.error().message());
            return;
        }
        st.batch.traces.push_back(std::move(*t));
    } else {
        auto p = result::parse_ping(j, opts);
        if (!p.ok()) {
            issue(st, line, el, "ping: " + p.error().message());
            return;
        }
        st.batch.pings.push_back(std::move(*p));
    }
}

} // namespace tumen::controller::readers::detail
