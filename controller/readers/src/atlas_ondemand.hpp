#pragma once
// Private: the fast read of one RIPE Atlas traceroute line with simdjson's on-demand API,
// straight into a result::trace (no tape, no separate walk for repeated keys). It accepts only
// what the strict tape path (tape_parse, then result::parse_trace) accepts and gives the same
// trace; it visits every value of the line (none is skipped unvalidated) and declines
// everything else: malformed JSON, a repeated key, a field of an unexpected type or range,
// tumen's own results, M-Lab wrappers, pings, failures, ICMP extensions. A declined line goes
// through the tape path, which names the field and the error; so the errors, and which lines
// are accepted, are the tape path's.
#include <cstddef>
#include <string_view>

#include <tumen/common/result.hpp>

namespace tumen::controller::readers::detail {

/// What read_atlas_traceroute() made of a line.
enum class atlas_line {
    trace,    ///< an IPv4 traceroute, in `out`
    ipv6,     ///< a valid IPv6 (`"af": 6`) traceroute: a note, as the tape path gives
    declined, ///< anything else: read the line through the tape path
};

/// Lines longer than this go through the tape path (which bounds what its parser keeps).
inline constexpr std::size_t max_atlas_line = std::size_t{1} << 20;

/// The note for an IPv6 traceroute (the tape path's text).
inline constexpr std::string_view ipv6_traceroute_note =
    "IPv6 traceroute result skipped (only IPv4 is supported)";

/// Reads one line (without its newline): by hand (atlas_scan.hpp) when the line has the
/// common shape, else on demand. `readable_after` is how many bytes after the line may be read
/// (simdjson reads up to SIMDJSON_PADDING past the end; with fewer, the line is copied first).
atlas_line read_atlas_traceroute(std::string_view line, std::size_t readable_after,
                                 result::trace& out);

/// The on-demand read alone (what read_atlas_traceroute() falls back to).
atlas_line read_atlas_ondemand(std::string_view line, std::size_t readable_after,
                               result::trace& out);

} // namespace tumen::controller::readers::detail
