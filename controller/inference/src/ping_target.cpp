#include <algorithm>

#include <tumen/controller/inference/ping_target.hpp>

namespace tumen::controller::inference {

std::optional<ipv4_addr> choose_ping_target(const result::trace& t, const border_verdict& v) {
    const auto answered = [](const result::hop& h, ipv4_addr a) {
        return std::any_of(h.replies.begin(), h.replies.end(),
                           [&](const auto& r) { return !r.timeout && r.from == a; });
    };
    if (std::any_of(t.hops.begin(), t.hops.end(),
                    [&](const auto& h) { return answered(h, t.dst); })) {
        return t.dst;
    }
    if (!v.border_ttl) {
        return std::nullopt;
    }
    for (auto h = t.hops.rbegin(); h != t.hops.rend() && h->ttl >= *v.border_ttl; ++h) {
        // The first address that answered at the hop (per-flow: one in a Paris trace).
        for (const auto& r : h->replies) {
            if (!r.timeout) {
                return r.from;
            }
        }
    }
    return std::nullopt;
}

void point_pings(std::vector<campaign::work_item>& work,
                 const std::map<ipv4_prefix, ipv4_addr>& chosen) {
    std::vector<campaign::work_item> out;
    out.reserve(work.size());
    for (auto& w : work) {
        if (w.how == method::ping) {
            if (auto it = chosen.find(w.target_prefix); it != chosen.end()) {
                w.address = it->second;
                if (std::find(out.begin(), out.end(), w) != out.end()) {
                    continue;
                }
            }
        }
        out.push_back(std::move(w));
    }
    work = std::move(out);
}

} // namespace tumen::controller::inference
