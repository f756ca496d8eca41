#include <algorithm>
#include <cmath>

#include <tumen/common/campaign/model.hpp>

namespace tumen::campaign {
namespace {

struct param_keys {
    param p;
    std::string_view yaml;
    std::string_view json;
};
constexpr param_keys param_names[] = {
    {param::interval, "interval", "interval_ms"},
    {param::stale_after, "stale_after", "stale_after_ms"},
    {param::jitter, "jitter", "jitter_ms"},
    {param::wait, "wait", "wait_ms"},
    {param::watch_interval, "watch_interval", "watch_interval_ms"},
    {param::attempts, "attempts", "attempts"},
    {param::first_ttl, "first_ttl", "first_ttl"},
    {param::max_ttl, "max_ttl", "max_ttl"},
    {param::gap_limit, "gap_limit", "gap_limit"},
    {param::hops_in_flight, "hops_in_flight", "hops_in_flight"},
    {param::pps, "pps", "pps"},
    {param::udp_port, "udp_port", "udp_port"},
    {param::tcp_port, "tcp_port", "tcp_port"},
};

const param_keys& keys_of(param p) noexcept {
    for (const auto& k : param_names) {
        if (k.p == p) {
            return k;
        }
    }
    return param_names[0];
}

/// "<key> must be between lo and hi, got v" (the wording of yaml_reader::unsigned_int).
std::optional<param_problem> check_range(param p, std::uint64_t v, std::uint64_t lo,
                                         std::uint64_t hi) {
    if (v >= lo && v <= hi) {
        return std::nullopt;
    }
    return param_problem{p, std::string(yaml_key(p)) + " must be between " + std::to_string(lo) +
                                " and " + std::to_string(hi) + ", got " + std::to_string(v)};
}

/// watch_interval: 0 (off), or from 1s up to (not including) interval.
std::optional<param_problem> check_watch_interval(const probe_params& p) {
    if (p.watch_interval.count() == 0) {
        return std::nullopt;
    }
    if (p.watch_interval < limits::interval_min) {
        return param_problem{param::watch_interval,
                             "watch_interval must be 0 (off) or at least 1s"};
    }
    if (p.watch_interval >= p.interval) {
        return param_problem{param::watch_interval, "watch_interval must be shorter than interval"};
    }
    return std::nullopt;
}

std::optional<param_problem> check_ranges(const probe_params& p) {
    if (p.interval < limits::interval_min) {
        return param_problem{param::interval, "interval must be at least 1s"};
    }
    if (p.interval > limits::interval_max) {
        return param_problem{param::interval, "interval must be at most 365d"};
    }
    if (p.jitter.count() < 0) {
        return param_problem{param::jitter, "jitter must not be negative"};
    }
    if (p.wait < limits::wait_min || p.wait > limits::wait_max) {
        return param_problem{param::wait, "wait must be between 10ms and 60s"};
    }
    if (auto e = check_watch_interval(p)) {
        return e;
    }
    const std::pair<param, std::pair<std::uint64_t, std::uint64_t>> counts[] = {
        {param::attempts, {1, limits::attempts_max}},
        {param::first_ttl, {1, limits::ttl_max}},
        {param::max_ttl, {1, limits::ttl_max}},
        {param::gap_limit, {1, limits::gap_limit_max}},
        {param::hops_in_flight, {1, limits::hops_in_flight_max}},
    };
    const std::uint32_t values[] = {p.attempts, p.first_ttl, p.max_ttl, p.gap_limit,
                                    p.hops_in_flight};
    for (std::size_t i = 0; i < std::size(counts); ++i) {
        if (auto e = check_range(counts[i].first, values[i], counts[i].second.first,
                                 counts[i].second.second)) {
            return e;
        }
    }
    if (!std::isfinite(p.pps) || !(p.pps > 0) || p.pps > limits::pps_max) {
        return param_problem{param::pps, "pps must be a number in (0, 100000]"};
    }
    if (auto e = check_range(param::udp_port, p.udp_port, 1, 65535)) {
        return e;
    }
    return check_range(param::tcp_port, p.tcp_port, 1, 65535);
}

/// A verdict must be able to stay fresh from one round to the next.
std::optional<param_problem> check_stale_after(const probe_params& p) {
    if (!p.stale_after) {
        return std::nullopt;
    }
    if (*p.stale_after <= p.interval + p.jitter) {
        return param_problem{param::stale_after,
                             "stale_after must be longer than interval + jitter"};
    }
    if (*p.stale_after > limits::stale_after_max) {
        return param_problem{param::stale_after, "stale_after must be at most 1095d"};
    }
    return std::nullopt;
}

} // namespace

std::string_view yaml_key(param p) noexcept {
    return keys_of(p).yaml;
}

std::string_view json_key(param p) noexcept {
    return keys_of(p).json;
}

std::optional<param_problem> validate(const probe_params& p) {
    if (auto e = check_ranges(p)) {
        return e;
    }
    if (p.jitter >= p.interval) {
        return param_problem{param::jitter, "jitter must be shorter than interval"};
    }
    if (p.first_ttl > p.max_ttl) {
        return param_problem{param::first_ttl, "first_ttl must not exceed max_ttl"};
    }
    return check_stale_after(p);
}

std::chrono::milliseconds probe_params::stale_after_or_default() const {
    return stale_after ? *stale_after : limits::stale_after_factor * interval;
}

bool agent_selector::matches(std::string_view agent,
                             const std::vector<std::string>& agent_labels) const {
    if (all) {
        return true;
    }
    if (std::find(names.begin(), names.end(), agent) != names.end()) {
        return true;
    }
    for (const auto& l : agent_labels) {
        if (std::find(labels.begin(), labels.end(), l) != labels.end()) {
            return true;
        }
    }
    return false;
}

std::optional<ipv4_prefix> campaign::target_prefix_of(ipv4_addr addr) const {
    std::optional<ipv4_prefix> best;
    for (const auto& p : targets.prefixes) {
        if (p.contains(addr) && (!best || p.length > best->length)) {
            best = p;
        }
    }
    return best;
}

const path_class* campaign::class_by_prefix(ipv4_addr addr) const {
    const path_class* best = nullptr;
    int best_len = -1;
    for (const auto& c : classes) {
        for (const auto& p : c.prefixes) {
            if (p.contains(addr) && p.length > best_len) {
                best = &c;
                best_len = p.length;
            }
        }
    }
    return best;
}

const path_class* campaign::class_by_asn(std::uint32_t asn) const {
    for (const auto& c : classes) {
        if (std::find(c.asns.begin(), c.asns.end(), asn) != c.asns.end()) {
            return &c;
        }
    }
    return nullptr;
}

const campaign* campaign_set::find(std::string_view name) const {
    for (const auto& c : campaigns) {
        if (c.name == name) {
            return &c;
        }
    }
    return nullptr;
}

} // namespace tumen::campaign
