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

std::size_t track_key_hash::operator()(const track_key& k) const noexcept {
    const std::size_t h = std::hash<std::string>{}(k.agent);
    const std::uint64_t p = (std::uint64_t{k.target.network.value} << 8) | k.target.length;
    return h ^ (p * 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
}

classifier::series_slot& classifier::slot(const track_key& key) {
    auto it = slots_.find(key);
    if (it == slots_.end()) {
        series_slot s;
        s.tracker = &trackers_.try_emplace(key, k_).first->second;
        s.borders = &borders_[key.target];
        it = slots_.emplace(key, std::move(s)).first;
    }
    return it->second;
}

latency_stats& classifier::latency_of(series_slot& s, const track_key& key,
                                      const std::string& path) {
    for (auto& [p, stats] : s.latency) {
        if (p == path) {
            return *stats;
        }
    }
    auto& stats = latency_.series_of(latency_key{key.agent, key.target, path});
    s.latency.emplace_back(path, &stats);
    return stats;
}

classify_outcome classifier::process(const result::trace& t) {
    // Start loading the trace's hop array and id (heap blocks of their own, often not in the
    // cache) while the campaign is matched.
    const auto* hops = reinterpret_cast<const char*>(t.hops.data());
    for (std::size_t off = 0; off < t.hops.size() * sizeof(result::hop); off += 64) {
        __builtin_prefetch(hops + off);
    }
    __builtin_prefetch(t.id.data());
    classify_outcome out;
    auto m = match(t.campaign, t.dst);
    if (!m) {
        out.skipped = "destination " + t.dst.to_string() + " is in no campaign's targets";
        return out;
    }
    const auto& [c, prefix] = *m;
    verdict_record& v = out.verdict.emplace();
    v.agent = t.agent;
    v.campaign = c->name;
    v.target = prefix;
    v.time = t.timestamp;
    v.trace_id = t.id;
    v.verdict = infer_border(t, *c, map_, hops_);
    const track_key key{t.agent, prefix};
    series_slot& s = slot(key);
    path_tracker& tracker = *s.tracker;
    v.verdict.path = cap_path(tracker.named_paths(), v.verdict.path, max_paths_);
    const auto strength = weigh(t, *c, *s.borders, v.verdict, tracker);
    // The observation borrows the verdict's strings and gives them back after.
    path_observation o{path_identity(v.verdict),
                       v.verdict.transit_asn,
                       t.timestamp,
                       std::move(v.trace_id),
                       trace_round(t, *c),
                       t.confirmation,
                       strength,
                       std::move(v.verdict.transits)};
    auto e = tracker.observe(o);
    v.trace_id = std::move(o.trace_id);
    v.verdict.transits = std::move(o.via);
    const std::string& identity = o.path;
    v.reachable = tracker.reachable();
    v.reachability_reason = tracker.snapshot().reachability_reason;
    if (e) {
        out.change = change_record{t.agent, c->name, prefix, std::move(*e), "", ""};
        out.change->detected_by = t.trigger == result::trigger_watch ? "watch" : "round";
        const auto& ev = out.change->event;
        out.change->from_transit_name = ev.from_asn ? map_.as_name(*ev.from_asn) : "";
        out.change->to_transit_name = ev.to_asn ? map_.as_name(*ev.to_asn) : "";
    }
    latency_accumulator::add_to(latency_of(s, key, identity), measure(t, v.verdict), false);
    s.last_observed = identity;
    return out;
}

bool classifier::process(const result::ping& p) {
    auto m = match(p.campaign, p.dst);
    if (!m) {
        return false;
    }
    // A ping has no path of its own: the path the latest trace of its agent x target observed.
    const track_key key{p.agent, m->second};
    auto it = slots_.find(key);
    if (it == slots_.end()) {
        latency_.add(latency_key{p.agent, m->second, std::string(path_none)}, measure(p), true);
        return true;
    }
    series_slot& s = it->second;
    latency_accumulator::add_to(latency_of(s, key, s.last_observed), measure(p), true);
    return true;
}

evidence_strength classifier::weigh(const result::trace& t, const campaign::campaign& c,
                                    std::vector<known_border>& known, border_verdict& v,
                                    path_tracker& tracker) {
    if (!v.border_addr) {
        return v.reached_target ? evidence_strength::reached : evidence_strength::weak;
    }
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
