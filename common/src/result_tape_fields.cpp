#include "result_tape_fields.hpp"

namespace tumen::result::tape_fields {

std::optional<std::int64_t> integral(const dom::element& v, std::string* why) {
    switch (v.type()) {
    case dom::element_type::INT64:
        return v.get_int64().value_unsafe();
    case dom::element_type::UINT64:
        if (why != nullptr) {
            *why = "integer out of range";
        }
        return std::nullopt;
    case dom::element_type::DOUBLE: {
        const double d = v.get_double().value_unsafe();
        if (!std::isfinite(d) || d != std::floor(d) || d < -9.2e18 || d > 9.2e18) {
            if (why != nullptr) {
                *why = "expected an integer, got a non-integral number";
            }
            return std::nullopt;
        }
        return static_cast<std::int64_t>(d);
    }
    default:
        if (why != nullptr) {
            *why = std::string("expected an integer, got ") + type_name(v);
        }
        return std::nullopt;
    }
}

parse_error not_object(const dom::element& v, const path_ref& path) {
    return parse_error{path.render(), std::string("expected an object, got ") + type_name(v)};
}

} // namespace tumen::result::tape_fields
