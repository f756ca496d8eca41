#include <algorithm>
#include <cerrno>
#include <cstring>
#include <zlib.h>

#include <tumen/controller/asmap/line_reader.hpp>

namespace tumen::controller::asmap {

line_reader::line_reader(const std::string& path) {
    gzFile f = gzopen(path.c_str(), "rb");
    if (f == nullptr) {
        error_ = path + ": cannot open: " + std::strerror(errno);
        return;
    }
    gzbuffer(f, 1 << 17);
    block_.resize(block_bytes);
    file_ = f;
}

line_reader::~line_reader() {
    if (file_ != nullptr) {
        gzclose(static_cast<gzFile>(file_));
    }
}

bool line_reader::next_in_memory(std::string& line) {
    if (pos_ >= text_.size()) {
        return false;
    }
    auto nl = text_.find('\n', pos_);
    if (nl == std::string_view::npos) {
        nl = text_.size();
    }
    line.assign(text_.substr(pos_, nl - pos_));
    pos_ = nl + 1;
    ++line_no_;
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
        line.pop_back();
    }
    return true;
}

bool line_reader::next(std::string& line) {
    if (in_memory_) {
        return next_in_memory(line);
    }
    if (file_ == nullptr) {
        return false;
    }
    // Decompresses large blocks and splits them with memchr: gzgets per line (plus strlen and
    // an append per chunk) was a fifth of a full pfx2as table's load.
    auto f = static_cast<gzFile>(file_);
    for (;;) {
        const char* base = block_.data() + begin_;
        if (const void* nl = std::memchr(base, '\n', end_ - begin_)) {
            auto n = static_cast<std::size_t>(static_cast<const char*>(nl) - base);
            line.assign(base, n);
            begin_ += n + 1;
            break;
        }
        if (eof_) {
            if (begin_ == end_) {
                error_ = end_error_;
                return false;
            }
            line.assign(base, end_ - begin_); // last line without a final newline
            begin_ = end_;
            break;
        }
        // Keep the partial line, then fill the rest of the block (grown for a longer line).
        std::memmove(block_.data(), base, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
        if (block_.size() - end_ < block_bytes / 2) {
            block_.resize(std::max(block_.size() * 2, block_bytes));
        }
        int n = gzread(f, block_.data() + end_, static_cast<unsigned>(block_.size() - end_));
        if (n > 0) {
            end_ += static_cast<std::size_t>(n);
            continue;
        }
        // As gzgets did: a hard error drops the partial line; at the end of the stream (even
        // a truncated one) the partial line is returned first and the end checked after it.
        eof_ = true;
        int err = 0;
        const char* msg = gzerror(f, &err);
        if (n < 0 || (err != Z_OK && err != Z_BUF_ERROR)) {
            error_ = std::string("read error: ") + (msg ? msg : "unknown");
            return false;
        }
        if (!gzeof(f)) {
            end_error_ = "read error";
        }
    }
    ++line_no_;
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
        line.pop_back();
    }
    return true;
}

bool read_whole_file(const std::string& path, std::string& out, std::string& error) {
    gzFile f = gzopen(path.c_str(), "rb");
    if (f == nullptr) {
        error = path + ": cannot open: " + std::strerror(errno);
        return false;
    }
    out.clear();
    char buf[1 << 16];
    for (;;) {
        int n = gzread(f, buf, sizeof buf);
        if (n < 0) {
            int err = 0;
            const char* msg = gzerror(f, &err);
            error = path + ": read error: " + (msg ? msg : "unknown");
            gzclose(f);
            return false;
        }
        if (n == 0) {
            break;
        }
        out.append(buf, static_cast<std::size_t>(n));
    }
    gzclose(f);
    return true;
}

} // namespace tumen::controller::asmap
