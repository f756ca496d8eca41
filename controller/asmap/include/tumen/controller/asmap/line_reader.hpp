#pragma once
/// @file
/// Reads text line by line from a file (transparently gunzipped: zlib reads plain files too)
/// or from memory. Every AS-map source splits its input with it.
#include <cstddef>
#include <string>
#include <string_view>

namespace tumen::controller::asmap {

/// RAII line reader over a plain or gzip-compressed file, or over text in memory. Lines have
/// their trailing "\n" / "\r\n" removed. Never throws after construction.
class line_reader {
public:
    /// Opens `path`; check ok() (and error()) afterwards.
    explicit line_reader(const std::string& path);
    /// Reads the lines of `text` (not copied: it must outlive the reader).
    static line_reader over_text(std::string_view text) { return line_reader(text_tag{}, text); }
    ~line_reader();
    line_reader(const line_reader&) = delete;
    line_reader& operator=(const line_reader&) = delete;

    /// True if the file was opened (always for text).
    bool ok() const noexcept { return file_ != nullptr || in_memory_; }
    /// Why opening or reading failed (empty if it did not).
    const std::string& error() const noexcept { return error_; }
    /// Next line into `line`; false at end of input or on a read error (then error() is set).
    bool next(std::string& line);
    /// 1-based number of the line last returned.
    std::size_t line_number() const noexcept { return line_no_; }

private:
    struct text_tag {};
    line_reader(text_tag, std::string_view text)
        : in_memory_(true)
        , text_(text) {}
    bool next_in_memory(std::string& line);

    void* file_ = nullptr; // gzFile
    bool in_memory_ = false;
    std::string_view text_;
    std::size_t pos_ = 0;
    std::string error_;
    std::size_t line_no_ = 0;
    static constexpr std::size_t block_bytes = 1 << 18;
    std::string block_; // decompressed text; [begin_, end_) not yet returned
    std::size_t begin_ = 0;
    std::size_t end_ = 0;
    bool eof_ = false;
    std::string end_error_; // reported once the last line was returned
};

/// Reads a whole (possibly gzipped) file into `out`; false with `error` set on failure.
bool read_whole_file(const std::string& path, std::string& out, std::string& error);

} // namespace tumen::controller::asmap
