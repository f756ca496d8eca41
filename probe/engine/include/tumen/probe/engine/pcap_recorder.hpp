#pragma once
/// @file
/// `--pcap-out`: every probe sent and every reply captured, written to a pcap file (link type
/// DLT_RAW: IPv4 packets without a link header, readable by tcpdump, Wireshark and
/// `tumen-probe decode`). The file is size-bounded and rotates: FILE, FILE.1, ... FILE.(N-1),
/// the oldest dropped.
///
/// The engine never waits for the disk: record() copies the packet into a bounded queue that a
/// writer thread drains; when the queue is full (a disk slower than the probing) the packet
/// is dropped and counted. A write or rotation error is logged once on stderr and counted;
/// probing goes on.
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

namespace tumen::probe::engine {

/// Where and how much to record.
struct recorder_options {
    std::string path;                          ///< FILE; older files are FILE.1, FILE.2...
    std::uint64_t max_file_bytes = 100u << 20; ///< a file is rotated before it exceeds this
    unsigned max_files = 5;                    ///< files kept, FILE included (>= 1)
    std::size_t queue_bytes = 8u << 20;        ///< packet bytes waiting for the writer
};

/// Counters of a recorder (monotonic).
struct recorder_counters {
    std::uint64_t recorded = 0;     ///< packets written
    std::uint64_t dropped = 0;      ///< packets not written: queue full, or after an error
    std::uint64_t write_errors = 0; ///< failed writes, flushes, renames or opens
    std::uint64_t rotations = 0;
};

/// A size-bounded, rotating pcap writer with a writer thread. Not copyable.
class pcap_recorder {
public:
    /// Opens (truncates) `o.path` and writes the pcap header. Throws std::runtime_error naming
    /// the file when it cannot be opened, or when the options are unusable (max_file_bytes
    /// below one full-size record, max_files 0): a start-up error.
    explicit pcap_recorder(recorder_options o);
    /// Writes what is queued, closes the file and joins the writer.
    ~pcap_recorder();
    pcap_recorder(const pcap_recorder&) = delete;
    pcap_recorder& operator=(const pcap_recorder&) = delete;

    /// Queues one IPv4 packet captured or sent at `ts_ns` (CLOCK_REALTIME nanoseconds). Never
    /// blocks on the disk: a full queue drops the packet (counted).
    void record(std::span<const std::uint8_t> ip, std::int64_t ts_ns) noexcept;
    /// Blocks until every packet queued so far is written and flushed to the file.
    void flush();
    /// Counter snapshot.
    recorder_counters counters() const;

    /// The name of file `index`: the path itself for 0, "PATH.index" otherwise.
    std::string file_name(unsigned index) const;

private:
    struct item {
        std::int64_t ts_ns = 0;
        std::size_t offset = 0;
        std::uint32_t length = 0;
    };
    struct batch {
        std::vector<std::uint8_t> data;
        std::vector<item> items;
    };
    void run();
    void write_batch(const batch& b);
    bool open_file();
    void rotate();
    void fail(const std::string& what);

    recorder_options options_;
    // Shared with the writer thread under mutex_:
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable written_;
    batch pending_;
    std::uint64_t queued_seq_ = 0;  ///< batches handed to the writer
    std::uint64_t written_seq_ = 0; ///< batches the writer finished
    bool stop_ = false;
    recorder_counters counters_;
    // Writer thread only:
    void* dumper_ = nullptr; ///< pcap_dumper_t*
    void* dead_ = nullptr;   ///< pcap_t* of pcap_open_dead
    std::uint64_t file_bytes_ = 0;
    bool failed_ = false; ///< an error was logged (once)
    std::thread writer_;
};

} // namespace tumen::probe::engine
