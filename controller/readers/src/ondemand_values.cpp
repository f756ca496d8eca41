#include "ondemand_values.hpp"

#include <tumen/common/json/bounded_parse.hpp>

namespace tumen::controller::readers::detail::ondemand {

bool validate(od::value& v, std::size_t depth) {
    od::json_type type;
    if (v.type().get(type) != simdjson::SUCCESS) {
        return false;
    }
    switch (type) {
    case od::json_type::object: {
        od::object o;
        if (depth + 1 > json_fields::max_json_depth || v.get_object().get(o) != simdjson::SUCCESS) {
            return false;
        }
        seen_keys seen;
        for (auto member : o) {
            od::field f;
            std::string_view key;
            if (std::move(member).get(f) != simdjson::SUCCESS || !key_of(f, key) ||
                !seen.add(key) || !validate(f.value(), depth + 1)) {
                return false;
            }
        }
        return true;
    }
    case od::json_type::array: {
        od::array a;
        if (depth + 1 > json_fields::max_json_depth || v.get_array().get(a) != simdjson::SUCCESS) {
            return false;
        }
        for (auto element : a) {
            od::value e;
            if (element.get(e) != simdjson::SUCCESS || !validate(e, depth + 1)) {
                return false;
            }
        }
        return true;
    }
    case od::json_type::number: {
        od::number n;
        return v.get_number().get(n) == simdjson::SUCCESS;
    }
    case od::json_type::string: {
        std::string_view s;
        return v.get_string().get(s) == simdjson::SUCCESS;
    }
    case od::json_type::boolean: {
        bool b = false;
        return v.get_bool().get(b) == simdjson::SUCCESS;
    }
    case od::json_type::null: {
        bool is_null = false;
        return v.is_null().get(is_null) == simdjson::SUCCESS && is_null;
    }
    }
    return false;
}

} // namespace tumen::controller::readers::detail::ondemand
