#include <cstdint>
#include <map>
#include <random>
#include <string>

#include <doctest/doctest.h>

#include <tumen/probe/engine/slot_table.hpp>

namespace {

struct key_hash {
    std::size_t operator()(std::uint32_t k) const noexcept { return k * 0x9e3779b97f4a7c15ULL; }
};

using table = tumen::probe::engine::slot_table<std::uint32_t, std::string, key_hash>;

} // namespace

TEST_CASE("slot table finds by key and by slot + serial") {
    table t;
    const auto a = t.insert(10, 1, "a");
    const auto b = t.insert(20, 2, "b");
    CHECK(a != b);
    REQUIRE(t.find(10) != nullptr);
    CHECK(*t.find(10) == "a");
    CHECK(*t.at(b, 2) == "b");
    CHECK(t.at(b, 1) == nullptr); // wrong serial
    CHECK(t.at(b, 0) == nullptr);
    CHECK(t.at(99, 2) == nullptr); // no such slot
    CHECK(t.find(30) == nullptr);
    CHECK(t.contains(20));
    CHECK(t.size() == 2);
}

TEST_CASE("a freed slot is reused under a new serial; the old serial finds nothing") {
    table t;
    const auto a = t.insert(10, 1, "a");
    CHECK(t.erase(a, 1));
    CHECK_FALSE(t.erase(a, 1)); // already gone
    CHECK(t.find(10) == nullptr);
    const auto c = t.insert(30, 3, "c");
    CHECK(c == a); // slot reused
    CHECK(t.at(a, 1) == nullptr);
    CHECK_FALSE(t.erase(a, 1)); // a stale erase does not free the new use
    CHECK(*t.at(c, 3) == "c");
    CHECK(*t.find(30) == "c");
}

TEST_CASE("inserting an existing key replaces the entry and frees its old use") {
    table t;
    const auto a = t.insert(10, 1, "old");
    const auto b = t.insert(10, 2, "new");
    CHECK(t.size() == 1);
    CHECK(*t.find(10) == "new");
    CHECK(t.at(b, 2) != nullptr);
    if (a != b) {
        CHECK(t.at(a, 1) == nullptr);
    }
    const auto [slot, serial] = t.locate(10);
    CHECK(slot == b);
    CHECK(serial == 2);
}

namespace {
/// Random inserts (over keys in use too) and erases of keys below `keys` on `t`, after
/// inserting the first `fill` keys in order, checked against a std::map at each step and at
/// the end. `make(k, text)` builds a value; `text_of(value)` reads its text back.
template <class Table, class Make, class TextOf>
void check_against_map(Table& t, unsigned seed, int steps, std::uint32_t keys, std::uint32_t fill,
                       Make make, TextOf text_of) {
    std::mt19937 rng(seed);
    std::map<std::uint32_t, std::pair<std::uint64_t, std::string>> reference;
    std::uint64_t serial = 1;
    for (int step = 0; step < steps; ++step) {
        const auto i = static_cast<std::uint32_t>(step);
        const std::uint32_t k = i < fill ? i : static_cast<std::uint32_t>(rng() % keys);
        if (i < fill || rng() % 2 == 0) {
            const std::string v = std::to_string(step);
            const auto [old_slot, old_serial] = t.locate(k);
            const auto slot = t.insert(k, serial, make(k, v));
            CHECK(t.at(slot, serial) != nullptr);
            CHECK(t.at(old_slot, old_serial) == nullptr); // a replaced use is gone
            reference[k] = {serial, v};
            ++serial;
        } else if (auto it = reference.find(k); it != reference.end()) {
            const auto [slot, s] = t.locate(k);
            REQUIRE(s == it->second.first);
            CHECK(t.erase(slot, s));
            CHECK_FALSE(t.erase(slot, s));
            reference.erase(it);
        } else {
            CHECK(t.find(k) == nullptr);
        }
        REQUIRE(t.size() == reference.size());
    }
    for (const auto& [k, v] : reference) {
        REQUIRE(t.find(k) != nullptr);
        CHECK(text_of(*t.find(k)) == v.second);
        const auto [slot, s] = t.locate(k);
        CHECK(s == v.first);
        CHECK(text_of(*t.at(slot, s)) == v.second);
    }
}
} // namespace

TEST_CASE("slot table matches a std::map under random inserts and erases") {
    table t;
    check_against_map(
        t, 11, 50000, 2000, 0, [](std::uint32_t, const std::string& v) { return v; },
        [](const std::string& v) { return v; });
}

namespace {
/// A value that carries its own key: the table need not store it.
struct keyed {
    std::uint32_t key = 0;
    std::string text;
};
struct key_of_keyed {
    std::uint32_t operator()(const keyed& v) const noexcept { return v.key; }
};
} // namespace

TEST_CASE("a table whose keys come from its values erases them from the index") {
    tumen::probe::engine::slot_table<std::uint32_t, keyed, key_hash, key_of_keyed> t;
    const auto a = t.insert(10, 1, keyed{10, "a"});
    t.insert(20, 2, keyed{20, "b"});
    CHECK(t.erase(a, 1));
    CHECK_FALSE(t.contains(10));
    CHECK(t.contains(20));
    CHECK(t.size() == 1);
    // Inserting under a key in use replaces the entry (its old slot is freed and reused).
    t.insert(20, 3, keyed{20, "c"});
    REQUIRE(t.find(20) != nullptr);
    CHECK(t.find(20)->text == "c");
    CHECK(t.size() == 1);
}

namespace {
/// A hash with 8 values: most keys share their bucket's stored hash with others, so the
/// index must tell them apart by the keys in the entries.
struct weak_hash {
    std::size_t operator()(std::uint32_t k) const noexcept { return k % 8; }
};
} // namespace

TEST_CASE("keys whose hashes collide are told apart by their entries, stored or computed") {
    tumen::probe::engine::slot_table<std::uint32_t, std::string, weak_hash> stored;
    tumen::probe::engine::slot_table<std::uint32_t, keyed, weak_hash, key_of_keyed> computed;
    for (std::uint32_t k = 0; k < 400; ++k) {
        stored.insert(k, k + 1, std::to_string(k));
        computed.insert(k, k + 1, keyed{k, std::to_string(k)});
    }
    for (std::uint32_t k = 0; k < 400; k += 2) {
        const auto [slot, serial] = stored.locate(k);
        REQUIRE(serial == k + 1);
        CHECK(stored.erase(slot, serial));
        const auto [cslot, cserial] = computed.locate(k);
        REQUIRE(cserial == k + 1);
        CHECK(computed.erase(cslot, cserial));
    }
    CHECK(stored.size() == 200);
    CHECK(computed.size() == 200);
    for (std::uint32_t k = 0; k < 400; ++k) {
        if (k % 2 == 0) {
            CHECK(stored.find(k) == nullptr);
            CHECK_FALSE(computed.contains(k));
        } else {
            REQUIRE(stored.find(k) != nullptr);
            CHECK(*stored.find(k) == std::to_string(k));
            REQUIRE(computed.find(k) != nullptr);
            CHECK(computed.find(k)->key == k);
            CHECK(computed.find(k)->text == std::to_string(k));
        }
    }
}

TEST_CASE("a key-computing table matches a std::map through growth, reuse and replacement") {
    // Many more keys than the index was reserved for (it doubles several times), slots freed
    // and taken again, the same key inserted over itself, and a weak hash.
    tumen::probe::engine::slot_table<std::uint32_t, keyed, weak_hash, key_of_keyed> t;
    t.reserve(16, 16);
    check_against_map(
        t, 5, 30000, 3000, 3000,
        [](std::uint32_t k, const std::string& v) {
            return keyed{k, v};
        },
        [](const keyed& v) { return v.text; });
    t.clear();
    CHECK(t.size() == 0);
    CHECK_FALSE(t.contains(1));
    const auto slot = t.insert(1, 1, keyed{1, "after clear"});
    CHECK(t.find(1)->text == "after clear");
    CHECK(t.locate(1).first == slot);
}

TEST_CASE("one key replaced over and over keeps one entry and one slot") {
    tumen::probe::engine::slot_table<std::uint32_t, keyed, key_hash, key_of_keyed> t;
    const auto first = t.insert(7, 1, keyed{7, "0"});
    for (std::uint64_t serial = 2; serial < 1000; ++serial) {
        const auto slot = t.insert(7, serial, keyed{7, std::to_string(serial)});
        CHECK(slot == first); // the replaced entry's slot is freed first, then taken again
        CHECK(t.at(slot, serial - 1) == nullptr);
        REQUIRE(t.size() == 1);
    }
    CHECK(t.find(7)->text == "999");
    CHECK(t.serial_of(first) == 999);
}
