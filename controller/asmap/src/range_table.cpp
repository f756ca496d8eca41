#include <algorithm>

#include <tumen/controller/asmap/range_table.hpp>

namespace tumen::controller::asmap {

range_table range_table::build(std::vector<range_entry> entries) {
    // Stable sort by (start, length): equal prefixes keep insertion order, so the later one is
    // pushed last (innermost) and wins.
    std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
        if (a.prefix.network.value != b.prefix.network.value) {
            return a.prefix.network.value < b.prefix.network.value;
        }
        return a.prefix.length < b.prefix.length;
    });
    range_table t;
    t.starts_.reserve(entries.size() * 2 + 1);
    t.packed_.reserve(entries.size() * 2 + 1);
    auto emit = [&](std::uint64_t start, std::uint32_t value, std::uint8_t length) {
        const std::uint32_t packed = value | (std::uint32_t{length} << value_bits);
        if (!t.starts_.empty() && t.packed_.back() == packed) {
            return; // same value continues
        }
        t.starts_.push_back(static_cast<std::uint32_t>(start));
        t.packed_.push_back(packed);
    };
    struct open {
        std::uint64_t end;
        std::uint32_t value;
        std::uint8_t length;
    };
    std::vector<open> stack;
    std::uint64_t cur = 0;
    auto close_until = [&](std::uint64_t pos) {
        while (!stack.empty() && stack.back().end <= pos) {
            auto top = stack.back();
            stack.pop_back();
            if (cur < top.end) {
                emit(cur, top.value, top.length);
                cur = top.end;
            }
        }
    };
    for (const auto& e : entries) {
        const std::uint64_t s = e.prefix.network.value;
        const std::uint64_t end = s + e.prefix.size();
        close_until(s);
        if (cur < s) {
            if (stack.empty()) {
                emit(cur, 0, 0);
            } else {
                emit(cur, stack.back().value, stack.back().length);
            }
            cur = s;
        }
        stack.push_back(open{end, e.value, e.prefix.length});
    }
    close_until(std::uint64_t{1} << 32);
    if (cur < (std::uint64_t{1} << 32)) {
        emit(cur, 0, 0);
    }
    if (t.starts_.empty()) {
        emit(0, 0, 0);
    }
    t.starts_.shrink_to_fit();
    t.packed_.shrink_to_fit();
    // index[h] = range containing address h << 16.
    t.index_.resize(65537);
    std::size_t r = 0;
    for (std::uint32_t h = 0; h < 65536; ++h) {
        const std::uint32_t a = h << 16;
        while (r + 1 < t.starts_.size() && t.starts_[r + 1] <= a) {
            ++r;
        }
        t.index_[h] = static_cast<std::uint32_t>(r);
    }
    t.index_[65536] = static_cast<std::uint32_t>(t.starts_.size() - 1);
    return t;
}

range_match range_table::find(ipv4_addr addr) const noexcept {
    if (starts_.empty()) {
        return {};
    }
    const std::uint32_t h = addr.value >> 16;
    const std::uint32_t lo = index_[h];
    const std::uint32_t hi = index_[h + 1]; // inclusive candidate
    // Last range in [lo, hi] whose start <= addr.
    auto first = starts_.begin() + lo;
    auto last = starts_.begin() + hi + 1;
    auto it = std::upper_bound(first, last, addr.value);
    auto i = static_cast<std::size_t>(it - starts_.begin()) - 1;
    const std::uint32_t p = packed_[i];
    return range_match{p & max_value, static_cast<std::uint8_t>(p >> value_bits)};
}

std::size_t range_table::memory_bytes() const noexcept {
    return starts_.capacity() * 4 + packed_.capacity() * 4 + index_.capacity() * 4;
}

} // namespace tumen::controller::asmap
