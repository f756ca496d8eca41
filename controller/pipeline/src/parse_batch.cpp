#include <tumen/common/protocol/upload.hpp>
#include <tumen/controller/pipeline/batch.hpp>

namespace tumen::controller::pipeline {
namespace {

batch_error invalid(std::string what, std::string where, std::size_t results) {
    return batch_error{error_kind::invalid, std::move(what), std::move(where), results};
}

const std::string& agent_of(const parsed_result& r) {
    return std::visit([](const auto& v) -> const std::string& { return v.agent; }, r.value);
}

/// The checks beyond the upload parser: id length and the uploader's identity, for the
/// result at `index` of `count`.
std::optional<batch_error> check_identity(const parsed_result& r, std::string_view agent,
                                          std::size_t index, std::size_t count,
                                          const batch_limits& limits) {
    const auto where = [&] { return "results[" + std::to_string(index) + "]"; };
    const auto& id = r.id();
    if (id.empty() || id.size() > limits.max_id_length) {
        return invalid("id must be 1-" + std::to_string(limits.max_id_length) + " characters",
                       where() + ".id", count);
    }
    const auto& result_agent = agent_of(r);
    if (result_agent != agent) {
        return batch_error{error_kind::other_agent,
                           "result of agent \"" + result_agent +
                               "\" uploaded with the token of \"" + std::string(agent) + "\"",
                           where() + ".agent", count};
    }
    return std::nullopt;
}

} // namespace

const std::string& parsed_result::id() const {
    return std::visit([](const auto& v) -> const std::string& { return v.id; }, value);
}

expected<parsed_batch> parse_batch(std::string_view agent, std::string_view body,
                                   const batch_limits& limits) {
    parsed_batch out;
    out.agent = agent;
    std::optional<batch_error> refused;
    auto err = protocol::parse_upload(
        body, [&](std::size_t i, std::size_t count, protocol::upload_result&& r) {
            if (i == 0) {
                out.results.reserve(count);
            }
            parsed_result p;
            p.value = std::move(r.value);
            p.slice = r.text;
            if ((refused = check_identity(p, agent, i, count, limits))) {
                return false;
            }
            out.results.push_back(std::move(p));
            return true;
        });
    if (err) {
        return invalid(std::move(err->what), std::move(err->where), err->results);
    }
    if (refused) {
        return std::move(*refused);
    }
    return out;
}

} // namespace tumen::controller::pipeline
