// The engine's send path: rate-group wake-ups, the pump that paces sends through the global
// and group token buckets, building a job's next probe into a batch and sending the batch
// with one sendmmsg() (probes the kernel refuses for now are retried in order).
#include <algorithm>
#include <array>
#include <cerrno>
#include <iterator>

#include <tumen/probe/codec/probe_template.hpp>

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
    if (pump_posted || events.send_wake_pending() || !retry.empty()) {
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

/// Builds the job's next probe into `out`; false when it has none to send right now.
bool engine::impl::prepare(job& j, steady::time_point now, prepared_send& out) {
    codec::probe_spec spec;
    spec.kind = j.method;
    spec.src = src;
    spec.dst = j.dst();
    spec.src_port = j.src_port;
    spec.dst_port = j.dst_port;
    outstanding e;
    e.job = j.id;
    if (trace_machine* t = j.trace()) {
        auto slot = t->next();
        if (!slot) {
            return false;
        }
        spec.ttl = slot->ttl;
        e.slot = *slot;
    } else {
        ping_machine& p = *j.ping();
        if (!p.has_next()) {
            return false;
        }
        if (now + event_slack < p.next_at()) {
            push_event(timer_event::job_wake(p.next_at(), j.id), steady::duration::zero());
            return false;
        }
        spec.ttl = p.ttl();
        e.seq = p.take(now);
    }
    out.key = probes.assign_identity(spec, j.udp_counter);
    out.job = j.id;
    e.spec = spec;
    out.entry = e;
    if (j.probe_bytes == nullptr) {
        std::error_code ec;
        j.probe_bytes = template_for(spec, ec);
        if (ec) {
            fail_job(j, "probe template: " + ec.message());
            return false;
        }
        ++j.probe_bytes->users; // until finish()
    }
    // Into the batch slot's buffer, whose capacity stays from one probe to the next.
    if (auto ec = j.probe_bytes->bytes.fill(spec, out.packet)) {
        fail_job(j, "build_probe: " + ec.message());
        return false;
    }
    return true;
}

shared_template* engine::impl::template_for(const codec::probe_spec& spec, std::error_code& ec) {
    if (spec.src.value == 0 || spec.dst.value == 0) {
        // As probe_template::make() refuses them (a shared template was made for another dst).
        ec = std::make_error_code(std::errc::invalid_argument);
        return nullptr;
    }
    const std::uint64_t key = std::uint64_t{static_cast<std::uint8_t>(spec.kind)} << 48 |
                              std::uint64_t{spec.src_port} << 32 |
                              std::uint64_t{spec.dst_port} << 16 | spec.length;
    if (auto it = templates.find(key); it != templates.end()) {
        return &it->second;
    }
    if (templates.size() >= 2 * std::max<std::size_t>(templates_swept_at, 16)) {
        // Forget the templates no job holds any more (amortised: once per doubling).
        std::erase_if(templates, [](const auto& t) { return t.second.users == 0; });
        templates_swept_at = templates.size();
    }
    shared_template made;
    if ((ec = codec::probe_template::make(spec, made.bytes))) {
        return nullptr;
    }
    return &templates.emplace(key, std::move(made)).first->second;
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

void engine::impl::after_prepare(job& j) {
    if (ping_machine* pm = j.ping()) {
        if (pm->has_next()) {
            push_event(timer_event::job_wake(pm->next_at(), j.id), pm->interval());
        }
    } else if (j.trace()->peek()) {
        make_ready(j); // hops_in_flight > 1: another hop can go now
    }
}

void engine::impl::pump() {
    if (!open) {
        return;
    }
    int budget = 512; // yield to the capture after this many sends
    const auto wait_of = [this](std::uint64_t id) {
        const auto it = jobs.find(id);
        return it == jobs.end() ? std::chrono::milliseconds(0)
                                : std::chrono::milliseconds(it->second.wait);
    };
    while (retry.empty() && sched.any_ready()) {
        const auto now = steady::now();
        if (budget-- == 0) {
            schedule_pump();
            break;
        }
        if (sched.bucket().until_next(now) > steady::duration::zero()) {
            events.wake_to_send(sched.next_wake(now), sched.wake_period());
            break;
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
        if (!prepare(j, now, batch[batch_size])) {
            continue;
        }
        ++batch_size;
        (void)sched.bucket().take(now);
        if (j.group) {
            (void)j.group->bucket.take(now);
        }
        // A ping may have more to send later; a trace may have another hop to send now.
        after_prepare(j);
        if (batch_size == batch.size()) {
            flush_batch();
            if (!open) {
                return;
            }
        }
    }
    flush_batch();
}

void engine::impl::flush_batch() {
    if (batch_size == 0) {
        return;
    }
    const std::span<prepared_send> items{batch.data(), batch_size};
    const std::size_t done = send_items(items);
    if (open && done < items.size()) {
        for (auto& p : items.subspan(done)) {
            ++stats.send_retries;
            retry.push_back(std::move(p));
        }
        arm_retry_timer();
    }
    batch_size = 0;
}

std::size_t engine::impl::send_items(std::span<prepared_send> items) {
    std::array<outgoing_packet, raw_socket::max_batch> packets;
    std::array<link_packet, packet_socket::max_batch> frames;
    std::size_t i = 0;
    while (i < items.size() && open) {
        const std::size_t n = std::min(items.size() - i, packets.size());
        // The longest run from i that leaves the same way: by the packet socket (next hop
        // known) or by the raw socket.
        std::size_t k = 0;
        bool by_link = false;
        if (hops) {
            const auto now = steady::now();
            for (; k < n; ++k) {
                const auto to = hops->lookup(items[i + k].entry.spec.dst, now);
                if (k == 0) {
                    by_link = to.has_value();
                } else if (to.has_value() != by_link) {
                    break;
                }
                if (to) {
                    frames[k] = link_packet{items[i + k].packet, *to};
                } else {
                    packets[k] = outgoing_packet{items[i + k].packet, items[i + k].entry.spec.dst};
                }
            }
        } else {
            for (; k < n; ++k) {
                packets[k] = outgoing_packet{items[i + k].packet, items[i + k].entry.spec.dst};
            }
        }
        const std::int64_t before = realtime_ns();
        const batch_result r = by_link ? link_sock.send_batch(std::span(frames.data(), k))
                                       : sock.send_batch(std::span(packets.data(), k));
        if (r.sent > 0) {
            // Each probe's clock time (the `clock` send timestamp), spread over the call:
            // the j-th of n (from 0) entered the kernel about j/n of the way through it (a
            // batch takes tens of microseconds at the uncapped rate, one probe at capped
            // rates). The start, not the end: the call returns only after the softirq work
            // its send triggered, which on a veth includes the far side's answer, captured
            // before the call returns (RTTs of 0 with the end's time). From the start, an
            // RTT counts the few microseconds from the call to the driver on top
            // (bench/probe/rtt_modes.sh compares it with the capture's send time).
            const std::int64_t after = realtime_ns();
            const auto sent = static_cast<std::int64_t>(r.sent);
            for (std::int64_t j = 0; j < sent; ++j) {
                record_sent(items[i + static_cast<std::size_t>(j)],
                            before + (after - before) * j / sent);
            }
            i += r.sent;
        }
        if (r.error) {
            const int e = r.error.value();
            if (e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS) {
                return i;
            }
            record_failed(items[i], r.error);
            ++i;
        } else if (r.sent == 0) {
            return i; // nothing sent and no error: try again later
        }
    }
    return items.size();
}

void engine::impl::record_sent(prepared_send& p, std::int64_t sent_ns) {
    ++stats.probes_sent;
    if (stats.first_send_ns == 0) {
        stats.first_send_ns = sent_ns;
    }
    stats.last_send_ns = sent_ns;
    if (recorder) {
        recorder->record(p.packet, sent_ns); // --pcap-out: the probe as sent
    }
    job* owner = find_job(p.job);
    if (owner == nullptr) {
        return; // finished while its probe was queued: nothing waits for the reply
    }
    job& j = *owner;
    p.entry.sent_ns = sent_ns;
    const probe_handle h = probes.insert(p.key, p.entry);
    if (h.slot > timer_event::max_slot) {
        // Not reachable (see timer_event): no timeout could name this probe.
        probes.erase(h.slot, h.serial);
        fail_job(j, "probe table full");
        return;
    }
    j.add_probe(h, probes);
    push_event(timer_event::probe(steady::now() + j.wait, h.slot, h.serial), j.wait);
}

void engine::impl::record_failed(prepared_send& p, const std::error_code& ec) {
    ++stats.send_errors;
    if (job* owner = find_job(p.job)) {
        // A failed trace is finished; a ping series goes on.
        fail_job(*owner, "sendto " + p.entry.spec.dst.to_string() + ": " + ec.message());
    }
}

void engine::impl::arm_retry_timer() {
    retry_timer.expires_after(std::chrono::microseconds(200));
    retry_timer.async_wait([this](boost::system::error_code e) {
        if (e || retry.empty() || !open) {
            return;
        }
        while (!retry.empty() && open) {
            const std::size_t n = std::min(retry.size(), raw_socket::max_batch);
            std::vector<prepared_send> items(std::make_move_iterator(retry.begin()),
                                             std::make_move_iterator(retry.begin() + n));
            retry.erase(retry.begin(), retry.begin() + static_cast<std::ptrdiff_t>(n));
            const std::size_t done = send_items(items);
            if (done < items.size()) {
                ++stats.send_retries;
                retry.insert(retry.begin(), std::make_move_iterator(items.begin() + done),
                             std::make_move_iterator(items.end()));
                arm_retry_timer();
                return;
            }
        }
        schedule_pump();
    });
}

} // namespace tumen::probe::engine
