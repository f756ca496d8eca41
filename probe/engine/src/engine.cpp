// The engine's wiring: the Asio loop, the raw socket and the glue between the parts, each in
// its own file: jobs are trace_machine or ping_machine (job.hpp), the send_scheduler picks
// the next job and paces it, the probe_table holds the outstanding probes and matches
// replies, the capture_source delivers frames. Here: the public API, opening, admission
// (window) and timer events; sending in engine_send.cpp, receiving in engine_receive.cpp.
#include <algorithm>
#include <cerrno>
#include <ctime>

#include "engine_impl.hpp"

namespace tumen::probe::engine {

int capture_buffer_for(double pps, bool capture_outgoing) noexcept {
    if (pps <= 0) {
        return 4 * 1024 * 1024;
    }
    // libpcap's immediate mode uses TPACKET_V2, fixed frames of the 720-byte snap length
    // plus its headers: 816 bytes, five to a 4 KiB block. The engine drains the ring at
    // every wake-up (each millisecond while pacing above 1,000 pps); a fortieth of a second
    // of frames is 25 such wake-ups missed, 250 frames at 10,000 pps: about what scamper's
    // ICMP socket holds (rmem_default, 208 KiB, of small replies). The whole ring counts in
    // the peak RSS once it wraps (bench/probe/rss_breakdown.sh: 0.40 MB at 10,000 pps with a
    // twentieth of a second); capture_drops in --stats counts what a longer stall loses.
    const double frames = pps * (capture_outgoing ? 2 : 1) / 40;
    const double bytes = frames * 816;
    return static_cast<int>(std::clamp(bytes, 128.0 * 1024, 64.0 * 1024 * 1024));
}

std::error_code engine::impl::do_open() {
    if (options.source) {
        src = *options.source;
    } else if (options.route_hint) {
        auto s = route_source(*options.route_hint);
        if (!s) {
            error_text = "no route to " + options.route_hint->to_string() +
                         " to choose a source address from";
            return std::make_error_code(std::errc::network_unreachable);
        }
        src = *s;
    } else {
        error_text = "no source address and no destination to choose one from";
        return std::make_error_code(std::errc::invalid_argument);
    }
    if (!options.pcap_out.empty() && !recorder) {
        try {
            recorder = std::make_unique<pcap_recorder>(
                recorder_options{options.pcap_out, options.pcap_out_bytes, options.pcap_out_files});
        } catch (const std::exception& e) {
            error_text = e.what();
            return std::make_error_code(std::errc::io_error);
        }
    }
    device = options.interface;
    if (device.empty()) {
        device = interface_of(src).value_or("any");
    }
    if (auto ec = sock.open(4 * 1024 * 1024)) {
        error_text = "raw socket: " + ec.message();
        return ec == std::errc::operation_not_permitted
                   ? ec
                   : (ec.value() == EACCES
                          ? std::make_error_code(std::errc::operation_not_permitted)
                          : ec);
    }
    // Capture send timestamps need probes the capture sees: the raw socket's.
    if (options.sender != send_path::raw && !options.capture_outgoing) {
        if (auto ec = link_sock.open(4 * 1024 * 1024, options.sender == send_path::ring)) {
            error_text = "packet socket: " + ec.message();
            sock.close();
            return ec.value() == EACCES ? std::make_error_code(std::errc::operation_not_permitted)
                                        : ec;
        }
        hops.emplace(src);
        // PACKET_QDISC_BYPASS hands the frame to the driver directly (__dev_direct_xmit),
        // past the taps: no capture socket sees these probes leave.
    }
    const unsigned lo = options.src_port_base;
    const unsigned hi =
        std::min<unsigned>(65535, lo + std::max<unsigned>(options.max_flows, 1) - 1);
    const int ring = options.capture_buffer_bytes > 0
                         ? options.capture_buffer_bytes
                         : capture_buffer_for(options.pps, options.capture_outgoing);
    if (auto ec = capture.open(device, ring, options.capture_outgoing,
                               capture_filter(src, lo, hi, options.capture_outgoing), error_text)) {
        sock.close();
        link_sock.close();
        return ec;
    }
    // A second of probes: the table holds about pps x 2 waits entries and grows past this.
    // The entries' pages count in the RSS only as they fill; the index's buckets are all
    // written when reserved (65,536 of them were 2 MB of the peak RSS at 1,000 pps), so it
    // starts at two probes per job of the window (one hop at a time in flight, and the
    // answered one kept for its wait) and grows by rehashing.
    const std::size_t per_second =
        options.pps > 0 ? static_cast<std::size_t>(std::clamp(options.pps, 1024.0, 65536.0))
                        : 65536;
    probes.reserve(per_second, std::min(per_second, 2 * std::max<std::size_t>(options.window, 1)));
    open = true;
    arm_capture();
    return {};
}

void engine::impl::close_all() {
    if (capture.dispatching()) {
        // Called from a result callback inside pcap_dispatch(): stop now, free the
        // capture handle once libpcap has returned.
        open = false;
        capture.break_loop();
        boost::asio::post(io, [this, alive = std::weak_ptr<char>(life)] {
            if (!alive.expired()) {
                close_all();
            }
        });
        return;
    }
    events.clear();
    retry_timer.cancel();
    for (auto& [g, timer] : group_timers) {
        timer.cancel();
    }
    sched.clear();
    capture.close();
    sock.close();
    link_sock.close();
    jobs.clear();
    templates.clear(); // no job holds one now
    templates_swept_at = 0;
    queued.clear();
    probes.clear();
    retry.clear();
    batch_size = 0;
    capture_gated = false;
    open = false;
}

void engine::impl::activate() {
    while (!queued.empty() && jobs.size() < std::max<std::size_t>(options.window, 1)) {
        submission s = std::move(queued.front());
        queued.pop_front();
        const std::uint64_t id = next_job++;
        job& j = std::visit([&](auto& sub) -> job& { return start(id, sub); }, s);
        if (j.done()) {
            finish(id);
            continue;
        }
        make_ready(j, /*started=*/false);
    }
}

/// Queues a job that has a probe to send (order: see send_scheduler.hpp).
void engine::impl::make_ready(job& j, bool started) {
    if (!j.ready) {
        j.ready = true;
        if (j.by_ttl) {
            const auto next = j.trace()->peek();
            sched.push_by_ttl(j.id, next ? next->ttl : std::uint8_t{255});
        } else {
            sched.push(j.id, started);
        }
        schedule_pump();
    }
}

void engine::impl::finish(std::uint64_t id) {
    auto it = jobs.find(id);
    if (it == jobs.end()) {
        return;
    }
    job j = std::move(it->second);
    jobs.erase(it);
    for (const std::uint32_t slot : j.probes) {
        probes.erase_owned(slot, id); // no-op for a probe purged earlier (slot reused)
    }
    if (j.probe_bytes != nullptr) {
        --j.probe_bytes->users;
    }
    if (auto* t = std::get_if<trace_job>(&j.work)) {
        result::trace res = take_result(*t, id, options.agent);
        res.stop = t->machine.stop();
        res.endtime = std::time(nullptr);
        ++stats.traces_done;
        ++stats.traces_by_stop[static_cast<std::size_t>(res.stop)];
        activate();
        if (t->done) {
            t->done(std::move(res));
        }
    } else {
        auto& p = *std::get<std::unique_ptr<ping_job>>(j.work);
        ++stats.pings_done;
        activate();
        if (p.done) {
            p.done(std::move(p.machine.result()));
        }
    }
    if (pending() == 0 && idle_cb) {
        auto cb = idle_cb;
        cb();
    }
}

void engine::impl::on_wake() {
    if (capture_gated) {
        drain_capture(); // frames that came since the last wake-up, before their timeouts
        if (!open) {
            return;
        }
    }
    run_events();
    if (events.take_send_wake()) {
        pump(); // arms the next pacing wake-up if it needs one
    }
    events.rearm();
    if (open) {
        gate_capture(steady::now());
    }
}

void engine::impl::run_events() {
    const auto now = steady::now();
    while (events.due(now)) {
        const timer_event ev = events.pop();
        if (ev.wake) { // ping interval elapsed
            if (job* j = find_job(ev.job())) {
                make_ready(*j);
            }
            continue;
        }
        // A finished job's probes have left the table already; a slot taken since by
        // another probe has another serial.
        const std::uint64_t serial = probes.serial_of(ev.slot);
        outstanding* pt = ev.names(serial) ? probes.at(ev.slot, serial) : nullptr;
        if (pt == nullptr) {
            continue;
        }
        if (ev.purge || pt->answered) {
            // Answered and its wait is over, or expired a wait ago: later copies count as
            // unmatched. Keeps the table at about pps x 2 waits entries.
            probes.erase(ev.slot, serial);
            continue;
        }
        if (pt->expired) {
            continue;
        }
        job* jp = find_job(pt->job);
        if (jp == nullptr) {
            continue;
        }
        job& j = *jp;
        pt->expired = true;
        // Kept one more wait so that a late reply is recognised (and counted) as late.
        push_event(timer_event::probe(now + j.wait, ev.slot, serial, /*purge=*/true), j.wait);
        if (trace_machine* t = j.trace()) {
            t->on_timeout(pt->slot);
            trace_moved_on(j);
        } else {
            j.ping()->on_timeout();
            maybe_finish_ping(j);
        }
    }
}

void engine::impl::trace_moved_on(job& j) {
    if (j.trace()->done()) {
        finish(j.id);
    } else {
        make_ready(j);
    }
}

void engine::impl::maybe_finish_ping(job& j) {
    if (j.ping()->done()) {
        finish(j.id);
    }
}

engine::engine(boost::asio::io_context& io, engine_options options)
    : impl_(std::make_unique<impl>(io, std::move(options))) {}

engine::~engine() {
    if (impl_) {
        impl_->close_all();
    }
}

std::error_code engine::open() {
    if (impl_->open) {
        return {};
    }
    impl_->error_text.clear();
    return impl_->do_open();
}

const std::string& engine::error_text() const noexcept {
    return impl_->error_text;
}
bool engine::is_open() const noexcept {
    return impl_->open;
}
ipv4_addr engine::source() const noexcept {
    return impl_->src;
}
const std::string& engine::interface() const noexcept {
    return impl_->device;
}

void engine::submit_trace(trace_request request, std::function<void(result::trace)> done) {
    impl_->queued.emplace_back(trace_submission{std::move(request), std::move(done)});
    impl_->activate();
}

void engine::submit_ping(ping_request request, std::function<void(result::ping)> done) {
    impl_->queued.emplace_back(ping_submission{std::move(request), std::move(done)});
    impl_->activate();
}

std::size_t engine::pending() const noexcept {
    return impl_->pending();
}

void engine::on_idle(std::function<void()> callback) {
    impl_->idle_cb = std::move(callback);
}

counters engine::stats() const {
    counters c = impl_->stats;
    c.capture_drops = impl_->capture.drops();
    if (impl_->recorder) {
        const auto r = impl_->recorder->counters();
        c.pcap_recorded = r.recorded;
        c.pcap_dropped = r.dropped;
        c.pcap_write_errors = r.write_errors;
    }
    return c;
}

void engine::close() {
    impl_->close_all();
    if (impl_->recorder) {
        impl_->recorder->flush(); // the recording is complete once the engine is closed
    }
}

} // namespace tumen::probe::engine
