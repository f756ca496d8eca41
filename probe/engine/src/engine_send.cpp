// The engine's send path: rate-group wake-ups, the pump that paces sends through the global
// and group token buckets, building a job's next probe and sending it (retried when the
// socket buffer is full).
#include <algorithm>
#include <cerrno>

#include <tumen/probe/codec/probe_builder.hpp>

#include "engine_impl.hpp"
#include "realtime.hpp"

namespace tumen::probe::engine {

void engine::impl::arm_group_timer(rate_group& g, steady::time_point at) {
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

void engine::impl::release_group(rate_group& g) {
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

void engine::impl::schedule_pump() {
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
std::optional<prepared_send> engine::impl::prepare(job& j, steady::time_point now) {
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

void engine::impl::fail_job(job& j, const std::string& why) {
    if (trace_machine* t = j.trace()) {
        t->fail(why);
        finish(j.id);
    } else {
        j.ping()->on_lost(); // the series goes on
        maybe_finish_ping(j);
    }
}

void engine::impl::pump() {
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
job* engine::impl::transmit(prepared_send p, std::span<const std::uint8_t> packet) {
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
    if (recorder) {
        recorder->record(packet, p.entry.sent_clock_ns); // --pcap-out: the probe as sent
    }
    const probe_handle h = probes.insert(p.key, std::move(p.entry));
    j.probes.push_back(h);
    push_event(timer_event{steady::now() + j.wait, h.serial, j.id, h.slot}, j.wait);
    return &j;
}

void engine::impl::arm_send_timer(steady::time_point at) {
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

} // namespace tumen::probe::engine
