#pragma once
/// @file
/// iptoasn TSV (ip2asn-v4.tsv): "range_start<TAB>range_end<TAB>AS<TAB>country<TAB>description"
/// per line, plain or gzip. Each range becomes the CIDR prefixes that cover it exactly. AS 0
/// ("Not routed"), IPv6 lines, blank lines and '#' comments are skipped; bad lines are
/// reported as "file:line" and skipped.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <tumen/common/ipv4.hpp>
#include <tumen/controller/asmap/as_map.hpp>
#include <tumen/controller/asmap/line_reader.hpp>
#include <tumen/controller/asmap/load_report.hpp>

namespace tumen::controller::asmap::sources {

/// One iptoasn line, parsed.
struct iptoasn_line {
    line_kind what = line_kind::skipped;
    ipv4_addr first;       ///< first address of the range
    ipv4_addr last;        ///< last address (inclusive)
    std::uint32_t asn = 0; ///< when what == entry: never 0
    std::string error;     ///< when what == error
};

/// Parses one line (without its newline).
iptoasn_line parse_iptoasn_line(std::string_view line);
/// The CIDR prefixes that cover the inclusive range [first, last] exactly, in address order.
std::vector<ipv4_prefix> range_to_prefixes(ipv4_addr first, ipv4_addr last);
/// Reads every line of `in` into `into`; `source` names the input in errors and the dataset.
load_report read_iptoasn(line_reader& in, const std::string& source, as_map_builder& into);
/// Reads a file (plain or gzip). Throws asmap_error when it cannot be opened.
load_report read_iptoasn_file(const std::string& path, as_map_builder& into);
/// Reads text (`source` names it in errors).
load_report read_iptoasn_text(std::string_view text, const std::string& source,
                              as_map_builder& into);

} // namespace tumen::controller::asmap::sources
