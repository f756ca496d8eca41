#include <algorithm>

#include <tumen/controller/inference/border_interfaces.hpp>

namespace tumen::controller::inference {
namespace {

constexpr std::uint8_t icmp_unreachable = 3;

bool prohibited_code(std::uint8_t code) noexcept {
    switch (code) {
    case 9:  // network administratively prohibited
    case 10: // host administratively prohibited
    case 13: // communication administratively prohibited (`!X`, Atlas "A")
    case 14: // host precedence violation
    case 15: // precedence cutoff in effect
        return true;
    default:
        return false;
    }
}

} // namespace

std::int64_t border_memory_seconds(std::chrono::milliseconds interval) noexcept {
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(interval).count();
    return border_memory_intervals * std::max<std::int64_t>(seconds, 1);
}

bool answered_prohibited(const result::trace& t, ipv4_addr addr) noexcept {
    if (addr == t.dst) {
        return false;
    }
    for (auto h = t.hops.rbegin(); h != t.hops.rend(); ++h) {
        for (auto r = h->replies.rbegin(); r != h->replies.rend(); ++r) {
            if (!r->timeout) {
                return r->from == addr && r->icmp_type == icmp_unreachable &&
                       prohibited_code(r->icmp_code);
            }
        }
    }
    return false;
}

void learn_border(std::vector<known_border>& list, const known_border& b) {
    std::erase_if(list, [&](const known_border& e) { return e.expires < b.seen; });
    auto it = std::find_if(list.begin(), list.end(),
                           [&](const known_border& e) { return e.addr == b.addr; });
    if (it == list.end()) {
        list.push_back(b);
    } else {
        const bool prohibited = it->prohibited || b.prohibited;
        if (b.seen >= it->seen) {
            *it = b;
        }
        it->expires = std::max(it->expires, b.expires);
        it->prohibited = prohibited;
    }
    while (list.size() > max_known_borders) {
        list.erase(std::min_element(list.begin(), list.end(),
                                    [](const auto& x, const auto& y) { return x.seen < y.seen; }));
    }
}

const known_border* find_border(const std::vector<known_border>& list, ipv4_addr addr,
                                std::int64_t time) noexcept {
    for (const auto& e : list) {
        if (e.addr == addr && time <= e.expires) {
            return &e;
        }
    }
    return nullptr;
}

} // namespace tumen::controller::inference
