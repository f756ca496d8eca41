#pragma once
// Private: json_scanner, a cursor over one line with strict reads of a small subset of JSON,
// for the read by hand of RIPE Atlas lines (atlas_scan.cpp, which says why it exists). Every
// read fails (false) on anything outside the subset, valid JSON or not: strings of printable
// ASCII without escapes; numbers without exponent, of at most 19 digits, 18 before the point;
// true, false, null; objects without a repeated key; arrays; the depth limit of tape_parse.
// It never reads past the line.
#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include <tumen/common/ipv4.hpp>
#include <tumen/common/json/bounded_parse.hpp>

#include "ondemand_values.hpp"

namespace tumen::controller::readers::detail {

namespace json_scan {

inline constexpr bool digit(char c) noexcept {
    return c >= '0' && c <= '9';
}

/// The bytes a string of the subset holds: printable ASCII but the quote and the backslash.
inline constexpr auto plain = [] {
    std::array<bool, 256> table{};
    for (int c = 0x20; c < 0x7f; ++c) {
        table[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
    }
    return table;
}();

/// Whether two short texts are equal, without a call to memcmp for the usual 7 to 15 bytes
/// of an address (two 8-byte loads from each end).
inline bool same_text(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) {
        return false;
    }
    if (a.size() < 8 || a.size() > 16) {
        return a == b;
    }
    std::uint64_t a0 = 0;
    std::uint64_t a1 = 0;
    std::uint64_t b0 = 0;
    std::uint64_t b1 = 0;
    std::memcpy(&a0, a.data(), 8);
    std::memcpy(&a1, a.data() + a.size() - 8, 8);
    std::memcpy(&b0, b.data(), 8);
    std::memcpy(&b1, b.data() + b.size() - 8, 8);
    return a0 == b0 && a1 == b1;
}

/// A cursor over one line, with strict reads of the JSON subset it accepts.
class json_scanner {
public:
    explicit json_scanner(std::string_view line) noexcept
        : p_(line.data())
        , end_(line.data() + line.size()) {}

    bool at_end() const noexcept { return p_ == end_; }

    void whitespace() noexcept {
        // Local copies of the cursor in the loops: the compiler keeps them in registers.
        const char* p = p_;
        while (p != end_ && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) {
            ++p;
        }
        p_ = p;
    }

    /// Skips whitespace, then takes `c` if it is next.
    bool eat(char c) noexcept {
        whitespace();
        if (p_ != end_ && *p_ == c) {
            ++p_;
            return true;
        }
        return false;
    }

    /// A string of printable ASCII without escapes (anything else declines).
    bool string(std::string_view& out) noexcept {
        if (!eat('"')) {
            return false;
        }
        const char* s = p_;
        const char* p = p_;
        while (p != end_ && plain[static_cast<unsigned char>(*p)]) {
            ++p;
        }
        p_ = p;
        if (p_ == end_ || *p_ != '"') {
            return false;
        }
        out = std::string_view(s, static_cast<std::size_t>(p_++ - s));
        return true;
    }

    /// An integer of at most 18 digits without sign, fraction or exponent, in [lo, hi] (every
    /// integer the schema takes is at least 0: a sign declines).
    template <class Int>
    bool integer(Int& out, std::int64_t lo, std::int64_t hi) noexcept {
        whitespace();
        const char* start = p_;
        const char* p = p_;
        std::uint64_t u = 0; // unsigned: wraps past 19 digits (declined below), no overflow
        for (; p != end_ && digit(*p); ++p) {
            u = u * 10 + static_cast<unsigned>(*p - '0');
        }
        p_ = p;
        const auto digits = p - start;
        if (digits == 0 || digits > 18 || (*start == '0' && digits > 1) ||
            (p != end_ && (*p == '.' || *p == 'e' || *p == 'E'))) {
            return false;
        }
        const auto v = static_cast<std::int64_t>(u);
        if (v < lo || v > hi) {
            return false;
        }
        out = static_cast<Int>(v);
        return true;
    }

    /// A number without sign or exponent, of at most 19 digits, 18 before the point (so a
    /// finite double, or an integer within int64 whatever its sign, read exactly as simdjson
    /// reads it: both round correctly); `out` gets its value when given.
    bool decimal(double* out) noexcept {
        whitespace();
        return unsigned_number(out);
    }

    /// Any value of the subset, checked and not kept (ondemand::validate's rules; `depth` is
    /// the nesting of the value's container).
    bool skip(std::size_t depth) noexcept {
        whitespace();
        if (p_ == end_) {
            return false;
        }
        switch (*p_) {
        case '"': {
            std::string_view s;
            return string(s);
        }
        case '{':
            return depth + 1 <= json_fields::max_json_depth &&
                   members([this, depth](std::string_view) { return skip(depth + 1); });
        case '[':
            return depth + 1 <= json_fields::max_json_depth &&
                   elements([this, depth] { return skip(depth + 1); });
        case 't':
            return literal("true");
        case 'f':
            return literal("false");
        case 'n':
            return literal("null");
        case '-':
            ++p_;
            return unsigned_number(nullptr);
        default:
            return unsigned_number(nullptr);
        }
    }

    /// Calls `f(key)` for each member of an object, which reads the value; refuses a
    /// repeated key.
    template <class F>
    bool members(F&& f) {
        if (!eat('{')) {
            return false;
        }
        if (eat('}')) {
            return true;
        }
        ondemand::seen_keys seen;
        do {
            std::string_view key;
            if (!string(key) || !seen.add(key) || !eat(':') || !f(key)) {
                return false;
            }
        } while (eat(','));
        return eat('}');
    }

    /// Calls `f()` for each element of an array, which reads it.
    template <class F>
    bool elements(F&& f) {
        if (!eat('[')) {
            return false;
        }
        if (eat(']')) {
            return true;
        }
        do {
            if (!f()) {
                return false;
            }
        } while (eat(','));
        return eat(']');
    }

    /// A string holding an IPv4 address. The last one read is kept: a hop's replies mostly
    /// come from one address, and comparing is cheaper than parsing again.
    bool address(ipv4_addr& out) noexcept {
        std::string_view text;
        if (!string(text)) {
            return false;
        }
        if (!text.empty() && same_text(text, last_address_text_)) {
            out = last_address_;
            return true;
        }
        if (!ondemand::address_text(text, out)) {
            return false;
        }
        last_address_text_ = text;
        last_address_ = out;
        return true;
    }

    /// Whether `c` is next after whitespace (not taken).
    bool peek(char c) noexcept {
        whitespace();
        return p_ != end_ && *p_ == c;
    }

    bool boolean(bool& out) noexcept {
        whitespace();
        out = p_ != end_ && *p_ == 't';
        return out ? literal("true") : literal("false");
    }

private:
    /// decimal() from the first digit (nothing skipped: "- 1" is not JSON).
    bool unsigned_number(double* out) noexcept {
        const char* start = p_;
        std::uint64_t mantissa = 0; // unsigned: wraps past 19 digits (declined below)
        while (p_ != end_ && digit(*p_)) {
            mantissa = mantissa * 10 + static_cast<unsigned>(*p_++ - '0');
        }
        const auto whole = p_ - start;
        if (whole == 0 || whole > 18 || (*start == '0' && whole > 1)) {
            return false;
        }
        std::ptrdiff_t fraction_digits = 0;
        if (p_ != end_ && *p_ == '.') {
            const char* fraction = ++p_;
            while (p_ != end_ && digit(*p_)) {
                mantissa = mantissa * 10 + static_cast<unsigned>(*p_++ - '0');
            }
            fraction_digits = p_ - fraction;
            if (fraction_digits == 0 || fraction_digits > 19) {
                return false;
            }
        }
        if (whole + fraction_digits > 19 || (p_ != end_ && (*p_ == 'e' || *p_ == 'E'))) {
            return false;
        }
        if (out == nullptr) {
            return true;
        }
        // Clinger's fast path: the mantissa and the power of ten are exact doubles, so their
        // quotient is rounded once, correctly. Longer mantissas (Atlas writes many rtts with
        // 17 digits) go to from_chars, which rounds correctly too.
        static constexpr double powers[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,
                                            1e7,  1e8,  1e9,  1e10, 1e11, 1e12, 1e13,
                                            1e14, 1e15, 1e16, 1e17, 1e18, 1e19};
        if (mantissa <= (std::uint64_t{1} << 53)) {
            *out = static_cast<double>(mantissa) / powers[fraction_digits];
            return true;
        }
        const auto [next, ec] = std::from_chars(start, p_, *out);
        return ec == std::errc{} && next == p_;
    }

    template <std::size_t N>
    bool literal(const char (&word)[N]) noexcept {
        if (static_cast<std::size_t>(end_ - p_) < N - 1 ||
            std::string_view(p_, N - 1) != std::string_view(word, N - 1)) {
            return false;
        }
        p_ += N - 1;
        return true;
    }

    const char* p_;
    const char* end_;
    std::string_view last_address_text_;
    ipv4_addr last_address_;
};

} // namespace json_scan

using json_scan::json_scanner;

} // namespace tumen::controller::readers::detail
