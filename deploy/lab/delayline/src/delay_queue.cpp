#include "delay_queue.hpp"

#include <algorithm>
#include <stdexcept>

namespace tumen::lab {

namespace {
constexpr std::size_t max_spare_buffers = 1024;
} // namespace

delay_queue::delay_queue(std::chrono::nanoseconds delay, std::size_t capacity)
    : delay_(delay)
    , capacity_(capacity) {
    if (delay < std::chrono::nanoseconds::zero()) {
        throw std::invalid_argument("delay must not be negative");
    }
}

bool delay_queue::push(std::span<const std::uint8_t> packet, delay_clock::time_point now) {
    if (packets_.size() >= capacity_) {
        return false;
    }
    std::vector<std::uint8_t> buffer;
    if (!spare_.empty()) {
        buffer = std::move(spare_.back());
        spare_.pop_back();
    }
    buffer.assign(packet.begin(), packet.end());
    packets_.push_back(held_packet{std::move(buffer), now + delay_});
    return true;
}

std::optional<delay_clock::time_point> delay_queue::next_due() const {
    if (packets_.empty()) {
        return std::nullopt;
    }
    return packets_.front().due;
}

void delay_queue::recycle(std::vector<std::uint8_t>&& buffer) {
    if (spare_.size() < max_spare_buffers) {
        buffer.clear();
        spare_.push_back(std::move(buffer));
    }
}

loss_model::loss_model(double percent, std::uint64_t seed)
    : percent_(percent)
    , rng_(seed)
    , dist_(std::clamp(percent, 0.0, 100.0) / 100.0) {
    if (!(percent >= 0.0 && percent <= 100.0)) {
        throw std::invalid_argument("loss percentage must be between 0 and 100");
    }
}

bool loss_model::set_percent(double percent) {
    if (!(percent >= 0.0 && percent <= 100.0)) {
        return false;
    }
    percent_ = percent;
    dist_ = std::bernoulli_distribution(percent / 100.0);
    return true;
}

bool loss_model::drop() {
    if (percent_ <= 0.0) {
        return false;
    }
    return dist_(rng_);
}

std::string format_counters(const std::string& name, const direction_counters& c,
                            std::size_t queued) {
    return name + " received=" + std::to_string(c.received) +
           " forwarded=" + std::to_string(c.forwarded) + " lost=" + std::to_string(c.lost) +
           " overflow=" + std::to_string(c.overflow) +
           " write_errors=" + std::to_string(c.write_errors) + " queued=" + std::to_string(queued);
}

} // namespace tumen::lab
