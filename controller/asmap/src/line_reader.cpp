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
    line.clear();
    char buf[8192];
    auto f = static_cast<gzFile>(file_);
    bool got = false;
    while (gzgets(f, buf, sizeof buf) != nullptr) {
        got = true;
        std::size_t n = std::strlen(buf);
        line.append(buf, n);
        if (n > 0 && buf[n - 1] == '\n') {
            break;
        }
    }
    if (!got) {
        int err = 0;
        const char* msg = gzerror(f, &err);
        if (err != Z_OK && err != Z_BUF_ERROR) {
            error_ = std::string("read error: ") + (msg ? msg : "unknown");
        } else if (!gzeof(f)) {
            error_ = "read error";
        }
        return false;
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
