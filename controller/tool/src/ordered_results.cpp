#include "ordered_results.hpp"

#include <algorithm>
#include <iostream>
#include <tuple>

namespace tumen::controller::tool {
namespace {

/// The heap order: the smallest (timestamp, kind, seq) on top.
template <class Entry>
bool later(const Entry& a, const Entry& b) {
    return std::tie(a.timestamp, a.kind, a.seq) > std::tie(b.timestamp, b.kind, b.seq);
}

} // namespace

ordered_results::ordered_results(const std::vector<std::string>& files, const read_options& o,
                                 std::size_t window)
    : options_(o)
    , window_(std::max<std::size_t>(window, 1)) {
    sources_.reserve(files.size());
    for (const auto& f : files) {
        sources_.push_back(source{f, readers::result_stream(f, o.threads), {}, 0, false});
    }
    // Each file's first window in file order: a small file is read whole here, so its issues
    // are printed in the order of the files.
    for (auto& s : sources_) {
        fill(s);
    }
}

void ordered_results::fill(source& s) {
    readers::result_record rec;
    while (!s.exhausted && s.heap.size() < window_) {
        if (!s.stream.next(rec)) {
            s.exhausted = true;
            break;
        }
        if (auto* i = std::get_if<readers::record_issue>(&rec)) {
            if (!i->unsupported || !options_.quiet_notes) {
                std::cerr << i->to_string() << '\n';
            }
            skipped_ += i->unsupported ? 0 : 1;
            continue;
        }
        entry e;
        e.seq = s.seq++;
        if (spare_.empty()) {
            e.value = std::make_unique<timed_result>();
        } else {
            e.value = std::move(spare_.back());
            spare_.pop_back();
        }
        if (auto* t = std::get_if<result::trace>(&rec)) {
            if (!options_.text_agent.empty() && t->agent == s.name) {
                t->agent = options_.text_agent;
            }
            e.timestamp = t->timestamp;
            e.kind = 1;
            *e.value = std::move(*t);
            ++traces_;
        } else {
            auto& p = std::get<result::ping>(rec);
            e.timestamp = p.timestamp;
            e.kind = 0;
            *e.value = std::move(p);
            ++pings_;
        }
        s.heap.push_back(std::move(e));
        std::push_heap(s.heap.begin(), s.heap.end(), later<entry>);
    }
}

bool ordered_results::next(timed_result& out) {
    source* best = nullptr;
    for (auto& s : sources_) {
        if (s.heap.empty()) {
            continue;
        }
        const auto& top = s.heap.front();
        // Equal times: the earlier file first (sources_ is in file order).
        if (best == nullptr ||
            std::tie(top.timestamp, top.kind) <
                std::tie(best->heap.front().timestamp, best->heap.front().kind)) {
            best = &s;
        }
    }
    if (best == nullptr) {
        return false;
    }
    std::pop_heap(best->heap.begin(), best->heap.end(), later<entry>);
    entry e = std::move(best->heap.back());
    best->heap.pop_back();
    if (released_any_ && std::tie(e.timestamp, e.kind) < std::tie(last_time_, last_kind_)) {
        ++late_;
    } else {
        last_time_ = e.timestamp;
        last_kind_ = e.kind;
        released_any_ = true;
    }
    // The trace given last time is used: its memory goes back to the reader's threads.
    if (auto* used = std::get_if<result::trace>(&out)) {
        best->stream.recycle(std::move(*used));
    }
    out = std::move(*e.value);
    spare_.push_back(std::move(e.value));
    fill(*best);
    return true;
}

} // namespace tumen::controller::tool
