// result_stream: JSON lines read in chunks (zlib reads plain and gzip files alike), every
// other layout through read_results_text.
#include <algorithm>
#include <deque>
#include <thread>
#include <zlib.h>

#include <tumen/common/json/tape_parse.hpp>
#include <tumen/controller/readers/reader.hpp>

#include "parallel_lines.hpp"
#include "record_state.hpp"

namespace tumen::controller::readers {
namespace {

/// Bytes read from the file at a time.
constexpr unsigned chunk_size = 1u << 20;

constexpr std::string_view blanks = " \t\r\n";

/// Threads reading the lines of one file, at most.
constexpr unsigned max_workers = 4;

} // namespace

struct result_stream::impl {
    impl(std::string p, unsigned t)
        : path(std::move(p))
        , threads(t)
        , st{path, batch, {}} {}

    ~impl() {
        parallel.reset(); // its threads read the file
        if (file != nullptr) {
            gzclose(file);
        }
    }

    /// Reads one more chunk into `buf`; false at the end of the file or on error.
    bool fill() {
        if (eof) {
            return false;
        }
        const auto old = buf.size();
        // The capacity past the data is the padding the line parser may read.
        buf.reserve(old + chunk_size + simdjson::SIMDJSON_PADDING);
        buf.resize(old + chunk_size);
        const int n = gzread(file, buf.data() + old, chunk_size);
        buf.resize(old + static_cast<std::size_t>(n > 0 ? n : 0));
        if (n < 0) {
            int err = 0;
            const char* msg = gzerror(file, &err);
            detail::issue(st, 0, "", "read error: " + std::string(msg ? msg : "unknown"));
            eof = true;
            return false;
        }
        if (n == 0) {
            eof = true;
            return false;
        }
        return true;
    }

    /// Decides the layout from the line holding the first non-blank byte.
    void open() {
        opened = true;
        file = gzopen(path.c_str(), "rb");
        if (file == nullptr) {
            take(read_results_file(path)); // reports why the file cannot be read
            done = true;
            return;
        }
        gzbuffer(file, chunk_size);
        std::size_t first = std::string_view::npos;
        std::size_t end = std::string_view::npos;
        for (;;) {
            const std::string_view text(buf);
            first = text.find_first_not_of(blanks);
            end = first == std::string_view::npos ? first : text.find('\n', first);
            if (end != std::string_view::npos || !fill()) {
                break;
            }
        }
        if (first == std::string_view::npos) {
            done = true; // empty or blank: no records, as read_results_text
            return;
        }
        bool by_line = false;
        if (buf[first] == '{') {
            // One object per line, unless the first line is not a whole object or holds
            // `results` (then the file is one document; read_results_text decides).
            const auto l = std::string_view(buf).substr(
                first, (end == std::string_view::npos ? buf.size() : end) - first);
            simdjson::dom::element e;
            by_line = !json_fields::tape_parse(l, e) &&
                      e.type() == simdjson::dom::element_type::OBJECT &&
                      simdjson::dom::object(e).at_key("results").error();
            // Lines on worker threads, unless the file is M-Lab's (its first line holds
            // "UUID"), whose rules span lines.
            if (threads > 0 && by_line && simdjson::dom::object(e).at_key("UUID").error()) {
                parallel = std::make_unique<detail::parallel_lines>(file, path, std::move(buf), 1,
                                                                    threads);
                buf.clear();
                return;
            }
        }
        if (!by_line) {
            while (fill()) {
            }
            take(read_results_text(buf, path));
            done = true;
        }
    }

    /// Queues what a batch holds: issues first, as read_results_file's callers print them.
    void take(result_batch b) {
        for (auto& i : b.issues) {
            queue.emplace_back(std::move(i));
        }
        for (auto& t : b.traces) {
            queue.emplace_back(std::move(t));
        }
        for (auto& p : b.pings) {
            queue.emplace_back(std::move(p));
        }
    }

    /// Handles the next line from the worker threads; false at the end. A trace or note the
    /// workers made goes straight to `out` (`given`): no batch, no queue.
    bool next_parallel_line(result_record& out, bool& given) {
        if (!parallel->next(line)) {
            return false;
        }
        if (auto* t = std::get_if<result::trace>(&line.value)) {
            out = std::move(*t);
            given = true;
        } else if (auto* i = std::get_if<record_issue>(&line.value)) {
            out = std::move(*i);
            given = true;
        } else {
            lines.line = line.line - 1;
            detail::handle_json_line(st, lines, std::get<std::string_view>(line.value),
                                     line.readable_after);
        }
        return true;
    }

    /// Handles the next line of a JSON-lines file; false at the end.
    bool next_line(result_record& out, bool& given) {
        if (parallel) {
            return next_parallel_line(out, given);
        }
        for (;;) {
            const auto nl = buf.find('\n', pos);
            if (nl != std::string::npos) {
                detail::handle_json_line(st, lines, std::string_view(buf).substr(pos, nl - pos),
                                         buf.capacity() - nl);
                pos = nl + 1;
                return true;
            }
            buf.erase(0, pos);
            pos = 0;
            if (!fill()) {
                if (buf.empty()) {
                    return false;
                }
                detail::handle_json_line(st, lines, buf); // the last line, without a newline
                buf.clear();
                return true;
            }
        }
    }

    bool next(result_record& out) {
        if (!opened) {
            open();
        }
        while (queue.empty()) {
            bool given = false;
            if (done || !next_line(out, given)) {
                done = true;
                take(std::move(batch));
                batch = result_batch{};
                if (queue.empty()) {
                    return false;
                }
                break;
            }
            if (given) {
                return true; // the queue was empty: the order is kept
            }
            take(std::move(batch));
            batch = result_batch{};
        }
        out = std::move(queue.front());
        queue.pop_front();
        return true;
    }

    std::string path;
    unsigned threads = 0;
    result_batch batch;
    detail::record_state st;
    detail::json_lines_state lines;
    gzFile file = nullptr;
    std::string buf;
    std::size_t pos = 0;
    bool opened = false;
    bool eof = false;
    bool done = false;
    std::deque<result_record> queue;
    std::unique_ptr<detail::parallel_lines> parallel;
    detail::parsed_line line; ///< the last line from the workers (kept: no set-up per line)
};

unsigned result_stream::default_threads() noexcept {
    // The caller's thread parses too while it waits (parallel_lines::help): one core each.
    const unsigned cores = std::thread::hardware_concurrency();
    return std::clamp(cores > 1 ? cores - 1 : 1u, 1u, max_workers);
}

result_stream::result_stream(std::string path, unsigned threads)
    : impl_(std::make_unique<impl>(std::move(path), std::min(threads, max_workers))) {}
result_stream::~result_stream() = default;
result_stream::result_stream(result_stream&&) noexcept = default;
result_stream& result_stream::operator=(result_stream&&) noexcept = default;

bool result_stream::next(result_record& out) {
    return impl_->next(out);
}

void result_stream::recycle(result::trace&& t) {
    if (impl_->parallel) {
        impl_->parallel->recycle(std::move(t));
    }
}

} // namespace tumen::controller::readers
