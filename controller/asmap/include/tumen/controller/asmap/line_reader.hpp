#pragma once
/// @file
/// Reads a text file line by line, transparently gunzipping it (zlib reads plain files too).
#include <cstddef>
#include <string>
#include <string_view>

namespace tumen::controller::asmap {

/// RAII line reader over a plain or gzip-compressed file. Lines have their "\n" / "\r\n"
/// removed. Never throws after construction.
class line_reader {
public:
    /// Opens `path`; check ok() (and error()) afterwards.
    explicit line_reader(const std::string& path);
    ~line_reader();
    line_reader(const line_reader&) = delete;
    line_reader& operator=(const line_reader&) = delete;

    /// True if the file was opened.
    bool ok() const noexcept { return file_ != nullptr; }
    /// Why opening or reading failed (empty if it did not).
    const std::string& error() const noexcept { return error_; }
    /// Next line into `line`; false at end of file or on a read error (then error() is set).
    bool next(std::string& line);
    /// 1-based number of the line last returned.
    std::size_t line_number() const noexcept { return line_no_; }

private:
    void* file_ = nullptr; // gzFile
    std::string error_;
    std::size_t line_no_ = 0;
};

/// Reads a whole (possibly gzipped) file into `out`; false with `error` set on failure.
bool read_whole_file(const std::string& path, std::string& out, std::string& error);

} // namespace tumen::controller::asmap
