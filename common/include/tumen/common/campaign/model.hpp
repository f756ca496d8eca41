#pragma once
/// @file
/// The campaign model shared by the controller (assignment endpoint, classification) and the
/// agent (standalone mode), and validate(): the limits of the probe parameters, checked the
/// same way by the YAML parser (campaign/yaml.hpp) and the work-item JSON parser
/// (campaign/work.hpp). Every key is documented in docs/campaign-schema.md.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tumen/common/ipv4.hpp>
#include <tumen/common/method.hpp>

namespace tumen::campaign {

/// The one method enum (common/method.hpp), under its historical campaign name.
using method = tumen::method;
using tumen::is_traceroute;
using tumen::parse_method;
using tumen::to_string;

/// A named path class: hops whose AS is one of `asns`, or whose address falls in one of
/// `prefixes`, belong to this class (a class prefix overrides the public AS map).
struct path_class {
    std::string name;
    std::vector<std::uint32_t> asns;
    std::vector<ipv4_prefix> prefixes;
};

/// What to probe.
struct target_set {
    std::uint32_t asn = 0;                  ///< the target (border) AS, e.g. 131279
    std::vector<ipv4_prefix> prefixes;      ///< the target prefixes (each tracked separately)
    std::uint32_t addresses_per_prefix = 1; ///< addresses probed per prefix per round
    bool rotate = true;                     ///< walk through the prefix round after round
    std::vector<ipv4_addr> addresses;       ///< fixed addresses, probed every round in addition
};

/// Which agents take part: an agent takes part when its name is in `names` or one of its
/// labels is in `labels`; `all` means every agent.
struct agent_selector {
    bool all = true;
    std::vector<std::string> names;
    std::vector<std::string> labels;

    /// Does the agent (name, labels) take part?
    bool matches(std::string_view agent, const std::vector<std::string>& agent_labels) const;
};

/// Probe parameters shared by every probe of a campaign.
struct probe_params {
    std::chrono::milliseconds interval{std::chrono::minutes(5)}; ///< time between rounds
    std::chrono::milliseconds jitter{0};  ///< random start offset in [0, jitter) per round
    std::chrono::milliseconds wait{2000}; ///< how long to wait for a reply to a probe
    std::uint32_t attempts = 3;           ///< probes per hop (traceroute) / count (ping)
    std::uint32_t first_ttl = 1;
    std::uint32_t max_ttl = 30;
    std::uint32_t gap_limit = 5;      ///< stop after this many silent hops in a row
    std::uint32_t hops_in_flight = 1; ///< traceroute probes in flight per trace (1-32)
    double pps = 50;                  ///< per-campaign packet rate limit (per agent)
    std::uint16_t udp_port = 33435;   ///< base destination port for UDP methods
    std::uint16_t tcp_port = 80;      ///< destination port for tcp-syn
    /// Controller only (never in work items): a verdict with no observation for this long is
    /// stale. nullopt: stale_after_factor x interval.
    std::optional<std::chrono::milliseconds> stale_after;
    /// stale_after, or its default.
    std::chrono::milliseconds stale_after_or_default() const;
    /// Time between watch probes of a target's border hops between full traces; 0: off
    /// (docs/campaign-schema.md, docs/agent.md "Watch probes").
    std::chrono::milliseconds watch_interval{0};
    friend bool operator==(const probe_params&, const probe_params&) = default;
};

/// One probe parameter, for naming it in errors.
enum class param : std::uint8_t {
    interval,
    stale_after,
    jitter,
    wait,
    watch_interval,
    attempts,
    first_ttl,
    max_ttl,
    gap_limit,
    hops_in_flight,
    pps,
    udp_port,
    tcp_port,
};

/// The key of a parameter in campaign YAML ("wait").
std::string_view yaml_key(param p) noexcept;
/// The key of a parameter in a work item's JSON ("wait_ms").
std::string_view json_key(param p) noexcept;

/// The limits of the probe parameters (docs/campaign-schema.md).
namespace limits {
inline constexpr std::chrono::milliseconds interval_min{1000};
inline constexpr std::chrono::milliseconds interval_max{365LL * 24 * 3600 * 1000};
inline constexpr std::chrono::milliseconds wait_min{10};
inline constexpr std::chrono::milliseconds wait_max{60'000};
inline constexpr std::uint32_t attempts_max = 16;
inline constexpr std::uint32_t ttl_max = 255;
inline constexpr std::uint32_t gap_limit_max = 255;
inline constexpr std::uint32_t hops_in_flight_max = 32;
inline constexpr double pps_max = 100'000;
/// stale_after when not given: this many intervals.
inline constexpr int stale_after_factor = 3;
inline constexpr std::chrono::milliseconds stale_after_max{stale_after_factor * interval_max};
} // namespace limits

/// A parameter outside its limits: which one, and why (the text names the YAML key).
struct param_problem {
    param field;
    std::string what;
};

/// Checks every probe parameter against its limits and the rules between them (jitter
/// shorter than interval, first_ttl not above max_ttl, stale_after longer than interval +
/// jitter); the first problem found, in the
/// order of the `param` enum, or nullopt. Both campaign parsers call it.
std::optional<param_problem> validate(const probe_params& p);

/// One campaign.
struct campaign {
    std::string name;
    std::string description;
    target_set targets;
    std::vector<path_class> classes;
    std::vector<method> methods;
    probe_params params;
    agent_selector agents;

    /// The campaign target prefix containing `addr` (longest match), or nullopt.
    std::optional<ipv4_prefix> target_prefix_of(ipv4_addr addr) const;
    /// The path class whose prefixes contain `addr` (longest match), or nullptr.
    const path_class* class_by_prefix(ipv4_addr addr) const;
    /// The path class listing `asn`, or nullptr.
    const path_class* class_by_asn(std::uint32_t asn) const;
};

/// Campaigns loaded from one or more files.
struct campaign_set {
    std::vector<campaign> campaigns;
    /// The campaign named `name`, or nullptr.
    const campaign* find(std::string_view name) const;
};

} // namespace tumen::campaign
