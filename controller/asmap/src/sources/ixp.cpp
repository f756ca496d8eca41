#include <ctime>

#include <nlohmann/json.hpp>

#include <tumen/common/json/bounded_parse.hpp>
#include <tumen/controller/asmap/line_reader.hpp>
#include <tumen/controller/asmap/sources/ixp.hpp>

#include "text_fields.hpp"

namespace tumen::controller::asmap::sources {
namespace {

/// Adds one IXP prefix given as text (IPv6 skipped).
void add_ixp(const std::string& prefix_text, const std::string& name, const std::string& where,
             as_map_builder& into, load_report& r) {
    if (prefix_text.find(':') != std::string::npos) {
        ++r.skipped;
        return;
    }
    auto p = ipv4_prefix::parse(prefix_text);
    if (!p || prefix_text.find('/') == std::string::npos) {
        r.add_error(where, "bad IXP prefix \"" + prefix_text.substr(0, 40) + "\"");
        return;
    }
    into.add_ixp_prefix(*p, name);
    ++r.entries;
}

/// ripe-atlas-monitor: {"Data": {prefix: {"name": ...}}, "TS": unix time}. Returns the date
/// of TS (or empty).
std::string read_atlas_monitor_ixps(const nlohmann::json& j, const std::string& source,
                                    as_map_builder& into, load_report& r) {
    r.lines = 1;
    const auto& data = j["Data"];
    if (!data.is_object()) {
        r.add_error(source + ":1", "\"Data\" is not an object");
    } else {
        for (auto it = data.begin(); it != data.end(); ++it) {
            std::string name;
            if (it->is_object() && it->contains("name") && (*it)["name"].is_string()) {
                name = (*it)["name"].get<std::string>();
            }
            add_ixp(it.key(), name, source + ":1: Data." + it.key(), into, r);
        }
    }
    if (!j.contains("TS") || !j["TS"].is_number_integer()) {
        return {};
    }
    auto ts = static_cast<std::time_t>(j["TS"].get<std::int64_t>());
    char buf[16];
    std::tm tm{};
    gmtime_r(&ts, &tm);
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
}

/// The date of a CAIDA header line ("# {\"date\": \"2023.11.01 14:34:57\"}"), or empty.
std::string caida_header_date(std::string_view comment) {
    nlohmann::json j;
    if (json_fields::bounded_parse(comment.substr(1), j) || !j.is_object() || !j.contains("date") ||
        !j["date"].is_string()) {
        return {};
    }
    auto d = j["date"].get<std::string>();
    return d.size() >= 10 ? d.substr(0, 4) + "-" + d.substr(5, 2) + "-" + d.substr(8, 2) : "";
}

/// One CAIDA IXP object line.
void read_caida_ixp_line(std::string_view line, const std::string& where, as_map_builder& into,
                         load_report& r) {
    nlohmann::json j;
    if (auto err = json_fields::bounded_parse(line, j)) {
        r.add_error(where, err->message());
        return;
    }
    if (!j.is_object()) {
        r.add_error(where, "not a JSON object");
        return;
    }
    std::string name =
        j.contains("name") && j["name"].is_string() ? j["name"].get<std::string>() : "";
    auto pfx = j.find("prefixes");
    if (pfx == j.end()) {
        ++r.skipped;
        return;
    }
    if (!pfx->is_object() || (pfx->contains("ipv4") && !(*pfx)["ipv4"].is_array())) {
        r.add_error(where, "\"prefixes\" must be {\"ipv4\": [...], \"ipv6\": [...]}");
        return;
    }
    if (!pfx->contains("ipv4")) {
        return;
    }
    for (const auto& p : (*pfx)["ipv4"]) {
        if (!p.is_string()) {
            r.add_error(where, "prefixes.ipv4 entry is not a string");
            continue;
        }
        add_ixp(p.get<std::string>(), name, where, into, r);
    }
}

/// CAIDA ixs jsonl: '#' header line, then one IXP object per line. Returns the header date.
std::string read_caida_ixs(std::string_view text, const std::string& source, as_map_builder& into,
                           load_report& r) {
    std::string date;
    auto in = line_reader::over_text(text);
    std::string raw;
    while (in.next(raw)) {
        ++r.lines;
        std::string_view line = trim(raw);
        if (line.empty()) {
            continue;
        }
        if (line.front() == '#') {
            ++r.skipped;
            if (auto d = caida_header_date(line); !d.empty()) {
                date = std::move(d);
            }
            continue;
        }
        read_caida_ixp_line(line, source + ":" + std::to_string(in.line_number()), into, r);
    }
    return date;
}

} // namespace

load_report read_ixp_text(std::string_view text, const std::string& source, as_map_builder& into) {
    load_report r;
    std::string date;
    auto first = text.find_first_not_of(" \t\r\n");
    bool whole_object = false;
    if (first != std::string_view::npos && text[first] == '{') {
        nlohmann::json j;
        whole_object = !json_fields::bounded_parse(text, j) && j.is_object() && j.contains("Data");
        if (whole_object) {
            date = read_atlas_monitor_ixps(j, source, into, r);
        }
    }
    if (!whole_object) {
        date = read_caida_ixs(text, source, into, r);
    }
    if (date.empty()) {
        date = date_from_name(source);
    }
    into.add_dataset(dataset{source, "ixp", date, r.entries, {}});
    return r;
}

load_report read_ixp_file(const std::string& path, as_map_builder& into) {
    std::string text;
    std::string err;
    if (!read_whole_file(path, text, err)) {
        throw asmap_error(err);
    }
    return read_ixp_text(text, path, into);
}

} // namespace tumen::controller::asmap::sources
