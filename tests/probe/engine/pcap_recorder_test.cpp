// pcap_recorder: the size bound and the rotation (FILE, FILE.1 ... FILE.(N-1)), files readable
// by libpcap as raw IP, a full queue dropping instead of blocking, and write errors counted.
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <vector>

#include <doctest/doctest.h>
#include <pcap/pcap.h>

#include <tumen/probe/engine/pcap_recorder.hpp>

namespace {

namespace fs = std::filesystem;
using tumen::probe::engine::pcap_recorder;
using tumen::probe::engine::recorder_options;

struct scratch_dir {
    fs::path path;
    scratch_dir() {
        std::string tmpl = (fs::temp_directory_path() / "tumen-recorder-XXXXXX").string();
        if (::mkdtemp(tmpl.data()) == nullptr) {
            throw std::runtime_error("mkdtemp failed");
        }
        path = tmpl;
    }
    ~scratch_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

/// A 1000-byte IPv4-looking packet whose bytes 4-7 hold `n` (to tell packets apart).
std::vector<std::uint8_t> packet(std::uint32_t n) {
    std::vector<std::uint8_t> p(1000, 0);
    p[0] = 0x45;
    for (int i = 0; i < 4; ++i) {
        p[4 + i] = static_cast<std::uint8_t>(n >> (24 - 8 * i));
    }
    return p;
}

/// The packet numbers in a pcap file, checking its link type is raw IP.
std::vector<std::uint32_t> numbers_in(const fs::path& file) {
    char err[PCAP_ERRBUF_SIZE] = {};
    pcap_t* p = pcap_open_offline(file.c_str(), err);
    REQUIRE_MESSAGE(p != nullptr, err);
    CHECK(pcap_datalink(p) == DLT_RAW);
    std::vector<std::uint32_t> out;
    pcap_pkthdr* h = nullptr;
    const u_char* d = nullptr;
    while (pcap_next_ex(p, &h, &d) == 1) {
        REQUIRE(h->caplen == 1000);
        out.push_back((std::uint32_t{d[4]} << 24) | (std::uint32_t{d[5]} << 16) |
                      (std::uint32_t{d[6]} << 8) | d[7]);
    }
    pcap_close(p);
    return out;
}

} // namespace

TEST_CASE("recording rotates before a file exceeds its bound and keeps N files") {
    scratch_dir dir;
    recorder_options o;
    o.path = (dir.path / "run.pcap").string();
    o.max_file_bytes = 70000; // 68 records of 1016 bytes after the 24-byte header
    o.max_files = 3;
    constexpr std::uint32_t total = 300;
    {
        pcap_recorder rec(o);
        for (std::uint32_t n = 0; n < total; ++n) {
            rec.record(packet(n), 1'700'000'000'000'000'000 + std::int64_t{n} * 1000);
            if (n % 50 == 0) {
                rec.flush();
            }
        }
        rec.flush();
        const auto c = rec.counters();
        CHECK(c.recorded == total);
        CHECK(c.dropped == 0);
        CHECK(c.write_errors == 0);
        CHECK(c.rotations == 4); // 300 records / 68 per file: 5 files opened
    }
    for (const char* name : {"run.pcap", "run.pcap.1", "run.pcap.2"}) {
        CAPTURE(name);
        REQUIRE(fs::exists(dir.path / name));
        CHECK(fs::file_size(dir.path / name) <= o.max_file_bytes);
    }
    CHECK_FALSE(fs::exists(dir.path / "run.pcap.3"));
    // Newest last: FILE.2, FILE.1, FILE together are the latest packets, in order.
    std::vector<std::uint32_t> all;
    for (const char* name : {"run.pcap.2", "run.pcap.1", "run.pcap"}) {
        const auto n = numbers_in(dir.path / name);
        all.insert(all.end(), n.begin(), n.end());
    }
    REQUIRE(all.size() == 68 + 68 + (total - 4 * 68));
    for (std::size_t i = 0; i < all.size(); ++i) {
        CHECK(all[i] == total - all.size() + i);
    }
}

TEST_CASE("one file kept: the file restarts at the bound") {
    scratch_dir dir;
    recorder_options o;
    o.path = (dir.path / "one.pcap").string();
    o.max_file_bytes = 70000;
    o.max_files = 1;
    {
        pcap_recorder rec(o);
        for (std::uint32_t n = 0; n < 100; ++n) {
            rec.record(packet(n), 1'000'000'000);
        }
    }
    const auto n = numbers_in(dir.path / "one.pcap");
    REQUIRE(n.size() == 100 - 68);
    CHECK(n.front() == 68);
    CHECK_FALSE(fs::exists(dir.path / "one.pcap.1"));
}

TEST_CASE("a full queue drops and counts instead of waiting for the disk") {
    scratch_dir dir;
    recorder_options o;
    o.path = (dir.path / "q.pcap").string();
    o.queue_bytes = 500; // less than one packet
    pcap_recorder rec(o);
    rec.record(packet(1), 0);
    rec.flush();
    CHECK(rec.counters().dropped == 1);
    CHECK(rec.counters().recorded == 0);
}

TEST_CASE("write errors are counted and recording does not stop the caller") {
    recorder_options o;
    o.path = "/dev/full"; // every flush fails with ENOSPC
    o.max_files = 1;
    pcap_recorder rec(o);
    rec.record(packet(1), 0);
    rec.flush();
    rec.record(packet(2), 0);
    rec.flush();
    const auto c = rec.counters();
    CHECK(c.write_errors == 2);
    CHECK(c.recorded == 0);
    CHECK(c.dropped == 2);
}

TEST_CASE("start-up errors name the file") {
    recorder_options o;
    o.path = "/nonexistent-dir/x.pcap";
    try {
        pcap_recorder rec(o);
        FAIL("opened a file in a missing directory");
    } catch (const std::runtime_error& e) {
        CHECK(std::string(e.what()).find("/nonexistent-dir/x.pcap") != std::string::npos);
    }
    o.path = "/tmp/unused.pcap";
    o.max_file_bytes = 1000;
    CHECK_THROWS_AS(pcap_recorder{o}, std::runtime_error);
}
