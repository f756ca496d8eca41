#include <algorithm>
#include <cerrno>
#include <ctime>
#include <deque>
#include <queue>
#include <unordered_map>
#include <vector>

#include <tumen/probe/codec/matcher.hpp>
#include <tumen/probe/codec/probe_builder.hpp>
#include <tumen/probe/codec/reply.hpp>
#include <tumen/probe/engine/engine.hpp>
#include <tumen/probe/engine/link_layer.hpp>
#include <tumen/probe/engine/slot_table.hpp>
#include <tumen/probe/engine/timer_queue.hpp>
#include <tumen/probe/engine/token_bucket.hpp>
#include <tumen/probe/engine/trace_machine.hpp>

#include "pcap_capture.hpp"
#include "raw_socket.hpp"

namespace tumen::probe::engine {

const char* to_string(ping_method m) noexcept {
    switch (m) {
    case ping_method::icmp:
        return "icmp";
    case ping_method::tcp_syn:
        return "tcp-syn";
    case ping_method::udp:
        return "udp";
    }
    return "icmp";
}

std::optional<ping_method> parse_ping_method(std::string_view text) noexcept {
    if (text == "icmp") {
        return ping_method::icmp;
    }
    if (text == "tcp-syn") {
        return ping_method::tcp_syn;
    }
    if (text == "udp") {
        return ping_method::udp;
    }
    return std::nullopt;
}

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

std::uint16_t default_port(codec::method m) {
    return m == codec::method::tcp_syn ? codec::default_tcp_dst_port : codec::default_udp_dst_port;
}

/// Key of the outstanding-probe table, normalised so that the fields a method cannot
/// recover from a reply are zero (ICMP: no destination port; classic udp: the identity is
/// the destination port itself).
struct probe_key {
    std::uint32_t dst = 0;
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    std::uint16_t ident = 0;
    std::uint8_t kind = 0;
    friend bool operator==(const probe_key&, const probe_key&) = default;
};

struct probe_key_hash {
    static std::uint64_t mix(std::uint64_t x) noexcept { // splitmix64 finaliser
        x ^= x >> 30;
        x *= 0xbf58476d1ce4e5b9ULL;
        x ^= x >> 27;
        x *= 0x94d049bb133111ebULL;
        x ^= x >> 31;
        return x;
    }
    std::size_t operator()(const probe_key& k) const noexcept {
        const std::uint64_t a =
            (std::uint64_t{k.dst} << 32) | (std::uint64_t{k.src_port} << 16) | k.dst_port;
        const std::uint64_t b = (std::uint64_t{k.ident} << 8) | k.kind;
        return static_cast<std::size_t>(mix(a ^ mix(b)));
    }
};

probe_key normalise(codec::method m, ipv4_addr dst, std::uint16_t src_port, std::uint16_t dst_port,
                    std::uint16_t ident) {
    probe_key k;
    k.kind = static_cast<std::uint8_t>(m);
    k.dst = dst.value;
    k.src_port = src_port;
    k.dst_port = m == codec::method::icmp_paris ? 0 : dst_port;
    k.ident = m == codec::method::udp ? 0 : ident;
    return k;
}

probe_key key_of_spec(const codec::probe_spec& s) {
    // The destination port on the wire, as the builder makes it (classic udp: base + ident).
    const std::uint16_t wire_port =
        s.kind == codec::method::icmp_paris ? 0 : codec::flow_of(s).dst_port;
    return normalise(s.kind, s.dst, s.src_port, wire_port, s.ident);
}

std::uint16_t be16(std::span<const std::uint8_t> b, std::size_t at) {
    return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
}

} // namespace

struct engine::impl {
    struct outstanding {
        std::uint64_t job = 0;
        probe_slot slot;       // traces
        std::uint32_t seq = 0; // pings
        codec::probe_spec spec;
        std::int64_t sent_clock_ns = 0;
        std::optional<std::int64_t> sent_pcap_ns;
        bool answered = false;
        bool expired = false;
    };

    /// A rate group's own token bucket and the jobs waiting for its next token.
    struct rate_group {
        rate_group(boost::asio::io_context& io, double pps)
            : bucket(pps, std::max(1.0, pps / 100.0), steady::now())
            , timer(io) {}
        token_bucket bucket;
        std::deque<std::uint64_t> blocked;
        boost::asio::steady_timer timer;
        bool timer_armed = false;
    };

    struct job {
        std::uint64_t id = 0;
        bool is_trace = true;
        codec::method method = codec::method::udp_paris;
        std::uint16_t src_port = 0;
        std::uint16_t dst_port = 0;
        ipv4_addr dst;
        std::chrono::milliseconds wait{1000};
        // trace
        std::optional<trace_machine> machine;
        std::function<void(result::trace)> trace_done;
        bool by_ttl = false; ///< hops_in_flight > 1: scheduled lowest TTL first
        std::uint16_t udp_counter = 0;
        // ping
        ping_request ping_req;
        result::ping ping;
        std::function<void(result::ping)> ping_done;
        std::uint32_t ping_next = 0;
        std::uint32_t ping_open = 0;
        steady::time_point ping_next_at{};
        // bookkeeping
        /// Its probes in the table (slot, serial), to free when it finishes.
        std::vector<std::pair<std::uint32_t, std::uint64_t>> probes;
        bool ready = false;
        rate_group* group = nullptr; ///< null: only the global bucket applies
    };

    struct timer_event {
        steady::time_point at;
        std::uint64_t serial = 0; // probe serial; 0 = wake a job
        std::uint64_t job = 0;
        std::uint32_t slot = 0; // the probe's table slot
        bool purge = false;     // forget the probe (a wait after it expired)
    };

    /// A ready job scheduled by the TTL of its next probe (then in the order it got ready).
    struct ttl_ready {
        std::uint8_t ttl = 0;
        std::uint64_t order = 0;
        std::uint64_t id = 0;
        bool operator>(const ttl_ready& o) const {
            return ttl != o.ttl ? ttl > o.ttl : order > o.order;
        }
    };

    struct pending_job {
        bool is_trace = true;
        trace_request trace;
        std::function<void(result::trace)> trace_done;
        ping_request ping;
        std::function<void(result::ping)> ping_done;
    };

    struct prepared_send {
        std::uint64_t job = 0;
        probe_key key;
        outstanding entry;
        std::vector<std::uint8_t> packet;
    };

    struct ip_id_slot {
        std::uint32_t slot = 0;
        std::uint64_t serial = 0;
    };

    impl(boost::asio::io_context& io_, engine_options o)
        : io(io_)
        , options(std::move(o))
        , bucket(options.pps, std::max(1.0, options.pps / 100.0), steady::now())
        , send_timer(io_)
        , event_timer(io_)
        , retry_timer(io_)
        , ip_ids(65536) {}

    boost::asio::io_context& io;
    engine_options options;
    token_bucket bucket;
    boost::asio::steady_timer send_timer;
    boost::asio::steady_timer event_timer;
    boost::asio::steady_timer retry_timer;
    std::optional<boost::asio::posix::stream_descriptor> capture_fd;
    raw_socket sock;
    pcap_capture capture;
    int dlt = -1;
    ipv4_addr src;
    std::string device;
    std::string error_text;
    bool open = false;

    counters stats;
    std::unordered_map<std::uint64_t, job> jobs;
    std::deque<pending_job> queued;
    /// Jobs with a probe to send: those already under way first, then new ones; FIFO within
    /// each (see make_ready).
    std::deque<std::uint64_t> ready;
    std::deque<std::uint64_t> ready_new;
    /// Traces with several probes in flight, lowest TTL first (see make_ready).
    std::priority_queue<ttl_ready, std::vector<ttl_ready>, std::greater<>> ready_by_ttl;
    std::uint64_t ready_order = 0;
    slot_table<probe_key, outstanding, probe_key_hash> table;
    timer_queue<timer_event, steady::duration> events;
    steady::time_point event_timer_at = steady::time_point::max();
    std::vector<ip_id_slot> ip_ids;
    std::optional<prepared_send> retry;
    std::function<void()> idle_cb;
    std::uint64_t next_job = 1;
    std::uint64_t next_serial = 1;
    std::uint16_t next_ip_id = 1;
    std::uint16_t next_ident = 1;
    unsigned methods_in_use = 0; // bit per codec::method
    bool pump_posted = false;
    bool send_timer_armed = false;
    bool dispatching = false;
    /// Posted handlers hold a weak reference: they do nothing once the engine is destroyed.
    std::shared_ptr<char> life = std::make_shared<char>(0);
    std::vector<std::uint8_t> buffer;
    std::unordered_map<std::string, std::unique_ptr<rate_group>> groups;

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
        if (auto ec = capture.open(device, options.capture_buffer_bytes, options.capture_outgoing,
                                   error_text)) {
            sock.close();
            return ec;
        }
        dlt = capture.datalink();
        if (!supported_link_type(dlt)) {
            error_text =
                "capture on " + device + ": unsupported link type " + std::to_string(dlt) + " (" +
                (pcap_datalink_val_to_name(dlt) ? pcap_datalink_val_to_name(dlt) : "?") + ")";
            capture.close();
            sock.close();
            return std::make_error_code(std::errc::not_supported);
        }
        if (auto ec = capture.set_filter(filter_expression(), error_text)) {
            capture.close();
            sock.close();
            return ec;
        }
        capture_fd.emplace(io, capture.selectable_fd());
        table.reserve(65536); // about pps x 2 waits entries at high rates: no rehash
        open = true;
        arm_capture();
        return {};
    }

    std::string filter_expression() const {
        const std::string s = src.to_string();
        const unsigned lo = options.src_port_base;
        const unsigned hi =
            std::min<unsigned>(65535, lo + std::max<unsigned>(options.max_flows, 1) - 1);
        const std::string range = std::to_string(lo) + "-" + std::to_string(hi);
        // Replies: any ICMP to us (errors quoting our probes, echo replies), TCP to our
        // source ports (SYN-ACK/RST from the targets' ports).
        std::string f = "(dst host " + s + " and (icmp or (tcp and dst portrange " + range + ")))";
        if (options.capture_outgoing) {
            // Our own probes leaving, for send timestamps on the capture clock.
            f += " or (src host " + s + " and ((udp and src portrange " + range +
                 ") or (tcp and src portrange " + range +
                 " and tcp[tcpflags] & tcp-syn != 0 and tcp[tcpflags] & tcp-ack == 0)"
                 " or (icmp and icmp[icmptype] == icmp-echo and icmp[4:2] >= " +
                 std::to_string(lo) + " and icmp[4:2] <= " + std::to_string(hi) + ")))";
        }
        return f;
    }

    void close_all() {
        if (dispatching) {
            // Called from a result callback inside pcap_dispatch(): stop now, free the
            // capture handle once libpcap has returned.
            open = false;
            pcap_breakloop(capture.handle());
            boost::asio::post(io, [this, alive = std::weak_ptr<char>(life)] {
                if (!alive.expired()) {
                    close_all();
                }
            });
            return;
        }
        if (capture_fd) {
            capture_fd->cancel();
            capture_fd->release(); // the fd belongs to libpcap
            capture_fd.reset();
        }
        send_timer.cancel();
        event_timer.cancel();
        retry_timer.cancel();
        for (auto& [name, g] : groups) {
            g->timer.cancel();
            g->blocked.clear();
            g->timer_armed = false;
        }
        capture.close();
        sock.close();
        jobs.clear();
        queued.clear();
        ready.clear();
        ready_new.clear();
        ready_by_ttl = {};
        table.clear();
        retry.reset();
        events.clear();
        event_timer_at = steady::time_point::max();
        send_timer_armed = false;
        open = false;
    }

    // ---------------------------------------------------------------- jobs
    std::size_t pending() const { return jobs.size() + queued.size(); }

    void activate() {
        while (!queued.empty() && jobs.size() < std::max<std::size_t>(options.window, 1)) {
            pending_job p = std::move(queued.front());
            queued.pop_front();
            const std::uint64_t id = next_job++;
            job& j = jobs[id];
            j.id = id;
            j.is_trace = p.is_trace;
            j.group = p.is_trace ? group_for(p.trace.rate_group, p.trace.group_pps)
                                 : group_for(p.ping.rate_group, p.ping.group_pps);
            if (p.is_trace) {
                trace_request& r = p.trace;
                j.method = r.method;
                j.dst = r.dst;
                j.src_port = static_cast<std::uint16_t>(options.src_port_base + r.flow);
                j.dst_port = r.dst_port != 0 ? r.dst_port : default_port(r.method);
                j.wait = r.wait;
                if (r.id.empty()) {
                    r.id = make_id(r.dst);
                }
                j.machine.emplace(r);
                j.by_ttl = r.hops_in_flight > 1;
                auto& res = j.machine->result();
                res.agent = options.agent;
                res.src = src;
                res.proto = proto_name(r.method);
                res.timestamp = std::time(nullptr);
                j.trace_done = std::move(p.trace_done);
                ++stats.traces_started;
                if (j.machine->done()) {
                    finish(id);
                    continue;
                }
            } else {
                ping_request& r = p.ping;
                j.method = codec_method(r.method);
                j.dst = r.dst;
                j.src_port = static_cast<std::uint16_t>(options.src_port_base + r.flow);
                j.dst_port = r.dst_port != 0 ? r.dst_port : default_port(j.method);
                j.wait = r.wait;
                j.ping.id = r.id.empty() ? make_id(r.dst) : r.id;
                j.ping.agent = options.agent;
                j.ping.campaign = r.campaign;
                j.ping.dst = r.dst;
                j.ping.src = src;
                j.ping.method = to_string(r.method);
                j.ping.timestamp = std::time(nullptr);
                j.ping.rtts_ms.assign(r.count, std::nullopt);
                j.ping_req = r;
                j.ping_next_at = steady::now();
                j.ping_done = std::move(p.ping_done);
                ++stats.pings_started;
                if (r.count == 0) {
                    finish(id);
                    continue;
                }
            }
            methods_in_use |= 1u << static_cast<unsigned>(j.method);
            make_ready(j, /*started=*/false);
        }
    }

    std::string make_id(ipv4_addr dst) {
        return (options.agent.empty() ? std::string("tumen") : options.agent) + "-" +
               dst.to_string() + "-" + std::to_string(realtime_ns()) + "-" +
               std::to_string(next_job);
    }

    /// Queues a job that has a probe to send. Jobs already under way (a reply or timeout
    /// moved them on) are served before new ones, in the order they became ready: traces
    /// advance as soon as they can, so their timeouts run while other probes are sent instead
    /// of all together at the end (the same probes, finished sooner under a rate cap).
    ///
    /// Traces with several probes in flight are served lowest next TTL first instead: under a
    /// rate cap the probes that hold a trace up (its low hops, above all a silent hop whose
    /// wait the trace cannot end before) go out before the hops that can already overlap a
    /// wait, so every trace's slowest wait starts as early as the rate allows.
    void make_ready(job& j, bool started = true) {
        if (!j.ready) {
            j.ready = true;
            if (j.by_ttl) {
                const auto next = j.machine->peek();
                ready_by_ttl.push(
                    ttl_ready{next ? next->ttl : std::uint8_t{255}, ready_order++, j.id});
            } else {
                (started ? ready : ready_new).push_back(j.id);
            }
            schedule_pump();
        }
    }

    bool any_ready() const noexcept {
        return !ready.empty() || !ready_new.empty() || !ready_by_ttl.empty();
    }

    /// The next job to send for. Jobs under way go first (depth-first), except when the rate
    /// is so low against the active jobs that one probe for each takes longer than a wait:
    /// then new jobs go first (breadth-first), so every trace's timeouts run early, while
    /// the rate is busy with the others, instead of holding up the end.
    std::uint64_t pop_ready() {
        if (!ready_by_ttl.empty()) {
            const std::uint64_t id = ready_by_ttl.top().id;
            ready_by_ttl.pop();
            return id;
        }
        bool take_new = ready.empty();
        if (!take_new && !ready_new.empty() && options.pps > 0) {
            const auto it = jobs.find(ready_new.front());
            const double wait_s =
                it == jobs.end() ? 0.0 : std::chrono::duration<double>(it->second.wait).count();
            take_new = static_cast<double>(jobs.size()) / options.pps >= wait_s;
        }
        auto& q = take_new ? ready_new : ready;
        const std::uint64_t id = q.front();
        q.pop_front();
        return id;
    }

    void finish(std::uint64_t id) {
        auto it = jobs.find(id);
        if (it == jobs.end()) {
            return;
        }
        job j = std::move(it->second);
        jobs.erase(it);
        for (const auto& [slot, serial] : j.probes) {
            table.erase(slot, serial); // no-op for a probe purged earlier (serial reused)
        }
        if (j.is_trace) {
            result::trace t = std::move(j.machine->result());
            t.stop = j.machine->stop();
            t.endtime = std::time(nullptr);
            ++stats.traces_done;
            ++stats.traces_by_stop[static_cast<std::size_t>(t.stop)];
            activate();
            if (j.trace_done) {
                j.trace_done(std::move(t));
            }
        } else {
            ++stats.pings_done;
            activate();
            if (j.ping_done) {
                j.ping_done(std::move(j.ping));
            }
        }
        if (pending() == 0 && idle_cb) {
            auto cb = idle_cb;
            cb();
        }
    }

    // ---------------------------------------------------------------- rate groups
    /// The group named `name` with rate `pps` (created or re-rated); null for no group.
    rate_group* group_for(const std::string& name, double pps) {
        if (name.empty() || pps <= 0) {
            return nullptr;
        }
        auto& g = groups[name];
        if (!g) {
            g = std::make_unique<rate_group>(io, pps);
        } else if (g->bucket.rate() != pps) {
            g->bucket = token_bucket(pps, std::max(1.0, pps / 100.0), steady::now());
        }
        return g.get();
    }

    /// The job has a probe to send but its group has no token: park it until one comes.
    void block_on_group(job& j, steady::time_point now) {
        j.group->blocked.push_back(j.id);
        arm_group_timer(*j.group, now + j.group->bucket.until_next(now));
    }

    void arm_group_timer(rate_group& g, steady::time_point at) {
        if (g.timer_armed) {
            return;
        }
        g.timer_armed = true;
        g.timer.expires_at(at);
        g.timer.async_wait([this, gp = &g](boost::system::error_code e) {
            if (e == boost::asio::error::operation_aborted) {
                return; // cancelled by close() or destruction: do not touch *this
            }
            gp->timer_armed = false;
            if (!e) {
                release_group(*gp);
            }
        });
    }

    /// Makes as many parked jobs ready as the group has tokens (at least one), oldest first.
    void release_group(rate_group& g) {
        const auto now = steady::now();
        auto n = std::max<std::size_t>(1, static_cast<std::size_t>(g.bucket.available(now)));
        while (n > 0 && !g.blocked.empty()) {
            const std::uint64_t id = g.blocked.front();
            g.blocked.pop_front();
            if (auto it = jobs.find(id); it != jobs.end() && !it->second.ready) {
                make_ready(it->second);
                --n;
            }
        }
        if (!g.blocked.empty()) {
            // Next look after one token's time: the jobs just released take what is there.
            const auto step = std::chrono::duration_cast<steady::duration>(
                std::chrono::duration<double>(1.0 / g.bucket.rate()));
            arm_group_timer(g, now + std::max(step, steady::duration(1)));
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
        if (j.is_trace) {
            auto slot = j.machine->next();
            if (!slot) {
                return std::nullopt;
            }
            spec.ttl = slot->ttl;
            e.slot = *slot;
        } else {
            if (j.ping_next >= j.ping_req.count) {
                return std::nullopt;
            }
            if (now + event_slack < j.ping_next_at) {
                push_event(timer_event{j.ping_next_at, 0, j.id, 0}, steady::duration::zero());
                return std::nullopt;
            }
            spec.ttl = j.ping_req.ttl;
            e.seq = j.ping_next++;
            j.ping_next_at = now + j.ping_req.interval;
            ++j.ping.sent;
            ++j.ping_open;
        }
        // Identity: unique among the flow's outstanding probes.
        probe_key key;
        for (int tries = 0; tries < 64; ++tries) {
            if (j.method == codec::method::udp) {
                // Classic traceroute: destination port = base + identity (kept in port range).
                const unsigned room = std::max(1u, 65535u - j.dst_port);
                spec.ident = static_cast<std::uint16_t>(1 + (j.udp_counter++ % room));
            } else {
                // Skip 0 and 0xffff: a udp-paris checksum of ident + 1 must not be 0 (RFC 768).
                if (next_ident == 0 || next_ident == 0xffff) {
                    next_ident = 1;
                }
                spec.ident = next_ident++;
            }
            key = key_of_spec(spec);
            if (!table.contains(key)) {
                break;
            }
        }
        spec.ip_id = next_ip_id++;
        if (next_ip_id == 0) {
            next_ip_id = 1;
        }
        e.spec = spec;
        prepared_send p;
        p.job = j.id;
        p.key = key;
        p.entry = e;
        // Built into the engine's reusable buffer; copied only if the send must be retried.
        if (auto ec = codec::build_probe(spec, buffer)) {
            fail_job(j, "build_probe: " + ec.message());
            return std::nullopt;
        }
        return p;
    }

    void fail_job(job& j, const std::string& why) {
        if (j.is_trace) {
            j.machine->fail(why);
            finish(j.id);
        } else {
            // The probe counts as lost; the series goes on.
            if (j.ping_open > 0) {
                --j.ping_open;
            }
            maybe_finish_ping(j);
        }
    }

    void pump() {
        if (!open) {
            return;
        }
        int budget = 512; // yield to the capture after this many sends
        while (!retry && any_ready()) {
            const auto now = steady::now();
            if (budget-- == 0) {
                schedule_pump();
                return;
            }
            if (bucket.until_next(now) > steady::duration::zero()) {
                arm_send_timer(now + bucket.until_next(now));
                return;
            }
            const std::uint64_t id = pop_ready();
            auto it = jobs.find(id);
            if (it == jobs.end()) {
                continue;
            }
            job& j = it->second;
            j.ready = false;
            if (j.group && j.group->bucket.until_next(now) > steady::duration::zero()) {
                block_on_group(j, now);
                continue;
            }
            auto p = prepare(j, now);
            if (!p) {
                continue;
            }
            (void)bucket.take(now);
            if (j.group) {
                (void)j.group->bucket.take(now);
            }
            // A ping may have more to send later; a trace may have another hop to send now
            // (hops_in_flight > 1), else it waits for a reply or timeout.
            if (job* after = transmit(std::move(*p), buffer)) {
                job& aj = *after;
                if (!aj.is_trace) {
                    if (aj.ping_next < aj.ping_req.count) {
                        push_event(timer_event{aj.ping_next_at, 0, aj.id, 0}, aj.ping_req.interval);
                    }
                } else if (aj.machine->peek()) {
                    make_ready(aj);
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
        const std::uint64_t serial = next_serial++;
        const std::uint16_t ip_id = p.entry.spec.ip_id;
        const auto slot = table.insert(p.key, serial, std::move(p.entry));
        ip_ids[ip_id] = ip_id_slot{slot, serial};
        j.probes.emplace_back(slot, serial);
        push_event(timer_event{steady::now() + j.wait, serial, j.id, slot}, j.wait);
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
                if (auto jt = jobs.find(ev.job); jt != jobs.end()) {
                    make_ready(jt->second);
                }
                continue;
            }
            // A finished job's probes have left the table already.
            outstanding* pt = table.at(ev.slot, ev.serial);
            if (pt == nullptr) {
                continue;
            }
            if (ev.purge || pt->answered) {
                // Answered and its wait is over, or expired a wait ago: later copies count as
                // unmatched. Keeps the table at about pps x 2 waits entries.
                table.erase(ev.slot, ev.serial);
                continue;
            }
            if (pt->expired) {
                continue;
            }
            auto jt = jobs.find(ev.job);
            if (jt == jobs.end()) {
                continue;
            }
            job& j = jt->second;
            pt->expired = true;
            // Kept one more wait so that a late reply is recognised (and counted) as late.
            push_event(timer_event{now + j.wait, ev.serial, ev.job, ev.slot, true}, j.wait);
            if (j.is_trace) {
                j.machine->on_timeout(pt->slot);
                if (j.machine->done()) {
                    finish(j.id);
                } else {
                    make_ready(j);
                }
            } else {
                if (j.ping_open > 0) {
                    --j.ping_open;
                }
                maybe_finish_ping(j);
            }
        }
        if (!events.empty()) {
            arm_event_timer(events.top().at);
        }
    }

    void maybe_finish_ping(job& j) {
        if (j.ping_next >= j.ping_req.count && j.ping_open == 0) {
            finish(j.id);
        }
    }

    // ---------------------------------------------------------------- capture
    void arm_capture() {
        if (!capture_fd) {
            return;
        }
        capture_fd->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                               [this](boost::system::error_code e) {
                                   if (e || !open) {
                                       return;
                                   }
                                   drain_capture();
                                   arm_capture();
                               });
    }

    static void on_packet(u_char* user, const pcap_pkthdr* h, const u_char* bytes) {
        auto* self = reinterpret_cast<impl*>(user);
        self->handle_frame(h, bytes);
    }

    void drain_capture() {
        for (int rounds = 0; rounds < 64 && open; ++rounds) {
            dispatching = true;
            const int n = pcap_dispatch(capture.handle(), 512, &impl::on_packet,
                                        reinterpret_cast<u_char*>(this));
            dispatching = false;
            if (n <= 0) {
                break;
            }
        }
    }

    void handle_frame(const pcap_pkthdr* h, const u_char* bytes) {
        if (!open) {
            return;
        }
        ++stats.packets_captured;
        const std::int64_t ts =
            static_cast<std::int64_t>(h->ts.tv_sec) * 1'000'000'000 +
            static_cast<std::int64_t>(h->ts.tv_usec) * (capture.nano() ? 1 : 1000);
        auto payload = ipv4_payload(dlt, std::span<const std::uint8_t>(bytes, h->caplen));
        if (!payload) {
            ++stats.decode_errors;
            return;
        }
        const auto ip = payload->ip;
        if (ip.size() < 20) {
            ++stats.decode_errors;
            return;
        }
        const ipv4_addr ip_src{(std::uint32_t{ip[12]} << 24) | (std::uint32_t{ip[13]} << 16) |
                               (std::uint32_t{ip[14]} << 8) | ip[15]};
        if (payload->direction == link_direction::outgoing || ip_src == src) {
            handle_outgoing(ip, ts);
            return;
        }
        auto decoded = codec::decode_reply(ip, std::chrono::nanoseconds(ts));
        if (!decoded) {
            ++stats.decode_errors;
            return;
        }
        handle_reply(*decoded.value);
    }

    void handle_outgoing(std::span<const std::uint8_t> ip, std::int64_t ts) {
        const auto& id = ip_ids[be16(ip, 4)];
        outstanding* e = table.at(id.slot, id.serial);
        if (e == nullptr) {
            return;
        }
        ++stats.outgoing_captured;
        if (!e->answered && !e->sent_pcap_ns) {
            e->sent_pcap_ns = ts;
        }
    }

    void handle_reply(const codec::reply& r) {
        for (unsigned m = 0; m < 4; ++m) {
            if ((methods_in_use & (1u << m)) == 0) {
                continue;
            }
            const auto method = static_cast<codec::method>(m);
            auto k = codec::key_of(r, method, codec::default_udp_dst_port);
            if (!k) {
                continue;
            }
            const probe_key key = normalise(method, k->dst, k->src_port, k->dst_port, k->ident);
            outstanding* found = table.find(key);
            if (found == nullptr) {
                continue;
            }
            outstanding& e = *found;
            const auto verdict = codec::check(e.spec, r);
            if (!verdict.matched) {
                continue;
            }
            deliver(e, r, verdict.nat);
            return;
        }
        ++stats.replies_unmatched;
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
        auto jt = jobs.find(e.job);
        if (jt == jobs.end()) {
            ++stats.replies_unmatched;
            return;
        }
        e.answered = true;
        ++stats.replies_matched;
        const std::int64_t sent = e.sent_pcap_ns.value_or(e.sent_clock_ns);
        const double rtt =
            std::max<double>(0.0, static_cast<double>(r.timestamp.count() - sent) / 1e6);
        job& j = jt->second;
        auto c = classify_reply(r, j.dst, rtt, nat);
        if (j.is_trace) {
            j.machine->on_reply(e.slot, std::move(c.hop), c.meaning);
            if (j.machine->done()) {
                finish(j.id);
            } else {
                make_ready(j);
            }
        } else {
            if (c.meaning == reply_meaning::destination && e.seq < j.ping.rtts_ms.size() &&
                !j.ping.rtts_ms[e.seq]) {
                j.ping.rtts_ms[e.seq] = rtt;
                ++j.ping.received;
            }
            if (j.ping_open > 0) {
                --j.ping_open;
            }
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
    impl::pending_job p;
    p.is_trace = true;
    p.trace = std::move(request);
    p.trace_done = std::move(done);
    impl_->queued.push_back(std::move(p));
    impl_->activate();
}

void engine::submit_ping(ping_request request, std::function<void(result::ping)> done) {
    impl::pending_job p;
    p.is_trace = false;
    p.ping = std::move(request);
    p.ping_done = std::move(done);
    impl_->queued.push_back(std::move(p));
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
