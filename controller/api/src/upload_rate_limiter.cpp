#include <algorithm>
#include <cmath>

#include <tumen/controller/api/upload_rate_limiter.hpp>

namespace tumen::controller::api {

token_bucket::token_bucket(const config::upload_rate& rate, clock::time_point now) noexcept
    : rate_(rate)
    , tokens_(static_cast<double>(rate.burst))
    , last_(now) {}

void token_bucket::refill(clock::time_point now) noexcept {
    if (now <= last_) {
        return; // a clock that did not move (or a caller with an older time) adds nothing
    }
    const double elapsed = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(static_cast<double>(rate_.burst), tokens_ + elapsed * rate_.per_second);
    last_ = now;
}

std::optional<std::chrono::seconds> token_bucket::take(clock::time_point now) noexcept {
    refill(now);
    if (tokens_ >= 1.0) {
        tokens_ -= 1.0;
        return std::nullopt;
    }
    // Time until the bucket holds one whole token again, rounded up to a whole second.
    const double wait = (1.0 - tokens_) / rate_.per_second;
    const double secs = std::clamp(std::ceil(wait), 1.0, 86400.0);
    return std::chrono::seconds(static_cast<std::int64_t>(secs));
}

void token_bucket::set_rate(const config::upload_rate& rate) noexcept {
    rate_ = rate;
    tokens_ = std::min(tokens_, static_cast<double>(rate.burst));
}

upload_rate_limiter::upload_rate_limiter(const config::upload_rate& rate)
    : rate_(rate) {}

std::optional<std::chrono::seconds> upload_rate_limiter::admit(const std::string& agent,
                                                               clock::time_point now) {
    std::lock_guard lock(mutex_);
    auto it = buckets_.find(agent);
    if (it == buckets_.end()) {
        it = buckets_.emplace(agent, token_bucket(rate_, now)).first;
    }
    return it->second.take(now);
}

void upload_rate_limiter::set_rate(const config::upload_rate& rate) {
    std::lock_guard lock(mutex_);
    rate_ = rate;
    for (auto& [name, bucket] : buckets_) {
        bucket.set_rate(rate);
    }
}

void upload_rate_limiter::keep_only(const std::vector<config::agent_entry>& agents) {
    std::lock_guard lock(mutex_);
    std::erase_if(buckets_, [&](const auto& entry) {
        return std::none_of(agents.begin(), agents.end(),
                            [&](const config::agent_entry& a) { return a.name == entry.first; });
    });
}

std::size_t upload_rate_limiter::bucket_count() const {
    std::lock_guard lock(mutex_);
    return buckets_.size();
}

config::upload_rate upload_rate_limiter::rate() const {
    std::lock_guard lock(mutex_);
    return rate_;
}

} // namespace tumen::controller::api
