#pragma once
// Private: how the offline subcommands (classify, draft-campaigns) take and load their inputs:
// the AS map and result file options, then the loading, printing every problem to stderr and
// counting the skipped ones.
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include <tumen/common/result.hpp>
#include <tumen/controller/asmap/as_map.hpp>
#include <tumen/controller/asmap/loader.hpp>
#include <tumen/controller/readers/reader.hpp>

namespace tumen::controller::tool {

/// Every trace and ping of the result files, each list in time order.
struct result_inputs {
    std::vector<result::trace> traces;
    std::vector<result::ping> pings;
};

/// How result files are read.
struct read_options {
    std::string text_agent;   ///< agent name for plain traceroute text (default: the file name)
    bool quiet_notes = false; ///< do not print notes about unsupported records
    /// Worker threads reading each JSON-lines file (0: the caller's thread).
    unsigned threads = readers::result_stream::default_threads();
};

/// Adds --pfx2as (required), --iptoasn and --ixp (described by `ixp_help`), filling `sources`.
void add_as_map_options(CLI::App& cmd, asmap::as_map_sources& sources, const std::string& ixp_help);
/// Adds the positional result files (at least one).
void add_result_files_option(CLI::App& cmd, std::vector<std::string>& files);
/// Makes `run` the subcommand's action; a non-zero return becomes the exit status.
void set_exit_status_callback(CLI::App& cmd, std::function<int()> run);

/// Loads the AS map; prints bad lines to stderr and adds their count to `skipped`. Throws
/// (asmap_error) when a file cannot be read: a start-up edge.
asmap::as_map load_map_reporting(const asmap::as_map_sources& sources, std::size_t& skipped);

/// Reads every result file; prints its issues to stderr and adds the malformed records to
/// `skipped`. Traces and pings are sorted by time (stable: equal times keep file order).
result_inputs read_result_files(const std::vector<std::string>& files, const read_options& o,
                                std::size_t& skipped);

} // namespace tumen::controller::tool
