// classify --format dot: for each (agent, target prefix) the path graph (common/path_graph.hpp)
// of the last trace of each path seen, nodes coloured by AS, the border hops marked, written at
// the end as one Graphviz digraph per (agent, target) in agent, target order.
#include <algorithm>
#include <map>
#include <tuple>

#include <tumen/common/path_graph_dot.hpp>
#include <tumen/controller/inference/border.hpp>

#include "classify_output.hpp"

namespace tumen::controller::tool {
namespace {

namespace pg = tumen::path_graph;

class dot_output final : public classify_output {
public:
    explicit dot_output(std::ostream& out)
        : out_(out) {}

    void datasets(const asmap::as_map& map) override { map_ = &map; }

    void traced(const result::trace& t, const inference::verdict_record& r) override {
        const auto& v = r.verdict;
        const std::string name = inference::path_name(inference::path_identity(v));
        pg::path_trace p{name, r.trace_id, r.time, v.border_addr, std::nullopt, pg::hops_of(t)};
        if (v.border_ttl) {
            p.border_ttl = *v.border_ttl;
        }
        for (auto& h : p.hops) {
            for (auto& reply : h.replies) {
                if (!map_) {
                    break;
                }
                const auto info = map_->lookup(reply.addr);
                if (info.mapped()) {
                    reply.asn = info.asn;
                    reply.as_name = map_->as_name(info.asn);
                }
            }
        }
        auto& paths = graphs_[{r.agent, r.target}];
        auto it = paths.find(name);
        if (it == paths.end() || it->second.time <= p.time) {
            paths.insert_or_assign(name, std::move(p));
        }
    }

    void verdict(const inference::verdict_record&) override {}
    void change(const inference::change_record&) override {}

    void latency(const inference::latency_accumulator&) override {
        std::size_t index = 0;
        for (const auto& [key, paths] : graphs_) {
            const auto& [agent, target] = key;
            std::vector<pg::path_trace> ordered;
            ordered.reserve(paths.size());
            for (const auto& [name, p] : paths) {
                ordered.push_back(p);
            }
            std::stable_sort(ordered.begin(), ordered.end(),
                             [](const pg::path_trace& a, const pg::path_trace& b) {
                                 return std::tie(a.time, a.name) < std::tie(b.time, b.name);
                             });
            pg::dot_options o;
            o.name = "path_" + std::to_string(index++);
            o.title = agent + " -> " + target.to_string();
            o.source_label = agent;
            out_ << pg::to_dot(pg::build(ordered), o);
        }
    }

private:
    std::ostream& out_;
    const asmap::as_map* map_ = nullptr;
    /// (agent, target) -> path name -> the latest trace of that path.
    std::map<std::pair<std::string, ipv4_prefix>, std::map<std::string, pg::path_trace>> graphs_;
};

} // namespace

std::unique_ptr<classify_output> make_dot_output(std::ostream& out) {
    return std::make_unique<dot_output>(out);
}

} // namespace tumen::controller::tool
