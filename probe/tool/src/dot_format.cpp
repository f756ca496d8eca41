#include <tumen/common/path_graph_dot.hpp>
#include <tumen/probe/tool/dot_format.hpp>

namespace tumen::probe::tool {

std::string format_trace_dot(const result::trace& t) {
    const std::string dst = t.dst.to_string();
    const std::string flow = "flow " + std::to_string(t.paris_id);
    path_graph::path_trace p{flow,         t.id,         t.timestamp,
                             std::nullopt, std::nullopt, path_graph::hops_of(t)};
    path_graph::dot_options o;
    o.name = dst;
    o.title = (t.dst_name.empty() || t.dst_name == dst ? dst : t.dst_name + " (" + dst + ")") +
              " from " + t.src.to_string() + ", " + t.method + ", " + flow;
    o.source_label = t.agent.empty() ? t.src.to_string() : t.agent + "\n" + t.src.to_string();
    return path_graph::to_dot(path_graph::build({p}), o);
}

} // namespace tumen::probe::tool
