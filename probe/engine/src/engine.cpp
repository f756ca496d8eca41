// The engine's wiring: the Asio loop, the raw socket and the glue between the parts, each in
// its own file: jobs are trace_machine or ping_machine, the send_scheduler picks the next
// job and paces it, the probe_table holds the outstanding probes and matches replies, the
// capture_source delivers frames. Here: opening, admission (window), send and retry,
// timer events (timeouts, ping intervals) and delivering matched replies.
#include <algorithm>
#include <cerrno>
#include <ctime>
#include <deque>
#include <unordered_map>
#include <variant>
#include <vector>

#include <tumen/probe/codec/probe_builder.hpp>
#include <tumen/probe/codec/probe_key.hpp>
#include <tumen/probe/codec/reply.hpp>
#include <tumen/probe/engine/engine.hpp>
#include <tumen/probe/engine/ping_machine.hpp>
#include <tumen/probe/engine/probe_table.hpp>
#include <tumen/probe/engine/send_scheduler.hpp>
#include <tumen/probe/engine/timer_queue.hpp>
#include <tumen/probe/engine/trace_machine.hpp>

#include "capture_source.hpp"
#include "raw_socket.hpp"

namespace tumen::probe::engine {

namespace {

using steady = std::chrono::steady_clock;

/// Timer events (timeouts, ping intervals) this close together are handled in one wake-up:
/// at high probe rates one timer re-arm per batch instead of one per probe. An event runs at
/// most this much early or late; waits and intervals are milliseconds or more.
constexpr steady::duration event_slack = std::chrono::microseconds(100);

std::int64_t realtime_ns() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

const char* proto_name(codec::method m) {
    switch (codec::ip_protocol(m)) {
    case 1:
        return "ICMP";
    case 6:
        return "TCP";
    default:
        return "UDP";
    }
}

codec::method codec_method(ping_method m) {
    switch (m) {
    case ping_method::icmp:
        return codec::method::icmp_paris;
    case ping_method::tcp_syn:
        return codec::method::tcp_syn;
    case ping_method::udp:
        return codec::method::udp_paris;
    }
    return codec::method::icmp_paris;
}

struct trace_job {
    trace_machine machine;
    std::function<void(result::trace)> done;
};

struct ping_job {
    ping_machine machine;
    std::function<void(result::ping)> done;
};

/// An active trace or ping series and what its probes have in common.
struct job {
    job(std::uint64_t id_, std::variant<trace_job, ping_job> work_)
        : id(id_)
        , work(std::move(work_)) {}

    std::uint64_t id = 0;
    codec::method method = codec::method::udp_paris;
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    ipv4_addr dst;
    std::chrono::milliseconds wait{1000};
    std::variant<trace_job, ping_job> work;
    bool by_ttl = false; ///< hops_in_flight > 1: scheduled lowest TTL first
    std::uint16_t udp_counter = 0;
    /// Its probes in the table, to free when it finishes.
    std::vector<probe_handle> probes;
    bool ready = false;
    rate_group* group = nullptr; ///< null: only the global bucket applies

    trace_machine* trace() noexcept {
        auto* t = std::get_if<trace_job>(&work);
        return t ? &t->machine : nullptr;
    }
    ping_machine* ping() noexcept {
        auto* p = std::get_if<ping_job>(&work);
        return p ? &p->machine : nullptr;
    }
    bool done() noexcept { return trace() ? trace()->done() : ping()->done(); }
};

struct trace_submission {
    trace_request request;
    std::function<void(result::trace)> done;
};
struct ping_submission {
    ping_request request;
    std::function<void(result::ping)> done;
};
using submission = std::variant<trace_submission, ping_submission>;

struct timer_event {
    steady::time_point at;
    std::uint64_t serial = 0; // probe serial; 0 = wake a job
    std::uint64_t job = 0;
    std::uint32_t slot = 0; // the probe's table slot
    bool purge = false;     // forget the probe (a wait after it expired)
};

struct prepared_send {
    std::uint64_t job = 0;
    codec::probe_key key;
    outstanding entry;
    std::vector<std::uint8_t> packet;
};

} // namespace

struct engine::impl {
    impl(boost::asio::io_context& io_, engine_options o)
        : io(io_)
        , options(std::move(o))
        , sched(options.pps, steady::now())
        , send_timer(io_)
        , event_timer(io_)
        , retry_timer(io_)
        , capture(io_) {}

    boost::asio::io_context& io;
    engine_options options;
    send_scheduler sched;
    boost::asio::steady_timer send_timer;
    boost::asio::steady_timer event_timer;
    boost::asio::steady_timer retry_timer;
    std::unordered_map<const rate_group*, boost::asio::steady_timer> group_timers;
    raw_socket sock;
    capture_source capture;
    ipv4_addr src;
    std::string device;
    std::string error_text;
    bool open = false;

    counters stats;
    std::unordered_map<std::uint64_t, job> jobs;
    std::deque<submission> queued;
    probe_table probes;
    timer_queue<timer_event, steady::duration> events;
    steady::time_point event_timer_at = steady::time_point::max();
    std::optional<prepared_send> retry;
    std::function<void()> idle_cb;
    std::uint64_t next_job = 1;
    bool pump_posted = false;
    bool send_timer_armed = false;
    /// Posted handlers hold a weak reference: they do nothing once the engine is destroyed.
    std::shared_ptr<char> life = std::make_shared<char>(0);
    std::vector<std::uint8_t> buffer;

    // ---------------------------------------------------------------- opening
    std::error_code do_open() {
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
        const unsigned lo = options.src_port_base;
        const unsigned hi =
            std::min<unsigned>(65535, lo + std::max<unsigned>(options.max_flows, 1) - 1);
        if (auto ec =
                capture.open(device, options.capture_buffer_bytes, options.capture_outgoing,
                             capture_filter(src, lo, hi, options.capture_outgoing), error_text)) {
            sock.close();
            return ec;
        }
        probes.reserve(65536); // about pps x 2 waits entries at high rates: no rehash
        open = true;
        arm_capture();
        return {};
    }

    void close_all() {
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
        send_timer.cancel();
        event_timer.cancel();
        retry_timer.cancel();
        for (auto& [g, timer] : group_timers) {
            timer.cancel();
        }
        sched.clear();
        capture.close();
        sock.close();
        jobs.clear();
        queued.clear();
        probes.clear();
        retry.reset();
        events.clear();
        event_timer_at = steady::time_point::max();
        send_timer_armed = false;
        open = false;
    }

    // ---------------------------------------------------------------- admission
    std::size_t pending() const { return jobs.size() + queued.size(); }

    void activate() {
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

    job& add_job(std::uint64_t id, std::variant<trace_job, ping_job> work, codec::method m,
                 ipv4_addr dst, std::uint16_t flow, std::uint16_t dst_port,
                 std::chrono::milliseconds wait, rate_group* group) {
        job& j = jobs.emplace(id, job(id, std::move(work))).first->second;
        j.group = group;
        j.method = m;
        j.dst = dst;
        j.src_port = static_cast<std::uint16_t>(options.src_port_base + flow);
        j.dst_port = dst_port != 0 ? dst_port : codec::default_dst_port(m);
        j.wait = wait;
        return j;
    }

    job& start(std::uint64_t id, trace_submission& s) {
        trace_request& r = s.request;
        rate_group* group = sched.group_for(r.rate_group, r.group_pps, steady::now());
        if (r.id.empty()) {
            r.id = make_id(r.dst);
        }
        job& j = add_job(id, trace_job{trace_machine(r), std::move(s.done)}, r.method, r.dst,
                         r.flow, r.dst_port, r.wait, group);
        j.by_ttl = r.hops_in_flight > 1;
        auto& res = j.trace()->result();
        res.agent = options.agent;
        res.src = src;
        res.proto = proto_name(r.method);
        res.timestamp = std::time(nullptr);
        ++stats.traces_started;
        return j;
    }

    job& start(std::uint64_t id, ping_submission& s) {
        const ping_request& r = s.request;
        rate_group* group = sched.group_for(r.rate_group, r.group_pps, steady::now());
        ping_machine m(r, steady::now());
        auto& res = m.result();
        res.id = r.id.empty() ? make_id(r.dst) : r.id;
        res.agent = options.agent;
        res.src = src;
        res.timestamp = std::time(nullptr);
        job& j = add_job(id, ping_job{std::move(m), std::move(s.done)}, codec_method(r.method),
                         r.dst, r.flow, r.dst_port, r.wait, group);
        ++stats.pings_started;
        return j;
    }

    std::string make_id(ipv4_addr dst) {
        return (options.agent.empty() ? std::string("tumen") : options.agent) + "-" +
               dst.to_string() + "-" + std::to_string(realtime_ns()) + "-" +
               std::to_string(next_job);
    }

    /// Queues a job that has a probe to send (order: see send_scheduler.hpp).
    void make_ready(job& j, bool started = true) {
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

    void finish(std::uint64_t id) {
        auto it = jobs.find(id);
        if (it == jobs.end()) {
            return;
        }
        job j = std::move(it->second);
        jobs.erase(it);
        for (const auto& p : j.probes) {
            probes.erase(p.slot, p.serial); // no-op for a probe purged earlier (serial reused)
        }
        if (auto* t = std::get_if<trace_job>(&j.work)) {
            result::trace res = std::move(t->machine.result());
            res.stop = t->machine.stop();
            res.endtime = std::time(nullptr);
            ++stats.traces_done;
            ++stats.traces_by_stop[static_cast<std::size_t>(res.stop)];
            activate();
            if (t->done) {
                t->done(std::move(res));
            }
        } else {
            auto& p = std::get<ping_job>(j.work);
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

    // ---------------------------------------------------------------- rate groups
    void arm_group_timer(rate_group& g, steady::time_point at) {
        if (g.timer_armed) {
            return;
        }
        g.timer_armed = true;
        auto& timer = group_timers.try_emplace(&g, io).first->second;
        timer.expires_at(at);
        timer.async_wait([this, gp = &g](boost::system::error_code e) {
            if (e == boost::asio::error::operation_aborted) {
                return; // cancelled by close() or destruction: do not touch *this
            }
            gp->timer_armed = false;
            if (!e) {
                release_group(*gp);
            }
        });
    }

    void release_group(rate_group& g) {
        const auto again = sched.release(g, steady::now(), [this](std::uint64_t id) {
            auto it = jobs.find(id);
            if (it == jobs.end() || it->second.ready) {
                return false;
            }
            make_ready(it->second);
            return true;
        });
        if (again) {
            arm_group_timer(g, *again);
        }
    }

    // ---------------------------------------------------------------- sending
    void schedule_pump() {
        if (pump_posted || send_timer_armed || retry) {
            return;
        }
        pump_posted = true;
        boost::asio::post(io, [this, alive = std::weak_ptr<char>(life)] {
            if (alive.expired()) {
                return; // the engine is gone
            }
            pump_posted = false;
            pump();
        });
    }

    /// Builds the job's next probe, or nullopt when it has none to send right now.
    std::optional<prepared_send> prepare(job& j, steady::time_point now) {
        codec::probe_spec spec;
        spec.kind = j.method;
        spec.src = src;
        spec.dst = j.dst;
        spec.src_port = j.src_port;
        spec.dst_port = j.dst_port;
        outstanding e;
        e.job = j.id;
        if (trace_machine* t = j.trace()) {
            auto slot = t->next();
            if (!slot) {
                return std::nullopt;
            }
            spec.ttl = slot->ttl;
            e.slot = *slot;
        } else {
            ping_machine& p = *j.ping();
            if (!p.has_next()) {
                return std::nullopt;
            }
            if (now + event_slack < p.next_at()) {
                push_event(timer_event{p.next_at(), 0, j.id, 0}, steady::duration::zero());
                return std::nullopt;
            }
            spec.ttl = p.ttl();
            e.seq = p.take(now);
        }
        const codec::probe_key key = probes.assign_identity(spec, j.udp_counter);
        e.spec = spec;
        // Built into the engine's reusable buffer; copied only if the send must be retried.
        if (auto ec = codec::build_probe(spec, buffer)) {
            fail_job(j, "build_probe: " + ec.message());
            return std::nullopt;
        }
        return prepared_send{j.id, key, e, {}};
    }

    void fail_job(job& j, const std::string& why) {
        if (trace_machine* t = j.trace()) {
            t->fail(why);
            finish(j.id);
        } else {
            j.ping()->on_lost(); // the series goes on
            maybe_finish_ping(j);
        }
    }

    void pump() {
        if (!open) {
            return;
        }
        int budget = 512; // yield to the capture after this many sends
        const auto wait_of = [this](std::uint64_t id) {
            const auto it = jobs.find(id);
            return it == jobs.end() ? std::chrono::milliseconds(0) : it->second.wait;
        };
        while (!retry && sched.any_ready()) {
            const auto now = steady::now();
            if (budget-- == 0) {
                schedule_pump();
                return;
            }
            if (sched.bucket().until_next(now) > steady::duration::zero()) {
                arm_send_timer(now + sched.bucket().until_next(now));
                return;
            }
            job* jp = find_job(sched.pop(jobs.size(), wait_of));
            if (jp == nullptr) {
                continue;
            }
            job& j = *jp;
            j.ready = false;
            if (j.group && j.group->bucket.until_next(now) > steady::duration::zero()) {
                arm_group_timer(*j.group, sched.block(*j.group, j.id, now));
                continue;
            }
            auto p = prepare(j, now);
            if (!p) {
                continue;
            }
            (void)sched.bucket().take(now);
            if (j.group) {
                (void)j.group->bucket.take(now);
            }
            // A ping may have more to send later; a trace may have another hop to send now
            // (hops_in_flight > 1), else it waits for a reply or timeout.
            if (job* after = transmit(std::move(*p), buffer)) {
                if (ping_machine* pm = after->ping()) {
                    if (pm->has_next()) {
                        push_event(timer_event{pm->next_at(), 0, after->id, 0}, pm->interval());
                    }
                } else if (after->trace()->peek()) {
                    make_ready(*after);
                }
            }
        }
    }

    /// Sends a prepared probe and records it; returns its job if the job is still there.
    job* transmit(prepared_send p, std::span<const std::uint8_t> packet) {
        const auto ec = sock.send(packet, p.entry.spec.dst);
        if (ec && (ec.value() == EAGAIN || ec.value() == EWOULDBLOCK || ec.value() == ENOBUFS)) {
            ++stats.send_retries;
            job* owner = find_job(p.job);
            p.packet.assign(packet.begin(), packet.end());
            retry = std::move(p);
            retry_timer.expires_after(std::chrono::microseconds(200));
            retry_timer.async_wait([this](boost::system::error_code e) {
                if (e || !retry) {
                    return;
                }
                prepared_send again = std::move(*retry);
                retry.reset();
                if (!jobs.contains(again.job)) {
                    schedule_pump();
                    return;
                }
                std::vector<std::uint8_t> bytes = std::move(again.packet);
                transmit(std::move(again), bytes);
                schedule_pump();
            });
            return owner;
        }
        job* owner = find_job(p.job);
        if (owner == nullptr) {
            return nullptr;
        }
        job& j = *owner;
        if (ec) {
            ++stats.send_errors;
            fail_job(j, "sendto " + p.entry.spec.dst.to_string() + ": " + ec.message());
            return find_job(p.job); // a failed trace is finished; a ping series goes on
        }
        ++stats.probes_sent;
        p.entry.sent_clock_ns = realtime_ns();
        if (stats.first_send_ns == 0) {
            stats.first_send_ns = p.entry.sent_clock_ns;
        }
        stats.last_send_ns = p.entry.sent_clock_ns;
        const probe_handle h = probes.insert(p.key, std::move(p.entry));
        j.probes.push_back(h);
        push_event(timer_event{steady::now() + j.wait, h.serial, j.id, h.slot}, j.wait);
        return &j;
    }

    job* find_job(std::uint64_t id) {
        auto it = jobs.find(id);
        return it == jobs.end() ? nullptr : &it->second;
    }

    void arm_send_timer(steady::time_point at) {
        if (send_timer_armed) {
            return;
        }
        send_timer_armed = true;
        send_timer.expires_at(at);
        send_timer.async_wait([this](boost::system::error_code e) {
            if (e == boost::asio::error::operation_aborted) {
                return; // cancelled by close() or destruction: do not touch *this
            }
            send_timer_armed = false;
            if (!e) {
                pump();
            }
        });
    }

    // ---------------------------------------------------------------- timeouts
    /// Schedules `ev`, due "now + `delay`" (zero: a one-off time; see timer_queue).
    void push_event(timer_event ev, steady::duration delay) {
        const auto at = ev.at;
        events.push(ev, delay);
        arm_event_timer(at);
    }

    /// Makes sure a wake-up comes by `at`; one already due within the slack after `at` will
    /// handle it.
    void arm_event_timer(steady::time_point at) {
        if (at + event_slack >= event_timer_at) {
            return;
        }
        event_timer_at = at;
        event_timer.expires_at(at);
        event_timer.async_wait([this](boost::system::error_code e) {
            if (e == boost::asio::error::operation_aborted) {
                return;
            }
            event_timer_at = steady::time_point::max();
            run_events();
        });
    }

    void run_events() {
        const auto now = steady::now();
        while (!events.empty() && events.top().at <= now + event_slack) {
            timer_event ev = events.top();
            events.pop();
            if (ev.serial == 0) { // ping interval elapsed
                if (job* j = find_job(ev.job)) {
                    make_ready(*j);
                }
                continue;
            }
            // A finished job's probes have left the table already.
            outstanding* pt = probes.at(ev.slot, ev.serial);
            if (pt == nullptr) {
                continue;
            }
            if (ev.purge || pt->answered) {
                // Answered and its wait is over, or expired a wait ago: later copies count as
                // unmatched. Keeps the table at about pps x 2 waits entries.
                probes.erase(ev.slot, ev.serial);
                continue;
            }
            if (pt->expired) {
                continue;
            }
            job* jp = find_job(ev.job);
            if (jp == nullptr) {
                continue;
            }
            job& j = *jp;
            pt->expired = true;
            // Kept one more wait so that a late reply is recognised (and counted) as late.
            push_event(timer_event{now + j.wait, ev.serial, ev.job, ev.slot, true}, j.wait);
            if (trace_machine* t = j.trace()) {
                t->on_timeout(pt->slot);
                trace_moved_on(j);
            } else {
                j.ping()->on_timeout();
                maybe_finish_ping(j);
            }
        }
        if (!events.empty()) {
            arm_event_timer(events.top().at);
        }
    }

    void trace_moved_on(job& j) {
        if (j.trace()->done()) {
            finish(j.id);
        } else {
            make_ready(j);
        }
    }

    void maybe_finish_ping(job& j) {
        if (j.ping()->done()) {
            finish(j.id);
        }
    }

    // ---------------------------------------------------------------- capture
    void arm_capture() {
        capture.async_wait([this](boost::system::error_code e) {
            if (e || !open) {
                return;
            }
            auto on_frame = [this](const captured_frame& f) { handle_frame(f); };
            capture.drain(on_frame, open);
            arm_capture();
        });
    }

    void handle_frame(const captured_frame& f) {
        if (!open) {
            return;
        }
        ++stats.packets_captured;
        const auto head = f.payload ? codec::peek_ipv4(f.payload->ip) : std::nullopt;
        if (!head) {
            ++stats.decode_errors;
            return;
        }
        if (f.payload->direction == link_direction::outgoing || head->src == src) {
            // Our own probe leaving: its send time on the capture clock.
            outstanding* e = probes.by_ip_id(head->id);
            if (e != nullptr) {
                ++stats.outgoing_captured;
                if (!e->answered && !e->sent_pcap_ns) {
                    e->sent_pcap_ns = f.ts_ns;
                }
            }
            return;
        }
        auto decoded = codec::decode_reply(f.payload->ip, std::chrono::nanoseconds(f.ts_ns));
        if (!decoded) {
            ++stats.decode_errors;
            return;
        }
        const codec::reply& r = *decoded.value;
        if (auto m = probes.match(r)) {
            deliver(*m->first, r, m->second);
        } else {
            ++stats.replies_unmatched;
        }
    }

    void deliver(outstanding& e, const codec::reply& r, bool nat) {
        if (e.answered) {
            ++stats.replies_duplicate;
            return;
        }
        if (e.expired) {
            // Arrived after the wait: the attempt was already recorded as "*".
            ++stats.replies_late;
            return;
        }
        job* jp = find_job(e.job);
        if (jp == nullptr) {
            ++stats.replies_unmatched;
            return;
        }
        e.answered = true;
        ++stats.replies_matched;
        const std::int64_t sent = e.sent_pcap_ns.value_or(e.sent_clock_ns);
        const double rtt =
            std::max<double>(0.0, static_cast<double>(r.timestamp.count() - sent) / 1e6);
        job& j = *jp;
        auto c = classify_reply(r, j.dst, rtt, nat);
        if (trace_machine* t = j.trace()) {
            t->on_reply(e.slot, std::move(c.hop), c.meaning);
            trace_moved_on(j);
        } else {
            j.ping()->on_reply(e.seq, rtt, c.meaning == reply_meaning::destination);
            maybe_finish_ping(j);
        }
    }
};

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
    return c;
}

void engine::close() {
    impl_->close_all();
}

} // namespace tumen::probe::engine
