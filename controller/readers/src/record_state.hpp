#pragma once
// Private: what the record handlers of one input share (its name, the batch being filled,
// the scamper context from the lines around a trace) and their helpers.
#include <cstddef>
#include <simdjson.h>
#include <string>

#include <nlohmann/json.hpp>

#include <tumen/controller/readers/result_batch.hpp>

#include "scamper.hpp"

namespace tumen::controller::readers::detail {

/// One input being read.
struct record_state {
    std::string source;
    result_batch& batch;
    scamper_context scamper;
};

/// Adds an issue at `line` (0 if unknown) / `element` ("[3]" or empty).
inline void issue(record_state& st, std::size_t line, const std::string& element,
                  std::string message, bool unsupported = false) {
    st.batch.issues.push_back(
        record_issue{st.source, line, element, std::move(message), unsupported});
}

/// The "type" member of a record ("" when absent, "<not a string>" when not a string).
std::string type_of(const nlohmann::json& j);

/// One JSON record of any supported kind (tumen, RIPE Atlas, scamper, M-Lab wrappers).
void handle_record(record_state& st, const nlohmann::json& j, std::size_t line,
                   const std::string& el);
/// A tumen or RIPE Atlas `traceroute` or `ping` result read from a simdjson tape, as
/// handle_record() would read it; false (nothing done) when `j` is another kind of record.
bool handle_result_tape(record_state& st, const simdjson::dom::element& j, std::size_t line);

/// The state of the JSON-lines layout across lines (M-Lab traceroute-caller's file rules).
struct json_lines_state {
    std::size_t line = 0; ///< the number of the line read last
    bool mlab_file = false;
    bool mlab_stopped = false;
    bool mlab_extra_reported = false;
};
/// One line of a JSON-lines input (`l`, without its newline). `readable_after`: how many
/// bytes after `l` may be read (a parser's padding; with too few the line is copied).
void handle_json_line(record_state& st, json_lines_state& ls, std::string_view l,
                      std::size_t readable_after = 0);

/// A tumen or RIPE Atlas `traceroute` or `ping` result (`type` is one of the two).
void handle_result_record(record_state& st, const nlohmann::json& j, const std::string& type,
                          std::size_t line, const std::string& el);

} // namespace tumen::controller::readers::detail
