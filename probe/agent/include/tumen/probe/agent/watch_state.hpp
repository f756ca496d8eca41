#pragma once
/// @file
/// What an agent knows of one target's border between full traces, for watch probes
/// (docs/agent.md, "Watch probes"): after each full trace, the TTL and address of the first
/// hop inside the target and of the last responding hop before it; between traces, which TTL
/// to probe next and whether a probe's outcome is an alarm. Plain values, no sockets or
/// timers (probe/agent/src/watcher.hpp runs it on the engine).
///
/// The agent has no AS map, so "inside the target" is approximated by the addresses of the
/// work item's target prefix (and the traced destination itself): the first hop inside is the
/// first hop with a reply from there, the border hop before it the last hop before it that
/// answered. A trace that never got inside watches its last responding hop only.
#include <cstdint>
#include <optional>

#include <tumen/common/ipv4.hpp>
#include <tumen/common/result.hpp>

namespace tumen::probe::agent {

/// One hop to watch: the TTL and the address that answered there in the last trace.
struct watched_hop {
    std::uint8_t ttl = 0;
    ipv4_addr addr;
    friend bool operator==(const watched_hop&, const watched_hop&) = default;
};

/// The border hops of one trace.
struct border_hops {
    std::optional<watched_hop> before; ///< last responding hop before the target
    std::optional<watched_hop> inside; ///< first hop inside the target
    friend bool operator==(const border_hops&, const border_hops&) = default;
};

/// The border hops of `t` toward `target` (the work item's target prefix); the first reply of
/// a hop stands for it.
border_hops border_of(const result::trace& t, const ipv4_prefix& target);

/// Does a full trace's border `now` show a new border against `was`? With `same_address`
/// (both traces went to one address, one flow: ECMP keeps the path) any difference does;
/// otherwise (a round's trace to another address of the prefix, which may take another ECMP
/// branch inside the transit) only the target entered at another TTL.
bool new_border(const border_hops& was, const border_hops& now, bool same_address);

/// What to do after a watch probe.
enum class watch_verdict : std::uint8_t {
    quiet, ///< the expected address answered, or a silence below the limit
    moved, ///< another address answered at the TTL: re-trace at once
    silent ///< `attempts` silences in a row where the last trace had an answer: re-trace
};

/// The watch state of one target.
class watch_state {
public:
    /// `attempts`: silences in a row at one hop that raise an alarm (>= 1).
    explicit watch_state(std::uint32_t attempts = 3);

    /// Learns the border from a full trace. Returns true when a border was known and this
    /// one differs (another address at a watched role, or the same address at another TTL).
    bool learn(const border_hops& b);
    /// The border learned last.
    const border_hops& border() const noexcept { return border_; }
    /// The hop to probe at the next watch tick: the watched hops in turn (one probe per
    /// tick), nullopt when nothing is watched.
    std::optional<watched_hop> next_probe();
    /// The outcome of a watch probe at `ttl`: the address that answered, or nullopt.
    watch_verdict observe(std::uint8_t ttl, std::optional<ipv4_addr> from);
    /// Silences allowed in a row per hop.
    void set_attempts(std::uint32_t attempts) noexcept { attempts_ = attempts == 0 ? 1 : attempts; }

private:
    border_hops border_;
    bool known_ = false;
    std::uint32_t attempts_;
    std::uint32_t turn_ = 0;
    std::uint32_t silent_before_ = 0;
    std::uint32_t silent_inside_ = 0;
};

} // namespace tumen::probe::agent
