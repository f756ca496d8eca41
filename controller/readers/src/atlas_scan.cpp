// The read by hand of RIPE Atlas traceroute lines (see atlas_scan.hpp for why it exists and
// what it accepts). Every rule of the schema mirrors atlas_ondemand.cpp's; where they could
// differ, this side declines (returns false up to scan_atlas_traceroute).
#include "atlas_scan.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <tumen/common/json/bounded_parse.hpp>
#include <tumen/common/result_json.hpp>

#include "atlas_top.hpp"
#include "ondemand_values.hpp"

namespace tumen::controller::readers::detail {
namespace {

using ondemand::is;

constexpr bool digit(char c) noexcept {
    return c >= '0' && c <= '9';
}

/// The bytes a string of the subset holds: printable ASCII but the quote and the backslash.
constexpr auto plain = [] {
    std::array<bool, 256> table{};
    for (int c = 0x20; c < 0x7f; ++c) {
        table[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
    }
    return table;
}();

/// Whether two short texts are equal, without a call to memcmp for the usual 7 to 15 bytes
/// of an address (two 8-byte loads from each end).
bool same_text(std::string_view a, std::string_view b) noexcept {
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
class scanner {
public:
    explicit scanner(std::string_view line) noexcept
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

/// An RFC 4884 extension of a reply (read_icmpext's rules, at nesting 5): the MPLS label
/// stacks (class 1, type 1) are appended to `out`.
bool read_icmpext(scanner& s, std::vector<result::mpls_entry>& out) {
    std::vector<result::mpls_entry> labels;
    const auto read_label = [&] {
        result::mpls_entry m;
        std::uint8_t bottom = 0;
        bool has_label = false;
        const bool ok = s.members([&](std::string_view key) {
            if (is(key, "label")) {
                has_label = true;
                return s.integer(m.label, 0, 0xfffff);
            }
            if (is(key, "exp")) {
                return s.integer(m.tc, 0, 7);
            }
            if (is(key, "s")) {
                return s.integer(bottom, 0, 1);
            }
            return is(key, "ttl") ? s.integer(m.ttl, 0, 255) : s.skip(10);
        });
        m.bottom = bottom == 1;
        labels.push_back(m);
        return ok && has_label;
    };
    const auto read_object = [&] {
        unsigned cls = 256;
        unsigned type = 256;
        const auto first = labels.size();
        bool has_mpls = false;
        const bool ok = s.members([&](std::string_view key) {
            if (is(key, "class")) {
                return s.integer(cls, 0, 255);
            }
            if (is(key, "type")) {
                return s.integer(type, 0, 255);
            }
            if (is(key, "mpls")) {
                has_mpls = true;
                return s.elements(read_label);
            }
            return s.skip(8);
        });
        if (has_mpls && (cls != 1 || type != 1)) {
            labels.resize(first); // other RFC 4884 objects are not kept
        }
        return ok && cls < 256 && type < 256;
    };
    const bool ok = s.members(
        [&](std::string_view key) { return is(key, "obj") ? s.elements(read_object) : s.skip(6); });
    out.insert(out.end(), labels.begin(), labels.end());
    return ok;
}

/// One reply of a hop (read_reply's rules, for the keys taken here).
bool read_reply(scanner& s, result::hop_reply& out, bool& infer) {
    bool timeout = false;
    bool has_from = false;
    bool has_rtt = false;
    bool has_type = false;
    std::size_t keys = 0;
    const bool ok = s.members([&](std::string_view key) {
        ++keys;
        std::string_view text;
        if (is(key, "from")) {
            has_from = true;
            return s.address(out.from);
        }
        if (is(key, "rtt")) {
            has_rtt = true;
            return s.decimal(&out.rtt_ms);
        }
        if (is(key, "size")) {
            return s.integer(out.size, 0, 65535);
        }
        if (is(key, "ttl")) {
            return s.integer(out.ttl, 0, 255);
        }
        if (is(key, "x")) {
            timeout = true;
            return s.skip(5);
        }
        std::int64_t number = 0;
        if (is(key, "err")) {
            const bool is_text = s.peek('"');
            const bool read = is_text ? s.string(text) : s.integer(number, 0, INT64_MAX);
            out.err = is_text ? std::string(text) : std::to_string(number);
            return read;
        }
        if (is(key, "late")) {
            bool late = false;
            const bool read =
                s.peek('t') || s.peek('f') ? s.boolean(late) : s.integer(number, 0, INT64_MAX);
            out.late = out.late || late || number > 0;
            return read;
        }
        if (is(key, "icmp_type")) {
            has_type = true;
            return s.integer(out.icmp_type, 0, 255);
        }
        if (is(key, "icmp_code")) {
            return s.integer(out.icmp_code, 0, 255);
        }
        if (is(key, "ittl")) {
            std::uint8_t quoted = 0;
            const bool read = s.integer(quoted, 0, 255);
            out.quoted_ttl = quoted;
            return read;
        }
        if (is(key, "nat")) {
            return s.boolean(out.nat);
        }
        return is(key, "icmpext") ? read_icmpext(s, out.mpls) : s.skip(5);
    });
    if (!ok) {
        return false;
    }
    if (timeout) {
        // A reply of "x" alone (most timeouts) is still as made: no reset to build and move.
        if (keys > 1) {
            out = result::hop_reply{};
        }
        out.timeout = true;
        return true;
    }
    infer = !has_type;
    return has_from && (has_rtt || out.late) && out.rtt_ms <= result::max_rtt_ms;
}

/// One hop (read_hop's rules).
bool read_hop(scanner& s, int previous_ttl, std::uint16_t index, result::hop& h,
              pending_types& pending) {
    bool has_hop = false;
    bool has_replies = false;
    const bool ok = s.members([&](std::string_view key) {
        if (is(key, "hop")) {
            has_hop = true;
            return s.integer(h.ttl, 1, 255);
        }
        if (is(key, "result")) {
            has_replies = true;
            h.replies.reserve(3); // Atlas sends 3 probes per hop by default
            return s.elements([&] {
                bool infer = false;
                if (h.replies.size() == result::max_replies_per_hop ||
                    !read_reply(s, h.replies.emplace_back(), infer)) {
                    return false;
                }
                if (infer) {
                    pending.emplace_back(index, static_cast<std::uint8_t>(h.replies.size() - 1));
                }
                return true;
            });
        }
        if (is(key, "error")) {
            std::string_view text;
            return s.string(text) && (h.error = text, true);
        }
        return s.skip(3);
    });
    return ok && has_hop && has_replies && h.ttl > previous_ttl;
}

/// One member of the top object (top_reader::member's rules).
bool read_member(scanner& s, atlas_top& top, std::string_view key) {
    const atlas_key slot = atlas_key_of(key);
    if (slot == atlas_key::declined) {
        return false;
    }
    if (top.mark(slot)) {
        return s.skip(1);
    }
    auto& t = top.t;
    std::string_view text;
    switch (slot) {
    case atlas_key::type:
        return s.string(text) && text == "traceroute";
    case atlas_key::af:
        return s.integer(top.family, 4, 6) && top.family != 5;
    case atlas_key::dst_addr:
        return s.address(t.dst);
    case atlas_key::src_addr:
        return s.string(text) && (text.empty() || ondemand::address_text(text, t.src));
    case atlas_key::dst_name:
        return s.string(text) && (t.dst_name = text, true);
    case atlas_key::proto:
        return s.string(text) && (t.proto = text, true);
    case atlas_key::paris_id:
        return s.integer(t.paris_id, 0, 65535);
    case atlas_key::timestamp:
        return s.integer(t.timestamp, 0, std::int64_t{1} << 40);
    case atlas_key::endtime:
        return s.integer(t.endtime, 0, std::int64_t{1} << 40);
    case atlas_key::prb_id:
        return s.integer(top.probe, 0, INT64_MAX);
    case atlas_key::msm_id:
        return s.integer(top.measurement, 0, INT64_MAX);
    case atlas_key::hops: {
        auto& hops = t.hops;
        hops.reserve(16); // most traces have fewer hops: one allocation
        return s.elements([&] {
            const int previous = hops.empty() ? 0 : hops.back().ttl;
            const auto index = static_cast<std::uint16_t>(hops.size());
            return index < result::max_hops &&
                   read_hop(s, previous, index, hops.emplace_back(), top.pending);
        });
    }
    default:
        return false;
    }
}

} // namespace

atlas_line scan_atlas_traceroute(std::string_view line, result::trace& out) {
    if (line.empty() || line.front() != '{' || line.size() > max_atlas_line) {
        return atlas_line::declined;
    }
    scanner s(line);
    atlas_top top;
    if (!s.members([&](std::string_view key) { return read_member(s, top, key); }) || !s.at_end()) {
        return atlas_line::declined;
    }
    return top.finish(out);
}

} // namespace tumen::controller::readers::detail
