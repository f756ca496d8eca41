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
        return each_member(o, [depth](std::string_view, od::value& member) {
            return validate(member, depth + 1);
        });
    }
    case od::json_type::array: {
        return depth + 1 <= json_fields::max_json_depth &&
               each_element(v, [depth](od::value& e) { return validate(e, depth + 1); });
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
