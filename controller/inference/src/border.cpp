#include <algorithm>

#include <tumen/controller/inference/border.hpp>

namespace tumen::controller::inference {

std::vector<annotated_hop> annotate(const result::trace& t, const campaign::campaign& c,
                                    const asmap::as_map& map) {
    std::vector<annotated_hop> out;
    out.reserve(t.hops.size());
    // The vantage point's own AS: that of its source address, when public and mapped.
    const auto src_info = map.lookup(t.src);
    const std::uint32_t own_asn = src_info.special == asmap::special_space::none ? src_info.asn : 0;
    for (const auto& h : t.hops) {
        const std::size_t first_of_hop = out.size();
        for (const auto& r : h.replies) {
            if (r.timeout) {
                continue;
            }
            bool seen = false;
            for (std::size_t i = first_of_hop; i < out.size(); ++i) {
                if (out[i].addr == r.from) {
                    out[i].rtt_ms = std::min(out[i].rtt_ms, r.rtt_ms);
                    seen = true;
                }
            }
            if (seen) {
                continue;
            }
            annotated_hop a;
            a.ttl = h.ttl;
            a.addr = r.from;
            a.rtt_ms = r.rtt_ms;
            const auto info = map.lookup(r.from);
            a.target = r.from == t.dst || c.target_prefix_of(r.from).has_value() ||
                       (info.asn != 0 && info.asn == c.targets.asn);
            if (const auto* pc = c.class_by_prefix(r.from)) {
                // A class prefix overrides the AS map (e.g. unannounced backbone space).
                a.cls = pc;
                a.asn = info.asn != 0 && std::find(pc->asns.begin(), pc->asns.end(), info.asn) !=
                                             pc->asns.end()
                            ? info.asn
                            : (pc->asns.empty() ? info.asn : pc->asns.front());
                a.evidence = !a.target;
            } else if (info.special != asmap::special_space::none) {
                a.own_network = true;
            } else if (info.ixp != 0) {
                a.ixp = true;
            } else if (info.asn != 0) {
                a.asn = info.asn;
                a.cls = c.class_by_asn(info.asn);
                a.own_network = own_asn != 0 && info.asn == own_asn;
                a.evidence = !a.target && !a.own_network;
            }
            out.push_back(a);
        }
    }
    return out;
}

border_verdict infer_border(const result::trace& t, const campaign::campaign& c,
                            const asmap::as_map& map) {
    border_verdict v;
    const auto hops = annotate(t, c, map);
    for (const auto& h : hops) {
        if (h.asn != 0 && !h.target && (v.as_path.empty() || v.as_path.back() != h.asn)) {
            v.as_path.push_back(h.asn);
        }
        if (h.addr == t.dst) {
            v.end_rtt_ms = v.end_rtt_ms ? std::min(*v.end_rtt_ms, h.rtt_ms) : h.rtt_ms;
        }
    }
    auto first_target =
        std::find_if(hops.begin(), hops.end(), [](const auto& h) { return h.target; });
    v.reached_target = first_target != hops.end();
    if (v.reached_target && (v.as_path.empty() || v.as_path.back() != c.targets.asn)) {
        v.as_path.push_back(c.targets.asn);
    }
    // Last hop with transit evidence before the target (or before the end of the trace).
    const annotated_hop* border = nullptr;
    bool ixp_after_border = false;
    std::string ixp_name;
    for (auto it = hops.begin(); it != first_target; ++it) {
        if (it->evidence) {
            border = &*it;
            ixp_after_border = false;
        } else if (it->ixp) {
            ixp_after_border = true;
            ixp_name = map.ixp_name(map.lookup(it->addr).ixp);
        }
    }
    if (border == nullptr) {
        v.path = path_none;
        v.reason = hops.empty()       ? "no hop answered"
                   : v.reached_target ? "no transit hop with AS evidence before the target"
                                      : "the trace never left the vantage point's own network";
        return v;
    }
    v.transit_asn = border->asn;
    v.border_addr = border->addr;
    v.border_ttl = border->ttl;
    v.border_rtt_ms = border->rtt_ms;
    if (ixp_after_border) {
        v.via_ixp = ixp_name.empty() ? "unnamed IXP" : ixp_name;
    }
    v.path = border->cls != nullptr ? border->cls->name : as_path_name(border->asn);
    v.transit_name = map.as_name(border->asn);
    v.weak = !v.reached_target;
    v.reason = v.reached_target ? "last transit before the target"
                                : "trace stopped before the target: last transit seen";
    return v;
}

std::string path_identity(const border_verdict& v) {
    return v.path;
}

} // namespace tumen::controller::inference
