#include <nlohmann/json.hpp>

#include <tumen/common/json/bounded_parse.hpp>
#include <tumen/common/protocol/batch.hpp>
#include <tumen/common/result_json.hpp>
#include <tumen/controller/pipeline/batch.hpp>

namespace tumen::controller::pipeline {
namespace {

using json = nlohmann::json;

constexpr const char* shape_error = "expected a JSON array of results or {\"results\": [...]}";

batch_error invalid(std::string what, std::string where, std::size_t results) {
    return batch_error{error_kind::invalid, std::move(what), std::move(where), results};
}

/// The results array of a parsed body: the body itself or the value of its only key
/// "results"; nullptr for any other shape.
const json* results_array(const json& doc) {
    const json* arr = &doc;
    if (doc.is_object()) {
        if (doc.size() != 1 || !doc.contains("results")) {
            return nullptr;
        }
        arr = &doc["results"];
    }
    return arr->is_array() ? arr : nullptr;
}

/// Parses one result object by its "type"; `where` is its path in the body.
expected<parsed_result> parse_element(const json& e, const std::string& where, std::size_t count) {
    if (!e.is_object()) {
        return invalid(std::string("expected a result object, got ") + e.type_name(), where, count);
    }
    auto type = e.find("type");
    if (type == e.end() || !type->is_string()) {
        return invalid("missing \"type\" (\"traceroute\" or \"ping\")", where + ".type", count);
    }
    const auto& type_name = type->get_ref<const std::string&>();
    auto refuse = [&](const parse_error& err) {
        return invalid(err.what, err.where.empty() ? where : where + "." + err.where, count);
    };
    parsed_result out;
    if (type_name == "traceroute") {
        auto t = result::parse_trace(e);
        if (!t) {
            return refuse(t.error());
        }
        out.value = std::move(t).value();
    } else if (type_name == "ping") {
        auto p = result::parse_ping(e);
        if (!p) {
            return refuse(p.error());
        }
        out.value = std::move(p).value();
    } else {
        return invalid("unknown result type \"" + type_name +
                           "\" (expected \"traceroute\" or \"ping\")",
                       where + ".type", count);
    }
    return out;
}

const std::string& agent_of(const parsed_result& r) {
    return std::visit([](const auto& v) -> const std::string& { return v.agent; }, r.value);
}

/// The checks beyond the result parsers: id length and the uploader's identity.
std::optional<batch_error> check_identity(const parsed_result& r, std::string_view agent,
                                          const std::string& where, std::size_t count,
                                          const batch_limits& limits) {
    const auto& id = r.id();
    if (id.empty() || id.size() > limits.max_id_length) {
        return invalid("id must be 1-" + std::to_string(limits.max_id_length) + " characters",
                       where + ".id", count);
    }
    const auto& result_agent = agent_of(r);
    if (result_agent != agent) {
        return batch_error{error_kind::other_agent,
                           "result of agent \"" + result_agent +
                               "\" uploaded with the token of \"" + std::string(agent) + "\"",
                           where + ".agent", count};
    }
    return std::nullopt;
}

} // namespace

const std::string& parsed_result::id() const {
    return std::visit([](const auto& v) -> const std::string& { return v.id; }, value);
}

expected<parsed_batch> parse_batch(std::string_view agent, std::string_view body,
                                   const batch_limits& limits) {
    json doc;
    if (auto err = json_fields::bounded_parse(body, doc)) {
        // The paths of a bare array start with its index: name them as in the wrapped form.
        auto where = err->where.rfind('[', 0) == 0 ? "results" + err->where : err->where;
        return invalid(std::move(err->what), std::move(where), 0);
    }
    const json* arr = results_array(doc);
    if (arr == nullptr) {
        return invalid(shape_error, "", 0);
    }
    const std::size_t count = arr->size();
    // The bytes of each result as the agent sent them (stored verbatim: the body is never
    // re-serialised). bounded_parse refused what the slicer cannot follow (a byte order mark,
    // a repeated "results"), so the slices match the parsed array.
    auto slices = protocol::batch_elements(body);
    if (!slices || slices->size() != count) {
        return invalid("cannot delimit the results in the body", "", count);
    }
    parsed_batch out;
    out.agent = agent;
    out.results.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        const json& e = (*arr)[i];
        const std::string where = "results[" + std::to_string(i) + "]";
        auto r = parse_element(e, where, count);
        if (!r) {
            return r.error();
        }
        if (auto err = check_identity(*r, agent, where, count, limits)) {
            return std::move(*err);
        }
        r->slice = (*slices)[i];
        out.results.push_back(std::move(*r));
    }
    return out;
}

} // namespace tumen::controller::pipeline
