#include <algorithm>
#include <map>
#include <tuple>

#include <tumen/common/path_graph.hpp>

namespace tumen::path_graph {
namespace {

constexpr const char* source_id = "source";

/// A node while the graph is built: path membership as a set of path indexes.
struct building_node {
    node n;
    std::vector<std::size_t> paths;
    std::vector<std::size_t> border_of;
    std::size_t silent_path = 0; ///< for ordering silent nodes
};

void add_sorted(std::vector<std::size_t>& v, std::size_t x) {
    auto it = std::lower_bound(v.begin(), v.end(), x);
    if (it == v.end() || *it != x) {
        v.insert(it, x);
    }
}

void add_sorted(std::vector<int>& v, int x) {
    auto it = std::lower_bound(v.begin(), v.end(), x);
    if (it == v.end() || *it != x) {
        v.insert(it, x);
    }
}

std::vector<std::string> names_of(const std::vector<std::size_t>& indexes,
                                  const std::vector<path_info>& paths) {
    std::vector<std::string> out;
    out.reserve(indexes.size());
    for (auto i : indexes) {
        out.push_back(paths[i].name);
    }
    return out;
}

/// Sort key of a node: source first, then smallest TTL, replying before silent, address,
/// path index.
auto order_key(const building_node& b) {
    const int kind_rank = b.n.kind == node_kind::source ? 0 : b.n.kind == node_kind::hop ? 1 : 2;
    const int first_ttl = b.n.ttls.empty() ? 0 : b.n.ttls.front();
    const std::uint32_t addr = b.n.addr ? b.n.addr->value : 0;
    return std::make_tuple(kind_rank == 0 ? 0 : 1, first_ttl, kind_rank, addr, b.silent_path);
}

} // namespace

const char* to_string(node_kind k) noexcept {
    switch (k) {
    case node_kind::source:
        return "source";
    case node_kind::hop:
        return "hop";
    case node_kind::silent:
        return "silent";
    }
    return "hop";
}

graph build(const std::vector<path_trace>& input) {
    graph g;
    std::map<std::string, std::size_t> path_index; // name -> index in g.paths
    std::map<std::string, building_node> nodes;    // id -> node
    std::map<std::pair<std::string, std::string>, std::vector<std::size_t>> links;

    auto& source = nodes[source_id];
    source.n.id = source_id;
    source.n.kind = node_kind::source;

    for (const auto& p : input) {
        auto [it, fresh] = path_index.try_emplace(p.name, g.paths.size());
        if (fresh) {
            g.paths.push_back(path_info{p.name, p.trace_id, p.time, p.border, p.border_ttl});
        }
        const std::size_t pi = it->second;
        add_sorted(nodes[source_id].paths, pi);

        std::vector<const hop*> hops;
        hops.reserve(p.hops.size());
        for (const auto& h : p.hops) {
            hops.push_back(&h);
        }
        std::stable_sort(hops.begin(), hops.end(),
                         [](const hop* a, const hop* b) { return a->ttl < b->ttl; });

        std::vector<std::string> previous{source_id};
        for (const hop* h : hops) {
            std::vector<std::string> current;
            if (h->replies.empty()) {
                const std::string id = "*" + std::to_string(pi) + ":" + std::to_string(h->ttl);
                auto& b = nodes[id];
                b.n.id = id;
                b.n.kind = node_kind::silent;
                b.silent_path = pi;
                add_sorted(b.n.ttls, h->ttl);
                add_sorted(b.paths, pi);
                current.push_back(id);
            }
            for (const auto& r : h->replies) {
                const std::string id = r.addr.to_string();
                auto& b = nodes[id];
                b.n.id = id;
                b.n.kind = node_kind::hop;
                b.n.addr = r.addr;
                if (!b.n.asn && r.asn) {
                    b.n.asn = r.asn;
                }
                if (b.n.as_name.empty()) {
                    b.n.as_name = r.as_name;
                }
                if (r.rtt_ms && (!b.n.rtt_ms || *r.rtt_ms < *b.n.rtt_ms)) {
                    b.n.rtt_ms = r.rtt_ms;
                }
                add_sorted(b.n.ttls, h->ttl);
                add_sorted(b.paths, pi);
                if (p.border && *p.border == r.addr) {
                    b.n.border = true;
                    add_sorted(b.border_of, pi);
                }
                if (std::find(current.begin(), current.end(), id) == current.end()) {
                    current.push_back(id);
                }
            }
            for (const auto& from : previous) {
                for (const auto& to : current) {
                    if (from != to) {
                        add_sorted(links[{from, to}], pi);
                    }
                }
            }
            previous = std::move(current);
        }
    }

    std::vector<building_node*> ordered;
    ordered.reserve(nodes.size());
    for (auto& [id, b] : nodes) {
        ordered.push_back(&b);
    }
    std::stable_sort(ordered.begin(), ordered.end(),
                     [](const building_node* a, const building_node* b) {
                         return order_key(*a) < order_key(*b);
                     });
    std::map<std::string, std::size_t> rank;
    for (auto* b : ordered) {
        rank[b->n.id] = g.nodes.size();
        b->n.paths = names_of(b->paths, g.paths);
        b->n.border_of = names_of(b->border_of, g.paths);
        g.nodes.push_back(std::move(b->n));
    }
    std::vector<std::tuple<std::size_t, std::size_t, link>> sorted_links;
    sorted_links.reserve(links.size());
    for (auto& [ends, members] : links) {
        sorted_links.emplace_back(rank.at(ends.first), rank.at(ends.second),
                                  link{ends.first, ends.second, names_of(members, g.paths)});
    }
    std::sort(sorted_links.begin(), sorted_links.end(), [](const auto& a, const auto& b) {
        return std::tie(std::get<0>(a), std::get<1>(a)) < std::tie(std::get<0>(b), std::get<1>(b));
    });
    for (auto& l : sorted_links) {
        g.links.push_back(std::move(std::get<2>(l)));
    }
    return g;
}

std::vector<hop> hops_of(const result::trace& t) {
    std::vector<hop> out;
    out.reserve(t.hops.size());
    for (const auto& h : t.hops) {
        hop g;
        g.ttl = h.ttl;
        for (const auto& r : h.replies) {
            if (r.timeout) {
                continue;
            }
            auto it = std::find_if(g.replies.begin(), g.replies.end(),
                                   [&](const reply& x) { return x.addr == r.from; });
            if (it == g.replies.end()) {
                g.replies.push_back(reply{r.from, r.rtt_ms, std::nullopt, {}});
            } else if (!it->rtt_ms || r.rtt_ms < *it->rtt_ms) {
                it->rtt_ms = r.rtt_ms;
            }
        }
        out.push_back(std::move(g));
    }
    return out;
}

} // namespace tumen::path_graph
