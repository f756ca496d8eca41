#pragma once
/// @file
/// Graphviz DOT output of a path graph (path_graph.hpp), shared by `tumen-probe trace
/// --format dot` and `tumen-controller classify --format dot`. Every ID and label is a DOT
/// quoted string (dot_quote), so addresses, AS names and path names from files are safe.
/// Node colours follow the AS (a fixed palette over the graph's AS numbers, ascending); the
/// border hop has a double outline and a bold label line; '*' nodes are dashed; with several
/// paths each link is coloured by the paths it belongs to and a legend names them.
#include <string>
#include <string_view>

#include <tumen/common/path_graph.hpp>

namespace tumen::path_graph {

/// What to print besides the graph.
struct dot_options {
    std::string name = "path"; ///< the digraph's ID
    std::string title;         ///< graph label (e.g. "agent -> 198.51.100.0/24"); empty: none
    std::string source_label;  ///< label of the source node; empty: "source"
};

/// `text` as a DOT quoted string (the DOT language's "double-quoted string", with the
/// label escapes of Graphviz): `"` and `\` escaped, a newline as `\n`, other control
/// characters as a space, and bytes that are not valid UTF-8 as '?'.
std::string dot_quote(std::string_view text);

/// The graph as one `digraph`, ending in a newline. Deterministic: the same graph gives the
/// same bytes.
std::string to_dot(const graph& g, const dot_options& options);

} // namespace tumen::path_graph
