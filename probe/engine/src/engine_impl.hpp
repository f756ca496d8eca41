#pragma once
// The engine's state and the declarations of its parts, shared by the files that define
// them: engine.cpp (opening, admission, timer events: the wiring), engine_send.cpp (rate
// groups, pacing, building and sending probes, retries) and engine_receive.cpp (capture,
// matching, delivering replies). The algorithms live in the pure parts (trace_machine,
// ping_machine, send_scheduler, probe_table, timer_queue); this is their glue on Asio.
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include <tumen/probe/codec/probe_key.hpp>
#include <tumen/probe/codec/reply.hpp>
#include <tumen/probe/engine/engine.hpp>
#include <tumen/probe/engine/pcap_recorder.hpp>
#include <tumen/probe/engine/probe_table.hpp>
#include <tumen/probe/engine/send_scheduler.hpp>

#include "capture_source.hpp"
#include "event_timer.hpp"
#include "job.hpp"
#include "next_hop.hpp"
#include "packet_socket.hpp"
#include "raw_socket.hpp"
#include "run_secret.hpp"

namespace tumen::probe::engine {

using steady = std::chrono::steady_clock;

/// A probe built and about to be sent (kept with its bytes when the send must be retried).
struct prepared_send {
    std::uint64_t job = 0;
    codec::probe_key key;
    outstanding entry;
    std::vector<std::uint8_t> packet;
};

struct engine::impl {
    impl(boost::asio::io_context& io_, engine_options o)
        : io(io_)
        , options(std::move(o))
        , sched(options.pps, steady::now())
        , events(io_, [this] { on_wake(); })
        , retry_timer(io_)
        , capture(io_)
        , probes(draw_run_secret(), options.capture_outgoing) {}

    boost::asio::io_context& io;
    engine_options options;
    send_scheduler sched;
    /// The one wake-up timer: timeouts, ping intervals and pacing.
    event_timer events;
    boost::asio::steady_timer retry_timer;
    std::unordered_map<const rate_group*, boost::asio::steady_timer> group_timers;
    raw_socket sock;
    packet_socket link_sock;            ///< send_path::packet and ::ring only
    std::optional<next_hop_cache> hops; ///< set when probes go by link_sock
    capture_source capture;
    ipv4_addr src;
    std::string device;
    std::string error_text;
    bool open = false;

    counters stats;
    std::unordered_map<std::uint64_t, job> jobs;
    /// The probe templates jobs share: one per method, ports and length (the addresses are
    /// written per probe), 48 bytes of the heap per open trace less. Keyed by
    /// template_key(); a template no job holds is dropped when the map has doubled since the
    /// last sweep (template_for()), so a start of a job costs one lookup, whatever the flows.
    /// Jobs point into the nodes (stable addresses) and count themselves in `users`.
    std::unordered_map<std::uint64_t, shared_template> templates;
    std::size_t templates_swept_at = 0; ///< the map's size after the last sweep
    std::deque<submission> queued;
    probe_table probes;
    /// Probes built and paced, waiting for the next sendmmsg() (at most
    /// raw_socket::max_batch; their packets' buffers are reused).
    std::vector<prepared_send> batch = std::vector<prepared_send>(raw_socket::max_batch);
    std::size_t batch_size = 0;
    /// Probes the kernel refused for now (EAGAIN, ENOBUFS), sent again in order first.
    std::deque<prepared_send> retry;
    std::function<void()> idle_cb;
    std::uint64_t next_job = 1;
    bool pump_posted = false;
    /// The capture's own wake-ups are off: the pacing wakes the engine often enough, and
    /// each wake-up drains the capture first (see gate_capture()).
    bool capture_gated = false;
    /// Posted handlers hold a weak reference: they do nothing once the engine is destroyed.
    std::shared_ptr<char> life = std::make_shared<char>(0);
    /// --pcap-out (null when not recording): fed at the send and capture points.
    std::unique_ptr<pcap_recorder> recorder;

    // ---------------------------------------------------------------- opening
    std::error_code do_open();
    /// Stops I/O and drops every job (see engine::close()).
    void close_all();

    // ---------------------------------------------------------------- admission
    std::size_t pending() const { return jobs.size() + queued.size(); }
    /// Starts queued jobs while the window has room.
    void activate();
    /// Makes the job for a submission and counts it started.
    template <class Submission>
    job& start(std::uint64_t id, Submission& sub) {
        const auto now = steady::now();
        rate_group* group = sched.group_for(sub.request.rate_group, sub.request.group_pps, now);
        const job_context c{options, src, group, now};
        job& j = jobs.emplace(id, make_job(id, sub, c)).first->second;
        ++(j.trace() ? stats.traces_started : stats.pings_started);
        return j;
    }
    /// Queues a job that has a probe to send (order: see send_scheduler.hpp).
    void make_ready(job& j, bool started = true);
    /// Frees a job's probes, counts it done and hands its result to its callback.
    void finish(std::uint64_t id);

    // ---------------------------------------------------------------- rate groups
    /// Wakes the group's parked jobs at `at` (unless a wake-up is pending).
    void arm_group_timer(rate_group& g, steady::time_point at);
    /// Makes parked jobs ready as the group's tokens allow.
    void release_group(rate_group& g);

    // ---------------------------------------------------------------- sending
    /// Runs pump() soon (once, unless a pacing wake-up or a retry will).
    void schedule_pump();
    /// Builds the job's next probe into `out` (its packet buffer reused); false when the job
    /// has none to send right now.
    bool prepare(job& j, steady::time_point now, prepared_send& out);
    /// A local failure: ends a trace, counts a ping probe lost.
    void fail_job(job& j, const std::string& why);
    /// The shared template of `spec`'s method, ports and length, made on first use; null
    /// and `ec` set when probe_template::make() refuses the spec.
    shared_template* template_for(const codec::probe_spec& spec, std::error_code& ec);
    /// Sends for ready jobs while the buckets allow (at most 512 in a row), in batches.
    void pump();
    /// After a probe of `j` is prepared: queue the job again if it can send more now (a
    /// trace with hops in flight) or wake it for its next ping.
    void after_prepare(job& j);
    /// Sends the batch (one sendmmsg() per batch, or more after a refusal) and records each
    /// probe sent; probes the kernel refuses for now go to `retry`.
    void flush_batch();
    /// Sends `items` in order; returns how many were handled (sent or failed for good): the
    /// rest were refused for now.
    std::size_t send_items(std::span<prepared_send> items);
    /// One probe has left at `sent_ns` (CLOCK_REALTIME): the table, the job, its timeout.
    /// The one place that sees every probe sent.
    void record_sent(prepared_send& p, std::int64_t sent_ns);
    /// One probe the kernel refused for good.
    void record_failed(prepared_send& p, const std::error_code& ec);
    /// The active job `id`, or null.
    job* find_job(std::uint64_t id) {
        auto it = jobs.find(id);
        return it == jobs.end() ? nullptr : &it->second;
    }
    /// Sends what `retry` holds 200 µs from now, then pumps again.
    void arm_retry_timer();

    // ---------------------------------------------------------------- timeouts
    /// Schedules `ev`, due "now + `delay`" (zero: a one-off time; see timer_queue).
    void push_event(timer_event ev, steady::duration delay) { events.push(ev, delay); }
    /// A wake-up of the timer: due events, then the pump if it was pacing, then the timer
    /// armed again for what is left.
    void on_wake();
    /// Handles due timer events: ping wake-ups, probe timeouts and purges.
    void run_events();
    /// After a trace's reply or timeout: finish it or queue its next probe.
    void trace_moved_on(job& j);
    /// Finishes a ping series once it is done.
    void maybe_finish_ping(job& j);

    // ---------------------------------------------------------------- capture
    /// Drains the capture whenever it is readable.
    void arm_capture();
    /// Handles every frame in the capture ring now.
    void drain_capture();
    /// After a wake-up: the capture's wake-ups off while the next pacing wake-up is at most
    /// a pacing quantum away (its frames then wait at most that long), on otherwise.
    void gate_capture(steady::time_point now);
    /// One captured frame: an outgoing probe's timestamp, or a reply to match.
    void handle_frame(const captured_frame& f);
    /// A matched reply: RTT, classification, and the job's machine moves on.
    void deliver(outstanding& e, const codec::reply& r, bool nat);
};

} // namespace tumen::probe::engine
