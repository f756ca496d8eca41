#include <tumen/controller/inference/classifier.hpp>

namespace tumen::controller::inference {

classifier::classifier(const campaign::campaign_set& campaigns, const asmap::as_map& map,
                       std::uint32_t k, std::uint32_t max_paths)
    : campaigns_(campaigns)
    , map_(map)
    , k_(k)
    , max_paths_(max_paths) {}

std::optional<std::pair<const campaign::campaign*, ipv4_prefix>>
classifier::match(std::string_view campaign_name, ipv4_addr dst) const {
    if (!campaign_name.empty()) {
        if (const auto* c = campaigns_.find(campaign_name)) {
            if (auto p = c->target_prefix_of(dst)) {
                return std::make_pair(c, *p);
            }
            return std::nullopt;
        }
    }
    for (const auto& c : campaigns_.campaigns) {
        if (auto p = c.target_prefix_of(dst)) {
            return std::make_pair(&c, *p);
        }
    }
    return std::nullopt;
}

classify_outcome classifier::process(const result::trace& t) {
    classify_outcome out;
    auto m = match(t.campaign, t.dst);
    if (!m) {
        out.skipped = "destination " + t.dst.to_string() + " is in no campaign's targets";
        return out;
    }
    const auto& [c, prefix] = *m;
    verdict_record v;
    v.agent = t.agent;
    v.campaign = c->name;
    v.target = prefix;
    v.time = t.timestamp;
    v.trace_id = t.id;
    v.verdict = infer_border(t, *c, map_);
    track_key key{t.agent, prefix};
    auto it = trackers_.try_emplace(key, k_).first;
    v.verdict.path = cap_path(it->second.named_paths(), v.verdict.path, max_paths_);
    const std::string identity = path_identity(v.verdict);
    if (auto e = it->second.observe(path_observation{identity, v.verdict.transit_asn, t.timestamp,
                                                     t.id, trace_round(t, *c), t.confirmation})) {
        out.change = change_record{t.agent, c->name, prefix, std::move(*e), "", ""};
        out.change->detected_by = t.trigger == result::trigger_watch ? "watch" : "round";
        const auto& ev = out.change->event;
        out.change->from_transit_name = ev.from_asn ? map_.as_name(*ev.from_asn) : "";
        out.change->to_transit_name = ev.to_asn ? map_.as_name(*ev.to_asn) : "";
    }
    latency_.add(latency_key{t.agent, prefix, identity}, measure(t, v.verdict), false);
    out.verdict = std::move(v);
    return out;
}

bool classifier::process(const result::ping& p) {
    auto m = match(p.campaign, p.dst);
    if (!m) {
        return false;
    }
    track_key key{p.agent, m->second};
    auto it = trackers_.find(key);
    std::string path = it == trackers_.end() || it->second.current().empty()
                           ? std::string(path_none)
                           : it->second.current();
    latency_.add(latency_key{p.agent, m->second, path}, measure(p), true);
    return true;
}

void classifier::restore(const track_key& key, path_tracker_snapshot state) {
    trackers_.insert_or_assign(key, path_tracker(std::move(state)));
}

} // namespace tumen::controller::inference
