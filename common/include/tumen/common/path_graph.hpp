#pragma once
/// @file
/// The path graph of one (vantage point, target): the last trace of each path seen, drawn as
/// hops and links. Pure (no I/O); shared by `tumen-probe trace --format dot` (addresses, TTLs,
/// RTTs), `tumen-controller classify --format dot` and the controller's /api/v1/graph (which
/// add AS numbers, AS names and the border hop).
///
/// Merging rules:
/// - a replying address is one node, whatever the paths and TTLs it was seen at (its TTLs are
///   listed); several addresses at one TTL are parallel branches (ECMP), each linked to every
///   node of the TTL before and after it;
/// - a TTL without a reply is a '*' node of its own path: silent hops never merge across
///   paths (two silent routers need not be the same one);
/// - every path starts at the one `source` node (the vantage point);
/// - each node and link lists the paths it belongs to, so two paths (before and after a
///   change) can be drawn overlaid or side by side.
/// Output order is deterministic: nodes by smallest TTL, then replying before silent, then
/// address, then path; links by their nodes' order; path lists in the order of the input.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <tumen/common/ipv4.hpp>
#include <tumen/common/result.hpp>

namespace tumen::path_graph {

/// One replying address at one TTL of a trace.
struct reply {
    ipv4_addr addr;
    std::optional<double> rtt_ms;     ///< smallest RTT of this address at this TTL
    std::optional<std::uint32_t> asn; ///< its AS, when the caller knows it
    std::string as_name;              ///< the AS's name, or empty
};

/// One TTL of a trace: its replying addresses, none for a silent hop ('*').
struct hop {
    int ttl = 0;
    std::vector<reply> replies;
};

/// One path to draw: its name and the trace that stands for it.
struct path_trace {
    std::string name;                ///< path name, unique within one graph (e.g. "china-unicom")
    std::string trace_id;            ///< the trace drawn (empty when unknown)
    std::int64_t time = 0;           ///< the trace's time (Unix seconds)
    std::optional<ipv4_addr> border; ///< the border hop's address, when known
    std::optional<int> border_ttl;   ///< its TTL
    std::vector<hop> hops;           ///< in TTL order (build() sorts them)
};

/// What a node stands for.
enum class node_kind {
    source, ///< the vantage point
    hop,    ///< a replying address
    silent, ///< a TTL without reply ('*'), of one path
};

/// "source", "hop" or "silent".
const char* to_string(node_kind k) noexcept;

/// One node of the graph.
struct node {
    std::string id; ///< "source", the address ("198.18.0.1"), or "*<path index>:<ttl>"
    node_kind kind = node_kind::hop;
    std::optional<ipv4_addr> addr;
    std::optional<std::uint32_t> asn;
    std::string as_name;
    bool border = false;                ///< the border hop of at least one path
    std::vector<std::string> border_of; ///< the paths it is the border hop of
    std::vector<int> ttls;              ///< distinct TTLs it was seen at, ascending
    std::optional<double> rtt_ms;       ///< smallest RTT over its replies
    std::vector<std::string> paths;     ///< the paths through it
};

/// A link between two nodes at consecutive TTLs of at least one path.
struct link {
    std::string from;
    std::string to;
    std::vector<std::string> paths;
};

/// A path of the graph without its hops.
struct path_info {
    std::string name;
    std::string trace_id;
    std::int64_t time = 0;
    std::optional<ipv4_addr> border;
    std::optional<int> border_ttl;
};

/// The graph of one (vantage point, target).
struct graph {
    std::vector<path_info> paths; ///< in input order
    std::vector<node> nodes;      ///< "source" first
    std::vector<link> links;
};

/// Builds the graph of `paths` (see the file comment). Entries with the same name count as one
/// path (listed once, with the first entry's trace id, time and border).
graph build(const std::vector<path_trace>& paths);

/// The hops of a result trace (no AS information): every replying address per TTL with its
/// smallest RTT, in first-reply order; a TTL whose probes all timed out is silent.
std::vector<hop> hops_of(const result::trace& t);

} // namespace tumen::path_graph
