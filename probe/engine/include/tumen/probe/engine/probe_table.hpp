#pragma once
/// @file
/// The engine's outstanding probes: identity allocation, the slot table keyed by
/// codec::probe_key, the IP-ID index that finds our own probes seen leaving (outgoing
/// timestamps) and the lookup of the probe a reply answers. No sockets, no clock.
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include <tumen/probe/codec/matcher.hpp>
#include <tumen/probe/codec/probe_key.hpp>
#include <tumen/probe/codec/probe_spec.hpp>
#include <tumen/probe/codec/reply.hpp>
#include <tumen/probe/codec/siphash.hpp>
#include <tumen/probe/engine/slot_table.hpp>
#include <tumen/probe/engine/trace_machine.hpp>

namespace tumen::probe::engine {

/// A probe sent and not yet forgotten (answered ones stay for their wait). Packed to 48
/// bytes, 56 with the table's serial (its key is computed from `spec`, not stored; 80 with
/// a stored key and two send times): up to 3,276 at once at 10,000 pps on
/// bench/probe/rss_breakdown.sh (its index stays at 4,096 buckets at 0.8 load).
struct outstanding {
    std::uint64_t job = 0;
    probe_slot slot; ///< traces
    bool answered : 1 = false;
    bool expired : 1 = false; ///< its wait is over; kept one more wait to count late replies
    /// `sent_ns` is the capture time of the outgoing copy (else CLOCK_REALTIME as the send
    /// call began): the capture's time, once seen, replaces the clock's.
    bool sent_captured : 1 = false;
    std::uint32_t seq = 0; ///< pings
    codec::probe_spec spec;
    std::int64_t sent_ns = 0; ///< when it left (see sent_captured)
};
static_assert(sizeof(outstanding) <= 48);

/// An outstanding probe's table key, from its spec (as assign_identity() returned it).
struct outstanding_key {
    codec::probe_key operator()(const outstanding& e) const noexcept {
        return codec::key_of_probe(e.spec);
    }
};

/// Where a probe lives in the table: slot and serial (a slot is reused with a new serial).
struct probe_handle {
    std::uint32_t slot = 0;
    std::uint64_t serial = 0;
};

/// What match() found for a reply.
struct match_outcome {
    outstanding* probe = nullptr; ///< the probe the reply answers, or null
    bool nat = false;             ///< codec::check()'s NAT verdict (when matched)
    /// No probe matched, but one was found under the reply's key (flow and ident) whose other
    /// keyed bits (IP id, tag, full TCP sequence) the reply got wrong: a guess or a forgery.
    bool mismatched = false;
    explicit operator bool() const noexcept { return probe != nullptr; }
};

/// The table of outstanding probes.
class probe_table {
public:
    /// `key` is the run's secret for keyed identities (codec::derive_ident); the engine draws
    /// it from getrandom(2). Tests pass a fixed one. `index_ip_ids`: keep the IP-id index
    /// (by_ip_id(), outgoing_copy()), which only a capture of our outgoing probes needs.
    explicit probe_table(const codec::siphash_key& key, bool index_ip_ids = true)
        : ip_ids_(index_ip_ids ? 65536 : 0)
        , key_(key) {}

    /// Pre-sizes the table for `n` probes (about pps x 2 waits at high rates: no reallocation)
    /// and its key index for `index_n` (it grows past that by rehashing).
    void reserve(std::size_t n, std::size_t index_n) { table_.reserve(n, index_n); }
    /// Gives `spec` its keyed fields (codec::derive_ident over its flow, TTL and a counter
    /// that never repeats: ident, IP id, tag), drawing again (up to 64 times) while its key
    /// is taken by an outstanding probe; udp-paris ident 0xffff, which cannot
    /// be encoded, becomes 0xfffe; classic udp
    /// takes its ident, the destination port offset, from the job's `udp_counter`. Returns
    /// the probe's key and notes the method as in use for match().
    codec::probe_key assign_identity(codec::probe_spec& spec, std::uint16_t& udp_counter);

    /// Records a sent probe under `key`; it can be found by its IP-ID until erased.
    probe_handle insert(const codec::probe_key& key, outstanding entry) {
        const std::uint64_t serial = next_serial_++;
        const std::uint16_t ip_id = entry.spec.ip_id;
        const auto slot = table_.insert(key, serial, std::move(entry));
        if (!ip_ids_.empty()) {
            ip_ids_[ip_id] = slot + 1;
        }
        return probe_handle{slot, serial};
    }

    /// The probe at `slot` if it still has `serial`, else null.
    outstanding* at(std::uint32_t slot, std::uint64_t serial) { return table_.at(slot, serial); }
    /// The serial of the probe in `slot`; 0 if the slot is free.
    std::uint64_t serial_of(std::uint32_t slot) const noexcept { return table_.serial_of(slot); }
    /// Forgets a probe (no-op if the slot has moved on to another serial).
    void erase(std::uint32_t slot, std::uint64_t serial) { table_.erase(slot, serial); }
    /// Whether `slot` holds a probe of job `job` (job ids are never reused).
    bool owned_by(std::uint32_t slot, std::uint64_t job) {
        const outstanding* e = table_.in_use(slot);
        return e != nullptr && e->job == job;
    }
    /// Forgets the probe in `slot` if it belongs to job `job` (no-op otherwise: the probe
    /// was purged and the slot is free or another job's).
    void erase_owned(std::uint32_t slot, std::uint64_t job) {
        if (owned_by(slot, job)) {
            table_.erase(slot, table_.serial_of(slot));
        }
    }

    /// The latest probe sent with IPv4 identification `ip_id`, if still in the table (null
    /// without the IP-id index).
    outstanding* by_ip_id(std::uint16_t ip_id) {
        const std::uint32_t slot = ip_ids_.empty() ? 0 : ip_ids_[ip_id];
        outstanding* e = slot == 0 ? nullptr : table_.in_use(slot - 1);
        // A slot freed and taken by a probe with another IP id no longer answers to this one.
        return e != nullptr && e->spec.ip_id == ip_id ? e : nullptr;
    }
    /// The probe an outgoing copy (IP id `ip_id`, destination `dst`, TTL `ttl`) captured
    /// leaving belongs to: the latest probe sent with that IP id, when it goes to `dst` with
    /// `ttl`, is not answered and has no capture time yet; else null. IP ids are not kept
    /// unique: above about 65,536 probes in the table (pps x 2 waits) their 16 bits run out,
    /// and every identity then took up to 64 draws (22% of the uncapped send path in
    /// `perf`). A probe whose IP id a later one took keeps its clock send time instead.
    outstanding* outgoing_copy(std::uint16_t ip_id, ipv4_addr dst, std::uint8_t ttl) {
        outstanding* e = by_ip_id(ip_id);
        return e != nullptr && !e->answered && !e->sent_captured && e->spec.dst == dst &&
                       e->spec.ttl == ttl
                   ? e
                   : nullptr;
    }
    /// The outstanding probe `r` answers, tried for each method in use, with codec::check()'s
    /// NAT verdict; `mismatched` when a probe was found by key but check() refused the reply.
    match_outcome match(const codec::reply& r) {
        match_outcome out;
        for (unsigned m = 0; m < 4; ++m) {
            if ((methods_in_use_ & (1u << m)) == 0) {
                continue;
            }
            const auto method = static_cast<codec::method>(m);
            auto k = codec::key_of(r, method, codec::default_udp_dst_port);
            if (!k) {
                continue;
            }
            outstanding* found = table_.find(codec::key_of_reply(*k));
            if (found == nullptr) {
                continue;
            }
            const auto verdict = codec::check(found->spec, r);
            if (!verdict.matched) {
                out.mismatched = true;
                continue;
            }
            return match_outcome{found, verdict.nat, false};
        }
        return out;
    }

    std::size_t size() const noexcept { return table_.size(); }
    /// Forgets every probe (identity counters go on).
    void clear() { table_.clear(); }

private:
    slot_table<codec::probe_key, outstanding, codec::probe_key_hash, outstanding_key> table_;
    /// IP id -> slot + 1 of the latest probe sent with it (0: none). A slot rather than a
    /// probe_handle: 256 KiB instead of 1 MiB, all of it written within a run (peak RSS);
    /// empty when the capture does not take our outgoing probes.
    std::vector<std::uint32_t> ip_ids_;
    std::uint64_t next_serial_ = 1;
    codec::siphash_key key_;
    std::uint64_t attempt_ = 0;   // derive_ident's counter: never repeats within a run
    unsigned methods_in_use_ = 0; // bit per codec::method
};

} // namespace tumen::probe::engine
