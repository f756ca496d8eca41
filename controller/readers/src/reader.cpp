// Layout detection of result files: plain traceroute text, a JSON array, an object holding
// `results`, or JSON lines (with M-Lab traceroute-caller's file rules).
#include <algorithm>

#include <tumen/common/json/bounded_parse.hpp>
#include <tumen/common/json/tape_parse.hpp>
#include <tumen/controller/asmap/line_reader.hpp>
#include <tumen/controller/readers/reader.hpp>
#include <tumen/controller/readers/traceroute_text.hpp>

#include "atlas_ondemand.hpp"
#include "record_state.hpp"

namespace tumen::controller::readers {
namespace {

using json = nlohmann::json;
using detail::handle_record;
using detail::issue;
using detail::record_state;
using detail::type_of;

std::size_t line_of_offset(std::string_view text, std::size_t offset) {
    offset = std::min(offset, text.size());
    return 1 + static_cast<std::size_t>(std::count(
                   text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

/// The line of a bounded_parse error in `text`: at its byte, else 1 (a field path).
std::size_t line_of_error(std::string_view text, const json_fields::json_parse_error& err) {
    return err.byte ? line_of_offset(text, *err.byte == 0 ? 0 : *err.byte - 1) : 1;
}

/// The field path of a bounded_parse error, or "" when it names a byte.
std::string field_of_error(const json_fields::json_parse_error& err) {
    return err.byte ? std::string() : err.where;
}

bool looks_like_text_traceroute(std::string_view text) {
    return text.find("traceroute to ") != std::string_view::npos &&
           text.find_first_not_of(" \t\r\n") != std::string_view::npos &&
           text[text.find_first_not_of(" \t\r\n")] != '{' &&
           text[text.find_first_not_of(" \t\r\n")] != '[';
}

} // namespace

namespace detail {

void handle_json_line(record_state& st, json_lines_state& ls, std::string_view l,
                      std::size_t readable_after) {
    const std::size_t line = ++ls.line;
    // M-Lab traceroute-caller files (first line: the metadata object with "UUID") are exactly
    // metadata, cycle-start, trace, cycle-stop; anything after cycle-stop, even an empty
    // line, makes the file malformed (as M-Lab's own parser rules: errTracerouteFile). The
    // records before it are still read.
    if (ls.mlab_stopped && !ls.mlab_extra_reported) {
        ls.mlab_extra_reported = true;
        issue(st, line, "",
              "M-Lab traceroute file continues after cycle-stop (expected exactly "
              "metadata, cycle-start, trace and cycle-stop lines)");
    }
    if (l.find_first_not_of(" \t\r") == std::string_view::npos) {
        return;
    }
    // RIPE Atlas traceroutes on demand, straight into a trace; what that declines (and tumen
    // results) from the tape; other records through the tree.
    result::trace trace;
    switch (read_atlas_traceroute(l, readable_after, trace)) {
    case atlas_line::trace:
        st.batch.traces.push_back(std::move(trace));
        return;
    case atlas_line::ipv6:
        issue(st, line, "", std::string(ipv6_traceroute_note), true);
        return;
    case atlas_line::declined:
        break;
    }
    simdjson::dom::element e;
    if (auto err = json_fields::tape_parse(l, e)) {
        const auto field = field_of_error(*err);
        issue(st, line, field,
              field.empty() ? "invalid JSON at " + err->where + " of the line" : err->what);
        return;
    }
    if (handle_result_tape(st, e, line)) {
        return;
    }
    json j;
    if (auto err = json_fields::bounded_parse(l, j)) {
        const auto field = field_of_error(*err);
        issue(st, line, field,
              field.empty() ? "invalid JSON at " + err->where + " of the line" : err->what);
        return;
    }
    if (line == 1 && j.is_object() && j.contains("UUID")) {
        ls.mlab_file = true;
    }
    if (ls.mlab_file && j.is_object() && type_of(j) == "cycle-stop") {
        ls.mlab_stopped = true;
    }
    handle_record(st, j, line, "");
}

} // namespace detail

result_batch read_results_text(std::string_view text, const std::string& source) {
    result_batch batch;
    record_state st{source, batch, {}};
    if (looks_like_text_traceroute(text)) {
        return read_traceroute_text(text, source, source);
    }
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) {
        return batch;
    }
    // A JSON array, or one object holding `results`: parse the whole text.
    bool whole = text[first] == '[';
    json doc;
    if (text[first] == '{') {
        // Could be JSON lines; only treat as one document if it parses as one and has results.
        whole =
            !json_fields::bounded_parse(text, doc) && doc.is_object() && doc.contains("results");
    }
    if (whole) {
        if (text[first] == '[') {
            if (auto err = json_fields::bounded_parse(text, doc)) {
                issue(st, line_of_error(text, *err), field_of_error(*err), err->what);
                return batch;
            }
        }
        const json& arr = doc.is_array() ? doc : doc["results"];
        if (!arr.is_array()) {
            issue(st, 1, "", "\"results\" is not an array");
            return batch;
        }
        for (std::size_t i = 0; i < arr.size(); ++i) {
            handle_record(st, arr[i], 0, "[" + std::to_string(i) + "]");
        }
        return batch;
    }
    // JSON lines.
    detail::json_lines_state ls;
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto nl = text.find('\n', pos);
        if (nl == std::string_view::npos) {
            nl = text.size();
        }
        detail::handle_json_line(st, ls, text.substr(pos, nl - pos));
        pos = nl + 1;
    }
    return batch;
}

result_batch read_results_file(const std::string& path) {
    std::string text;
    std::string err;
    if (!asmap::read_whole_file(path, text, err)) {
        result_batch b;
        b.issues.push_back(record_issue{path, 0, "", err, false});
        return b;
    }
    return read_results_text(text, path);
}

} // namespace tumen::controller::readers
