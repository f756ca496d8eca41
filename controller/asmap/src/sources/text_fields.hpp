#pragma once
// Field splitting and small parsers shared by the AS-map sources (private).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <tumen/common/text.hpp>

namespace tumen::controller::asmap::sources {

using tumen::trim;
/// Splits on tabs (or runs of spaces when there is no tab).
std::vector<std::string_view> fields(std::string_view line);
/// A whole decimal unsigned 32-bit number.
bool parse_u32(std::string_view s, std::uint32_t& out);
/// YYYYMMDD (or YYYY-MM[-DD]) in the file name of `path` -> YYYY-MM-DD (or YYYY-MM); empty
/// when there is none.
std::string date_from_name(const std::string& path);

} // namespace tumen::controller::asmap::sources

#include <tumen/controller/asmap/line_reader.hpp>
#include <tumen/controller/asmap/load_report.hpp>

namespace tumen::controller::asmap::sources {

/// A parsed line of kind `error` saying `what`.
template <class Line>
Line bad_line(std::string what) {
    Line l;
    l.what = line_kind::error;
    l.error = std::move(what);
    return l;
}

/// Reads every line of `in`: `parse(line)` returns a record with `what` (line_kind) and
/// `error`; entries go to `apply(record)`. Errors are reported as "source:line".
template <class Parse, class Apply>
load_report read_lines(line_reader& in, const std::string& source, Parse parse, Apply apply) {
    load_report r;
    std::string line;
    while (in.next(line)) {
        ++r.lines;
        auto l = parse(line);
        switch (l.what) {
        case line_kind::skipped:
            ++r.skipped;
            break;
        case line_kind::error:
            r.add_error(source + ":" + std::to_string(in.line_number()), std::move(l.error));
            break;
        case line_kind::entry:
            apply(l);
            ++r.entries;
            break;
        }
    }
    if (!in.error().empty()) {
        r.add_error(source + ":" + std::to_string(in.line_number() + 1), in.error());
    }
    return r;
}

} // namespace tumen::controller::asmap::sources
