#pragma once
/// @file
/// IXP peering LANs, in either of two formats detected from the content:
/// - CAIDA ixs jsonl: a '#' header line holding {"date": "YYYY.MM.DD ..."}, then one IXP
///   object per line with "name" and "prefixes": {"ipv4": [...], "ipv6": [...]};
/// - ripe-atlas-monitor ixps json: one object {"Data": {prefix: {"name": ...}}, "TS": unix time}.
/// IPv6 prefixes are skipped; bad lines and prefixes are reported ("file:line") and skipped.
#include <string>
#include <string_view>

#include <tumen/controller/asmap/as_map.hpp>
#include <tumen/controller/asmap/load_report.hpp>

namespace tumen::controller::asmap::sources {

/// Reads IXP LANs from text into `into`; `source` names it in errors and the dataset.
load_report read_ixp_text(std::string_view text, const std::string& source, as_map_builder& into);
/// Reads a file (plain or gzip). Throws asmap_error when it cannot be read.
load_report read_ixp_file(const std::string& path, as_map_builder& into);

} // namespace tumen::controller::asmap::sources
