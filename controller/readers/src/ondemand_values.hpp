#pragma once
// Private: typed reads of simdjson on-demand values for atlas_ondemand.cpp. Each read fails
// (false) where the tape path's reads (result_tape_fields.hpp) would refuse the value, and
// also on some values they accept (e.g. an integer written "2.0"): the caller then declines.
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <simdjson.h>
#include <string_view>

#include <tumen/common/ipv4.hpp>

namespace tumen::controller::readers::detail::ondemand {

namespace od = simdjson::ondemand;

/// Keys this long or longer are unescaped by simdjson (rare: none of the schema's).
constexpr std::size_t max_key = 64;

/// The keys of one object seen so far, to refuse a repeated one as tape_parse does (more than
/// `limit` keys: decline).
class seen_keys {
public:
    /// False when `key` was seen already or there are too many keys to check.
    bool add(std::string_view key) noexcept {
        for (std::size_t i = 0; i < n_; ++i) {
            if (size_[i] == key.size() && same(data_[i], key.data(), key.size())) {
                return false;
            }
        }
        if (n_ == limit) {
            return false;
        }
        data_[n_] = key.data();
        size_[n_++] = key.size();
        return true;
    }

private:
    /// A plain loop, not memcmp: keys are a few bytes and most differ at the first, and the
    /// call to libc's memcmp was 2% of `classify` on RIPE Atlas files (perf).
    static bool same(const char* a, const char* b, std::size_t size) noexcept {
        for (std::size_t i = 0; i < size; ++i) {
            if (a[i] != b[i]) {
                return false;
            }
        }
        return true;
    }

    static constexpr std::size_t limit = 32;
    // Plain arrays, not zeroed (only the first n_ are read): one of these is made per object.
    const char* data_[limit];
    std::size_t size_[limit];
    std::size_t n_ = 0;
};

/// Whether `key` is the literal `name` (a comparison of a known length, inlined).
template <std::size_t N>
inline bool is(std::string_view key, const char (&name)[N]) noexcept {
    return key.size() == N - 1 && std::memcmp(key.data(), name, N - 1) == 0;
}

/// Checks a value of any type the reader does not use: valid JSON, no repeated key, depth
/// within tape_parse's limit (`depth` is the nesting of `v`'s container).
bool validate(od::value& v, std::size_t depth);

/// The key of a member, unescaped only when it holds an escape (the raw text otherwise: no
/// copy).
inline bool key_of(od::field& f, std::string_view& out) {
    // A plain loop: keys are a few bytes, shorter than a memchr call's set-up.
    const char* raw = f.key().raw();
    for (std::size_t i = 0; i < max_key && raw[i] != '\\'; ++i) {
        if (raw[i] == '"') {
            out = std::string_view(raw, i);
            return true;
        }
    }
    return f.unescaped_key().get(out) == simdjson::SUCCESS;
}

/// An integer in [lo, hi] (only integer text: "2.0" declines, which the tape path accepts).
template <class Int>
bool integer(od::value& v, Int& out, std::int64_t lo, std::int64_t hi) {
    std::int64_t i = 0;
    if (v.get_int64().get(i) != simdjson::SUCCESS || i < lo || i > hi) {
        return false;
    }
    out = static_cast<Int>(i);
    return true;
}

/// A finite number, as the tape path's double_of().
inline bool number(od::value& v, double& out) {
    // get_number_type() peeks; get_number() is not used for the value: in simdjson 3.0.1 it
    // gives 0 for a decimal of more than 19 digits (get_double() reads it right).
    od::number_type type;
    if (v.get_number_type().get(type) != simdjson::SUCCESS) {
        return false;
    }
    bool read = false;
    if (type == od::number_type::signed_integer) {
        std::int64_t i = 0;
        read = v.get_int64().get(i) == simdjson::SUCCESS;
        out = static_cast<double>(i);
    } else if (type == od::number_type::unsigned_integer) {
        std::uint64_t u = 0;
        read = v.get_uint64().get(u) == simdjson::SUCCESS; // beyond 64 bits: refused
        out = static_cast<double>(u);
    } else {
        read = v.get_double().get(out) == simdjson::SUCCESS;
    }
    return read && std::isfinite(out);
}

inline bool string(od::value& v, std::string_view& out) {
    return v.get_string().get(out) == simdjson::SUCCESS;
}

/// An IPv4 address in `text` (`out` is 0.0.0.0 when it is not one).
inline bool address_text(std::string_view text, ipv4_addr& out) {
    auto a = ipv4_addr::parse(text);
    out = a.value_or(ipv4_addr{});
    return a.has_value();
}

inline bool address(od::value& v, ipv4_addr& out) {
    std::string_view s;
    return string(v, s) && address_text(s, out);
}

/// Calls `f(value)` for each element of the array `v`; false when `v` is not an array or `f`
/// returns false.
template <class F>
bool each_element(od::value& v, F&& f) {
    od::array list;
    if (v.get_array().get(list) != simdjson::SUCCESS) {
        return false;
    }
    for (auto element : list) {
        od::value e;
        if (element.get(e) != simdjson::SUCCESS || !f(e)) {
            return false;
        }
    }
    return true;
}

/// Calls `f(object)` for each element of the array `v`; false when `v` is not an array of
/// objects or `f` returns false.
template <class F>
bool each_object(od::value& v, F&& f) {
    return each_element(v, [&f](od::value& e) {
        od::object o;
        return e.get_object().get(o) == simdjson::SUCCESS && f(o);
    });
}

/// Calls `f(key, value)` for each member of `o`, refusing a repeated key; false when a member
/// is malformed or `f` returns false.
template <class F>
bool each_member(od::object& o, F&& f) {
    seen_keys seen;
    for (auto member : o) {
        od::field field;
        std::string_view key;
        if (std::move(member).get(field) != simdjson::SUCCESS || !key_of(field, key) ||
            !seen.add(key) || !f(key, field.value())) {
            return false;
        }
    }
    return true;
}

} // namespace tumen::controller::readers::detail::ondemand
