#pragma once
// An active job of the engine: a trace (trace_machine) or a ping series (ping_machine), what
// its probes have in common, and how a submitted request becomes one.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <tumen/common/result.hpp>
#include <tumen/probe/codec/probe_template.hpp>
#include <tumen/probe/engine/engine.hpp>
#include <tumen/probe/engine/ping_machine.hpp>
#include <tumen/probe/engine/probe_table.hpp>
#include <tumen/probe/engine/send_scheduler.hpp>
#include <tumen/probe/engine/slot_list.hpp>
#include <tumen/probe/engine/trace_machine.hpp>

namespace tumen::probe::engine {

struct trace_job {
    trace_machine machine;
    std::function<void(result::trace)> done;
    /// When the request had no id: the time of the one made up for it, written out when the
    /// trace ends (its text would be a heap block per open trace). Its serial is the job's
    /// id + 1 (made_up_serial()), not a field: 8 bytes less per job.
    std::int64_t made_up_ns = 0;
};

/// The serial in the made-up id of job `id`: the engine's next job id when it started.
constexpr std::uint64_t made_up_serial(std::uint64_t id) noexcept {
    return id + 1;
}

/// The finished trace's result: the machine's, with the engine's agent name and, when the
/// request had no id, the one made up for it at the start (the caller sets stop and endtime).
result::trace take_result(trace_job& t, std::uint64_t id, const std::string& agent);

struct ping_job {
    ping_machine machine;
    std::function<void(result::ping)> done;
};

/// A probe template shared by the jobs of one method, ports and length (the addresses are
/// written per probe), and how many active jobs hold it (engine::impl::template_for()).
struct shared_template {
    codec::probe_template bytes;
    std::uint32_t users = 0;
};

/// An active trace or ping series and what its probes have in common.
/// 168 bytes for a trace (was 232), so its node in the engine's jobs map is a 192-byte heap
/// chunk (was 256): fields by size, the wait in 32 bits, the template by pointer, the probes'
/// slots in a slot_list, the destination and the made-up id's serial not kept twice
/// (docs/probe-benchmarks.md).
struct job {
    /// A wait in milliseconds, 32 bits (49 days).
    using wait_type = std::chrono::duration<std::uint32_t, std::milli>;

    job(std::uint64_t id_, std::variant<trace_job, std::unique_ptr<ping_job>> work_)
        : id(id_)
        , work(std::move(work_)) {}

    std::uint64_t id = 0;
    rate_group* group = nullptr; ///< null: only the global bucket applies
    /// The bytes its probes share, built with libtins at its first probe (its flow fields
    /// never change), shared with the other jobs of the same method, ports and source
    /// (engine::impl::template_for(); fill() writes the destination). Held by the engine's
    /// map: a pointer and a count there, not a shared_ptr (8 bytes less per job).
    shared_template* probe_bytes = nullptr;
    /// The table slots of its probes, to free when it finishes (those purged already are
    /// dropped from it before it grows: see add_probe()). A slot, not a probe_handle (4 bytes,
    /// not 16: a trace of bench/probe/run.sh keeps 6 to 8): a slot another job's probe took
    /// since is told apart by the probe's job id (probe_table::owned_by()). A slot_list, not
    /// a vector: 8 bytes, not 24.
    slot_list probes;
    /// A ping series in a block of its own: a result::ping is larger than an open trace,
    /// and every job would be as large as the largest alternative.
    std::variant<trace_job, std::unique_ptr<ping_job>> work;
    wait_type wait{1000};
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    std::uint16_t udp_counter = 0;
    codec::method method = codec::method::udp_paris;
    bool by_ttl : 1 = false; ///< hops_in_flight > 1: scheduled lowest TTL first
    bool ready : 1 = false;

    /// The trace's machine, or null for a ping series.
    trace_machine* trace() noexcept {
        auto* t = std::get_if<trace_job>(&work);
        return t ? &t->machine : nullptr;
    }
    /// The ping series' machine, or null for a trace.
    ping_machine* ping() noexcept {
        auto* p = std::get_if<std::unique_ptr<ping_job>>(&work);
        return p ? &(*p)->machine : nullptr;
    }
    /// The destination, which the machine holds (not a field: 8 bytes less per job).
    ipv4_addr dst() noexcept { return trace() ? trace()->dst() : ping()->result().dst; }
    bool done() noexcept { return trace() ? trace()->done() : ping()->done(); }
    /// Notes a probe sent into `table`. Before the list grows, it drops the probes the table
    /// no longer has (purged after their wait) and repeated slots (one of its own probes
    /// reusing the slot of another), so it stays at about the probes alive.
    void add_probe(probe_handle h, probe_table& table);
};

// The figure the layout above is for (x86-64, libstdc++): a node of the jobs map (the job,
// its key and a link) fits a 192-byte malloc chunk.
static_assert(sizeof(job) <= 168, "a trace's job in 168 bytes: see the comment on job");

/// A submitted request waiting for room in the window.
struct trace_submission {
    trace_request request;
    std::function<void(result::trace)> done;
};
struct ping_submission {
    ping_request request;
    std::function<void(result::ping)> done;
};
using submission = std::variant<trace_submission, ping_submission>;

/// What a new job takes from the engine.
struct job_context {
    const engine_options& options;
    ipv4_addr src;
    rate_group* group = nullptr;
    std::chrono::steady_clock::time_point now;
};

/// The job for a submitted trace (its result's id, agent, src, proto and timestamp set;
/// an empty request id replaced by a made-up one).
job make_job(std::uint64_t id, trace_submission& s, const job_context& c);
/// The job for a submitted ping series (likewise).
job make_job(std::uint64_t id, ping_submission& s, const job_context& c);

/// The probe method of a ping method (icmp: icmp-paris, tcp-syn, udp: udp-paris).
codec::method probe_method(ping_method m) noexcept;

} // namespace tumen::probe::engine
