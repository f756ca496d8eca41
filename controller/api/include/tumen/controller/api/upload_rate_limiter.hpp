#pragma once
/// @file
/// The per-agent upload rate limit (controller.yaml `upload_rate`): one token bucket per
/// agent, refilled at `per_second` uploads per second up to `burst`. An upload over the limit
/// is refused from its header (429 with Retry-After, RFC 6585 section 4), before its body is
/// read. The defaults (20/s, burst 600) never stop an agent that uploads as it should (one
/// batch per result or per backoff step); they bound what a runaway or hostile agent holder
/// can make the controller parse and store.
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <tumen/controller/config/server_config.hpp>

namespace tumen::controller::api {

/// One token bucket (not thread-safe; upload_rate_limiter locks).
class token_bucket {
public:
    using clock = std::chrono::steady_clock;

    /// A full bucket of `rate.burst` tokens at `now`.
    token_bucket(const config::upload_rate& rate, clock::time_point now) noexcept;

    /// Takes one token at `now`: nullopt when one was there, otherwise the whole seconds
    /// (at least 1) until one will be.
    std::optional<std::chrono::seconds> take(clock::time_point now) noexcept;

    /// New rate and burst (a configuration reload); the tokens held are capped at the burst.
    void set_rate(const config::upload_rate& rate) noexcept;
    /// Tokens now held (tests).
    double tokens() const noexcept { return tokens_; }

private:
    void refill(clock::time_point now) noexcept;

    config::upload_rate rate_;
    double tokens_;
    clock::time_point last_;
};

/// The buckets of every agent that uploaded, keyed by agent name. Thread-safe.
class upload_rate_limiter {
public:
    using clock = token_bucket::clock;

    explicit upload_rate_limiter(const config::upload_rate& rate);

    /// Admits one upload of `agent` at `now`: nullopt when admitted, otherwise the
    /// Retry-After in whole seconds (at least 1). Only authenticated agents get here, so the
    /// number of buckets is bounded by the configured agents.
    std::optional<std::chrono::seconds> admit(const std::string& agent, clock::time_point now);

    /// New rate for every bucket (a configuration reload).
    void set_rate(const config::upload_rate& rate);
    /// Drops the buckets of agents not in `agents` (a reload removed them), so the buckets
    /// stay bounded by the agents configured now.
    void keep_only(const std::vector<config::agent_entry>& agents);
    /// Buckets held (tests).
    std::size_t bucket_count() const;
    /// The current rate.
    config::upload_rate rate() const;

private:
    mutable std::mutex mutex_;
    config::upload_rate rate_;
    std::map<std::string, token_bucket, std::less<>> buckets_;
};

} // namespace tumen::controller::api
