#pragma once
// Private: the read by hand of the common shape of a RIPE Atlas traceroute line, tried before
// the on-demand read (atlas_ondemand.hpp). It is kept beside simdjson because on the Atlas
// benchmark (bench/classify/run_atlas.sh, README "classify on RIPE Atlas") simdjson 3.0.1's
// on-demand walk, whose token walk and number parsing are scalar "fallback" code in Debian's
// build, was about 60% of the CPU of `classify` (perf), and this read takes a line in a
// fraction of that. It accepts only a narrow, strict subset of JSON: ASCII strings without
// escapes, integers of at most 18 digits, decimals of at most 19 digits without an exponent,
// no repeated key, the depth limit of tape_parse; and of the schema: replies with "from",
// "rtt", "size", "ttl", "x" and "err" (a string) and members it does not use. Everything else
// (any other text, valid or not) is declined, and the on-demand read, then the tape path,
// read the line: so which lines are accepted, the traces and every error text stay theirs.
// test_controller_readers_atlas checks that lines read here give the on-demand read's traces.
#include <string_view>

#include <tumen/common/result.hpp>

#include "atlas_ondemand.hpp"

namespace tumen::controller::readers::detail {

/// Reads one line (without its newline); never reads past it.
atlas_line scan_atlas_traceroute(std::string_view line, result::trace& out);

} // namespace tumen::controller::readers::detail
