#pragma once
// Typed reads of the members of one object on a simdjson tape, with field_reader's checks and
// error texts: the reading layer under result_tape.cpp's schema (private to tumen_common).
#include <array>
#include <bitset>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <tumen/common/ipv4.hpp>
#include <tumen/common/json/tape_parse.hpp>
#include <tumen/common/result_tape.hpp>

namespace tumen::result::tape_fields {

namespace dom = simdjson::dom;
using json_fields::path_ref;
using json_fields::type_name;

/// The text of a string element.
inline std::string_view string_of(const dom::element& e) noexcept {
    return e.get_string().value_unsafe();
}

/// Whether `e` is an integer (signed or unsigned).
inline bool is_integer(const dom::element& e) noexcept {
    return e.type() == dom::element_type::INT64 || e.type() == dom::element_type::UINT64;
}

/// Whether `e` is a number.
inline bool is_number(const dom::element& e) noexcept {
    return is_integer(e) || e.type() == dom::element_type::DOUBLE;
}

/// The value of a number element as a double.
inline double double_of(const dom::element& e) noexcept {
    switch (e.type()) {
    case dom::element_type::INT64:
        return static_cast<double>(e.get_int64().value_unsafe());
    case dom::element_type::UINT64:
        return static_cast<double>(e.get_uint64().value_unsafe());
    default:
        return e.get_double().value_unsafe();
    }
}

/// The integer value of an integer element (a uint64 beyond int64 wraps, as nlohmann's
/// get<std::int64_t>() does).
inline std::int64_t int_of(const dom::element& e) noexcept {
    return e.type() == dom::element_type::UINT64
               ? static_cast<std::int64_t>(e.get_uint64().value_unsafe())
               : e.get_int64().value_unsafe();
}

/// The integral value of `v`, or an error text (field_reader's rules: floats with an
/// integral value are accepted).
std::optional<std::int64_t> integral(const dom::element& v, std::string* why);

/// The members of one object that a parser reads, found in one pass over the object, and
/// typed reads of them with field_reader's checks and error texts. The walk of tape_parse
/// refused repeated keys, so each name has at most one value.
template <std::size_t N>
class fields {
public:
    fields(const dom::object& o, const std::array<std::string_view, N>& names, const path_ref& path)
        : names_(names)
        , path_(path) {
        for (dom::key_value_pair kv : o) {
            for (std::size_t i = 0; i < N; ++i) {
                if (names_[i] == kv.key) {
                    values_[i] = kv.value;
                    present_.set(i);
                    break;
                }
            }
        }
    }

    bool has(std::size_t i) const noexcept { return present_.test(i); }
    const dom::element* get(std::size_t i) const noexcept { return has(i) ? &values_[i] : nullptr; }
    path_ref member(std::size_t i) const noexcept { return path_.member(names_[i]); }
    const std::optional<parse_error>& error() const noexcept { return error_; }

    bool fail(std::size_t i, std::string what) {
        if (!error_) {
            error_ = parse_error{member(i).render(), std::move(what)};
        }
        return false;
    }

    bool str(std::size_t i, std::string& out, bool required) {
        const dom::element* v = get(i);
        if (v == nullptr) {
            return !required || fail(i, "missing required string field");
        }
        if (v->type() != dom::element_type::STRING) {
            return fail(i, std::string("expected a string, got ") + type_name(*v));
        }
        out = string_of(*v);
        return true;
    }

    template <class Int>
    bool integer(std::size_t i, Int& out, bool required, std::int64_t lo, std::int64_t hi) {
        const dom::element* v = get(i);
        if (v == nullptr) {
            return !required || fail(i, "missing required integer field");
        }
        std::string why;
        auto value = integral(*v, &why);
        if (!value) {
            return fail(i, why);
        }
        if (*value < lo || *value > hi) {
            return fail(i, "integer " + std::to_string(*value) + " out of range [" +
                               std::to_string(lo) + ", " + std::to_string(hi) + "]");
        }
        out = static_cast<Int>(*value);
        return true;
    }

    bool number(std::size_t i, double& out, bool required) {
        const dom::element* v = get(i);
        if (v == nullptr) {
            return !required || fail(i, "missing required number field");
        }
        if (!is_number(*v)) {
            return fail(i, std::string("expected a number, got ") + type_name(*v));
        }
        const double d = double_of(*v);
        if (!std::isfinite(d)) {
            return fail(i, "number is not finite");
        }
        out = d;
        return true;
    }

    bool boolean(std::size_t i, bool& out) {
        const dom::element* v = get(i);
        if (v == nullptr) {
            return true;
        }
        if (v->type() != dom::element_type::BOOL) {
            return fail(i, std::string("expected a boolean, got ") + type_name(*v));
        }
        out = v->get_bool().value_unsafe();
        return true;
    }

    bool address(std::size_t i, ipv4_addr& out, bool required) {
        const dom::element* v = get(i);
        if (v == nullptr) {
            return !required || fail(i, "missing required address field");
        }
        if (v->type() != dom::element_type::STRING) {
            return fail(i, std::string("expected a string, got ") + type_name(*v));
        }
        const std::string_view text = string_of(*v);
        auto a = ipv4_addr::parse(text);
        if (!a) {
            return fail(i, "not an IPv4 address: \"" + std::string(text.substr(0, 64)) + "\"");
        }
        out = *a;
        return true;
    }

private:
    const std::array<std::string_view, N>& names_;
    const path_ref& path_;
    std::array<dom::element, N> values_{};
    std::bitset<N> present_;
    std::optional<parse_error> error_;
};

/// The error for `v` at `path` where an object was expected.
parse_error not_object(const dom::element& v, const path_ref& path);

/// Calls `f(object, path)` for each element of the array `v` at `path`. Sets `err` and returns
/// false when `v` is not an array, an element is not an object, or `f` returns false (having
/// set `err` itself).
template <class F>
bool each_object(const dom::element& v, const path_ref& path, std::optional<parse_error>& err,
                 F&& f) {
    if (v.type() != dom::element_type::ARRAY) {
        err = parse_error{path.render(), "expected an array"};
        return false;
    }
    std::size_t i = 0;
    for (dom::element e : dom::array(v)) {
        const path_ref epath = path.element(i++);
        if (e.type() != dom::element_type::OBJECT) {
            err = parse_error{epath.render(), "expected an object"};
            return false;
        }
        if (!f(dom::object(e), epath)) {
            return false;
        }
    }
    return true;
}

} // namespace tumen::result::tape_fields
