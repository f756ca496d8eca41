// libFuzzer target over what the controller does with an upload body (hostile input from
// the network): nlohmann-json parse, batch_elements (the stored bytes of each result), and
// result::parse_trace / parse_ping in strict and Atlas modes. Invariants, beyond no crash
// and no sanitizer report:
//  - when batch_elements slices a body the parser accepted, there is one slice per result
//    and each slice parses to exactly that result (the stored bytes are the parsed result);
//  - a trace or ping accepted in strict mode survives to_json -> parse unchanged.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

#include <tumen/common/protocol/batch.hpp>
#include <tumen/common/result_json.hpp>

namespace {

using json = nlohmann::json;

void require(bool ok) {
    if (!ok) {
        std::abort(); // libFuzzer keeps the input as a crash artifact
    }
}

void check_result(const json& e) {
    for (bool strict : {true, false}) {
        const tumen::result::parse_options opts{strict};
        auto t = tumen::result::parse_trace(e, opts);
        if (t && strict) {
            auto again = tumen::result::parse_trace(tumen::result::to_json(*t), opts);
            require(again.ok() && *again == *t);
        }
        auto p = tumen::result::parse_ping(e, opts);
        if (p && strict) {
            auto again = tumen::result::parse_ping(tumen::result::to_json(*p), opts);
            require(again.ok() && *again == *p);
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    const json doc = json::parse(body, nullptr, false);
    const auto slices = tumen::protocol::batch_elements(body);
    if (doc.is_discarded()) {
        return 0;
    }
    const json* arr = &doc;
    if (doc.is_object() && doc.size() == 1 && doc.contains("results")) {
        arr = &doc["results"];
    }
    if (!arr->is_array()) {
        return 0;
    }
    if (slices) {
        require(slices->size() == arr->size());
        for (std::size_t i = 0; i < slices->size(); ++i) {
            const json one = json::parse((*slices)[i], nullptr, false);
            require(!one.is_discarded() && one == (*arr)[i]);
        }
    }
    for (const auto& e : *arr) {
        check_result(e);
    }
    return 0;
}
