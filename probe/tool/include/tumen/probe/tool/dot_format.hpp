#pragma once
/// @file
/// The Graphviz output of `tumen-probe trace --format dot`: one `digraph` per trace, the path
/// graph of common/path_graph.hpp (the probe has no AS map: nodes are addresses with their
/// TTL and smallest RTT; ECMP branches at one TTL side by side, silent TTLs as '*'). Render
/// with `dot -Tsvg` (docs/probe.md, "Graphviz output").
#include <string>

#include <tumen/common/result.hpp>

namespace tumen::probe::tool {

/// The trace as a `digraph` named after its destination, titled "DST from SRC, METHOD, flow N",
/// its source node labelled with the source address (and the agent, if set). Ends in a newline.
std::string format_trace_dot(const result::trace& t);

} // namespace tumen::probe::tool
