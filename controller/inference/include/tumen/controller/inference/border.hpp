#pragma once
/// @file
/// Border-path inference for one trace: which transit hands traffic to the target AS.
///
/// Each responding hop is annotated (campaign class prefix first, then the AS map; private,
/// shared, loopback and link-local space, IXP LANs and unmapped addresses carry no AS
/// evidence). The target is entered at the first hop inside a campaign target prefix, mapped
/// to the target AS, or equal to the destination. The transit is the last hop before that
/// which has AS evidence and is not the target. This copes with the Star JV border interface
/// numbered from the upstream's space (it maps to the upstream, which is the right answer),
/// silent and unmapped hops (skipped), and IXP hops (skipped; the IXP is named). The path is
/// the transit's class, or "AS<number>" for a transit in no class (path_names.hpp). A trace
/// that stops before the target gives the last transit seen, flagged `weak` (weak evidence:
/// docs/api.md, "Weak traces and reachability"); a trace that
/// never left the vantage point's own network (its AS, private space) gives "none".
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tumen/common/campaign.hpp>
#include <tumen/common/result.hpp>
#include <tumen/controller/asmap/as_map.hpp>
#include <tumen/controller/inference/path_names.hpp>

namespace tumen::controller::inference {

/// One responding address at one hop, annotated.
struct annotated_hop {
    std::uint8_t ttl = 0;
    ipv4_addr addr;
    double rtt_ms = 0;     ///< lowest RTT of this address at this hop
    std::uint32_t asn = 0; ///< the origin it stands for (a class prefix: an AS of the class)
    const campaign::path_class* cls = nullptr; ///< class by prefix, else by AS
    bool target = false;      ///< inside the target (prefix, AS, or the destination)
    bool own_network = false; ///< in the vantage point's own AS or special space
    bool ixp = false;         ///< an IXP peering LAN address
    bool evidence = false;    ///< has AS evidence usable as transit
};

/// The verdict for one trace.
struct border_verdict {
    std::string path = path_none;             ///< class name | "AS<number>" | "none"
    std::optional<std::uint32_t> transit_asn; ///< AS of the transit (in a class or not)
    std::string transit_name;    ///< the transit AS's name from the AS-names file, or empty
    bool reached_target = false; ///< some hop inside the target answered
    bool weak = false;           ///< trace stopped before the target: last transit seen
    std::optional<ipv4_addr> border_addr; ///< last transit hop before the target (border interface)
    std::optional<std::uint8_t> border_ttl;
    std::optional<double> border_rtt_ms;
    std::optional<double> end_rtt_ms;   ///< lowest RTT of a reply from the destination
    std::vector<std::uint32_t> as_path; ///< ASes of the responding hops, consecutive repeats merged
    std::string via_ixp;                ///< IXP name if an IXP LAN hop preceded the target
    /// Every transit path the trace passed through before the target (class or "AS<n>"),
    /// in order, consecutive repeats merged.
    std::vector<std::string> transits;
    /// A weak trace whose last transit hop is a known border interface (border_interfaces.hpp):
    /// it counts like a trace that reached the target. Set by the classifier.
    bool known_border = false;
    /// The last reply was an ICMP "prohibited" unreachable from the border address (it
    /// answered for the target, e.g. `!X`). Set by the classifier.
    bool prohibited = false;
    std::string_view reason; ///< short human explanation (static text)
};

/// Annotates the hops of `t` (first reply per distinct address per hop). A prefix with
/// several origins (MOAS, AS set) stands for all of them: the target AS if it is one, else
/// the first origin in a class, else the first origin (docs/api.md).
std::vector<annotated_hop> annotate(const result::trace& t, const campaign::campaign& c,
                                    const asmap::as_map& map);

/// annotate() into `out` (cleared first; its capacity is kept, so a caller that reuses it
/// allocates nothing per trace).
void annotate_into(std::vector<annotated_hop>& out, const result::trace& t,
                   const campaign::campaign& c, const asmap::as_map& map);

/// Infers the border path of one trace for campaign `c`.
border_verdict infer_border(const result::trace& t, const campaign::campaign& c,
                            const asmap::as_map& map);
/// The same, annotating into `scratch` (reused across traces by the classifier).
border_verdict infer_border(const result::trace& t, const campaign::campaign& c,
                            const asmap::as_map& map, std::vector<annotated_hop>& scratch);

/// Identity of a path for change detection: the class name, "AS<asn>" or "none" (the same
/// as the path name now that every transit is named).
std::string path_identity(const border_verdict& v);

} // namespace tumen::controller::inference
