// The probing pause (issue 12, defect 5): probing pauses when the spool cannot write for lack
// of space or nears its cap, and resumes when uploads free space, the spool is back under the
// low mark, a write succeeds again, or (disk full) after the retry period. Times are given.
#include <cerrno>

#include <doctest/doctest.h>

#include <tumen/probe/agent/probing_pause.hpp>

using namespace tumen::probe::agent;
using std::chrono::seconds;

namespace {
const probing_pause::clock::time_point t0{std::chrono::hours(1)};
const std::error_code enospc = std::make_error_code(std::errc::no_space_on_device);
} // namespace

TEST_CASE("probing pause: ENOSPC pauses; uploads that free a quarter of the spool resume") {
    probing_pause p;
    CHECK_FALSE(p.after_write({}, {1000, 100000}, t0));
    CHECK_FALSE(p.paused());
    CHECK(p.after_write(enospc, {4000, 100000}, t0));
    CHECK(p.paused());
    CHECK(p.reason() == pause_reason::disk_full);
    CHECK(p.why().find("disk full") != std::string::npos);
    // Further failures do not count as new pauses (one log line per pause).
    CHECK_FALSE(p.after_write(enospc, {4000, 100000}, t0 + seconds(1)));
    CHECK(p.pauses() == 1);
    // Uploads free some space, not yet a quarter.
    CHECK_FALSE(p.update({3500, 100000}, t0 + seconds(2)));
    CHECK(p.paused());
    CHECK(p.update({3000, 100000}, t0 + seconds(3)));
    CHECK_FALSE(p.paused());
    CHECK(p.why().find("freed 1000 bytes") != std::string::npos);
}

TEST_CASE("probing pause: EDQUOT is no space too; other write errors do not pause") {
    probing_pause p;
    CHECK_FALSE(p.after_write(std::make_error_code(std::errc::io_error), {0, 1000}, t0));
    CHECK_FALSE(p.after_write(std::make_error_code(std::errc::invalid_argument), {0, 1000}, t0));
    CHECK_FALSE(p.paused());
    CHECK(p.after_write(std::error_code(EDQUOT, std::generic_category()), {0, 1000}, t0));
    CHECK(p.reason() == pause_reason::disk_full);
}

TEST_CASE("probing pause: a disk filled by others is retried after the period, and a write "
          "that succeeds resumes at once") {
    probing_pause p(probing_pause_options{0.95, 0.75, seconds(30)});
    CHECK(p.after_write(enospc, {0, 100000}, t0)); // nothing of ours to upload
    CHECK_FALSE(p.update({0, 100000}, t0 + seconds(29)));
    CHECK(p.update({0, 100000}, t0 + seconds(30)));
    CHECK_FALSE(p.paused());
    CHECK(p.why().find("trying again") != std::string::npos);
    CHECK(p.after_write(enospc, {0, 100000}, t0 + seconds(31))); // still full: paused again
    CHECK(p.pauses() == 2);
    // A result of a job started before the pause is written: space is back.
    CHECK(p.after_write({}, {500, 100000}, t0 + seconds(32)));
    CHECK_FALSE(p.paused());
}

TEST_CASE("probing pause: the spool at 95% of its cap pauses, at 75% resumes") {
    probing_pause p;
    CHECK_FALSE(p.after_write({}, {94000, 100000}, t0));
    CHECK(p.after_write({}, {95000, 100000}, t0));
    CHECK(p.reason() == pause_reason::spool_full);
    CHECK(p.why().find("95000 of its 100000 bytes") != std::string::npos);
    CHECK_FALSE(p.update({80000, 100000}, t0 + seconds(3600))); // no time-based retry
    CHECK(p.paused());
    CHECK(p.update({75000, 100000}, t0 + seconds(3601)));
    CHECK_FALSE(p.paused());
    // No cap: never paused for the cap.
    CHECK_FALSE(p.update({1u << 30, 0}, t0));
}

TEST_CASE("probing pause: a write that succeeds after a full disk may still find the spool "
          "near its cap") {
    probing_pause p;
    CHECK(p.after_write(enospc, {9000, 10000}, t0));
    CHECK(p.after_write({}, {9600, 10000}, t0 + seconds(1)));
    CHECK(p.paused());
    CHECK(p.reason() == pause_reason::spool_full);
}
