#pragma once
/// @file
/// Typed reads of the fields of one JSON object, for parsers of input from the network or
/// from files: each read checks presence, type and range, and the first failure is kept as a
/// parse_error whose `where` names the field's path ("results[2].result[0].hop").
/// Never throws.
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include <tumen/common/ipv4.hpp>
#include <tumen/common/parse_error.hpp>

namespace tumen::json_fields {

/// "base.key" (or "key" when `base` is empty, "base" when `key` is).
std::string join(const std::string& base, std::string_view key);
/// "base[i]".
std::string index(const std::string& base, std::size_t i);

/// Reads the fields of one JSON object and remembers the first error with its path.
/// Every read returns false on error (and then error() holds it); an absent optional field
/// leaves the output untouched and returns true.
class field_reader {
public:
    /// `obj` must outlive the reader; `path` is the object's own path ("" at the top).
    field_reader(const nlohmann::json& obj, std::string path);

    /// Is the field present (any type)?
    bool has(std::string_view key) const;
    /// The field, or nullptr when absent.
    const nlohmann::json* get(std::string_view key) const;
    /// The path of a field of this object.
    std::string path(std::string_view key) const;
    /// The object's own path.
    const std::string& path() const noexcept { return path_; }

    /// A string.
    bool str(std::string_view key, std::string& out, bool required);
    /// An integer in [lo, hi]. Floats with an integral value are accepted (JSON has one
    /// number type; some writers emit 3.0).
    template <class Int>
    bool integer(std::string_view key, Int& out, bool required, std::int64_t lo, std::int64_t hi) {
        std::int64_t v = 0;
        if (!integer_value(key, v, required, lo, hi)) {
            return false;
        }
        if (has(key)) {
            out = static_cast<Int>(v);
        }
        return true;
    }
    /// A finite number.
    bool number(std::string_view key, double& out, bool required);
    /// A finite number in [lo, hi].
    bool number(std::string_view key, double& out, bool required, double lo, double hi);
    /// An optional boolean.
    bool boolean(std::string_view key, bool& out);
    /// A string holding a dotted-quad IPv4 address.
    bool address(std::string_view key, ipv4_addr& out, bool required);
    /// An array: `out` points to it (nullptr when absent and optional).
    bool array(std::string_view key, const nlohmann::json*& out, bool required);
    /// An object: `out` points to it (nullptr when absent and optional).
    bool object(std::string_view key, const nlohmann::json*& out, bool required);
    /// Fails on the first key that is not in `allowed`.
    bool only_keys(std::initializer_list<std::string_view> allowed);

    /// Lenient read for formats whose optional fields are best effort: the integer when
    /// present, integral and in [lo, hi]; nullopt otherwise, and no error is recorded.
    std::optional<std::int64_t> try_integer(std::string_view key, std::int64_t lo,
                                            std::int64_t hi) const;

    /// Records `what` at the field `key` (the object itself when `key` is empty) unless an
    /// error is already held; returns false.
    bool fail(std::string_view key, std::string what);
    /// The first error, if any.
    const std::optional<parse_error>& error() const noexcept { return error_; }

private:
    bool integer_value(std::string_view key, std::int64_t& out, bool required, std::int64_t lo,
                       std::int64_t hi);
    bool container(std::string_view key, const nlohmann::json*& out, bool required,
                   bool want_array);

    const nlohmann::json& obj_;
    std::string path_;
    std::optional<parse_error> error_;
};

/// nullopt when `v` is an object, else the error "expected an object, got <type>" at `path`.
std::optional<parse_error> expect_object(const nlohmann::json& v, const std::string& path);

} // namespace tumen::json_fields
