#pragma once
/// @file
/// AS names in the ipinfo CSV format (RFC 4180: comma-separated, fields optionally in double
/// quotes, "" for a quote inside a quoted field): a header line naming the columns, e.g.
/// "asn,name,country,registry", then one AS per line, e.g. `AS4837,"CHINA UNICOM China169
/// Backbone",CN,apnic`. The `asn` and `name` columns are found by the header (without a
/// header: the first two columns); the AS is "AS<number>" or "<number>". Blank lines, '#'
/// comments, empty names and AS 0 are skipped; bad lines (a bad AS number, a missing column,
/// an unterminated quote, a name that is not UTF-8 text) are reported as "file:line" and
/// skipped. A quoted field cannot span lines.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tumen/controller/asmap/as_map.hpp>
#include <tumen/controller/asmap/line_reader.hpp>
#include <tumen/controller/asmap/load_report.hpp>

namespace tumen::controller::asmap::sources {

/// Where the AS and its name are in a line (0-based columns).
struct as_names_columns {
    std::size_t asn = 0;
    std::size_t name = 1;
};

/// One AS-names line, parsed.
struct as_names_line {
    line_kind what = line_kind::skipped;
    std::uint32_t asn = 0; ///< when what == entry: never 0
    std::string name;      ///< when what == entry: never empty
    std::string error;     ///< when what == error
};

/// The fields of one CSV line (quotes removed, "" unescaped); nullopt when a quoted field is
/// not terminated or a quote is followed by something other than a comma.
std::optional<std::vector<std::string>> split_csv_line(std::string_view line);
/// The columns named by a header line ("asn" and "name", in any case); nullopt when the line
/// is not a header (no field is "asn").
std::optional<as_names_columns> parse_as_names_header(std::string_view line);
/// Parses one data line (without its newline).
as_names_line parse_as_names_line(std::string_view line, const as_names_columns& columns = {});
/// Reads every line of `in` into `into`; `source` names the input in errors and the dataset.
load_report read_as_names(line_reader& in, const std::string& source, as_map_builder& into);
/// Reads a file (plain or gzip). Throws asmap_error when it cannot be opened.
load_report read_as_names_file(const std::string& path, as_map_builder& into);
/// Reads text (`source` names it in errors).
load_report read_as_names_text(std::string_view text, const std::string& source,
                               as_map_builder& into);

} // namespace tumen::controller::asmap::sources
