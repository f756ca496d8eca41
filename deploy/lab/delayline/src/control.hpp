#pragma once
/// @file
/// The delay line's run-time control file: settings that `lab.sh loss` writes and the delay
/// line re-reads on SIGHUP. Pure parsing, so tests can feed it text.
#include <optional>
#include <string>
#include <string_view>

namespace tumen::lab {

/// Settings read from a control file; an absent key leaves the running value alone.
struct control_settings {
    std::optional<double> loss_pct;      ///< random loss A->B in percent
    std::optional<double> loss_pct_back; ///< random loss B->A in percent
};

/// The outcome of parsing: settings, or an error naming the line and what is wrong.
struct control_parse_result {
    control_settings settings; ///< valid only when `error` is empty
    std::string error;         ///< e.g. "line 2: loss '150' is not a percentage in [0, 100]"
    /// True when the text was valid.
    bool ok() const noexcept { return error.empty(); }
};

/// Parses control text. One setting per line, `#` starts a comment, blank lines are ignored:
///   loss PCT            random loss in both directions
///   loss PCT PCT_BACK   A->B and B->A separately
/// PCT is a decimal number in [0, 100]. Unknown keys, extra words and repeated keys are errors
/// (nothing is applied then).
control_parse_result parse_control(std::string_view text);

} // namespace tumen::lab
