#pragma once
/// @file
/// The on-disk spool: every result the agent produces is appended here (one JSON object per
/// line, fsync'ed) before it is uploaded, and removed only when the controller acknowledged
/// it. Survives restarts and crashes:
///  - storage is append-only segment files `seg-<N>.jsonl` plus a `head` file holding the
///    position of the oldest unacknowledged record (replaced atomically: write, fsync, rename;
///    versioned, with a generation and a checksum); a damaged head, or one inconsistent with
///    the segments present, is renamed `head.corrupt` and the spool replays from the oldest
///    segment: nothing is deleted;
///  - a truncated last line (crash in the middle of a write) is cut off with a log line;
///  - a segment with an unparsable line is quarantined (renamed `*.corrupt`), its good lines
///    are kept in order, and the event is logged and counted;
///  - the total size of unacknowledged records is capped: when an append exceeds the cap the
///    oldest records are dropped and counted;
///  - after a write failed for lack of space (ENOSPC), the active segment is closed and
///    removed as soon as every record in it is acknowledged, whatever its size, so uploading
///    frees the disk.
/// Not thread-safe: used from the agent's single Asio thread.
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <tumen/probe/agent/unique_fd.hpp>

namespace tumen::probe::agent {

/// One spooled result.
struct spool_record {
    std::uint64_t seq = 0; ///< position in the spool (increasing, in append order)
    std::string id;        ///< result id
    std::string body;      ///< the result JSON (one line, no newline)
};

/// What happened while opening the spool (also logged).
struct spool_recovery {
    std::size_t truncated_tails = 0;     ///< segments whose incomplete last line was cut off
    std::size_t quarantined_files = 0;   ///< segment or head files renamed `*.corrupt`
    std::size_t quarantined_lines = 0;   ///< unparsable lines inside those files
    std::size_t removed_acked_files = 0; ///< fully acknowledged segments left by a crash
    std::string head_error; ///< what was wrong with a damaged `head` (empty: it was sound)
};

/// The spool. Construct with open(); move-only.
class spool {
public:
    /// Opens (creating if needed) the spool in `dir` with a cap of `max_bytes` of
    /// unacknowledged records. Throws std::system_error if the directory cannot be created or
    /// read (a start-up edge); corrupt content is recovered, never fatal.
    static spool open(const std::filesystem::path& dir, std::uint64_t max_bytes);

    spool(spool&&) noexcept = default;
    spool& operator=(spool&&) noexcept = default;
    ~spool() = default;

    /// Appends one result (`body` must be one JSON object without newlines and contain `id`
    /// as given) and fsyncs it. When the cap is exceeded the oldest records are dropped.
    std::error_code append(std::string_view id, std::string_view body);

    /// Up to `max_records` of the oldest records, in order, stopping before `max_bytes` of
    /// bodies would be exceeded (at least one record is returned if any is spooled). Records
    /// that cannot be read back are reported through `ec` and not returned.
    std::vector<spool_record> peek(std::size_t max_records, std::size_t max_bytes,
                                   std::error_code& ec) const;

    /// Removes every record with seq <= `up_to_seq` (those already dropped are ignored) and
    /// persists the new head.
    std::error_code ack(std::uint64_t up_to_seq);

    /// Number of unacknowledged records.
    std::size_t size() const noexcept { return entries_.size(); }
    bool empty() const noexcept { return entries_.empty(); }
    /// Bytes of unacknowledged records (bodies plus newlines).
    std::uint64_t bytes() const noexcept { return bytes_; }
    /// Records dropped because of the cap since open().
    std::uint64_t dropped() const noexcept { return dropped_; }
    /// The cap.
    std::uint64_t max_bytes() const noexcept { return max_bytes_; }
    /// What open() had to repair.
    const spool_recovery& recovery() const noexcept { return recovery_; }
    /// Called with the number of records dropped each time the cap drops some.
    void on_drop(std::function<void(std::uint64_t)> cb) { on_drop_ = std::move(cb); }

private:
    struct entry {
        std::uint64_t seq;
        std::uint64_t segment;
        std::uint64_t offset; ///< byte offset of the line in its segment
        std::uint32_t length; ///< body length without the newline
        std::string id;
    };

    spool() = default;
    void load();
    void load_segment(std::uint64_t segno, std::uint64_t head_segment, std::uint64_t head_offset);
    std::error_code open_active();
    std::error_code persist_head();
    void drop_front(std::size_t n);
    void remove_consumed_segments();
    std::filesystem::path segment_path(std::uint64_t segno) const;

    std::filesystem::path dir_;
    std::uint64_t max_bytes_ = 0;
    std::uint64_t segment_bytes_ = 0; ///< roll the active segment past this size
    std::deque<entry> entries_;
    std::uint64_t bytes_ = 0;
    std::uint64_t dropped_ = 0;
    std::uint64_t next_seq_ = 1;
    std::uint64_t generation_ = 0;     ///< of the last head written
    std::uint64_t active_segment_ = 0; ///< segment number appends go to
    std::uint64_t active_size_ = 0;
    bool low_space_ = false;              ///< a write failed for lack of space since the last roll
    unique_fd active_fd_;                 ///< the active segment, opened for appending
    std::vector<std::uint64_t> segments_; ///< existing segment numbers, ascending
    spool_recovery recovery_;
    std::function<void(std::uint64_t)> on_drop_;
};

} // namespace tumen::probe::agent
