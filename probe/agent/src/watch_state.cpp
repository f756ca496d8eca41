#include <tumen/probe/agent/watch_state.hpp>

namespace tumen::probe::agent {
namespace {

/// The first address that answered at `h`, or nullopt.
std::optional<ipv4_addr> first_reply(const result::hop& h) {
    for (const auto& r : h.replies) {
        if (!r.timeout) {
            return r.from;
        }
    }
    return std::nullopt;
}

} // namespace

border_hops border_of(const result::trace& t, const ipv4_prefix& target) {
    border_hops b;
    for (const auto& h : t.hops) {
        auto from = first_reply(h);
        if (!from) {
            continue;
        }
        if (target.contains(*from) || *from == t.dst) {
            b.inside = watched_hop{h.ttl, *from};
            return b;
        }
        b.before = watched_hop{h.ttl, *from};
    }
    return b;
}

bool new_border(const border_hops& was, const border_hops& now, bool same_address) {
    if (!was.before && !was.inside) {
        return false; // nothing learned before: the first trace
    }
    if (same_address) {
        return was != now;
    }
    return was.inside && now.inside && was.inside->ttl != now.inside->ttl;
}

watch_state::watch_state(std::uint32_t attempts)
    : attempts_(attempts == 0 ? 1 : attempts) {}

bool watch_state::learn(const border_hops& b) {
    const bool moved = known_ && b != border_;
    border_ = b;
    known_ = true;
    silent_before_ = 0;
    silent_inside_ = 0;
    return moved;
}

std::optional<watched_hop> watch_state::next_probe() {
    const auto& a = border_.before;
    const auto& b = border_.inside;
    if (!a || !b) {
        return a ? a : b;
    }
    return (turn_++ % 2 == 0) ? a : b;
}

watch_verdict watch_state::observe(std::uint8_t ttl, std::optional<ipv4_addr> from) {
    const std::optional<watched_hop>* hop = nullptr;
    std::uint32_t* silent = nullptr;
    if (border_.before && border_.before->ttl == ttl) {
        hop = &border_.before;
        silent = &silent_before_;
    } else if (border_.inside && border_.inside->ttl == ttl) {
        hop = &border_.inside;
        silent = &silent_inside_;
    } else {
        return watch_verdict::quiet; // a TTL no longer watched (the border was re-learned)
    }
    if (from) {
        *silent = 0;
        return *from == (*hop)->addr ? watch_verdict::quiet : watch_verdict::moved;
    }
    return ++*silent >= attempts_ ? watch_verdict::silent : watch_verdict::quiet;
}

} // namespace tumen::probe::agent
