#pragma once
/// @file
/// The strict parser of the result JSON (and its lenient Atlas mode) over a simdjson tape
/// (json/tape_parse.hpp): the one parser of results, used by parse_trace_text and
/// parse_ping_text and by the upload body's parser (protocol/upload.hpp). Errors as
/// result_json.hpp documents them, with paths relative to the result.
#include <simdjson.h>

#include <tumen/common/result_json.hpp>

namespace tumen::result {

/// Parses a traceroute object from a tape.
parsed<trace> parse_trace(const simdjson::dom::element& e, const parse_options& opts);
/// Parses a ping object from a tape.
parsed<ping> parse_ping(const simdjson::dom::element& e, const parse_options& opts);

} // namespace tumen::result
