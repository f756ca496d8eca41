// libFuzzer target over what the controller does with an upload body (hostile input from
// the network, up to 1 MiB: byte order marks, repeated keys, deep nesting): the pipeline's
// parse_batch (protocol::parse_upload: the simdjson tape,
// batch_elements for the stored bytes of each result, the strict result parsers), plus the
// Atlas-mode parsers on each element. The uploader is the agent named by the first result, so
// bodies get past the identity check. Invariants, beyond no crash and no sanitizer report:
//  - parse_batch refuses only as invalid or other_agent (it has no storage to fail);
//  - each accepted result's stored bytes parse to exactly that result;
//  - a trace or ping accepted in strict mode survives to_json -> parse unchanged.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include <tumen/common/json/bounded_parse.hpp>
#include <tumen/common/result_json.hpp>
#include <tumen/controller/pipeline/batch.hpp>

namespace {

using json = nlohmann::json;
namespace pipeline = tumen::controller::pipeline;

void require(bool ok) {
    if (!ok) {
        std::abort(); // libFuzzer keeps the input as a crash artifact
    }
}

/// The agent of the first result of an array body, or "fuzz".
std::string first_agent(const json& doc) {
    if (doc.is_array() && !doc.empty() && doc[0].is_object()) {
        auto a = doc[0].find("agent");
        if (a != doc[0].end() && a->is_string()) {
            return a->get<std::string>();
        }
    }
    return "fuzz";
}

/// Both result parsers in Atlas mode on any element (strict mode is parse_batch's).
void check_atlas(const json& e) {
    const tumen::result::parse_options atlas{false};
    (void)tumen::result::parse_trace(e, atlas);
    (void)tumen::result::parse_ping(e, atlas);
}

template <class T, class Parse>
void check_stored(const T& value, std::string_view raw, Parse parse) {
    auto again = parse(raw);
    require(again.ok() && *again == value);
    auto round = parse(tumen::result::to_json(value).dump());
    require(round.ok() && *round == value);
}

void check_accepted(const pipeline::parsed_batch& batch) {
    for (const auto& r : batch.results) {
        if (const auto* t = std::get_if<tumen::result::trace>(&r.value)) {
            check_stored(*t, r.raw(),
                         [](std::string_view s) { return tumen::result::parse_trace_text(s); });
        } else {
            check_stored(std::get<tumen::result::ping>(r.value), r.raw(),
                         [](std::string_view s) { return tumen::result::parse_ping_text(s); });
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    json doc; // left null when the bounded parser refuses the body
    (void)tumen::json_fields::bounded_parse(body, doc);
    const auto batch = pipeline::parse_batch(first_agent(doc), body);
    if (batch) {
        check_accepted(*batch);
    } else {
        require(batch.error().kind != pipeline::error_kind::storage_unavailable);
    }
    if (doc.is_array()) {
        for (const auto& e : doc) {
            check_atlas(e);
        }
    }
    return 0;
}
