#pragma once
/// @file
/// Bounds-checked big-endian reads and writes. Callers check `has()` first; the readers
/// return 0 instead of reading past the end, so a missed check cannot read out of bounds.
#include <cstddef>
#include <cstdint>
#include <span>

namespace tumen::probe::codec::detail {

/// A read-only view of untrusted bytes.
class byte_view {
public:
    constexpr byte_view() = default;
    constexpr explicit byte_view(std::span<const std::uint8_t> bytes)
        : bytes_(bytes) {}

    constexpr std::size_t size() const noexcept { return bytes_.size(); }
    constexpr std::span<const std::uint8_t> span() const noexcept { return bytes_; }
    /// True when [off, off+n) lies inside the view (overflow-safe).
    constexpr bool has(std::size_t off, std::size_t n) const noexcept {
        return off <= bytes_.size() && n <= bytes_.size() - off;
    }
    constexpr std::uint8_t u8(std::size_t off) const noexcept {
        return has(off, 1) ? bytes_[off] : 0;
    }
    constexpr std::uint16_t u16(std::size_t off) const noexcept {
        return has(off, 2) ? static_cast<std::uint16_t>((bytes_[off] << 8) | bytes_[off + 1]) : 0;
    }
    constexpr std::uint32_t u32(std::size_t off) const noexcept {
        return has(off, 4)
                   ? (std::uint32_t{bytes_[off]} << 24) | (std::uint32_t{bytes_[off + 1]} << 16) |
                         (std::uint32_t{bytes_[off + 2]} << 8) | bytes_[off + 3]
                   : 0;
    }
    /// The sub-view [off, off+n), clamped to the view (empty when off is past the end).
    constexpr byte_view sub(std::size_t off, std::size_t n) const noexcept {
        if (off > bytes_.size()) {
            return {};
        }
        const std::size_t avail = bytes_.size() - off;
        return byte_view{bytes_.subspan(off, n < avail ? n : avail)};
    }
    constexpr byte_view from(std::size_t off) const noexcept { return sub(off, bytes_.size()); }

private:
    std::span<const std::uint8_t> bytes_;
};

/// Writes into a buffer the caller sized; out-of-range writes are ignored.
constexpr void put16(std::span<std::uint8_t> out, std::size_t off, std::uint16_t v) noexcept {
    if (off + 2 <= out.size()) {
        out[off] = static_cast<std::uint8_t>(v >> 8);
        out[off + 1] = static_cast<std::uint8_t>(v);
    }
}
constexpr void put32(std::span<std::uint8_t> out, std::size_t off, std::uint32_t v) noexcept {
    put16(out, off, static_cast<std::uint16_t>(v >> 16));
    put16(out, off + 2, static_cast<std::uint16_t>(v));
}

} // namespace tumen::probe::codec::detail
