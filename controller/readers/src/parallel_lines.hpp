#pragma once
// Private: the lines of a JSON-lines file read on worker threads, in chunks of whole lines,
// and given back in file order. A worker reads RIPE Atlas traceroutes itself (the on-demand
// path, which holds no state across lines); every other line comes back as text, for the
// caller to read in order with the state the lines share (scamper cycles, M-Lab files). So the
// records, issues and their order are those of reading the lines one by one. At most
// `ahead` chunks are read past the one being consumed: memory does not grow with the file.
#include <condition_variable>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>
#include <zlib.h>

#include <tumen/controller/readers/result_batch.hpp>

namespace tumen::controller::readers::detail {

/// One line as a worker left it.
struct parsed_line {
    std::size_t line = 0; ///< 1-based
    /// A trace, a note (an IPv6 traceroute), or the line's text for the caller to read.
    std::variant<result::trace, record_issue, std::string_view> value;
    std::size_t readable_after = 0; ///< bytes readable after the text (its chunk's padding)
};

/// Reads an open `file` from its line `first_line` on `workers` threads.
class parallel_lines {
public:
    /// `carry`: bytes already read from the file and not yet handled (from a line start).
    parallel_lines(gzFile file, std::string source, std::string carry, std::size_t first_line,
                   unsigned workers);
    ~parallel_lines();
    parallel_lines(const parallel_lines&) = delete;
    parallel_lines& operator=(const parallel_lines&) = delete;

    /// The next line in file order; false at the end. A read error gives an issue (line 0).
    /// A text value stays valid until the next call.
    bool next(parsed_line& out);

    /// Keeps a used trace with the chunk being consumed: the worker that refills the chunk
    /// frees it (result_stream::recycle).
    void recycle(result::trace&& t);

private:
    struct chunk {
        std::string text;
        std::vector<parsed_line> lines;
        std::size_t next = 0;            ///< the consumer's position in `lines`
        std::vector<result::trace> used; ///< recycled traces, freed when the chunk is refilled
    };

    void work();
    /// Takes the next chunk of whole lines from the file (under the lock); false at the end.
    bool take_text(std::string& text, std::size_t& first_line, std::size_t& seq);
    /// A free chunk (or a new one) holding the next text, for a worker or the helping
    /// consumer (under the lock); null at the end, with every waiter woken.
    std::unique_ptr<chunk> take_chunk(std::size_t& first_line, std::size_t& seq);
    void parse(chunk& c, std::size_t first_line) const;
    /// The consumer, waiting for the next chunk, reads and parses a later one itself (under
    /// `lock`, released while parsing) when there is room ahead: the thread that would
    /// otherwise sleep shares the parsing. False when there is nothing to take.
    bool help(std::unique_lock<std::mutex>& lock);

    gzFile file_;
    std::string source_;
    std::string carry_;
    std::size_t next_line_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::size_t ahead_; ///< chunks read past the one being consumed, at most
    std::map<std::size_t, std::unique_ptr<chunk>> done_; ///< parsed chunks by sequence number
    std::size_t read_seq_ = 0;                           ///< the next chunk to read
    std::size_t consume_seq_ = 0;                        ///< the chunk being consumed
    bool eof_ = false;
    bool stop_ = false;
    std::string read_error_;
    std::unique_ptr<chunk> current_; ///< held apart: the line texts point into it
    /// Consumed chunks kept for the workers to refill: their buffers are allocated (and their
    /// pages touched) once, not per chunk. At most `ahead_` + 1 chunks exist at a time.
    std::vector<std::unique_ptr<chunk>> free_;
    std::vector<std::thread> threads_;
};

} // namespace tumen::controller::readers::detail
