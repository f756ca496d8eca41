#pragma once
/// @file
/// Known border interfaces of a target prefix: addresses that are known to hand traffic to the
/// target AS, so that a trace which stops at one of them still shows the border path
/// (docs/api.md, "Weak traces and reachability"). An address becomes known when
/// - it was the last transit hop before the target in a trace that reached the target (the
///   verdict's border address), from any agent; or
/// - it answered for the target itself: the last reply of a trace is an ICMP destination
///   unreachable of the "prohibited" kind (admin-prohibited `!X` code 13, net/host prohibited
///   9/10, precedence 14/15) from a hop that is not the destination.
/// Net/host unreachable (0/1) are what a router says when a route is gone: outage signals, not
/// border evidence. Each entry expires `border_memory_intervals` campaign intervals after it
/// was last seen (times are trace times, never the wall clock).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <tumen/common/ipv4.hpp>
#include <tumen/common/result.hpp>

namespace tumen::controller::inference {

/// Campaign intervals a known border interface is remembered after it was last seen (2 h at the
/// production `interval: 5m`).
inline constexpr std::int64_t border_memory_intervals = 24;
/// At most this many known border interfaces per list (the oldest seen go first).
inline constexpr std::size_t max_known_borders = 32;

/// One known border interface.
struct known_border {
    ipv4_addr addr;
    std::string path;                 ///< the path it belongs to (class or "AS<n>")
    std::optional<std::uint32_t> asn; ///< the transit AS it stands for
    std::int64_t seen = 0;            ///< trace time it was last seen as a border
    std::int64_t expires = 0;         ///< forgotten after this trace time
    bool prohibited = false;          ///< learned from an ICMP "prohibited" unreachable
    friend bool operator==(const known_border&, const known_border&) = default;
};

/// Seconds a border interface is remembered for a campaign of `interval`.
std::int64_t border_memory_seconds(std::chrono::milliseconds interval) noexcept;

/// True when the last reply of `t` is an ICMP "prohibited" unreachable (codes 9, 10, 13, 14,
/// 15) from `addr`, which is not the destination: `addr` answered for the target.
bool answered_prohibited(const result::trace& t, ipv4_addr addr) noexcept;

/// Adds `b` to `list` or refreshes the entry of its address (the later expiry and sighting
/// win; a prohibited sighting is remembered), after dropping the entries expired at `b.seen`;
/// keeps at most max_known_borders entries, dropping the oldest seen.
void learn_border(std::vector<known_border>& list, const known_border& b);

/// The entry of `addr` in `list` that has not expired at `time`; nullptr if none.
const known_border* find_border(const std::vector<known_border>& list, ipv4_addr addr,
                                std::int64_t time) noexcept;

} // namespace tumen::controller::inference
