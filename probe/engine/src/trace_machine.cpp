#include <algorithm>
#include <utility>

#include <tumen/common/atlas_err.hpp>
#include <tumen/probe/engine/trace_machine.hpp>

namespace tumen::probe::engine {

classified_reply classify_reply(const codec::reply& r, ipv4_addr dst, double rtt_ms, bool nat) {
    classified_reply out;
    result::hop_reply& h = out.hop;
    h.from = r.from;
    h.rtt_ms = rtt_ms;
    h.size = r.size;
    h.ttl = r.ttl;
    h.icmp_type = r.icmp_type;
    h.icmp_code = r.icmp_code;
    h.mpls = r.mpls;
    h.nat = nat;
    if (r.quote) {
        h.quoted_ttl = r.quote->ttl;
    }
    switch (r.kind) {
    case codec::reply_kind::time_exceeded:
        out.meaning = reply_meaning::hop;
        break;
    case codec::reply_kind::echo_reply:
        out.meaning = reply_meaning::destination;
        break;
    case codec::reply_kind::tcp_synack:
    case codec::reply_kind::tcp_rst:
        // Not ICMP: the result model marks TCP answers with type 255.
        h.icmp_type = 255;
        h.icmp_code = 0;
        out.meaning = reply_meaning::destination;
        break;
    case codec::reply_kind::dest_unreachable:
        // RFC 792: code 3 (port unreachable) from the destination itself is the normal end of
        // a UDP trace; any other unreachable ends the trace as unreachable (traceroute's !-marks).
        if (r.icmp_code == 3 && r.from == dst) {
            out.meaning = reply_meaning::destination;
        } else {
            out.meaning = reply_meaning::unreachable;
            // RIPE Atlas' `err` ("p" for a port unreachable from another address).
            h.err = result::err_of_unreachable(r.icmp_code, false);
        }
        break;
    }
    return out;
}

namespace {

const char* proto_name(codec::method m) {
    switch (codec::ip_protocol(m)) {
    case 1:
        return "ICMP";
    case 6:
        return "TCP";
    default:
        return "UDP";
    }
}

} // namespace

trace_machine::trace_machine(const trace_request& request)
    : max_ttl_(std::max<std::uint8_t>(request.max_ttl, 1))
    , attempts_(std::max<std::uint8_t>(request.attempts, 1))
    , gap_limit_(std::max<std::uint8_t>(request.gap_limit, 1))
    , ttl_(std::max<std::uint8_t>(request.first_ttl, 1))
    , method_(request.method)
    , flow_(request.flow)
    , dst_(request.dst)
    , open_(2u * std::clamp<std::uint8_t>(request.hops_in_flight, 1, 32)) {
    named_by_dst_ = request.dst_name == request.dst.to_string();
    if (!request.id.empty()) {
        text().id = request.id;
    }
    if (!request.campaign.empty()) {
        text().campaign = request.campaign;
    }
    if (!named_by_dst_ && !request.dst_name.empty()) {
        text().dst_name = request.dst_name;
    }
    if (ttl_ > max_ttl_) {
        finish(result::stop_reason::max_ttl);
    }
}

trace_machine::labels& trace_machine::text() {
    if (!labels_) {
        labels_ = std::make_unique<labels>();
    }
    return *labels_;
}

std::optional<probe_slot> trace_machine::peek() const {
    if (done()) {
        return std::nullopt;
    }
    // A retry at a started hop first (lowest TTL first): it is what holds the trace up.
    for (const auto& h : open_) {
        if (!h.in_flight && !h.resolved) {
            return probe_slot{h.ttl, h.attempt};
        }
    }
    std::size_t busy = 0;
    for (const auto& h : open_) {
        busy += h.in_flight ? 1 : 0;
    }
    // At most hops_in_flight probes in flight, over at most twice as many TTLs from the
    // lowest unresolved one: answered hops above a silent one wait there for its timeout.
    const unsigned ttl = ttl_ + open_.size();
    const std::size_t hops_in_flight = open_.capacity() / 2;
    if (busy < hops_in_flight && open_.size() < open_.capacity() && ttl <= max_ttl_ &&
        ttl <= bound_) {
        return probe_slot{static_cast<std::uint8_t>(ttl), 0};
    }
    return std::nullopt;
}

std::optional<probe_slot> trace_machine::next() {
    const auto slot = peek();
    if (!slot) {
        return std::nullopt;
    }
    if (open_hop* retry = find(*slot)) {
        retry->in_flight = true;
    } else {
        open_hop started;
        started.ttl = slot->ttl;
        started.in_flight = true;
        open_.push_back(started);
    }
    return slot;
}

std::optional<probe_slot> trace_machine::in_flight() const noexcept {
    for (const auto& h : open_) {
        if (h.in_flight) {
            return probe_slot{h.ttl, h.attempt};
        }
    }
    return std::nullopt;
}

trace_machine::open_hop* trace_machine::find(probe_slot slot) {
    if (slot.ttl < ttl_ || slot.ttl - ttl_ >= static_cast<int>(open_.size())) {
        return nullptr;
    }
    open_hop& h = open_[static_cast<std::size_t>(slot.ttl - ttl_)];
    return h.attempt == slot.attempt && !h.resolved ? &h : nullptr;
}

bool trace_machine::loops(ipv4_addr from) const {
    // An address seen again at a hop that is not adjacent to where it answered before.
    for (std::size_t i = 0; i < resolved_; ++i) {
        const compact_reply& r = replies_[i];
        if (r.hop + 1 < ttl_ && (r.flags & compact_reply::flag_timeout) == 0 && r.from == from) {
            return true;
        }
    }
    return false;
}

bool trace_machine::on_reply(probe_slot slot, result::hop_reply reply, reply_meaning meaning) {
    open_hop* h = done() ? nullptr : find(slot);
    if (h == nullptr || !h->in_flight) {
        return false;
    }
    h->in_flight = false;
    h->resolved = true;
    h->answered = true;
    h->meaning = meaning;
    compact_reply_store* store = has_rare_fields(reply) ? &text().rare : nullptr;
    add_reply(from_reply(std::move(reply), slot.ttl, store));
    if (meaning != reply_meaning::hop) {
        bound_ = std::min(bound_, slot.ttl);
    }
    advance();
    return true;
}

bool trace_machine::on_timeout(probe_slot slot) {
    open_hop* h = done() ? nullptr : find(slot);
    if (h == nullptr || !h->in_flight) {
        return false;
    }
    h->in_flight = false;
    compact_reply r;
    r.hop = slot.ttl;
    r.flags = compact_reply::flag_timeout;
    add_reply(r);
    if (h->attempt + 1 < attempts_) {
        ++h->attempt;
    } else {
        h->resolved = true;
    }
    advance();
    return true;
}

void trace_machine::add_reply(const compact_reply& r) {
    if (replies_.size() == replies_.capacity()) {
        // By half (1, 2, 3, 4, 6, 9, ...), not doubling (libstdc++): a trace of 3 replies
        // holds 3 (an 80-byte block), not 4 (112); of 6, 6 (160), not 8 (208).
        replies_.reserve(replies_.size() + std::max<std::size_t>(1, replies_.size() / 2));
    }
    replies_.push_back(r);
}

void trace_machine::resolve_replies(std::uint8_t ttl) {
    // In place, keeping the order: with one hop in flight they are already where they go.
    for (std::size_t i = resolved_; i < replies_.size(); ++i) {
        if (replies_[i].hop == ttl) {
            std::rotate(replies_.begin() + resolved_,
                        replies_.begin() + static_cast<std::ptrdiff_t>(i),
                        replies_.begin() + static_cast<std::ptrdiff_t>(i) + 1);
            ++resolved_;
        }
    }
}

void trace_machine::advance() {
    while (!done() && !open_.empty() && open_.front().resolved) {
        const open_hop h = open_.front();
        open_.pop_front();
        resolve_replies(h.ttl);
        const bool answered = h.answered;
        // The answer is the hop's last reply (no attempt follows one).
        const ipv4_addr from = answered ? replies_[resolved_ - 1u].from : ipv4_addr{};
        const bool is_loop =
            answered && h.meaning == reply_meaning::hop && from != dst_ && loops(from);
        if (answered && h.meaning == reply_meaning::destination) {
            finish(result::stop_reason::completed);
        } else if (answered && h.meaning == reply_meaning::unreachable) {
            finish(result::stop_reason::unreachable);
        } else if (is_loop) {
            finish(result::stop_reason::loop);
        } else {
            finish_hop(answered);
        }
    }
}

void trace_machine::finish_hop(bool answered) {
    gap_ = answered ? 0 : static_cast<std::uint8_t>(gap_ + 1);
    if (gap_ >= gap_limit_) {
        finish(result::stop_reason::gap_limit);
        return;
    }
    if (ttl_ >= max_ttl_) {
        finish(result::stop_reason::max_ttl);
        return;
    }
    ++ttl_;
}

void trace_machine::fail(std::string error) {
    if (done()) {
        return;
    }
    // The hop the trace is at keeps the attempts it already made.
    if (!open_.empty()) {
        resolve_replies(open_.front().ttl);
    }
    text().error = std::move(error);
    finish(result::stop_reason::error);
}

void trace_machine::finish(result::stop_reason reason) {
    stop_ = reason;
    open_.clear(); // probes still in flight above the stopping hop are not recorded
    replies_.resize(resolved_);
}

std::vector<result::hop> trace_machine::hops() const {
    static const compact_reply_store none;
    const compact_reply_store& store = labels_ ? labels_->rare : none;
    std::vector<result::hop> out;
    for (std::size_t i = 0; i < resolved_; ++i) {
        const compact_reply& r = replies_[i];
        if (out.empty() || out.back().ttl != r.hop) {
            out.emplace_back().ttl = r.hop;
        }
        out.back().replies.push_back(to_reply(r, store));
    }
    if (stop_ == result::stop_reason::error) {
        // fail(): the hop the trace was at, with the attempts it made (maybe none).
        if (out.empty() || out.back().ttl != ttl_) {
            out.emplace_back().ttl = ttl_;
        }
        out.back().error = labels_ ? labels_->error : std::string();
    }
    return out;
}

result::trace trace_machine::result() const {
    result::trace t;
    if (labels_) {
        t.id = labels_->id;
        t.campaign = labels_->campaign;
        t.dst_name = labels_->dst_name;
    }
    if (named_by_dst_) {
        t.dst_name = dst_.to_string();
    }
    t.dst = dst_;
    t.src = src_;
    t.proto = proto_name(method_);
    t.method = codec::to_string(method_);
    t.paris_id = flow_;
    t.timestamp = timestamp_;
    t.hops = hops();
    t.stop = stop_;
    return t;
}

result::trace trace_machine::take_result() {
    result::trace t = result();
    replies_ = {};
    resolved_ = 0;
    labels_.reset();
    return t;
}

} // namespace tumen::probe::engine
