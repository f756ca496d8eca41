// classify --format json: one JSON object per line ("kind": datasets, verdict, change, latency).
#include <nlohmann/json.hpp>

#include <tumen/controller/inference/dataset_evidence.hpp>

#include "classify_output.hpp"

namespace tumen::controller::tool {
namespace {

nlohmann::json asn_or_null(const std::optional<std::uint32_t>& a) {
    return a ? nlohmann::json(*a) : nlohmann::json(nullptr);
}

class json_output final : public classify_output {
public:
    explicit json_output(std::ostream& out)
        : out_(out) {}

    void datasets(const asmap::as_map& map) override {
        out_ << nlohmann::json{{"kind", "datasets"}, {"datasets", inference::dataset_evidence(map)}}
                    .dump()
             << '\n';
    }

    void verdict(const inference::verdict_record& r) override {
        const auto& v = r.verdict;
        nlohmann::json border = nullptr;
        if (v.border_addr) {
            border = {
                {"addr", v.border_addr->to_string()},
                {"rtt_ms",
                 v.border_rtt_ms ? nlohmann::json(*v.border_rtt_ms) : nlohmann::json(nullptr)},
                {"ttl", v.border_ttl ? nlohmann::json(*v.border_ttl) : nlohmann::json(nullptr)}};
        }
        nlohmann::json j{
            {"kind", "verdict"},
            {"agent", r.agent},
            {"campaign", r.campaign},
            {"target", r.target.to_string()},
            {"path", v.path},
            {"transit_asn", asn_or_null(v.transit_asn)},
            {"time", r.time},
            {"trace_id", r.trace_id},
            {"reached_target", v.reached_target},
            {"weak", v.weak},
            {"known_border", v.known_border},
            {"prohibited", v.prohibited},
            {"reachable", r.reachable},
            {"reachability_reason", r.reachability_reason},
            {"border", border},
            {"end_rtt_ms", v.end_rtt_ms ? nlohmann::json(*v.end_rtt_ms) : nlohmann::json(nullptr)},
            {"as_path", v.as_path}};
        if (!v.via_ixp.empty()) {
            j["via_ixp"] = v.via_ixp;
        }
        if (!v.transit_name.empty()) {
            j["transit_name"] = v.transit_name;
        }
        out_ << j.dump() << '\n';
    }

    void change(const inference::change_record& c) override {
        const auto& e = c.event;
        nlohmann::json j{{"kind", "change"},
                         {"agent", c.agent},
                         {"campaign", c.campaign},
                         {"target", c.target.to_string()},
                         {"from", inference::path_name(e.from)},
                         {"to", inference::path_name(e.to)},
                         {"from_asn", asn_or_null(e.from_asn)},
                         {"to_asn", asn_or_null(e.to_asn)},
                         {"time", e.first_new_time},
                         {"last_old_time", e.last_old_time},
                         {"first_new_time", e.first_new_time},
                         {"last_old_trace_id", e.last_old_trace_id},
                         {"trace_ids", e.trace_ids}};
        if (!c.from_transit_name.empty()) {
            j["from_transit_name"] = c.from_transit_name;
        }
        if (!c.to_transit_name.empty()) {
            j["to_transit_name"] = c.to_transit_name;
        }
        out_ << j.dump() << '\n';
    }

    void latency(const inference::latency_accumulator& acc) override {
        for (const auto& [key, s] : acc.series()) {
            nlohmann::json j{{"kind", "latency"},
                             {"agent", key.agent},
                             {"target", key.target.to_string()},
                             {"path", inference::path_name(key.path)},
                             {"traces", s.traces},
                             {"pings", s.pings},
                             {"end_rtt_ms_mean", s.end_to_end.count
                                                     ? nlohmann::json(s.end_to_end.mean())
                                                     : nlohmann::json(nullptr)},
                             {"border_rtt_ms_mean", s.border.count ? nlohmann::json(s.border.mean())
                                                                   : nlohmann::json(nullptr)},
                             {"loss_ratio", s.loss_ratio()}};
            out_ << j.dump() << '\n';
        }
    }

private:
    std::ostream& out_;
};

} // namespace

std::unique_ptr<classify_output> make_json_output(std::ostream& out) {
    return std::make_unique<json_output>(out);
}

} // namespace tumen::controller::tool
