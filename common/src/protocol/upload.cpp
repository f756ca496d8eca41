#include <tumen/common/protocol/batch.hpp>
#include <tumen/common/protocol/upload.hpp>

#include <tumen/common/json/tape_parse.hpp>
#include <tumen/common/result_tape.hpp>

namespace tumen::protocol {
namespace {

namespace dom = simdjson::dom;

/// "results[i]".
std::string element_path(std::size_t i) {
    return "results[" + std::to_string(i) + "]";
}

/// The results array of a parsed body: the body itself or the value of its only key
/// "results"; nullopt for any other shape.
std::optional<dom::array> results_array(const dom::element& doc) {
    dom::element arr = doc;
    if (doc.type() == dom::element_type::OBJECT) {
        const dom::object o(doc);
        auto results = o.at_key("results");
        if (o.size() != 1 || results.error()) {
            return std::nullopt;
        }
        arr = results.value_unsafe();
    }
    if (arr.type() != dom::element_type::ARRAY) {
        return std::nullopt;
    }
    return dom::array(arr);
}

/// Parses one result object by its "type".
std::optional<upload_error> parse_element(const dom::element& e, std::size_t i, std::size_t count,
                                          upload_result& out) {
    if (e.type() != dom::element_type::OBJECT) {
        return upload_error{std::string("expected a result object, got ") +
                                json_fields::type_name(e),
                            element_path(i), count};
    }
    auto type = dom::object(e).at_key("type");
    if (type.error() || type.value_unsafe().type() != dom::element_type::STRING) {
        return upload_error{"missing \"type\" (\"traceroute\" or \"ping\")",
                            element_path(i) + ".type", count};
    }
    const std::string_view type_name = type.value_unsafe().get_string().value_unsafe();
    auto refuse = [&](const parse_error& err) {
        return upload_error{err.what,
                            err.where.empty() ? element_path(i) : element_path(i) + "." + err.where,
                            count};
    };
    const result::parse_options strict{};
    if (type_name == "traceroute") {
        auto t = result::parse_trace(e, strict);
        if (!t) {
            return refuse(t.error());
        }
        out.value = std::move(t).value();
    } else if (type_name == "ping") {
        auto p = result::parse_ping(e, strict);
        if (!p) {
            return refuse(p.error());
        }
        out.value = std::move(p).value();
    } else {
        return upload_error{"unknown result type \"" + std::string(type_name) +
                                "\" (expected \"traceroute\" or \"ping\")",
                            element_path(i) + ".type", count};
    }
    return std::nullopt;
}

} // namespace

std::optional<upload_error> parse_upload(std::string_view body, const upload_sink& sink) {
    dom::element doc;
    if (auto err = json_fields::tape_parse(body, doc)) {
        // The paths of a bare array start with its index: name them as in the wrapped form.
        auto where = err->where.rfind('[', 0) == 0 ? "results" + err->where : err->where;
        return upload_error{std::move(err->what), std::move(where), 0};
    }
    auto arr = results_array(doc);
    if (!arr) {
        return upload_error{upload_shape_error, "", 0};
    }
    const std::size_t count = arr->size();
    // The bytes of each result as the agent sent them (stored verbatim: the body is never
    // re-serialised). tape_parse refused what the slicer cannot follow (a byte order mark, a
    // repeated "results"), so the slices match the parsed array.
    auto slices = batch_elements(body);
    if (!slices || slices->size() != count) {
        return upload_error{"cannot delimit the results in the body", "", count};
    }
    std::size_t i = 0;
    for (dom::element e : *arr) {
        upload_result r;
        if (auto err = parse_element(e, i, count, r)) {
            return err;
        }
        r.text = (*slices)[i];
        if (!sink(i, count, std::move(r))) {
            return std::nullopt;
        }
        ++i;
    }
    return std::nullopt;
}

} // namespace tumen::protocol
