#pragma once
/// @file
/// The engine's timer event: a probe's timeout or purge, or a job's wake-up, packed in 16
/// bytes for the timer_queue. No clock is read here: the caller gives the times.
#include <chrono>
#include <cstdint>

namespace tumen::probe::engine {

/// A probe's timeout or purge, or a job's wake-up (its next ping is due), in 16 bytes: the
/// queue holds one per outstanding probe (about pps x wait). At 32 bytes (a 64-bit serial
/// and job id, a slot, a flag) they took 102 KB at the peak at 10,000 pps on
/// bench/probe/rss_breakdown.sh's /22, 51 KB at 16 (heaptrack; docs/probe-benchmarks.md).
///
/// A probe's event names its table slot in 30 bits: slots are dense, and 2^30 probes in the
/// table at once would be 56 GiB of entries (it holds about pps x 2 waits: 12 million at
/// 100,000 pps and the longest wait, 60 s); the engine refuses a slot beyond that rather
/// than truncate it. Its job is read from the table entry. It checks the probe's serial in
/// 32 bits: a stale event (its probe answered, purged or its job finished) could only match
/// a later use of the slot whose serial is equal modulo 2^32, that is 2^32 probes sent after
/// it (serials count probes sent). A probe's events all fall within two waits of its
/// sending (the timeout a wait after it, the purge a wait after that), so that would take
/// 2^32 probes in two minutes: 36 million a second, more than twice what a 10 Gb/s link
/// carries (14.9 million of the smallest frames a second).
/// A job's wake-up carries the job's id in 62 bits (ids count the jobs started, from 1).
struct timer_event {
    /// Slots above this cannot be named (see above).
    static constexpr std::uint32_t max_slot = (1u << 30) - 1;
    /// Job ids above this cannot be named (see above).
    static constexpr std::uint64_t max_job = (std::uint64_t{1} << 62) - 1;

    std::chrono::steady_clock::time_point at;
    std::uint32_t slot : 30 = 0; ///< probe: its table slot; wake-up: bits 32-61 of the job id
    std::uint32_t purge : 1 = 0; ///< probe: forget it (a wait after it expired)
    std::uint32_t wake : 1 = 0;  ///< a job's wake-up, not a probe's event
    std::uint32_t check = 0;     ///< probe: its serial's low 32 bits; wake-up: the job id's

    /// The timeout (or with `purge`, the forgetting) of the probe in `slot` with `serial`.
    static timer_event probe(std::chrono::steady_clock::time_point at, std::uint32_t slot,
                             std::uint64_t serial, bool purge = false) noexcept {
        timer_event ev;
        ev.at = at;
        ev.slot = slot & max_slot;
        ev.purge = purge ? 1 : 0;
        ev.check = static_cast<std::uint32_t>(serial);
        return ev;
    }
    /// The wake-up of job `job` (at most max_job).
    static timer_event job_wake(std::chrono::steady_clock::time_point at,
                                std::uint64_t job) noexcept {
        timer_event ev;
        ev.at = at;
        ev.slot = static_cast<std::uint32_t>(job >> 32) & max_slot;
        ev.wake = 1;
        ev.check = static_cast<std::uint32_t>(job);
        return ev;
    }
    /// A wake-up's job id.
    std::uint64_t job() const noexcept { return std::uint64_t{slot} << 32 | check; }
    /// Whether `serial` is (as far as its low 32 bits tell) the serial this event names.
    bool names(std::uint64_t serial) const noexcept {
        return static_cast<std::uint32_t>(serial) == check;
    }
};
static_assert(sizeof(timer_event) == 16);

} // namespace tumen::probe::engine
