#pragma once
// Private: the read by hand of a RIPE Atlas traceroute line, tried before the on-demand read
// (atlas_ondemand.hpp). Why it is kept beside simdjson: in Debian's simdjson 3.0.1 the
// on-demand token walk and number parsing are scalar "fallback" code, and with them the read
// of the lines was about 60% of the CPU of `classify` on bench/classify/run_atlas.sh (perf);
// this read cut the CPU of the whole command by about a quarter in same-run pairs (README,
// "classify on RIPE Atlas"). It is strict by declining: it takes only a narrow subset of JSON
// (strings of printable ASCII without escapes; numbers without exponent, of at most 19
// digits, 18 before the point; no repeated key; tape_parse's depth limit; nothing around the
// object) and of the schema (the members atlas_ondemand.cpp reads, with "err" and "late" not
// negative). Any other line, valid or not, is declined and read on demand, then by the tape
// path: so which lines are accepted, the traces, and every error text with its line and
// field stay theirs. test_controller_readers_atlas checks that every line this read takes,
// real or changed at random, gives the on-demand read's outcome and trace.
#include <string_view>

#include <tumen/common/result.hpp>

#include "atlas_ondemand.hpp"

namespace tumen::controller::readers::detail {

/// Reads one line (without its newline); never reads past it.
atlas_line scan_atlas_traceroute(std::string_view line, result::trace& out);

} // namespace tumen::controller::readers::detail
