#pragma once
// Reads the Prometheus text exposition that controller_metrics::render() and /metrics write,
// for tests that assert on series rather than on substrings: series by name and labels, and
// the invariant of tumen_border_path (exactly one series at 1 per agent x target shown).
#include <algorithm>
#include <cstddef>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace tumen::test {

/// One sample line: name{labels} value.
struct sample {
    std::string name;
    std::map<std::string, std::string> labels;
    double value = 0;
};

/// Every sample of `text` (comment lines skipped). Label values hold no escaped quotes in
/// the controller's metrics.
inline std::vector<sample> parse_samples(const std::string& text) {
    std::vector<sample> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') {
            continue;
        }
        sample s;
        const auto space = line.rfind(' ');
        const auto brace = line.find('{');
        s.name = line.substr(0, std::min(brace, space));
        if (brace != std::string::npos && brace < space) {
            const auto close = line.rfind('}', space);
            std::string body = line.substr(brace + 1, close - brace - 1);
            std::size_t pos = 0;
            while (pos < body.size()) {
                const auto eq = body.find('=', pos);
                const auto q1 = body.find('"', eq);
                const auto q2 = body.find('"', q1 + 1);
                s.labels[body.substr(pos, eq - pos)] = body.substr(q1 + 1, q2 - q1 - 1);
                pos = q2 + 2; // past the quote and the comma
            }
        }
        s.value = std::stod(line.substr(space + 1));
        out.push_back(std::move(s));
    }
    return out;
}

/// The samples called `name`.
inline std::vector<sample> samples_of(const std::string& text, const std::string& name) {
    std::vector<sample> out;
    for (auto& s : parse_samples(text)) {
        if (s.name == name) {
            out.push_back(std::move(s));
        }
    }
    return out;
}

/// The value of the sample `name` with exactly `labels`, or nullptr-like: found = false.
inline std::pair<bool, double> value_of(const std::string& text, const std::string& name,
                                        const std::map<std::string, std::string>& labels) {
    for (const auto& s : samples_of(text, name)) {
        if (s.labels == labels) {
            return {true, s.value};
        }
    }
    return {false, 0};
}

/// The agent x target pairs with a tumen_border_path series, and the current path of each:
/// `ok` is false when a pair has no series at 1 or more than one.
struct border_paths {
    std::map<std::pair<std::string, std::string>, std::string> current;
    bool ok = true;
};

inline border_paths border_paths_of(const std::string& text) {
    border_paths out;
    std::map<std::pair<std::string, std::string>, int> ones;
    for (const auto& s : samples_of(text, "tumen_border_path")) {
        const std::pair key{s.labels.at("agent"), s.labels.at("target")};
        ones[key] += s.value == 1 ? 1 : 0;
        if (s.value == 1) {
            out.current[key] = s.labels.at("path");
        }
    }
    for (const auto& [key, n] : ones) {
        out.ok = out.ok && n == 1;
    }
    return out;
}

/// The distinct values of label `label` among the samples whose name starts with `prefix`
/// (histograms: _bucket, _sum, _count).
inline std::set<std::string> label_values(const std::string& text, const std::string& prefix,
                                          const std::string& label) {
    std::set<std::string> out;
    for (const auto& s : parse_samples(text)) {
        if (s.name.rfind(prefix, 0) == 0 && s.labels.count(label) > 0) {
            out.insert(s.labels.at(label));
        }
    }
    return out;
}

} // namespace tumen::test
