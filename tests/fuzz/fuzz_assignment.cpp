// libFuzzer target over the agent's assignment parser (GET /api/v1/agents/<name>/assignment,
// hostile input from the network: the agent trusts only what parses): parse_assignment on the
// raw text, behind the bounded JSON parser (depth limit, byte order mark, repeated keys).
// Invariants, beyond no crash and no sanitizer report:
//  - an accepted document written by to_json parses to a document that writes the same JSON,
//    and from then on to_json -> parse_assignment is exact (the writer leaves out
//    `hysteresis` of an item without watch probes, where it has no use, so the first trip may
//    reset it to its default); its content_json part parses to the same agent, campaigns and
//    work;
//  - every work item names a campaign listed in the document (round_of finds it);
//  - a refusal says what and where (a non-empty message).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

#include <tumen/common/protocol/assignment.hpp>

namespace {

void require(bool ok) {
    if (!ok) {
        std::abort(); // libFuzzer keeps the input as a crash artifact
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto parsed = tumen::protocol::parse_assignment(text);
    if (!parsed.ok()) {
        require(!parsed.error().what.empty());
        return 0;
    }
    const auto& a = *parsed;
    for (const auto& w : a.work) {
        require(a.round_of(w.campaign).has_value());
    }
    const auto first = tumen::protocol::to_json(a);
    const auto again = tumen::protocol::parse_assignment(std::string_view(first.dump()));
    require(again.ok() && tumen::protocol::to_json(*again) == first);
    const auto third = tumen::protocol::parse_assignment(
        std::string_view(tumen::protocol::to_json(*again).dump()));
    require(third.ok() && *third == *again);
    // The digested part parses back to the same agent, campaigns and work.
    const auto part = tumen::protocol::parse_assignment(
        std::string_view(tumen::protocol::content_json(*again).dump()));
    require(part.ok() && part->agent == again->agent && part->campaigns == again->campaigns &&
            part->work == again->work);
    return 0;
}
