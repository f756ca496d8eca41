#pragma once
/// @file
/// The one AS-map loader used by `classify`, `serve` and the benchmarks: loads a set of
/// files (every pfx2as, then every iptoasn, then every IXP file, then every AS-names file,
/// each in the order given) and builds the map.
#include <functional>
#include <string>
#include <vector>

#include <tumen/controller/asmap/as_map.hpp>
#include <tumen/controller/asmap/load_report.hpp>

namespace tumen::controller::asmap {

/// The files an AS map is built from.
struct as_map_sources {
    std::vector<std::string> pfx2as;   ///< CAIDA pfx2as files (plain or gzip)
    std::vector<std::string> iptoasn;  ///< iptoasn ip2asn-v4.tsv files
    std::vector<std::string> ixp;      ///< IXP lists (CAIDA ixs jsonl, ripe-atlas-monitor json)
    std::vector<std::string> as_names; ///< AS names (ipinfo CSV); a later file's name wins
};

/// Called after each file with its path, its kind ("pfx2as", "iptoasn", "ixp", "as-names") and what
/// loading it did (bad lines are reported here, not thrown).
using load_observer =
    std::function<void(const std::string& path, const char* kind, const load_report& report)>;

/// Loads every file of `sources` and builds the map. Throws asmap_error (a
/// std::runtime_error naming the file) when a file cannot be opened or read: a start-up edge.
as_map load_as_map(const as_map_sources& sources, const load_observer& observe = {});

} // namespace tumen::controller::asmap
