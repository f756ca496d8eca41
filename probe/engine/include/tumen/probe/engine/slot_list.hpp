#pragma once
/// @file
/// A job's list of probe-table slots: one pointer, to a heap block whose first two words hold
/// the size and capacity (null while empty). Hand-written beside std::vector, which is 24
/// bytes: with this one a trace's job is 168 bytes and its node in the engine's jobs map a
/// 192-byte heap chunk, not 208 (1,024 open traces in bench/probe/run.sh;
/// docs/probe-benchmarks.md). The block holds 4 slots, then 10, 22, ...: 24, 48, 96 bytes, each a
/// whole malloc chunk.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace tumen::probe::engine {

class slot_list {
public:
    std::size_t size() const noexcept { return block_ ? block_[0] : 0; }
    std::size_t capacity() const noexcept { return block_ ? block_[1] : 0; }
    bool empty() const noexcept { return size() == 0; }
    std::uint32_t* begin() noexcept { return block_ ? block_.get() + header : nullptr; }
    std::uint32_t* end() noexcept { return begin() + size(); }
    const std::uint32_t* begin() const noexcept { return block_ ? block_.get() + header : nullptr; }
    const std::uint32_t* end() const noexcept { return begin() + size(); }

    /// Appends `slot`, growing the block when it is full.
    void push_back(std::uint32_t slot) {
        const std::size_t n = size();
        if (n == capacity()) {
            const std::size_t grown = n == 0 ? 4 : 2 * n + header;
            auto bigger = std::make_unique<std::uint32_t[]>(header + grown);
            std::copy(begin(), end(), bigger.get() + header);
            bigger[1] = static_cast<std::uint32_t>(grown);
            block_ = std::move(bigger);
        }
        block_[header + n] = slot;
        block_[0] = static_cast<std::uint32_t>(n + 1);
    }
    /// Keeps the first `n` slots (n <= size()).
    void truncate(std::size_t n) noexcept {
        if (block_) {
            block_[0] = static_cast<std::uint32_t>(std::min(n, size()));
        }
    }

private:
    static constexpr std::size_t header = 2; ///< size, capacity
    std::unique_ptr<std::uint32_t[]> block_;
};

} // namespace tumen::probe::engine
