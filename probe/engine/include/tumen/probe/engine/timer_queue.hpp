#pragma once
/// @file
/// Pending timer events, earliest first, in O(1) per event for the engine's usual pattern.
///
/// Almost every event the engine schedules is "now + d" for one of a few durations d: a
/// job's wait (a probe's timeout, then the end of its late-reply window) or a ping interval.
/// Since `now` never goes backwards, the events of one d arrive in time order, so each d gets
/// a FIFO lane and push and pop are O(1), where a binary heap over tens of thousands of
/// outstanding probes costs O(log n) cache misses per operation. An event that would break
/// its lane's order (or that has no lane: more distinct durations than `max_lanes`) goes to
/// a small heap instead. Free of clocks and I/O: the caller supplies the times.
#include <algorithm>
#include <cstddef>
#include <deque>
#include <functional>
#include <vector>

namespace tumen::probe::engine {

/// `Event` needs a member `at` (a time point of `Duration`'s clock).
template <class Event, class Duration>
class timer_queue {
public:
    /// Lanes kept at most; events of further durations go to the heap.
    static constexpr std::size_t max_lanes = 8;

    /// Adds `ev`, due at `ev.at`, scheduled as "now + `delay`". Pass a zero delay for a
    /// one-off time (it goes to the heap).
    void push(Event ev, Duration delay) {
        ++size_;
        if (delay > Duration::zero()) {
            lane* l = lane_for(delay);
            if (l != nullptr && (l->events.empty() || !(ev.at < l->events.back().at))) {
                l->events.push_back(std::move(ev));
                return;
            }
        }
        heap_.push_back(std::move(ev));
        std::push_heap(heap_.begin(), heap_.end(), later);
    }

    bool empty() const noexcept { return size_ == 0; }
    std::size_t size() const noexcept { return size_; }

    /// The earliest event. Precondition: !empty().
    const Event& top() const {
        const int l = earliest_lane();
        return l < 0 ? heap_.front() : lanes_[static_cast<std::size_t>(l)].events.front();
    }

    /// Removes the earliest event. Precondition: !empty().
    void pop() {
        const int l = earliest_lane();
        --size_;
        if (l >= 0) {
            lanes_[static_cast<std::size_t>(l)].events.pop_front();
        } else {
            std::pop_heap(heap_.begin(), heap_.end(), later);
            heap_.pop_back();
        }
    }

    void clear() noexcept {
        lanes_.clear();
        heap_.clear();
        size_ = 0;
    }

private:
    struct lane {
        Duration delay{};
        std::deque<Event> events;
    };
    static bool later(const Event& a, const Event& b) { return b.at < a.at; }

    lane* lane_for(Duration delay) {
        for (auto& l : lanes_) {
            if (l.delay == delay) {
                return &l;
            }
        }
        if (lanes_.size() < max_lanes) {
            lanes_.push_back(lane{delay, {}});
            return &lanes_.back();
        }
        // All lanes taken: reuse an empty one for the new duration.
        for (auto& l : lanes_) {
            if (l.events.empty()) {
                l.delay = delay;
                return &l;
            }
        }
        return nullptr;
    }

    /// The lane whose front is the earliest event, or -1 for the heap's top (ties: heap).
    int earliest_lane() const {
        const Event* best = heap_.empty() ? nullptr : &heap_.front();
        int at = -1;
        for (std::size_t i = 0; i < lanes_.size(); ++i) {
            const auto& q = lanes_[i].events;
            if (!q.empty() && (best == nullptr || q.front().at < best->at)) {
                best = &q.front();
                at = static_cast<int>(i);
            }
        }
        return at;
    }

    std::vector<lane> lanes_;
    std::vector<Event> heap_;
    std::size_t size_ = 0;
};

} // namespace tumen::probe::engine
