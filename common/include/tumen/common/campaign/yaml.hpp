#pragma once
/// @file
/// The strict campaign YAML parser: every key checked, positions in every error, the probe
/// parameters checked by validate() (campaign/model.hpp).
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <tumen/common/campaign/model.hpp>
#include <tumen/common/parse_error.hpp>

namespace tumen::campaign {

/// A configuration error with its position ("file:line:column: message").
class campaign_error : public std::runtime_error {
public:
    campaign_error(std::string file, int line, int column, const std::string& what);
    const std::string& file() const noexcept { return file_; }
    int line() const noexcept { return line_; }     ///< 1-based; 0 if unknown
    int column() const noexcept { return column_; } ///< 1-based; 0 if unknown

private:
    std::string file_;
    int line_;
    int column_;
};

/// Parses campaign YAML text (`source` names it in errors). Throws campaign_error on any
/// syntax error, unknown key, wrong type, bad prefix, bad duration or duplicate name.
campaign_set parse_campaigns(std::string_view yaml_text, const std::string& source);
/// Reads and parses a campaign file; throws campaign_error (also when unreadable).
campaign_set load_campaigns_file(const std::string& path);
/// Loads several files into one set; duplicate campaign names across files are errors.
campaign_set load_campaigns_files(const std::vector<std::string>& paths);
/// Non-throwing form for callers on a hot path (e.g. an HTTP handler given YAML).
parsed<campaign_set> try_parse_campaigns(std::string_view yaml_text, const std::string& source);

} // namespace tumen::campaign
