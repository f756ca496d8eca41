#include <algorithm>
#include <limits>

#include <tumen/common/campaign/work.hpp>
#include <tumen/common/json/field_reader.hpp>

namespace tumen::campaign {
namespace {

using json_fields::field_reader;

/// The probe parameters of a work item; the limits are validate()'s.
bool read_params(field_reader& r, probe_params& p) {
    constexpr std::int64_t i64 = std::numeric_limits<std::int64_t>::max();
    constexpr std::int64_t u32 = std::numeric_limits<std::uint32_t>::max();
    std::int64_t interval = 0;
    std::int64_t jitter = 0;
    std::int64_t wait = 0;
    std::int64_t watch = 0;
    // hops_in_flight is optional (absent from work items of controllers before it existed):
    // the default, one at a time.
    const bool ok =
        r.integer("interval_ms", interval, true, 0, i64) &&
        r.integer("jitter_ms", jitter, true, 0, i64) && r.integer("wait_ms", wait, true, 0, i64) &&
        r.integer("attempts", p.attempts, true, 0, u32) &&
        r.integer("first_ttl", p.first_ttl, true, 0, u32) &&
        r.integer("max_ttl", p.max_ttl, true, 0, u32) &&
        r.integer("gap_limit", p.gap_limit, true, 0, u32) &&
        r.integer("hops_in_flight", p.hops_in_flight, false, 0, u32) &&
        r.integer("watch_interval_ms", watch, false, 0, i64) &&
        r.integer("udp_port", p.udp_port, true, 0, 65535) &&
        r.integer("tcp_port", p.tcp_port, true, 0, 65535) && r.number("pps", p.pps, true);
    if (!ok) {
        return false;
    }
    p.interval = std::chrono::milliseconds(interval);
    p.jitter = std::chrono::milliseconds(jitter);
    p.wait = std::chrono::milliseconds(wait);
    p.watch_interval = std::chrono::milliseconds(watch);
    if (auto problem = validate(p)) {
        return r.fail(json_key(problem->field), problem->what);
    }
    return true;
}

/// Adds the watch-probe fields to `j` when watch probes are on: items without them keep the
/// form older agents know.
nlohmann::json with_watch(const work_item& w, nlohmann::json j) {
    if (w.params.watch_interval.count() > 0) {
        j["watch_interval_ms"] = w.params.watch_interval.count();
        j["hysteresis"] = w.hysteresis;
    }
    return j;
}

} // namespace

std::uint64_t usable_addresses(const ipv4_prefix& p) noexcept {
    return p.length >= 31 ? p.size() : p.size() - 2;
}

ipv4_addr address_for_round(const ipv4_prefix& prefix, std::uint32_t per_prefix, bool rotate,
                            std::uint64_t round, std::uint32_t slot) {
    const std::uint64_t usable = usable_addresses(prefix);
    const std::uint64_t first = prefix.length >= 31 ? 0 : 1;
    const std::uint64_t start = rotate ? (round * per_prefix) % usable : 0;
    return prefix.at(first + (start + slot) % usable);
}

std::vector<work_item> compute_work(const campaign_set& set, std::string_view agent,
                                    const std::vector<std::string>& labels, std::uint64_t round) {
    std::vector<work_item> out;
    for (const auto& c : set.campaigns) {
        if (!c.agents.matches(agent, labels)) {
            continue;
        }
        for (const auto& p : c.targets.prefixes) {
            std::vector<ipv4_addr> addrs;
            for (std::uint32_t s = 0; s < c.targets.addresses_per_prefix; ++s) {
                addrs.push_back(address_for_round(p, c.targets.addresses_per_prefix,
                                                  c.targets.rotate, round, s));
            }
            for (auto a : c.targets.addresses) {
                if (p.contains(a) && std::find(addrs.begin(), addrs.end(), a) == addrs.end()) {
                    addrs.push_back(a);
                }
            }
            for (auto a : addrs) {
                for (auto m : c.methods) {
                    out.push_back(work_item{c.name, p, a, m, c.params});
                }
            }
        }
    }
    return out;
}

nlohmann::json to_json(const work_item& w) {
    return with_watch(w, nlohmann::json{{"campaign", w.campaign},
                                        {"target_prefix", w.target_prefix.to_string()},
                                        {"address", w.address.to_string()},
                                        {"method", to_string(w.how)},
                                        {"interval_ms", w.params.interval.count()},
                                        {"jitter_ms", w.params.jitter.count()},
                                        {"wait_ms", w.params.wait.count()},
                                        {"attempts", w.params.attempts},
                                        {"first_ttl", w.params.first_ttl},
                                        {"max_ttl", w.params.max_ttl},
                                        {"gap_limit", w.params.gap_limit},
                                        {"hops_in_flight", w.params.hops_in_flight},
                                        {"pps", w.params.pps},
                                        {"udp_port", w.params.udp_port},
                                        {"tcp_port", w.params.tcp_port}});
}

parsed<work_item> parse_work_item(const nlohmann::json& j) {
    if (!j.is_object()) {
        return parse_error{"", "expected a JSON object"};
    }
    field_reader r(j, "");
    work_item w;
    std::string prefix;
    std::string address;
    std::string how;
    if (!r.str("campaign", w.campaign, true) || !r.str("target_prefix", prefix, true) ||
        !r.str("address", address, true) || !r.str("method", how, true)) {
        return *r.error();
    }
    auto p = ipv4_prefix::parse(prefix, true);
    if (!p) {
        return parse_error{"target_prefix", "not an IPv4 prefix: " + prefix};
    }
    auto m = parse_method(how);
    if (!m) {
        return parse_error{"method", "unknown method: " + how};
    }
    // A ping may go to an address outside the prefix that answers for it (the border hop).
    auto a = ipv4_addr::parse(address);
    if (!a || (*m != method::ping && !p->contains(*a))) {
        return parse_error{"address", *m == method::ping
                                          ? "not an IPv4 address: " + address
                                          : "not an IPv4 address inside target_prefix: " + address};
    }
    w.target_prefix = *p;
    w.address = *a;
    w.how = *m;
    // hysteresis and watch_interval_ms are optional (absent: watch probes off, K = 2).
    if (!read_params(r, w.params) || !r.integer("hysteresis", w.hysteresis, false, 1, 1000)) {
        return *r.error();
    }
    return w;
}

} // namespace tumen::campaign
