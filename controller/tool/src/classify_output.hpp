#pragma once
// Private: how `classify` prints verdicts, changes and latency series; one implementation per
// --format (text_output.cpp, json_output.cpp, dot_output.cpp).
#include <memory>
#include <ostream>

#include <tumen/controller/inference/classifier.hpp>

namespace tumen::controller::tool {

/// Prints the records of one classify run, in the order they are given.
class classify_output {
public:
    virtual ~classify_output() = default;
    /// The AS-map data sets in use, before any verdict (the JSON form prints their versions).
    virtual void datasets(const asmap::as_map& map) = 0;
    /// The trace a verdict is about, just before verdict() (the dot form draws it).
    virtual void traced(const result::trace&, const inference::verdict_record&) {}
    /// One trace's verdict.
    virtual void verdict(const inference::verdict_record& r) = 0;
    /// A confirmed path change.
    virtual void change(const inference::change_record& c) = 0;
    /// Every latency series, at the end.
    virtual void latency(const inference::latency_accumulator& acc) = 0;
};

/// Human-readable lines (the default).
std::unique_ptr<classify_output> make_text_output(std::ostream& out);
/// One JSON object per line, with "kind" datasets (first), verdict, change or latency.
std::unique_ptr<classify_output> make_json_output(std::ostream& out);
/// Graphviz: at the end, one digraph per (agent, target prefix), the path graph of the last
/// trace of each path seen (common/path_graph.hpp), coloured by AS, border hops marked.
std::unique_ptr<classify_output> make_dot_output(std::ostream& out);

} // namespace tumen::controller::tool
