#include <algorithm>
#include <limits>

#include <tumen/common/json/bounded_parse.hpp>
#include <tumen/common/json/field_reader.hpp>
#include <tumen/common/protocol/assignment.hpp>

namespace tumen::protocol {
namespace {

using json = nlohmann::json;
using json_fields::field_reader;
using json_fields::index;
using json_fields::join;

std::optional<parse_error> parse_campaigns(const json& list, assignment& out) {
    for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string path = index("campaigns", i);
        if (auto e = json_fields::expect_object(list[i], path)) {
            return e;
        }
        field_reader r(list[i], path);
        campaign_round c;
        if (!r.str("name", c.name, true) ||
            !r.integer("round", c.round, true, 0, std::numeric_limits<std::int64_t>::max())) {
            return r.error();
        }
        if (out.round_of(c.name)) {
            return parse_error{r.path("name"), "campaign \"" + c.name + "\" listed twice"};
        }
        out.campaigns.push_back(std::move(c));
    }
    return std::nullopt;
}

std::optional<parse_error> parse_work(const json& list, assignment& out) {
    for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string path = index("work", i);
        auto w = campaign::parse_work_item(list[i]);
        if (!w) {
            return parse_error{join(path, w.error().where), w.error().what};
        }
        if (!out.round_of(w->campaign)) {
            return parse_error{join(path, "campaign"),
                               "'" + w->campaign + "' is not listed in campaigns"};
        }
        out.work.push_back(std::move(*w));
    }
    return std::nullopt;
}

} // namespace

std::optional<std::uint64_t> assignment::round_of(std::string_view name) const {
    for (const auto& c : campaigns) {
        if (c.name == name) {
            return c.round;
        }
    }
    return std::nullopt;
}

json content_json(const assignment& a) {
    json campaigns = json::array();
    for (const auto& c : a.campaigns) {
        campaigns.push_back({{"name", c.name}, {"round", c.round}});
    }
    json work = json::array();
    for (const auto& w : a.work) {
        work.push_back(campaign::to_json(w));
    }
    return json{{"agent", a.agent}, {"campaigns", std::move(campaigns)}, {"work", std::move(work)}};
}

json to_json(const assignment& a) {
    json doc = content_json(a);
    doc["version"] = a.version;
    doc["valid_until"] = a.valid_until ? json(*a.valid_until) : json(nullptr);
    return doc;
}

parsed<assignment> parse_assignment(const json& j) {
    if (!j.is_object()) {
        return parse_error{"", "not a JSON object"};
    }
    field_reader r(j, "");
    assignment out;
    const json* campaigns = nullptr;
    const json* work = nullptr;
    if (!r.str("agent", out.agent, false) || !r.array("campaigns", campaigns, true) ||
        !r.array("work", work, true)) {
        return *r.error();
    }
    if (auto e = parse_campaigns(*campaigns, out)) {
        return *e;
    }
    if (auto e = parse_work(*work, out)) {
        return *e;
    }
    const json* until = r.get("valid_until");
    if (until != nullptr && !until->is_null()) {
        std::int64_t v = 0;
        if (!r.integer("valid_until", v, true, std::numeric_limits<std::int64_t>::min(),
                       std::numeric_limits<std::int64_t>::max())) {
            return *r.error();
        }
        out.valid_until = v;
    }
    if (!r.str("version", out.version, false)) {
        return *r.error();
    }
    return out;
}

parsed<assignment> parse_assignment(std::string_view text) {
    json j;
    if (auto err = json_fields::bounded_parse(text, j)) {
        // Syntax errors keep their short text; the limits (depth, repeated keys) say which.
        const bool syntax = err->what.rfind("invalid JSON: ", 0) == 0;
        return parse_error{syntax ? std::string() : err->where,
                           syntax ? std::string("not a JSON object") : err->what};
    }
    return parse_assignment(j);
}

} // namespace tumen::protocol
