#pragma once
// Private: what the two reads of a RIPE Atlas traceroute line share (atlas_scan.cpp by hand,
// atlas_ondemand.cpp with simdjson on-demand): the top-level keys, the fields read so far, and
// the trace they make once the line is read (result::parse_trace's lenient Atlas mode).
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include <tumen/common/result.hpp>

#include "atlas_ondemand.hpp"

namespace tumen::controller::readers::detail {

/// The top-level keys of a traceroute the reads use.
enum class atlas_key : std::size_t {
    type,
    af,
    dst_addr,
    src_addr,
    dst_name,
    proto,
    paris_id,
    timestamp,
    endtime,
    prb_id,
    msm_id,
    hops,     ///< "result"
    other,    ///< any other key: its value is checked, not used
    declined, ///< tumen's own results and M-Lab wrappers: the tape path reads the line
};

/// The slot of a top-level key.
atlas_key atlas_key_of(std::string_view key) noexcept;

/// The replies whose ICMP type is inferred once the trace's destination and protocol are known
/// (Atlas writes "result" before "dst_addr" in some files): (hop, reply) indexes.
using pending_types = std::vector<std::pair<std::uint16_t, std::uint8_t>>;

/// The fields of one line read so far.
struct atlas_top {
    std::bitset<static_cast<std::size_t>(atlas_key::other)> has; ///< keys seen
    std::int64_t family = 4;
    std::int64_t probe = 0;
    std::int64_t measurement = 0;
    result::trace t;
    pending_types pending;

    /// Marks `key` seen; whether its value is only checked (an unused key, or any but "type"
    /// and "af" of an IPv6 traceroute, for which the tape path gives a note when it is valid).
    bool mark(atlas_key key) noexcept {
        if (key != atlas_key::other) {
            has.set(static_cast<std::size_t>(key));
        }
        return key == atlas_key::other ||
               (family == 6 && key != atlas_key::type && key != atlas_key::af);
    }

    bool seen(atlas_key key) const noexcept { return has.test(static_cast<std::size_t>(key)); }

    /// The outcome once every member is read: the trace is moved to `out`.
    atlas_line finish(result::trace& out);
};

} // namespace tumen::controller::readers::detail
