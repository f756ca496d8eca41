#pragma once
/// @file
/// CAIDA pfx2as (RouteViews prefix-to-AS): "prefix<TAB>length<TAB>origins" per line, plain or
/// gzip. Origins are "a", "a_b" (multi-origin: several ASes announce the prefix) or "a,b" (an
/// AS set), possibly combined ("a_b,c"). Blank lines, '#' comments, IPv6 prefixes and AS 0 are
/// skipped; bad lines are reported as "file:line" and skipped.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <tumen/common/ipv4.hpp>
#include <tumen/controller/asmap/as_map.hpp>
#include <tumen/controller/asmap/line_reader.hpp>
#include <tumen/controller/asmap/load_report.hpp>

namespace tumen::controller::asmap::sources {

/// One pfx2as line, parsed.
struct pfx2as_line {
    line_kind what = line_kind::skipped;
    ipv4_prefix prefix;
    std::vector<std::uint32_t> origins; ///< distinct, in file order
    bool multi_origin = false;          ///< '_' between origins
    bool as_set = false;                ///< ',' between origins
    std::string error;                  ///< when what == error
};

/// Parses one line (without its newline).
pfx2as_line parse_pfx2as_line(std::string_view line);
/// Reads every line of `in` into `into`; `source` names the input in errors and the dataset.
load_report read_pfx2as(line_reader& in, const std::string& source, as_map_builder& into);
/// Reads a file (plain or gzip). Throws asmap_error when it cannot be opened.
load_report read_pfx2as_file(const std::string& path, as_map_builder& into);
/// Reads text (`source` names it in errors).
load_report read_pfx2as_text(std::string_view text, const std::string& source,
                             as_map_builder& into);

} // namespace tumen::controller::asmap::sources
