#include <algorithm>
#include <functional>

#include <doctest/doctest.h>

#include <tumen/probe/agent/spool.hpp>

#include "temp_dir.hpp"

using namespace tumen::probe::agent;
namespace fs = std::filesystem;

namespace {

std::string body(int i, std::size_t pad = 0) {
    return R"({"id":"r)" + std::to_string(i) + R"(","type":"traceroute","pad":")" +
           std::string(pad, 'x') + "\"}";
}

std::vector<std::string> ids_of(const std::vector<spool_record>& v) {
    std::vector<std::string> out;
    for (const auto& r : v) {
        out.push_back(r.id);
    }
    return out;
}

std::vector<fs::path> files_with(const fs::path& dir, std::string_view needle) {
    std::vector<fs::path> out;
    for (const auto& de : fs::directory_iterator(dir)) {
        if (de.path().filename().string().find(needle) != std::string::npos) {
            out.push_back(de.path());
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace

TEST_CASE("spool: append, peek in order, ack") {
    tumen::test::temp_dir dir;
    auto s = spool::open(dir.path, 1 << 20);
    CHECK(s.empty());
    for (int i = 0; i < 5; ++i) {
        REQUIRE_FALSE(s.append("r" + std::to_string(i), body(i)));
    }
    CHECK(s.size() == 5);
    CHECK(s.bytes() == 5 * (body(0).size() + 1));
    std::error_code ec;
    auto batch = s.peek(3, 1 << 20, ec);
    REQUIRE_FALSE(ec);
    CHECK(ids_of(batch) == std::vector<std::string>{"r0", "r1", "r2"});
    CHECK(batch[1].body == body(1));
    // Peeking does not consume.
    CHECK(ids_of(s.peek(2, 1 << 20, ec)) == std::vector<std::string>{"r0", "r1"});
    REQUIRE_FALSE(s.ack(batch.back().seq));
    CHECK(s.size() == 2);
    CHECK(ids_of(s.peek(10, 1 << 20, ec)) == std::vector<std::string>{"r3", "r4"});
    // The byte budget limits a batch, but at least one record is returned.
    CHECK(s.peek(10, 1, ec).size() == 1);
    CHECK(s.peek(10, body(3).size() + body(4).size(), ec).size() == 2);
    CHECK(s.peek(10, body(3).size() + body(4).size() - 1, ec).size() == 1);
    // Bodies with a newline are refused (one record per line).
    CHECK(s.append("bad", "{\"id\":\"bad\"}\n{") == std::errc::invalid_argument);
    CHECK(s.size() == 2);
}

TEST_CASE("spool: survives a restart; acknowledged records stay acknowledged") {
    tumen::test::temp_dir dir;
    {
        auto s = spool::open(dir.path, 1 << 20);
        for (int i = 0; i < 6; ++i) {
            REQUIRE_FALSE(s.append("r" + std::to_string(i), body(i)));
        }
        std::error_code ec;
        auto b = s.peek(2, 1 << 20, ec);
        REQUIRE_FALSE(s.ack(b.back().seq));
    }
    {
        auto s = spool::open(dir.path, 1 << 20);
        std::error_code ec;
        CHECK(ids_of(s.peek(10, 1 << 20, ec)) == std::vector<std::string>{"r2", "r3", "r4", "r5"});
        REQUIRE_FALSE(s.append("r6", body(6)));
        auto b = s.peek(3, 1 << 20, ec);
        REQUIRE_FALSE(s.ack(b.back().seq)); // r2..r4
    }
    auto s = spool::open(dir.path, 1 << 20);
    std::error_code ec;
    CHECK(ids_of(s.peek(10, 1 << 20, ec)) == std::vector<std::string>{"r5", "r6"});
    CHECK(s.recovery().quarantined_files == 0);
    CHECK(s.recovery().truncated_tails == 0);
}

TEST_CASE("spool: the cap drops the oldest and counts them") {
    tumen::test::temp_dir dir;
    const std::size_t line = body(0, 1000).size() + 1; // records of equal size
    const std::uint64_t cap = 64 * 1024;
    const std::size_t fit = cap / line;
    std::uint64_t reported = 0;
    {
        auto s = spool::open(dir.path, cap);
        s.on_drop([&](std::uint64_t n) { reported += n; });
        for (std::size_t i = 0; i < fit + 10; ++i) {
            REQUIRE_FALSE(s.append("r" + std::to_string(i), body(static_cast<int>(i), 1000)));
        }
        CHECK(s.size() == fit);
        CHECK(s.bytes() <= cap);
        CHECK(s.dropped() == 10);
        CHECK(reported == 10);
        std::error_code ec;
        auto b = s.peek(1, 1 << 20, ec);
        CHECK(b.front().id == "r10"); // r0..r9 dropped, order kept
    }
    // After a restart the dropped ones stay dropped.
    auto s = spool::open(dir.path, cap);
    std::error_code ec;
    CHECK(s.size() == fit);
    CHECK(s.peek(1, 1 << 20, ec).front().id == "r10");
    // Acknowledged segments are removed from disk: the spool directory stays bounded.
    auto all = s.peek(100000, 1u << 30, ec);
    REQUIRE_FALSE(s.ack(all.back().seq));
    CHECK(s.empty());
    std::uint64_t on_disk = 0;
    for (const auto& f : files_with(dir.path, "seg-")) {
        on_disk += fs::file_size(f);
    }
    CHECK(on_disk == 0);
}

TEST_CASE("spool: a reopened smaller cap drops the oldest at open") {
    tumen::test::temp_dir dir;
    {
        auto s = spool::open(dir.path, 1 << 20);
        for (int i = 0; i < 100; ++i) {
            REQUIRE_FALSE(s.append("r" + std::to_string(i), body(i, 1000)));
        }
    }
    auto s = spool::open(dir.path, 64 * 1024);
    CHECK(s.bytes() <= 64 * 1024);
    CHECK(s.dropped() == 100 - s.size());
    std::error_code ec;
    CHECK(s.peek(1, 1 << 20, ec).front().id == "r" + std::to_string(100 - s.size()));
}

TEST_CASE("spool: a truncated last line (crash during a write) is cut off") {
    tumen::test::temp_dir dir;
    {
        auto s = spool::open(dir.path, 1 << 20);
        REQUIRE_FALSE(s.append("r0", body(0)));
        REQUIRE_FALSE(s.append("r1", body(1)));
    }
    auto segs = files_with(dir.path, "seg-");
    REQUIRE(segs.size() == 1);
    {
        std::ofstream out(segs[0], std::ios::app | std::ios::binary);
        out << R"({"id":"r2","type":"tracer)"; // no newline: interrupted write
    }
    {
        auto s = spool::open(dir.path, 1 << 20);
        CHECK(s.recovery().truncated_tails == 1);
        CHECK(s.recovery().quarantined_files == 0);
        std::error_code ec;
        CHECK(ids_of(s.peek(10, 1 << 20, ec)) == std::vector<std::string>{"r0", "r1"});
        // New appends after recovery are read back intact.
        REQUIRE_FALSE(s.append("r3", body(3)));
    }
    auto s = spool::open(dir.path, 1 << 20);
    std::error_code ec;
    CHECK(ids_of(s.peek(10, 1 << 20, ec)) == std::vector<std::string>{"r0", "r1", "r3"});
    CHECK(s.recovery().truncated_tails == 0);
    CHECK(tumen::test::read_file(segs[0]) == body(0) + "\n" + body(1) + "\n");
}

TEST_CASE("spool: a corrupt segment is quarantined, its good lines kept in order") {
    tumen::test::temp_dir dir;
    {
        auto s = spool::open(dir.path, 1 << 20);
        for (int i = 0; i < 3; ++i) {
            REQUIRE_FALSE(s.append("r" + std::to_string(i), body(i)));
        }
    }
    {
        auto s = spool::open(dir.path, 1 << 20); // second segment
        REQUIRE_FALSE(s.append("r3", body(3)));
    }
    auto segs = files_with(dir.path, "seg-");
    REQUIRE(segs.size() == 2);
    // Garbage in the middle of the first segment (e.g. a disk error).
    tumen::test::write_file(segs[0], body(0) + "\n\x01\x02garbage\n" + body(2) + "\n" +
                                         R"({"no_id":1})" + "\n");
    auto s = spool::open(dir.path, 1 << 20);
    CHECK(s.recovery().quarantined_files == 1);
    CHECK(s.recovery().quarantined_lines == 2);
    std::error_code ec;
    CHECK(ids_of(s.peek(10, 1 << 20, ec)) == std::vector<std::string>{"r0", "r2", "r3"});
    const auto quarantined = files_with(dir.path, ".corrupt");
    REQUIRE(quarantined.size() == 1);
    CHECK(tumen::test::read_file(quarantined[0]).find("garbage") != std::string::npos);
    // A corrupt head file is quarantined too; everything is delivered again (idempotent).
    REQUIRE_FALSE(s.ack(s.peek(1, 1 << 20, ec).front().seq));
    tumen::test::write_file(dir.path / "head", "not a head");
    auto s2 = spool::open(dir.path, 1 << 20);
    CHECK(s2.recovery().quarantined_files == 1);
    CHECK(ids_of(s2.peek(10, 1 << 20, ec)) == std::vector<std::string>{"r0", "r2", "r3"});
    CHECK(files_with(dir.path, "head.corrupt").size() == 1);
}

namespace {

/// A spool with r0..r2 in one segment and r3 in a second; returns the segment paths.
std::vector<fs::path> two_segments(const fs::path& dir) {
    {
        auto s = spool::open(dir, 1 << 20);
        for (int i = 0; i < 3; ++i) {
            REQUIRE_FALSE(s.append("r" + std::to_string(i), body(i)));
        }
    }
    {
        auto s = spool::open(dir, 1 << 20);
        REQUIRE_FALSE(s.append("r3", body(3)));
    }
    return files_with(dir, "seg-");
}

std::uint64_t segno_of(const fs::path& p) {
    return std::stoull(p.filename().string().substr(4));
}

} // namespace

TEST_CASE("spool: a damaged head file keeps every segment and replays from the oldest") {
    struct row {
        const char* name;
        std::function<std::string(const std::vector<fs::path>&)> head;
        const char* error_part;
    };
    const std::vector<row> rows = {
        {"segment far beyond the newest", [](const auto&) { return std::string("99999999 0\n"); },
         "beyond the newest segment"},
        {"format 1 without newline", [](const auto&) { return std::string("99999999 0"); },
         "no final newline"},
        {"offset in the middle of a line",
         [](const auto& segs) { return std::to_string(segno_of(segs[0])) + " 5\n"; },
         "not at the start of a line"},
        {"offset past the end",
         [](const auto& segs) { return std::to_string(segno_of(segs[0])) + " 99999\n"; },
         "past the end"},
        {"format 2 with a wrong checksum",
         [](const auto& segs) {
             return "tumen-spool-head 2 7 " + std::to_string(segno_of(segs[1])) +
                    " 0 0000000000000000\n";
         },
         "checksum mismatch"},
        {"unknown version",
         [](const auto&) { return std::string("tumen-spool-head 3 1 1 0 0000000000000000\n"); },
         "unknown format version"},
        {"garbage", [](const auto&) { return std::string("\x01\x02 zz\n"); }, "unsigned"},
    };
    for (const auto& r : rows) {
        CAPTURE(r.name);
        tumen::test::temp_dir dir;
        const auto segs = two_segments(dir.path);
        REQUIRE(segs.size() == 2);
        tumen::test::write_file(dir.path / "head", r.head(segs));
        auto s = spool::open(dir.path, 1 << 20);
        std::error_code ec;
        CHECK(ids_of(s.peek(10, 1 << 20, ec)) == std::vector<std::string>{"r0", "r1", "r2", "r3"});
        CHECK(s.recovery().head_error.find(r.error_part) != std::string::npos);
        CHECK(s.recovery().removed_acked_files == 0);
        CHECK(fs::exists(segs[0]));
        CHECK(files_with(dir.path, "head.corrupt").size() == 1);
        // The rewritten head is sound: a second restart changes nothing.
        auto s2 = spool::open(dir.path, 1 << 20);
        CHECK(s2.recovery().head_error.empty());
        CHECK(s2.size() == 4);
    }
}

TEST_CASE("spool: a format-1 head written by an earlier version still loads") {
    tumen::test::temp_dir dir;
    const auto segs = two_segments(dir.path);
    REQUIRE(segs.size() == 2);
    // r0 and r1 acknowledged: the head points at r2 in the first segment.
    const auto off = body(0).size() + 1 + body(1).size() + 1;
    tumen::test::write_file(dir.path / "head",
                            std::to_string(segno_of(segs[0])) + " " + std::to_string(off) + "\n");
    auto s = spool::open(dir.path, 1 << 20);
    CHECK(s.recovery().head_error.empty());
    CHECK(s.recovery().quarantined_files == 0);
    std::error_code ec;
    CHECK(ids_of(s.peek(10, 1 << 20, ec)) == std::vector<std::string>{"r2", "r3"});
    // Rewritten in format 2, which loads the same.
    CHECK(tumen::test::read_file(dir.path / "head").starts_with("tumen-spool-head 2 "));
    auto s2 = spool::open(dir.path, 1 << 20);
    CHECK(ids_of(s2.peek(10, 1 << 20, ec)) == std::vector<std::string>{"r2", "r3"});
}

TEST_CASE("spool: starts and frees acknowledged segments when the head cannot be written") {
    tumen::test::temp_dir dir;
    const auto segs = two_segments(dir.path);
    REQUIRE(segs.size() == 2);
    // The head's temporary file cannot be created (as on a full disk).
    fs::create_directory(dir.path / "head.tmp");
    auto s = spool::open(dir.path, 1 << 20);
    std::error_code ec;
    const auto all = s.peek(10, 1 << 20, ec);
    REQUIRE(all.size() == 4);
    CHECK(s.ack(all[2].seq));         // the head write fails ...
    CHECK_FALSE(fs::exists(segs[0])); // ... but the acknowledged segment is freed
    CHECK(ids_of(s.peek(10, 1 << 20, ec)) == std::vector<std::string>{"r3"});
    fs::remove(dir.path / "head.tmp");
    auto s2 = spool::open(dir.path, 1 << 20);
    CHECK(s2.recovery().head_error.empty());
    CHECK(ids_of(s2.peek(10, 1 << 20, ec)) == std::vector<std::string>{"r3"});
}
