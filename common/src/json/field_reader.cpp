#include <algorithm>
#include <cmath>

#include <tumen/common/json/field_reader.hpp>

namespace tumen::json_fields {
namespace {

using json = nlohmann::json;

/// The integral value of `v`, or an error text.
std::optional<std::int64_t> integral(const json& v, std::string* why) {
    if (v.is_number_unsigned()) {
        auto u = v.get<std::uint64_t>();
        if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
            if (why != nullptr) {
                *why = "integer out of range";
            }
            return std::nullopt;
        }
        return static_cast<std::int64_t>(u);
    }
    if (v.is_number_integer()) {
        return v.get<std::int64_t>();
    }
    if (v.is_number_float()) {
        double d = v.get<double>();
        if (!std::isfinite(d) || d != std::floor(d) || d < -9.2e18 || d > 9.2e18) {
            if (why != nullptr) {
                *why = "expected an integer, got a non-integral number";
            }
            return std::nullopt;
        }
        return static_cast<std::int64_t>(d);
    }
    if (why != nullptr) {
        *why = std::string("expected an integer, got ") + v.type_name();
    }
    return std::nullopt;
}

std::string number_text(double d) {
    std::string s = json(d).dump();
    return s;
}

} // namespace

std::string join(const std::string& base, std::string_view key) {
    if (base.empty()) {
        return std::string(key);
    }
    if (key.empty()) {
        return base;
    }
    return base + "." + std::string(key);
}

std::string index(const std::string& base, std::size_t i) {
    return base + "[" + std::to_string(i) + "]";
}

field_reader::field_reader(const json& obj, std::string path)
    : obj_(obj)
    , path_(std::move(path)) {}

bool field_reader::has(std::string_view key) const {
    return obj_.is_object() && obj_.contains(key);
}

const json* field_reader::get(std::string_view key) const {
    if (!obj_.is_object()) {
        return nullptr;
    }
    auto it = obj_.find(key);
    return it == obj_.end() ? nullptr : &*it;
}

std::string field_reader::path(std::string_view key) const {
    return join(path_, key);
}

bool field_reader::str(std::string_view key, std::string& out, bool required) {
    const json* v = get(key);
    if (v == nullptr) {
        return !required || fail(key, "missing required string field");
    }
    if (!v->is_string()) {
        return fail(key, std::string("expected a string, got ") + v->type_name());
    }
    out = v->get<std::string>();
    return true;
}

bool field_reader::integer_value(std::string_view key, std::int64_t& out, bool required,
                                 std::int64_t lo, std::int64_t hi) {
    const json* v = get(key);
    if (v == nullptr) {
        return !required || fail(key, "missing required integer field");
    }
    std::string why;
    auto value = integral(*v, &why);
    if (!value) {
        return fail(key, why);
    }
    if (*value < lo || *value > hi) {
        return fail(key, "integer " + std::to_string(*value) + " out of range [" +
                             std::to_string(lo) + ", " + std::to_string(hi) + "]");
    }
    out = *value;
    return true;
}

std::optional<std::int64_t> field_reader::try_integer(std::string_view key, std::int64_t lo,
                                                      std::int64_t hi) const {
    const json* v = get(key);
    if (v == nullptr) {
        return std::nullopt;
    }
    auto value = integral(*v, nullptr);
    if (!value || *value < lo || *value > hi) {
        return std::nullopt;
    }
    return value;
}

bool field_reader::number(std::string_view key, double& out, bool required) {
    const json* v = get(key);
    if (v == nullptr) {
        return !required || fail(key, "missing required number field");
    }
    if (!v->is_number()) {
        return fail(key, std::string("expected a number, got ") + v->type_name());
    }
    double d = v->get<double>();
    if (!std::isfinite(d)) {
        return fail(key, "number is not finite");
    }
    out = d;
    return true;
}

bool field_reader::number(std::string_view key, double& out, bool required, double lo, double hi) {
    double d = 0;
    if (!number(key, d, required)) {
        return false;
    }
    if (!has(key)) {
        return true;
    }
    if (d < lo || d > hi) {
        return fail(key, "number " + number_text(d) + " out of range [" + number_text(lo) + ", " +
                             number_text(hi) + "]");
    }
    out = d;
    return true;
}

bool field_reader::boolean(std::string_view key, bool& out) {
    const json* v = get(key);
    if (v == nullptr) {
        return true;
    }
    if (!v->is_boolean()) {
        return fail(key, std::string("expected a boolean, got ") + v->type_name());
    }
    out = v->get<bool>();
    return true;
}

bool field_reader::address(std::string_view key, ipv4_addr& out, bool required) {
    const json* v = get(key);
    if (v == nullptr) {
        return !required || fail(key, "missing required address field");
    }
    std::string text;
    if (!str(key, text, true)) {
        return false;
    }
    auto a = ipv4_addr::parse(text);
    if (!a) {
        return fail(key, "not an IPv4 address: \"" + text.substr(0, 64) + "\"");
    }
    out = *a;
    return true;
}

bool field_reader::container(std::string_view key, const json*& out, bool required,
                             bool want_array) {
    out = nullptr;
    const char* kind = want_array ? "array" : "object";
    const json* v = get(key);
    if (v == nullptr) {
        return !required || fail(key, std::string("missing required ") + kind + " field");
    }
    if (want_array ? !v->is_array() : !v->is_object()) {
        return fail(key, std::string("expected an ") + kind + ", got " + v->type_name());
    }
    out = v;
    return true;
}

bool field_reader::array(std::string_view key, const json*& out, bool required) {
    return container(key, out, required, true);
}

bool field_reader::object(std::string_view key, const json*& out, bool required) {
    return container(key, out, required, false);
}

bool field_reader::only_keys(std::initializer_list<std::string_view> allowed) {
    if (!obj_.is_object()) {
        return true;
    }
    for (const auto& [key, value] : obj_.items()) {
        if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
            return fail(key, "unknown field");
        }
    }
    return true;
}

bool field_reader::fail(std::string_view key, std::string what) {
    if (!error_) {
        error_ = parse_error{key.empty() ? path_ : path(key), std::move(what)};
    }
    return false;
}

std::optional<parse_error> expect_object(const json& v, const std::string& path) {
    if (!v.is_object()) {
        return parse_error{path, std::string("expected an object, got ") + v.type_name()};
    }
    return std::nullopt;
}

} // namespace tumen::json_fields
