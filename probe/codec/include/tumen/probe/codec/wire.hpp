#pragma once
/// @file
/// Big-endian (network order, RFC 1700) reads for code outside the codec that walks packet
/// headers itself (the engine's link layers). Bounds-checked: 0 past the end.
#include <cstddef>
#include <cstdint>
#include <span>

namespace tumen::probe::codec {

/// The 16-bit big-endian value at `at`, or 0 when [at, at + 2) is not inside `b`.
constexpr std::uint16_t be16(std::span<const std::uint8_t> b, std::size_t at) noexcept {
    return at <= b.size() && b.size() - at >= 2
               ? static_cast<std::uint16_t>((b[at] << 8) | b[at + 1])
               : std::uint16_t{0};
}

/// The 32-bit big-endian value at `at`, or 0 when [at, at + 4) is not inside `b`.
constexpr std::uint32_t be32(std::span<const std::uint8_t> b, std::size_t at) noexcept {
    return at <= b.size() && b.size() - at >= 4
               ? (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) |
                     (std::uint32_t{b[at + 2]} << 8) | b[at + 3]
               : std::uint32_t{0};
}

} // namespace tumen::probe::codec
