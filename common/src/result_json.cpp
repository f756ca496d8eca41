// The result JSON's parse entry points: the parser itself is result_tape.cpp (over a
// simdjson tape); its writer is result_json_write.cpp.
#include <tumen/common/json/tape_parse.hpp>
#include <tumen/common/result_json.hpp>
#include <tumen/common/result_tape.hpp>

namespace tumen::result {

parsed<trace> parse_trace(const nlohmann::json& j, const parse_options& opts) {
    return parse_trace_text(j.dump(), opts);
}

parsed<ping> parse_ping(const nlohmann::json& j, const parse_options& opts) {
    return parse_ping_text(j.dump(), opts);
}

parsed<trace> parse_trace_text(std::string_view text, const parse_options& opts) {
    simdjson::dom::element e;
    if (auto err = json_fields::tape_parse(text, e)) {
        return parse_error(std::move(*err));
    }
    return parse_trace(e, opts);
}

parsed<ping> parse_ping_text(std::string_view text, const parse_options& opts) {
    simdjson::dom::element e;
    if (auto err = json_fields::tape_parse(text, e)) {
        return parse_error(std::move(*err));
    }
    return parse_ping(e, opts);
}

} // namespace tumen::result
