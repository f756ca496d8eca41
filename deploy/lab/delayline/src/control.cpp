#include "control.hpp"

#include <charconv>
#include <vector>

namespace tumen::lab {

namespace {

std::vector<std::string_view> split_words(std::string_view line) {
    std::vector<std::string_view> words;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) {
            ++i;
        }
        const std::size_t start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') {
            ++i;
        }
        if (i > start) {
            words.push_back(line.substr(start, i - start));
        }
    }
    return words;
}

std::optional<double> parse_percent(std::string_view word) {
    double value = 0;
    const auto* end = word.data() + word.size();
    const auto [ptr, ec] = std::from_chars(word.data(), end, value, std::chars_format::fixed);
    if (ec != std::errc{} || ptr != end || !(value >= 0.0 && value <= 100.0)) {
        return std::nullopt;
    }
    return value;
}

control_parse_result error_at(std::size_t line, const std::string& what) {
    control_parse_result r;
    r.error = "line " + std::to_string(line) + ": " + what;
    return r;
}

} // namespace

control_parse_result parse_control(std::string_view text) {
    control_parse_result result;
    bool loss_seen = false;
    std::size_t line_no = 0;
    while (!text.empty()) {
        ++line_no;
        const std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (const std::size_t hash = line.find('#'); hash != std::string_view::npos) {
            line = line.substr(0, hash);
        }
        const auto words = split_words(line);
        if (words.empty()) {
            continue;
        }
        if (words[0] != "loss") {
            return error_at(line_no, "unknown setting '" + std::string(words[0]) +
                                         "' (the only one is 'loss PCT [PCT_BACK]')");
        }
        if (loss_seen) {
            return error_at(line_no, "'loss' is set twice");
        }
        if (words.size() < 2 || words.size() > 3) {
            return error_at(line_no, "'loss' takes one or two percentages (PCT [PCT_BACK])");
        }
        std::optional<double> values[2];
        for (std::size_t i = 1; i < words.size(); ++i) {
            values[i - 1] = parse_percent(words[i]);
            if (!values[i - 1]) {
                return error_at(line_no, "loss '" + std::string(words[i]) +
                                             "' is not a percentage in [0, 100]");
            }
        }
        loss_seen = true;
        result.settings.loss_pct = values[0];
        result.settings.loss_pct_back = words.size() == 3 ? values[1] : values[0];
    }
    return result;
}

} // namespace tumen::lab
