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
    const auto strength = weigh(t, *c, prefix, v.verdict, it->second);
    auto e = it->second.observe(path_observation{identity, v.verdict.transit_asn, t.timestamp, t.id,
                                                 trace_round(t, *c), t.confirmation, strength,
                                                 v.verdict.transits});
    v.reachable = it->second.reachable();
    v.reachability_reason = it->second.snapshot().reachability_reason;
    if (e) {
        out.change = change_record{t.agent, c->name, prefix, std::move(*e), "", ""};
        out.change->detected_by = t.trigger == result::trigger_watch ? "watch" : "round";
        const auto& ev = out.change->event;
        out.change->from_transit_name = ev.from_asn ? map_.as_name(*ev.from_asn) : "";
        out.change->to_transit_name = ev.to_asn ? map_.as_name(*ev.to_asn) : "";
    }
    latency_.add(latency_key{t.agent, prefix, identity}, measure(t, v.verdict), false);
    last_observed_[key] = identity;
    out.verdict = std::move(v);
    return out;
}

bool classifier::process(const result::ping& p) {
    auto m = match(p.campaign, p.dst);
    if (!m) {
        return false;
    }
    process(p, m->second);
    return true;
}

void classifier::process(const result::ping& p, const ipv4_prefix& target) {
    // A ping has no path of its own: the path the latest trace of its agent x target observed.
    auto it = last_observed_.find(track_key{p.agent, target});
    const std::string path = it == last_observed_.end() ? std::string(path_none) : it->second;
    latency_.add(latency_key{p.agent, target, path}, measure(p), true);
}

pair_latency classifier::latency_of(const track_key& key) const {
    pair_latency out;
    if (auto it = last_observed_.find(key); it != last_observed_.end()) {
        out.observed = it->second;
    }
    out.by_path = latency_.series_of(key.agent, key.target);
    return out;
}

void classifier::restore_latency(const track_key& key, pair_latency latency) {
    if (latency.observed) {
        last_observed_.insert_or_assign(key, std::move(*latency.observed));
    } else {
        last_observed_.erase(key);
    }
    latency_.replace(key.agent, key.target, std::move(latency.by_path));
}

evidence_strength classifier::weigh(const result::trace& t, const campaign::campaign& c,
                                    const ipv4_prefix& target, border_verdict& v,
                                    path_tracker& tracker) {
    if (!v.border_addr) {
        return v.reached_target ? evidence_strength::reached : evidence_strength::weak;
    }
    auto& known = borders_[target];
    known_border b{*v.border_addr,
                   v.path,
                   v.transit_asn,
                   t.timestamp,
                   t.timestamp + border_memory_seconds(c.params.interval),
                   false};
    if (!v.reached_target) {
        v.prohibited = answered_prohibited(t, *v.border_addr);
        b.prohibited = v.prohibited;
        v.known_border = v.prohibited || find_border(known, b.addr, t.timestamp) != nullptr;
        if (!v.prohibited) {
            // Only a trace that reached the target, or the border's own answer, teaches.
            return v.known_border ? evidence_strength::border : evidence_strength::weak;
        }
    }
    learn_border(known, b);
    tracker.learn_border(b);
    return v.reached_target ? evidence_strength::reached : evidence_strength::border;
}

const std::vector<known_border>& classifier::known_borders(const ipv4_prefix& target) const {
    static const std::vector<known_border> none;
    auto it = borders_.find(target);
    return it == borders_.end() ? none : it->second;
}

void classifier::restore(const track_key& key, path_tracker_snapshot state) {
    auto& known = borders_[key.target];
    for (const auto& b : state.known_borders) {
        learn_border(known, b);
    }
    trackers_.insert_or_assign(key, path_tracker(std::move(state)));
}

} // namespace tumen::controller::inference
