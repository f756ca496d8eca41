#pragma once
/// @file
/// Which job sends next and when: the ready queues, the global token bucket and the rate
/// groups' buckets. Pure (the caller passes the time and owns the timers), so tests need
/// no sockets and no clock.
///
/// Order: jobs already under way (a reply or timeout moved them on) are served before new
/// ones, in the order they became ready: traces advance as soon as they can, so their
/// timeouts run while other probes are sent instead of all together at the end (the same
/// probes, finished sooner under a rate cap). Traces with several probes in flight are
/// served lowest next TTL first instead: under a rate cap the probes that hold a trace up
/// (its low hops, above all a silent hop whose wait the trace cannot end before) go out
/// before the hops that can already overlap a wait, so every trace's slowest wait starts as
/// early as the rate allows.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include <tumen/probe/engine/token_bucket.hpp>

namespace tumen::probe::engine {

/// The pacing wake-ups of the global bucket are at least this far apart: at rates above one
/// probe per quantum each wake-up sends the quantum's probes in one batch (10 at 10,000 pps)
/// instead of waking once per probe; at or below 1,000 pps it wakes for every token, so no
/// burst goes out that the rate does not allow probe by probe. Well inside the bucket's
/// burst (a hundredth of a second of tokens), so the rate over a second is unchanged.
inline constexpr std::chrono::microseconds pacing_quantum{1000};

/// A rate group's own token bucket and the jobs waiting for its next token.
struct rate_group {
    rate_group(double pps, token_bucket::clock::time_point now)
        : bucket(pps, std::max(1.0, pps / 100.0), now) {}
    token_bucket bucket;
    std::deque<std::uint64_t> blocked;
    bool timer_armed = false; ///< the caller's wake-up for this group is pending
};

/// Ready queues and token buckets of the engine.
class send_scheduler {
public:
    using clock = token_bucket::clock;

    /// `pps` <= 0: no global cap.
    send_scheduler(double pps, clock::time_point now)
        : pps_(pps)
        , bucket_(pps, std::max(1.0, pps / 100.0), now) {}

    /// Queues a job that became ready: `started` false for a new job (see the file comment).
    void push(std::uint64_t id, bool started) { (started ? ready_ : ready_new_).push_back(id); }
    /// Queues a trace with several probes in flight by the TTL of its next probe.
    void push_by_ttl(std::uint64_t id, std::uint8_t next_ttl) {
        ready_by_ttl_.push(ttl_ready{next_ttl, ready_order_++, id});
    }
    bool any_ready() const noexcept {
        return !ready_.empty() || !ready_new_.empty() || !ready_by_ttl_.empty();
    }

    /// The next job to send for (requires any_ready()). Jobs under way go first
    /// (depth-first), except when the rate is so low against the `active` jobs that one
    /// probe for each takes longer than a wait: then new jobs go first (breadth-first), so
    /// every trace's timeouts run early, while the rate is busy with the others, instead of
    /// holding up the end. `wait_of(id)` is a job's wait (zero for a job that is gone).
    template <class WaitOf>
    std::uint64_t pop(std::size_t active, const WaitOf& wait_of) {
        if (!ready_by_ttl_.empty()) {
            const std::uint64_t id = ready_by_ttl_.top().id;
            ready_by_ttl_.pop();
            return id;
        }
        bool take_new = ready_.empty();
        if (!take_new && !ready_new_.empty() && pps_ > 0) {
            const double wait_s =
                std::chrono::duration<double>(wait_of(ready_new_.front())).count();
            take_new = static_cast<double>(active) / pps_ >= wait_s;
        }
        auto& q = take_new ? ready_new_ : ready_;
        const std::uint64_t id = q.front();
        q.pop_front();
        return id;
    }

    /// When the pump should wake to send again after the global bucket ran out: once a
    /// quantum's tokens are there (see pacing_quantum), at least one.
    clock::time_point next_wake(clock::time_point now) noexcept {
        const double quantum = std::chrono::duration<double>(pacing_quantum).count() * pps_;
        return now + bucket_.until(std::max(1.0, std::floor(quantum)), now);
    }
    /// How far apart the pacing wake-ups are while the global bucket holds the pump back:
    /// the time a quantum's tokens take (at least one's); zero without a global cap.
    clock::duration wake_period() const noexcept {
        if (pps_ <= 0) {
            return clock::duration::zero();
        }
        const double quantum = std::chrono::duration<double>(pacing_quantum).count() * pps_;
        return std::chrono::duration_cast<clock::duration>(
            std::chrono::duration<double>(std::max(1.0, std::floor(quantum)) / pps_));
    }

    /// The global bucket (probes per second of the whole engine).
    token_bucket& bucket() noexcept { return bucket_; }

    /// The group named `name` with rate `pps` (created or re-rated); null for no group.
    rate_group* group_for(const std::string& name, double pps, clock::time_point now);

    /// Parks a job whose group has no token; returns when the group's next token comes.
    clock::time_point block(rate_group& g, std::uint64_t id, clock::time_point now) {
        g.blocked.push_back(id);
        return now + g.bucket.until_next(now);
    }

    /// Releases as many parked jobs as the group has tokens (at least one), oldest first:
    /// `release(id)` makes a job ready and returns false when it is gone or already ready
    /// (it does not count). Returns when to look again while jobs stay parked.
    template <class Release>
    std::optional<clock::time_point> release(rate_group& g, clock::time_point now,
                                             const Release& release) {
        auto n = std::max<std::size_t>(1, static_cast<std::size_t>(g.bucket.available(now)));
        while (n > 0 && !g.blocked.empty()) {
            const std::uint64_t id = g.blocked.front();
            g.blocked.pop_front();
            if (release(id)) {
                --n;
            }
        }
        if (g.blocked.empty()) {
            return std::nullopt;
        }
        // Next look after one token's time: the jobs just released take what is there.
        const auto step = std::chrono::duration_cast<clock::duration>(
            std::chrono::duration<double>(1.0 / g.bucket.rate()));
        return now + std::max(step, clock::duration(1));
    }

    /// Every group (for the caller's timers), by name.
    const std::unordered_map<std::string, std::unique_ptr<rate_group>>& groups() const noexcept {
        return groups_;
    }

    /// Forgets every queued job (groups keep their buckets, lose their parked jobs).
    void clear();

private:
    /// A ready job scheduled by the TTL of its next probe (then in the order it got ready).
    struct ttl_ready {
        std::uint8_t ttl = 0;
        std::uint64_t order = 0;
        std::uint64_t id = 0;
        bool operator>(const ttl_ready& o) const {
            return ttl != o.ttl ? ttl > o.ttl : order > o.order;
        }
    };

    double pps_;
    token_bucket bucket_;
    std::deque<std::uint64_t> ready_;
    std::deque<std::uint64_t> ready_new_;
    std::priority_queue<ttl_ready, std::vector<ttl_ready>, std::greater<>> ready_by_ttl_;
    std::uint64_t ready_order_ = 0;
    std::unordered_map<std::string, std::unique_ptr<rate_group>> groups_;
};

} // namespace tumen::probe::engine
