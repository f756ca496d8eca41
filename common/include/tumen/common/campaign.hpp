#pragma once
/// @file
/// The campaign model shared by the controller (assignment endpoint, classification) and the
/// agent (standalone mode), its strict YAML loader and the per-round work computation.
/// Every key is documented in docs/campaign-schema.md.
#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <tumen/common/ipv4.hpp>
#include <tumen/common/parse_error.hpp>

namespace tumen::campaign {

/// A probing method. Traceroute methods send TTL-limited probes; `ping` sends ICMP echo
/// requests to the target for end-to-end latency.
enum class method : std::uint8_t {
    udp_paris,  ///< UDP, constant five-tuple per flow (Paris traceroute), checksum carries the id
    icmp_paris, ///< ICMP echo, constant checksum per flow
    tcp_syn,    ///< TCP SYN to `tcp_port`
    udp,        ///< classic UDP traceroute (destination port increments per probe)
    ping,       ///< ICMP echo ping of the target (latency only)
};

/// "udp-paris", "icmp-paris", "tcp-syn", "udp", "ping".
const char* to_string(method m) noexcept;
/// Inverse of to_string(method); nullopt for unknown names.
std::optional<method> parse_method(std::string_view text) noexcept;
/// True for the traceroute methods (every method but `ping`).
constexpr bool is_traceroute(method m) noexcept {
    return m != method::ping;
}

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
    friend bool operator==(const probe_params&, const probe_params&) = default;
};

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

/// A configuration error with its position ("file:line:column: message").
class campaign_error : public std::runtime_error {
public:
    campaign_error(std::string file, int line, int column, const std::string& what);
    const std::string& file() const noexcept { return file_; }
    int line() const noexcept { return line_; }     ///< 1-based; 0 if unknown
    int column() const noexcept { return column_; } ///< 1-based; 0 if unknown

private:
    std::string file_;
    int line_;
    int column_;
};

/// Parses campaign YAML text (`source` names it in errors). Throws campaign_error on any
/// syntax error, unknown key, wrong type, bad prefix, bad duration or duplicate name.
campaign_set parse_campaigns(std::string_view yaml_text, const std::string& source);
/// Reads and parses a campaign file; throws campaign_error (also when unreadable).
campaign_set load_campaigns_file(const std::string& path);
/// Loads several files into one set; duplicate campaign names across files are errors.
campaign_set load_campaigns_files(const std::vector<std::string>& paths);
/// Non-throwing form for callers on a hot path (e.g. an HTTP handler given YAML).
parsed<campaign_set> try_parse_campaigns(std::string_view yaml_text, const std::string& source);

/// One unit of work: probe `address` (inside `target_prefix`) with `how`.
struct work_item {
    std::string campaign;
    ipv4_prefix target_prefix;
    ipv4_addr address;
    method how = method::udp_paris;
    probe_params params;
    friend bool operator==(const work_item&, const work_item&) = default;
};

/// The work of one agent for one round (round numbers start at 0 and grow by one per
/// campaign interval; rotation uses them).
std::vector<work_item> compute_work(const campaign_set& set, std::string_view agent,
                                    const std::vector<std::string>& labels, std::uint64_t round);

/// The address probed for `prefix` in `round` at slot `slot` (< addresses_per_prefix):
/// usable host addresses (network and broadcast excluded for prefixes shorter than /31) taken
/// in order, moving by addresses_per_prefix each round when `rotate`.
ipv4_addr address_for_round(const ipv4_prefix& prefix, std::uint32_t per_prefix, bool rotate,
                            std::uint64_t round, std::uint32_t slot);

/// JSON form of a work item (the assignment endpoint sends a list of them).
nlohmann::json to_json(const work_item& w);
/// Strict inverse of to_json(work_item).
parsed<work_item> parse_work_item(const nlohmann::json& j);

} // namespace tumen::campaign
