#include <tumen/common/json/tape_parse.hpp>

#include <cmath>
#include <unordered_set>
#include <vector>

namespace tumen::json_fields {
namespace {

namespace dom = simdjson::dom;

constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";

/// Objects up to this many keys are checked for repeats pairwise, larger ones with a set.
constexpr std::size_t pairwise_keys = 16;

/// One walk over a parsed tape: the depth limit and repeated keys, with the path of the first
/// refusal in document order (the order bounded_parse reports them in).
class tape_walk {
public:
    explicit tape_walk(std::size_t max_depth)
        : max_depth_(max_depth) {}

    /// False on the first refusal; then error() holds it.
    bool walk(const dom::element& e, const path_ref& path, std::size_t depth) {
        switch (e.type()) {
        case dom::element_type::OBJECT:
            return object(dom::object(e), path, depth + 1);
        case dom::element_type::ARRAY:
            return array(dom::array(e), path, depth + 1);
        default:
            return true;
        }
    }

    json_parse_error& error() noexcept { return error_; }

private:
    bool too_deep(std::size_t depth, const path_ref& path) {
        if (depth <= max_depth_) {
            return false;
        }
        error_ = json_parse_error{
            {path.render(), "nested deeper than " + std::to_string(max_depth_) + " arrays/objects"},
            std::nullopt};
        return true;
    }

    bool array(const dom::array& a, const path_ref& path, std::size_t depth) {
        if (too_deep(depth, path)) {
            return false;
        }
        std::size_t i = 0;
        for (dom::element v : a) {
            if (!walk(v, path.element(i++), depth)) {
                return false;
            }
        }
        return true;
    }

    bool object(const dom::object& o, const path_ref& path, std::size_t depth) {
        if (too_deep(depth, path)) {
            return false;
        }
        std::string_view small[pairwise_keys];
        std::size_t n = 0;
        std::unordered_set<std::string_view> many;
        for (dom::key_value_pair kv : o) {
            bool repeated = false;
            if (n < pairwise_keys) {
                for (std::size_t k = 0; k < n && !repeated; ++k) {
                    repeated = small[k] == kv.key;
                }
                small[n] = kv.key;
            } else {
                if (many.empty()) {
                    many.insert(small, small + pairwise_keys);
                }
                repeated = !many.insert(kv.key).second;
            }
            ++n;
            const path_ref member = path.member(kv.key);
            if (repeated) {
                error_ =
                    json_parse_error{{member.render(), "key repeated in one object"}, std::nullopt};
                return false;
            }
            if (!walk(kv.value, member, depth)) {
                return false;
            }
        }
        return true;
    }

    std::size_t max_depth_;
    json_parse_error error_;
};

/// The path of the first integer beyond 64 bits in `doc` (nlohmann keeps them as doubles,
/// simdjson refuses them), "" when there is none.
std::optional<std::string> big_integer_path(const nlohmann::json& doc, const std::string& path) {
    if (doc.is_number_float()) {
        const double d = doc.get<double>();
        if (std::fabs(d) >= 9.2e18) {
            return path;
        }
        return std::nullopt;
    }
    if (doc.is_array()) {
        for (std::size_t i = 0; i < doc.size(); ++i) {
            if (auto p = big_integer_path(doc[i], path + "[" + std::to_string(i) + "]")) {
                return p;
            }
        }
    } else if (doc.is_object()) {
        for (const auto& [k, v] : doc.items()) {
            if (auto p = big_integer_path(v, path.empty() ? k : path + "." + k)) {
                return p;
            }
        }
    }
    return std::nullopt;
}

/// Describes a text simdjson refused: bounded_parse's description (it reports the byte
/// where the text stops being JSON), or, for what only simdjson refuses (an integer beyond
/// 64 bits), the field.
json_parse_error describe_refusal(std::string_view text, simdjson::error_code code,
                                  std::size_t max_depth) {
    nlohmann::json doc;
    if (auto err = bounded_parse(text, doc, max_depth)) {
        return std::move(*err);
    }
    if (auto where = big_integer_path(doc, ""); where && !where->empty()) {
        return json_parse_error{{*where, "invalid JSON: integer beyond 64 bits"}, std::nullopt};
    }
    return json_parse_error{
        {"byte 0", std::string("invalid JSON: ") + simdjson::error_message(code)}, 0};
}

} // namespace

std::string path_ref::render() const {
    std::string base = parent == nullptr ? std::string() : parent->render();
    if (is_index) {
        return base + "[" + std::to_string(index) + "]";
    }
    if (base.empty()) {
        return std::string(key);
    }
    if (key.empty()) {
        return base;
    }
    return base + "." + std::string(key);
}

const char* type_name(const dom::element& e) noexcept {
    switch (e.type()) {
    case dom::element_type::OBJECT:
        return "object";
    case dom::element_type::ARRAY:
        return "array";
    case dom::element_type::STRING:
        return "string";
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE:
        return "number";
    case dom::element_type::BOOL:
        return "boolean";
    case dom::element_type::NULL_VALUE:
        return "null";
    }
    return "null";
}

std::optional<json_parse_error> tape_parse(std::string_view text, dom::element& out,
                                           std::size_t max_depth) {
    if (text.substr(0, utf8_bom.size()) == utf8_bom) {
        return json_parse_error{{"byte 0", "a byte order mark before the JSON text is not "
                                           "accepted (RFC 8259 section 8.1)"},
                                0};
    }
    // One parser per thread: its buffers grow to the largest text seen and are reused. Its
    // own depth limit (1024) is above max_depth: the walk names the path of a deeper value.
    thread_local dom::parser parser;
    auto doc = parser.parse(text.data(), text.size(), true);
    if (doc.error()) {
        return describe_refusal(text, doc.error(), max_depth);
    }
    out = doc.value_unsafe();
    tape_walk walk(max_depth);
    if (!walk.walk(out, path_ref{}, 0)) {
        return std::move(walk.error());
    }
    return std::nullopt;
}

} // namespace tumen::json_fields
