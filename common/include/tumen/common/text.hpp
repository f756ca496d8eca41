#pragma once
/// @file
/// Small text helpers shared by the readers of lines, tokens and upload bodies.
#include <string_view>

namespace tumen {

/// True for the white space of JSON (RFC 8259 section 2: space, tab, LF, CR), which is
/// also what surrounds fields in the line-based files tumen reads.
constexpr bool is_space(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/// `s` without leading and trailing white space (is_space).
constexpr std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && is_space(s.front())) {
        s.remove_prefix(1);
    }
    while (!s.empty() && is_space(s.back())) {
        s.remove_suffix(1);
    }
    return s;
}

} // namespace tumen
