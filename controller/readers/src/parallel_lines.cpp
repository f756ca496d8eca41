#include "parallel_lines.hpp"

#include <algorithm>
#include <cstring>
#include <simdjson.h>

#include "atlas_ondemand.hpp"

namespace tumen::controller::readers::detail {
namespace {

/// Bytes read from the file at a time.
constexpr unsigned chunk_size = 1u << 18;

} // namespace

parallel_lines::parallel_lines(gzFile file, std::string source, std::string carry,
                               std::size_t first_line, unsigned workers)
    : file_(file)
    , source_(std::move(source))
    , carry_(std::move(carry))
    , next_line_(first_line)
    , ahead_(std::max(workers, 1u) + 2) {
    for (unsigned i = 0; i < std::max(workers, 1u); ++i) {
        threads_.emplace_back([this] { work(); });
    }
}

parallel_lines::~parallel_lines() {
    {
        const std::lock_guard lock(mutex_);
        stop_ = true;
    }
    changed_.notify_all();
    for (auto& t : threads_) {
        t.join();
    }
}

bool parallel_lines::take_text(std::string& buf, std::size_t& first_line, std::size_t& seq) {
    buf.assign(carry_); // a recycled buffer keeps its capacity
    carry_.clear();
    for (;;) {
        const auto old = buf.size();
        // The capacity past the data is the padding the line parser may read.
        buf.reserve(old + chunk_size + simdjson::SIMDJSON_PADDING);
        buf.resize(old + chunk_size);
        const int n = gzread(file_, buf.data() + old, chunk_size);
        buf.resize(old + static_cast<std::size_t>(std::max(n, 0)));
        if (n < 0) {
            int err = 0;
            const char* msg = gzerror(file_, &err);
            read_error_ = msg ? msg : "unknown";
            eof_ = true;
            break;
        }
        if (n == 0) {
            eof_ = true;
            break;
        }
        if (buf.find('\n', old) != std::string::npos) {
            break;
        }
    }
    if (!eof_) {
        const auto cut = buf.rfind('\n') + 1;
        carry_.assign(buf, cut);
        buf.resize(cut);
    }
    if (buf.empty()) {
        return false;
    }
    first_line = next_line_;
    for (const char* p = buf.data();
         (p = static_cast<const char*>(std::memchr(
              p, '\n', buf.size() - static_cast<std::size_t>(p - buf.data())))) != nullptr;
         ++p) {
        ++next_line_; // memchr: several times faster than std::count here
    }
    seq = read_seq_++;
    return true;
}

void parallel_lines::parse(chunk& c, std::size_t first_line) const {
    c.used.clear(); // the traces the consumer gave back: freed on this thread
    const std::string_view text(c.text);
    c.lines.reserve(text.size() / 1024); // RIPE Atlas traceroute lines: a few KB each
    std::size_t line = first_line;
    for (std::size_t pos = 0; pos < text.size(); ++line) {
        auto end = text.find('\n', pos);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        const auto l = text.substr(pos, end - pos);
        const std::size_t readable = c.text.capacity() - end;
        pos = end + 1;
        if (l.find_first_not_of(" \t\r") == std::string_view::npos) {
            continue; // a blank line: nothing (outside M-Lab files, which are not read here)
        }
        result::trace t;
        switch (read_atlas_traceroute(l, readable, t)) {
        case atlas_line::trace:
            c.lines.push_back(parsed_line{line, std::move(t), 0});
            break;
        case atlas_line::ipv6:
            c.lines.push_back(parsed_line{
                line, record_issue{source_, line, "", std::string(ipv6_traceroute_note), true}, 0});
            break;
        case atlas_line::declined:
            c.lines.push_back(parsed_line{line, l, readable});
            break;
        }
    }
}

std::unique_ptr<parallel_lines::chunk> parallel_lines::take_chunk(std::size_t& first_line,
                                                                  std::size_t& seq) {
    std::unique_ptr<chunk> c;
    if (free_.empty()) {
        c = std::make_unique<chunk>();
    } else {
        c = std::move(free_.back());
        free_.pop_back();
    }
    if (stop_ || eof_ || !take_text(c->text, first_line, seq)) {
        free_.push_back(std::move(c));
        changed_.notify_all(); // the end: the consumer and the workers waiting for room see it
        return nullptr;
    }
    return c;
}

void parallel_lines::work() {
    for (;;) {
        std::unique_ptr<chunk> c;
        std::size_t first_line = 0;
        std::size_t seq = 0;
        {
            std::unique_lock lock(mutex_);
            changed_.wait(lock,
                          [this] { return stop_ || eof_ || read_seq_ < consume_seq_ + ahead_; });
            c = take_chunk(first_line, seq);
            if (!c) {
                return;
            }
        }
        parse(*c, first_line);
        {
            const std::lock_guard lock(mutex_);
            done_.emplace(seq, std::move(c));
        }
        changed_.notify_all();
    }
}

bool parallel_lines::help(std::unique_lock<std::mutex>& lock) {
    if (stop_ || eof_ || read_seq_ >= consume_seq_ + ahead_) {
        return false;
    }
    std::size_t first_line = 0;
    std::size_t seq = 0;
    auto c = take_chunk(first_line, seq);
    if (!c) {
        return true; // the end: the loop in next() sees it
    }
    lock.unlock();
    parse(*c, first_line);
    lock.lock();
    done_.emplace(seq, std::move(c));
    return true;
}

void parallel_lines::recycle(result::trace&& t) {
    if (current_) {
        current_->used.push_back(std::move(t));
    }
}

bool parallel_lines::next(parsed_line& out) {
    for (;;) {
        if (current_ && current_->next < current_->lines.size()) {
            out = std::move(current_->lines[current_->next++]);
            return true;
        }
        if (current_) {
            current_->lines.clear();
            current_->next = 0;
        }
        std::unique_lock lock(mutex_);
        if (current_) {
            free_.push_back(std::move(current_));
            ++consume_seq_;
            changed_.notify_all();
        }
        while (done_.count(consume_seq_) == 0 && !(eof_ && read_seq_ == consume_seq_)) {
            if (!help(lock)) {
                changed_.wait(lock);
            }
        }
        auto it = done_.find(consume_seq_);
        if (it == done_.end()) {
            if (read_error_.empty()) {
                return false;
            }
            out = parsed_line{0, record_issue{source_, 0, "", "read error: " + read_error_, false},
                              0};
            read_error_.clear();
            return true;
        }
        current_ = std::move(it->second);
        done_.erase(it);
    }
}

} // namespace tumen::controller::readers::detail
