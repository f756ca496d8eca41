#include <tumen/common/json/bounded_parse.hpp>
#include <tumen/common/protocol/batch.hpp>
#include <tumen/common/text.hpp>

namespace tumen::protocol {
namespace {

std::size_t skip_ws(std::string_view s, std::size_t i) noexcept {
    while (i < s.size() && is_space(s[i])) {
        ++i;
    }
    return i;
}

/// Index just past the string starting at s[i] == '"' (RFC 8259 section 7: a backslash
/// escapes the next character), or npos if it is not closed.
std::size_t skip_string(std::string_view s, std::size_t i) noexcept {
    for (++i; i < s.size(); ++i) {
        if (s[i] == '\\') {
            ++i;
        } else if (s[i] == '"') {
            return i + 1;
        }
    }
    return std::string_view::npos;
}

} // namespace

std::optional<std::vector<std::string_view>> batch_elements(std::string_view body) {
    std::size_t i = skip_ws(body, 0);
    const bool wrapped = i < body.size() && body[i] == '{';
    if (wrapped) {
        // {"results": [...]}: the single key, its colon, then the array.
        i = skip_ws(body, i + 1);
        if (i >= body.size() || body[i] != '"') {
            return std::nullopt;
        }
        i = skip_string(body, i);
        if (i == std::string_view::npos) {
            return std::nullopt;
        }
        i = skip_ws(body, i);
        if (i >= body.size() || body[i] != ':') {
            return std::nullopt;
        }
        i = skip_ws(body, i + 1);
    }
    if (i >= body.size() || body[i] != '[') {
        return std::nullopt;
    }
    std::vector<std::string_view> out;
    std::size_t depth = 1;
    std::size_t start = i + 1;
    for (++i; i < body.size(); ++i) {
        const char c = body[i];
        if (c == '"') {
            i = skip_string(body, i);
            if (i == std::string_view::npos) {
                return std::nullopt;
            }
            --i; // the loop's ++i moves past the closing quote
        } else if (c == '[' || c == '{') {
            ++depth;
        } else if (c == ']' || c == '}') {
            if (--depth == 0) {
                auto last = trim(body.substr(start, i - start));
                if (!last.empty()) {
                    out.push_back(last);
                } else if (!out.empty()) {
                    return std::nullopt; // "[1, ]" is not JSON
                }
                // Only the closing brace of the wrapper may follow: with a second member
                // (even a repeated "results", whose last value a parser keeps) the slices
                // would not be the parsed array.
                std::size_t rest = skip_ws(body, i + 1);
                if (wrapped) {
                    if (rest >= body.size() || body[rest] != '}') {
                        return std::nullopt;
                    }
                    rest = skip_ws(body, rest + 1);
                }
                if (rest != body.size()) {
                    return std::nullopt;
                }
                return out;
            }
        } else if (c == ',' && depth == 1) {
            auto e = trim(body.substr(start, i - start));
            if (e.empty()) {
                return std::nullopt;
            }
            out.push_back(e);
            start = i + 1;
        }
    }
    return std::nullopt; // unterminated
}

std::string batch_body(const std::vector<std::string_view>& results) {
    std::size_t size = 14; // {"results":[]}
    for (auto r : results) {
        size += r.size() + 1;
    }
    std::string body;
    body.reserve(size);
    body += "{\"results\":[";
    for (std::size_t i = 0; i < results.size(); ++i) {
        if (i != 0) {
            body.push_back(',');
        }
        body += results[i];
    }
    body += "]}";
    return body;
}

nlohmann::json rejected_json(const std::vector<rejected_entry>& rejected) {
    auto out = nlohmann::json::array();
    for (const auto& r : rejected) {
        out.push_back({{"index", r.index}, {"id", r.id}, {"reason", r.reason}, {"error", r.error}});
    }
    return out;
}

std::optional<std::vector<rejected_entry>> parse_rejected(std::string_view reply_body) {
    nlohmann::json doc;
    if (json_fields::bounded_parse(reply_body, doc) || !doc.is_object()) {
        return std::nullopt;
    }
    std::vector<rejected_entry> out;
    auto it = doc.find("rejected");
    if (it == doc.end()) {
        return out;
    }
    if (!it->is_array()) {
        return std::nullopt;
    }
    for (const auto& e : *it) {
        if (!e.is_object()) {
            return std::nullopt;
        }
        auto index = e.find("index");
        auto id = e.find("id");
        auto reason = e.find("reason");
        auto error = e.find("error");
        if (index == e.end() || !index->is_number_unsigned() || id == e.end() || !id->is_string() ||
            reason == e.end() || !reason->is_string() ||
            (error != e.end() && !error->is_string())) {
            return std::nullopt;
        }
        out.push_back(rejected_entry{index->get<std::size_t>(), id->get<std::string>(),
                                     reason->get<std::string>(),
                                     error == e.end() ? std::string() : error->get<std::string>()});
    }
    return out;
}

} // namespace tumen::protocol
