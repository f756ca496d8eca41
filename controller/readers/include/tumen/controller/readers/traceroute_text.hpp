#pragma once
/// @file
/// Plain traceroute text output (Linux/BSD `traceroute -n` or with names, traceroute(8)).
#include <string>
#include <string_view>

#include <tumen/controller/readers/result_batch.hpp>

namespace tumen::controller::readers {

/// Reads text traceroute output: one trace per "traceroute to" header. `agent` names the
/// vantage point; `source` names the text in issues and trace ids.
result_batch read_traceroute_text(std::string_view text, const std::string& source,
                                  const std::string& agent);

} // namespace tumen::controller::readers
