#include "latency_row.hpp"

#include <nlohmann/json.hpp>

namespace tumen::controller::pipeline {
namespace {

using json = nlohmann::json;

json summary_json(const inference::rtt_summary& s) {
    return json::array({s.count, s.sum, s.min, s.max, s.last});
}

/// Throws nlohmann's exceptions on a wrong shape (caught by latency_from_json).
inference::rtt_summary summary_of(const json& j) {
    if (!j.is_array() || j.size() != 5) {
        throw std::invalid_argument("rtt summary");
    }
    return inference::rtt_summary{j[0].get<std::uint64_t>(), j[1].get<double>(), j[2].get<double>(),
                                  j[3].get<double>(), j[4].get<double>()};
}

/// The "loss" of a row; empty when it has none (rows of the previous v3 release) or it is
/// damaged (the gauges then wait for the pair's next ping).
last_loss loss_of(const json& j) {
    const auto loss = j.find("loss");
    if (loss == j.end() || !loss->is_object()) {
        return {};
    }
    try {
        last_loss out;
        out.ratio = loss->at("last").get<double>();
        out.by_path = loss->at("paths").get<std::map<std::string, double>>();
        return out;
    } catch (const std::exception&) {
        return {};
    }
}

} // namespace

std::string latency_to_json(const inference::pair_latency& l, const last_loss& loss) {
    json paths = json::object();
    for (const auto& [path, s] : l.by_path) {
        paths[path] = json{{"traces", s.traces},
                           {"pings", s.pings},
                           {"sent", s.sent},
                           {"lost", s.lost},
                           {"end_to_end", summary_json(s.end_to_end)},
                           {"border", summary_json(s.border)}};
    }
    json out{{"observed", l.observed ? json(*l.observed) : json(nullptr)}, {"paths", paths}};
    if (loss.ratio) {
        out["loss"] = json{{"last", *loss.ratio}, {"paths", loss.by_path}};
    }
    return out.dump();
}

std::optional<inference::pair_latency> latency_from_json(std::string_view text, last_loss* loss) {
    if (loss != nullptr) {
        *loss = {};
    }
    if (text.empty()) {
        return inference::pair_latency{};
    }
    const auto j = json::parse(text, nullptr, false);
    if (!j.is_object() || !j.contains("paths") || !j["paths"].is_object() ||
        !j.contains("observed")) {
        return std::nullopt;
    }
    try {
        inference::pair_latency out;
        if (!j["observed"].is_null()) {
            out.observed = j["observed"].get<std::string>();
        }
        for (const auto& [path, s] : j["paths"].items()) {
            out.by_path.emplace(
                path, inference::latency_stats{
                          s.at("traces").get<std::uint64_t>(), s.at("pings").get<std::uint64_t>(),
                          summary_of(s.at("end_to_end")), summary_of(s.at("border")),
                          s.at("sent").get<std::uint64_t>(), s.at("lost").get<std::uint64_t>()});
        }
        if (loss != nullptr) {
            *loss = loss_of(j);
        }
        return out;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

last_loss loss_from_json(std::string_view text) {
    last_loss loss;
    (void)latency_from_json(text, &loss);
    return loss;
}

} // namespace tumen::controller::pipeline
