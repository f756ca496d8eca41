#pragma once
// Private: the traces and pings of result files in time order, streamed (classify). Each file
// is read record by record (readers::result_stream) through a reorder window of `window`
// records, and the files are merged: memory holds the windows, not the files. The order is
// that of sorting every trace and ping by time (a ping before a trace of the same second,
// equal times in file order) whenever no record of a file is more than `window` records away
// from its place in time order; records further away are still classified, when read, and
// counted in late().
#include <cstddef>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <tumen/common/result.hpp>
#include <tumen/controller/readers/reader.hpp>

#include "result_inputs.hpp"

namespace tumen::controller::tool {

/// A trace or a ping.
using timed_result = std::variant<result::trace, result::ping>;

/// Result files merged in time order; issues are printed to stderr as they are read.
class ordered_results {
public:
    /// The default reorder window, in records per file.
    static constexpr std::size_t default_window = 4096;

    ordered_results(const std::vector<std::string>& files, const read_options& o,
                    std::size_t window = default_window);

    /// The next trace or ping in time order; false at the end.
    bool next(timed_result& out);

    /// Malformed records skipped so far (issues that are not notes).
    std::size_t skipped() const noexcept { return skipped_; }
    /// Records that came out of time order by more than the window.
    std::size_t late() const noexcept { return late_; }
    /// Traces and pings read so far.
    std::size_t traces() const noexcept { return traces_; }
    std::size_t pings() const noexcept { return pings_; }

private:
    struct entry {
        std::int64_t timestamp = 0;
        int kind = 0; ///< 0 ping, 1 trace: a ping goes before a trace of the same second
        std::size_t seq = 0;
        std::unique_ptr<timed_result> value; ///< held apart: the heap moves only the keys
    };
    struct source {
        std::string name;
        readers::result_stream stream;
        std::vector<entry> heap; ///< min-heap by (timestamp, kind, seq)
        std::size_t seq = 0;
        bool exhausted = false;
    };

    void fill(source& s);

    read_options options_;
    std::size_t window_;
    std::vector<source> sources_;
    /// Boxes of released entries, reused by fill(): no allocation per record.
    std::vector<std::unique_ptr<timed_result>> spare_;
    std::size_t skipped_ = 0;
    std::size_t late_ = 0;
    std::size_t traces_ = 0;
    std::size_t pings_ = 0;
    bool released_any_ = false;
    std::int64_t last_time_ = 0;
    int last_kind_ = 0;
};

} // namespace tumen::controller::tool
