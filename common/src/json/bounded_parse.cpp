#include <set>
#include <string>
#include <vector>

#include <tumen/common/json/bounded_parse.hpp>

namespace tumen::json_fields {
namespace {

using json = nlohmann::json;

/// Thrown from the parser callback to stop the parse at once (never leaves this file).
struct refused {
    std::string what;
};

/// One open array or object, and where the parser is inside it.
struct frame {
    bool array = false;
    std::size_t index = 0;      ///< array: the index of the next element
    std::string key;            ///< object: the key of the value being parsed
    std::set<std::string> keys; ///< object: the keys seen so far
};

/// Follows the parse events to know the path of the value being parsed.
class path_tracker {
public:
    explicit path_tracker(std::size_t max_depth)
        : max_depth_(max_depth) {}

    bool on_event(json::parse_event_t event, json& parsed) {
        switch (event) {
        case json::parse_event_t::object_start:
        case json::parse_event_t::array_start:
            if (frames_.size() >= max_depth_) {
                throw refused{"nested deeper than " + std::to_string(max_depth_) +
                              " arrays/objects"};
            }
            frames_.push_back(frame{event == json::parse_event_t::array_start, 0, {}, {}});
            break;
        case json::parse_event_t::key: {
            auto& top = frames_.back();
            top.key = parsed.get<std::string>();
            if (!top.keys.insert(top.key).second) {
                throw refused{"key repeated in one object"};
            }
            break;
        }
        case json::parse_event_t::object_end:
        case json::parse_event_t::array_end:
            frames_.pop_back();
            next_element();
            break;
        case json::parse_event_t::value:
            next_element();
            break;
        }
        return true;
    }

    /// The path of the value being parsed ("" at the top).
    std::string path() const {
        std::string out;
        for (const auto& f : frames_) {
            if (f.array) {
                out += "[" + std::to_string(f.index) + "]";
            } else {
                out += (out.empty() ? "" : ".") + f.key;
            }
        }
        return out;
    }

private:
    void next_element() {
        if (!frames_.empty() && frames_.back().array) {
            ++frames_.back().index;
        }
    }

    std::size_t max_depth_;
    std::vector<frame> frames_;
};

constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";

} // namespace

std::optional<json_parse_error> bounded_parse(std::string_view text, json& out,
                                              std::size_t max_depth) {
    out = nullptr;
    if (text.substr(0, utf8_bom.size()) == utf8_bom) {
        return json_parse_error{{"byte 0", "a byte order mark before the JSON text is not "
                                           "accepted (RFC 8259 section 8.1)"},
                                0};
    }
    path_tracker tracker(max_depth);
    try {
        out = json::parse(text, [&](int, json::parse_event_t event, json& parsed) {
            return tracker.on_event(event, parsed);
        });
    } catch (const refused& r) {
        out = nullptr;
        return json_parse_error{{tracker.path(), r.what}, std::nullopt};
    } catch (const json::parse_error& e) {
        out = nullptr;
        return json_parse_error{
            {"byte " + std::to_string(e.byte), std::string("invalid JSON: ") + e.what()}, e.byte};
    } catch (const json::out_of_range& e) {
        // A number beyond double (RFC 8259 section 6 leaves the range to implementations).
        out = nullptr;
        auto where = tracker.path();
        const bool top = where.empty();
        return json_parse_error{{top ? std::string("byte 0") : std::move(where),
                                 "invalid JSON: number out of range (beyond a double)"},
                                top ? std::optional<std::size_t>(0) : std::nullopt};
    }
    return std::nullopt;
}

} // namespace tumen::json_fields
