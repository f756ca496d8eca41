#include <algorithm>

#include <tumen/controller/inference/border.hpp>

namespace tumen::controller::inference {
namespace {

bool contains(const std::vector<std::uint32_t>& v, std::uint32_t x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

/// The AS a hop stands for among all the origins of its prefix (several for a MOAS prefix or
/// an AS set): the target AS if it is one of them, else the first origin in a class, else
/// the first origin.
struct origin_choice {
    std::uint32_t asn = 0;
    const campaign::path_class* cls = nullptr;
    bool target = false;
};

origin_choice choose_origin(const std::vector<std::uint32_t>& origins,
                            const campaign::campaign& c) {
    origin_choice o;
    if (origins.empty()) {
        return o;
    }
    if (c.targets.asn != 0 && contains(origins, c.targets.asn)) {
        o.asn = c.targets.asn;
        o.target = true;
    } else {
        o.asn = origins.front();
        for (const auto asn : origins) {
            if (c.class_by_asn(asn) != nullptr) {
                o.asn = asn;
                break;
            }
        }
    }
    o.cls = c.class_by_asn(o.asn);
    return o;
}

/// Whether `addr` is in one of the campaign's target prefixes (target_prefix_of() without
/// looking for the longest match).
bool in_targets(const campaign::campaign& c, ipv4_addr addr) noexcept {
    return std::any_of(c.targets.prefixes.begin(), c.targets.prefixes.end(),
                       [&](const ipv4_prefix& p) { return p.contains(addr); });
}

/// The origins of a looked-up address (empty when unmapped).
const std::vector<std::uint32_t>& origins_of(const asmap::as_map& map, const asmap::as_info& i) {
    static const std::vector<std::uint32_t> none;
    return i.asn != 0 ? map.origins(i.origin_set) : none;
}

} // namespace

std::vector<annotated_hop> annotate(const result::trace& t, const campaign::campaign& c,
                                    const asmap::as_map& map) {
    std::vector<annotated_hop> out;
    annotate_into(out, t, c, map);
    return out;
}

void annotate_into(std::vector<annotated_hop>& out, const result::trace& t,
                   const campaign::campaign& c, const asmap::as_map& map) {
    out.clear();
    // The replies of each hop are a heap block of their own: ask for all of them at once, so
    // that their cache misses overlap instead of coming one hop after the other (the loop below
    // does enough work per hop to keep the CPU from running ahead on its own).
    for (const auto& h : t.hops) {
        const auto* first = h.replies.data();
        const auto bytes = h.replies.size() * sizeof(result::hop_reply);
        for (std::size_t off = 0; off < bytes; off += 64) {
            __builtin_prefetch(reinterpret_cast<const char*>(first) + off);
        }
    }
    out.reserve(t.hops.size());
    // The vantage point's own ASes: the origins of its source address, when public and mapped.
    static const std::vector<std::uint32_t> no_asns;
    const auto src_info = map.lookup(t.src);
    const std::vector<std::uint32_t>& own_asns =
        src_info.special == asmap::special_space::none ? origins_of(map, src_info) : no_asns;
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
            // A MOAS prefix (or AS set) stands for all its origins, not only the first.
            const auto& origins = origins_of(map, info);
            const origin_choice o = choose_origin(origins, c);
            a.target = o.target || r.from == t.dst || in_targets(c, r.from);
            if (const auto* pc = c.class_by_prefix(r.from)) {
                // A class prefix overrides the AS map (e.g. unannounced backbone space).
                a.cls = pc;
                a.asn = pc->asns.empty() ? info.asn : pc->asns.front();
                for (const auto asn : origins) {
                    if (contains(pc->asns, asn)) {
                        a.asn = asn;
                        break;
                    }
                }
                a.evidence = !a.target;
            } else if (info.special != asmap::special_space::none) {
                a.own_network = true;
            } else if (info.ixp != 0) {
                a.ixp = true;
            } else if (o.asn != 0) {
                a.asn = o.asn;
                a.cls = o.cls;
                // Ours when one of the origins is, unless it stands for a class AS that is not.
                const bool any_own = std::any_of(origins.begin(), origins.end(),
                                                 [&](auto asn) { return contains(own_asns, asn); });
                a.own_network = any_own && (o.cls == nullptr || contains(own_asns, o.asn));
                a.evidence = !a.target && !a.own_network;
            }
            out.push_back(a);
        }
    }
}

border_verdict infer_border(const result::trace& t, const campaign::campaign& c,
                            const asmap::as_map& map) {
    std::vector<annotated_hop> scratch;
    return infer_border(t, c, map, scratch);
}

border_verdict infer_border(const result::trace& t, const campaign::campaign& c,
                            const asmap::as_map& map, std::vector<annotated_hop>& scratch) {
    border_verdict v;
    annotate_into(scratch, t, c, map);
    const auto& hops = scratch;
    v.as_path.reserve(hops.size()); // one block instead of a growth step per AS
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
            auto name = it->cls != nullptr ? it->cls->name : as_path_name(it->asn);
            if (v.transits.empty() || v.transits.back() != name) {
                v.transits.push_back(std::move(name));
            }
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
