// tumen's own result JSON and RIPE Atlas traceroute/ping results (both parsed by
// common/result_json); IPv6 results and probe-side failures become notes.
#include <tumen/common/result_json.hpp>
#include <tumen/common/result_tape.hpp>

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

namespace dom = simdjson::dom;

bool has_key(const dom::object& o, std::string_view key) {
    return !o.at_key(key).error();
}

/// is_ipv6_record on a tape.
bool is_ipv6_tape(const dom::object& o) {
    auto af = o.at_key("af");
    return !af.error() && af.value_unsafe().type() == dom::element_type::INT64 &&
           af.value_unsafe().get_int64().value_unsafe() == 6;
}

/// is_atlas_failure on a tape.
bool is_atlas_failure_tape(const dom::object& o, std::string& message) {
    auto r = o.at_key("result");
    if (r.error() || r.value_unsafe().type() != dom::element_type::ARRAY) {
        return false;
    }
    const dom::array list(r.value_unsafe());
    if (list.begin() == list.end()) {
        return false;
    }
    for (dom::element e : list) {
        if (e.type() != dom::element_type::OBJECT) {
            return false;
        }
        const dom::object eo(e);
        auto err = eo.at_key("error");
        if (err.error() || has_key(eo, "result")) {
            return false;
        }
        if (err.value_unsafe().type() == dom::element_type::STRING) {
            message = err.value_unsafe().get_string().value_unsafe();
        }
    }
    return true;
}

} // namespace

bool handle_result_tape(record_state& st, const dom::element& j, std::size_t line) {
    if (j.type() != dom::element_type::OBJECT) {
        return false;
    }
    const dom::object o(j);
    if (has_key(o, "Metadata") || has_key(o, "Trace") || has_key(o, "UUID")) {
        return false;
    }
    auto type_v = o.at_key("type");
    if (type_v.error() || type_v.value_unsafe().type() != dom::element_type::STRING) {
        return false;
    }
    const std::string_view type = type_v.value_unsafe().get_string().value_unsafe();
    if (type != "traceroute" && type != "ping") {
        return false;
    }
    const std::string el;
    if (is_ipv6_tape(o)) {
        issue(st, line, el,
              "IPv6 " + std::string(type) + " result skipped (only IPv4 is supported)", true);
        return true;
    }
    std::string failure;
    if (type == "traceroute" && is_atlas_failure_tape(o, failure)) {
        issue(st, line, el, "measurement failed on the probe: " + failure, true);
        return true;
    }
    // tumen's own results carry `agent` and `id`; others are Atlas results.
    result::parse_options opts{has_key(o, "agent") && has_key(o, "id") && !has_key(o, "prb_id")};
    if (type == "traceroute") {
        auto t = result::parse_trace(j, opts);
        if (!t.ok()) {
            issue(st, line, el, "traceroute: " + t.error().message());
            return true;
        }
        st.batch.traces.push_back(std::move(*t));
    } else {
        auto p = result::parse_ping(j, opts);
        if (!p.ok()) {
            issue(st, line, el, "ping: " + p.error().message());
            return true;
        }
        st.batch.pings.push_back(std::move(*p));
    }
    return true;
}

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
