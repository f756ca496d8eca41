#pragma once
/// @file
/// The outstanding-probe table: values in numbered slots (reused once freed), found either
/// by key (a reply's identity) through an open-addressing index, or directly by slot number
/// and serial (a timeout, a captured outgoing probe) with no hashing at all.
///
/// A serial names one use of a slot: looking a slot up with an old serial finds nothing, so
/// events scheduled for a probe that is gone are harmless. At high rates the engine keeps
/// tens of thousands of probes outstanding; node-based maps cost a heap allocation per probe
/// and two dependent cache misses per lookup, which dominated the engine's user-space time.
///
/// The index holds slot numbers only, not keys: a key is read from its slot's entry (stored
/// there, or computed from the value by `KeyOf`) when a lookup meets a bucket whose stored
/// hash matches. A bucket is 12 bytes (distance, stored 32-bit hash, slot) where a map of
/// key -> slot took 24 (bench/probe/rss_breakdown.sh at 10,000 pps, heaptrack: 4,096
/// buckets, 98 KB before, 49 KB after).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <tsl/robin_set.h>
#include <type_traits>
#include <utility>
#include <vector>

namespace tumen::probe::engine {

/// `KeyOf`, when given, computes an entry's key from its value (`KeyOf{}(value)`, the same key
/// it was inserted under): the entries then do not store it (16 bytes of each probe's 80 at
/// 10,000 pps on bench/probe/rss_breakdown.sh). Without it (void) each entry keeps its key.
///
/// Neither copyable nor movable: the index's hash and equality point at the table's entries.
template <class Key, class Value, class Hash, class KeyOf = void>
class slot_table {
public:
    using slot_type = std::uint32_t;

    /// The index fills to 0.8 of its buckets before it doubles (tsl's default is 0.5): at
    /// 10,000 pps on bench/probe/rss_breakdown.sh it peaks at 4,096 buckets (heaptrack),
    /// where 0.5 took 8,192. Its probe sequences stay short: most lookups end at the first
    /// bucket whose stored hash matches.
    slot_table()
        : index_(0, slot_hash{&entries_}, slot_equal{&entries_}) {
        index_.max_load_factor(0.8f);
    }
    slot_table(const slot_table&) = delete;
    slot_table& operator=(const slot_table&) = delete;

    /// Room for `n` entries, and for `index_n` keys in the index. The entries' pages are
    /// touched only as they fill; the index's buckets are all written when reserved.
    void reserve(std::size_t n, std::size_t index_n) {
        entries_.reserve(n);
        index_.reserve(index_n);
    }

    /// Stores `value` under `key` with `serial` (must be non-zero), replacing any entry with
    /// the same key. Returns its slot.
    slot_type insert(const Key& key, std::uint64_t serial, Value value) {
        if (auto it = index_.find(key); it != index_.end()) {
            const slot_type old = it->slot;
            index_.erase(it); // before the entry it points at is cleared
            release(old);
        }
        slot_type slot;
        if (!free_.empty()) {
            slot = free_.back();
            free_.pop_back();
        } else {
            slot = static_cast<slot_type>(entries_.size());
            entries_.emplace_back();
        }
        entry& e = entries_[slot];
        if constexpr (stores_key) {
            e.key = key;
        }
        e.serial = serial;
        e.value = std::move(value);
        index_.insert(slot_ref{slot}); // hashes the entry just written
        return slot;
    }

    /// The value stored under `key`, or null.
    Value* find(const Key& key) {
        auto it = index_.find(key);
        return it == index_.end() ? nullptr : &entries_[it->slot].value;
    }

    bool contains(const Key& key) const { return index_.find(key) != index_.end(); }

    /// The value in `slot` if it still holds the use named `serial`, else null.
    Value* at(slot_type slot, std::uint64_t serial) {
        if (slot >= entries_.size() || serial == 0 || entries_[slot].serial != serial) {
            return nullptr;
        }
        return &entries_[slot].value;
    }

    /// The value in `slot` if the slot is in use (by any serial), else null.
    Value* in_use(slot_type slot) {
        return slot < entries_.size() && entries_[slot].serial != 0 ? &entries_[slot].value
                                                                    : nullptr;
    }

    /// The serial of the use `slot` holds; 0 if free or no such slot.
    std::uint64_t serial_of(slot_type slot) const noexcept {
        return slot < entries_.size() ? entries_[slot].serial : 0;
    }

    /// Slot and serial of the entry under `key`; serial 0 if none.
    std::pair<slot_type, std::uint64_t> locate(const Key& key) const {
        auto it = index_.find(key);
        return it == index_.end() ? std::pair<slot_type, std::uint64_t>{0, 0}
                                  : std::pair{it->slot, entries_[it->slot].serial};
    }

    /// Frees the slot if it still holds the use named `serial`; returns whether it did.
    bool erase(slot_type slot, std::uint64_t serial) {
        if (at(slot, serial) == nullptr) {
            return false;
        }
        // Found through the entry's key, which must still be there: index first.
        index_.erase(key_of(entries_[slot]));
        release(slot);
        return true;
    }

    std::size_t size() const noexcept { return index_.size(); }

    void clear() {
        index_.clear();
        entries_.clear();
        free_.clear();
    }

private:
    static constexpr bool stores_key = std::is_void_v<KeyOf>;
    struct no_key {};
    struct entry {
        [[no_unique_address]] std::conditional_t<stores_key, Key, no_key> key{};
        std::uint64_t serial = 0; ///< 0: free
        Value value{};
    };

    static decltype(auto) key_of(const entry& e) {
        if constexpr (stores_key) {
            return static_cast<const Key&>(e.key);
        } else {
            return KeyOf{}(e.value);
        }
    }

    /// A slot in the index: a type of its own, so that a key of the same integer type is
    /// never taken for one.
    struct slot_ref {
        slot_type slot;
    };
    /// Hashes a key, or the key of the entry in a slot.
    struct slot_hash {
        const std::vector<entry>* entries;
        [[no_unique_address]] Hash hash{};
        std::size_t operator()(const Key& k) const { return hash(k); }
        std::size_t operator()(slot_ref s) const { return hash(key_of((*entries)[s.slot])); }
    };
    /// Compares keys, reading a slot's from its entry; `is_transparent` lets the index be
    /// searched by key.
    struct slot_equal {
        using is_transparent = void;
        const std::vector<entry>* entries;
        bool operator()(slot_ref a, slot_ref b) const {
            return a.slot == b.slot || key_of((*entries)[a.slot]) == key_of((*entries)[b.slot]);
        }
        bool operator()(slot_ref s, const Key& k) const { return key_of((*entries)[s.slot]) == k; }
        bool operator()(const Key& k, slot_ref s) const { return key_of((*entries)[s.slot]) == k; }
    };

    void release(slot_type slot) {
        entries_[slot].serial = 0;
        entries_[slot].value = Value{};
        free_.push_back(slot);
    }

    std::vector<entry> entries_;
    std::vector<slot_type> free_;
    /// The slots in use, by their entries' keys; each bucket stores 32 bits of its key's hash,
    /// so that growth does not rehash and probing reads an entry only on a hash match.
    tsl::robin_set<slot_ref, slot_hash, slot_equal, std::allocator<slot_ref>,
                   /*StoreHash=*/true>
        index_;
};

} // namespace tumen::probe::engine
