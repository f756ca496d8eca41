#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <sstream>

#include <tumen/common/path_graph_dot.hpp>

namespace tumen::path_graph {
namespace {

/// Light fill colours for AS numbers (in ascending AS order, repeating).
constexpr std::array<const char*, 10> as_colours{"#a6cee3", "#b2df8a", "#fb9a99", "#fdbf6f",
                                                 "#cab2d6", "#ffff99", "#8dd3c7", "#bebada",
                                                 "#fccde5", "#d9d9d9"};
/// Strong line colours for paths (in graph order, repeating).
constexpr std::array<const char*, 8> path_colours{"#1f78b4", "#e31a1c", "#33a02c", "#ff7f00",
                                                  "#6a3d9a", "#b15928", "#a6761d", "#666666"};

/// Length of the valid UTF-8 sequence at s[i], 0 if invalid (RFC 3629 section 4).
std::size_t utf8_length(std::string_view s, std::size_t i) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        lo = c == 0xe0 ? 0xa0 : 0x80;
        hi = c == 0xed ? 0x9f : 0xbf;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        lo = c == 0xf0 ? 0x90 : 0x80;
        hi = c == 0xf4 ? 0x8f : 0xbf;
    } else {
        return 0;
    }
    if (i + n > s.size()) {
        return 0;
    }
    for (std::size_t k = 1; k < n; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xbf)) {
            return 0;
        }
    }
    return n;
}

std::string format_rtt(double ms) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f ms", ms);
    return buf;
}

std::string ttl_list(const std::vector<int>& ttls) {
    std::string out = "ttl ";
    for (std::size_t i = 0; i < ttls.size(); ++i) {
        out += (i ? "," : "") + std::to_string(ttls[i]);
    }
    return out;
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (i) {
            out += sep;
        }
        out += v[i];
    }
    return out;
}

std::string node_label(const node& n, const dot_options& o) {
    switch (n.kind) {
    case node_kind::source:
        return o.source_label.empty() ? "source" : o.source_label;
    case node_kind::silent:
        return "*\n" + ttl_list(n.ttls);
    case node_kind::hop:
        break;
    }
    std::string label = n.addr ? n.addr->to_string() : n.id;
    if (n.asn) {
        label += "\nAS" + std::to_string(*n.asn);
        if (!n.as_name.empty()) {
            label += " " + n.as_name;
        }
    }
    label += "\n" + ttl_list(n.ttls);
    if (n.rtt_ms) {
        label += "  " + format_rtt(*n.rtt_ms);
    }
    if (n.border) {
        label += "\nborder of " + join(n.border_of, ", ");
    }
    return label;
}

} // namespace

std::string dot_quote(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 2);
    out += '"';
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
            ++i;
        } else if (c == '\n') {
            out += "\\n";
            ++i;
        } else if (c < 0x20 || c == 0x7f) {
            out += ' ';
            ++i;
        } else if (c < 0x80) {
            out += static_cast<char>(c);
            ++i;
        } else if (const auto n = utf8_length(text, i)) {
            out.append(text.substr(i, n));
            i += n;
        } else {
            out += '?';
            ++i;
        }
    }
    out += '"';
    return out;
}

std::string to_dot(const graph& g, const dot_options& o) {
    std::map<std::uint32_t, const char*> fill;
    for (const auto& n : g.nodes) {
        if (n.asn) {
            fill.emplace(*n.asn, "");
        }
    }
    std::size_t i = 0;
    for (auto& [asn, colour] : fill) {
        colour = as_colours[i++ % as_colours.size()];
    }
    std::map<std::string, const char*> path_colour;
    for (std::size_t p = 0; p < g.paths.size(); ++p) {
        path_colour.emplace(g.paths[p].name, path_colours[p % path_colours.size()]);
    }
    const bool several = g.paths.size() > 1;

    std::ostringstream out;
    out << "digraph " << dot_quote(o.name) << " {\n";
    out << "  graph [rankdir=TB, fontname=\"Helvetica\"";
    if (!o.title.empty()) {
        out << ", label=" << dot_quote(o.title) << ", labelloc=t";
    }
    out << "];\n";
    out << "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", "
           "fontname=\"Helvetica\", fontsize=10];\n";
    out << "  edge [arrowsize=0.6];\n";
    for (const auto& n : g.nodes) {
        out << "  " << dot_quote(n.id) << " [label=" << dot_quote(node_label(n, o));
        switch (n.kind) {
        case node_kind::source:
            out << ", shape=house, fillcolor=\"#eeeeee\"";
            break;
        case node_kind::silent:
            out << ", style=\"rounded,dashed\", fontcolor=\"#777777\"";
            break;
        case node_kind::hop:
            if (n.asn) {
                out << ", fillcolor=\"" << fill.at(*n.asn) << '"';
            }
            if (n.border) {
                out << ", peripheries=2, penwidth=2";
            }
            break;
        }
        if (several) {
            out << ", tooltip=" << dot_quote(join(n.paths, ", "));
        }
        out << "];\n";
    }
    for (const auto& l : g.links) {
        out << "  " << dot_quote(l.from) << " -> " << dot_quote(l.to);
        if (several) {
            std::vector<std::string> colours;
            for (const auto& p : l.paths) {
                colours.emplace_back(path_colour.at(p));
            }
            out << " [color=" << dot_quote(join(colours, ":"))
                << ", tooltip=" << dot_quote(join(l.paths, ", ")) << "]";
        }
        out << ";\n";
    }
    if (several) {
        out << "  subgraph \"cluster_legend\" {\n    label=\"paths\";\n";
        for (std::size_t p = 0; p < g.paths.size(); ++p) {
            const auto& info = g.paths[p];
            std::string label = info.name;
            if (!info.trace_id.empty()) {
                label += "\ntrace " + info.trace_id;
            }
            out << "    " << dot_quote("legend:" + std::to_string(p))
                << " [label=" << dot_quote(label)
                << ", shape=note, style=filled, fillcolor=\"#ffffff\", color=\""
                << path_colour.at(info.name) << "\", penwidth=2];\n";
        }
        out << "  }\n";
    }
    out << "}\n";
    return out.str();
}

} // namespace tumen::path_graph
