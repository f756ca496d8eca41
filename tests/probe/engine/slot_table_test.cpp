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

TEST_CASE("slot table matches a std::map under random inserts and erases") {
    std::mt19937 rng(11);
    table t;
    std::map<std::uint32_t, std::pair<std::uint64_t, std::string>> reference;
    std::uint64_t serial = 1;
    for (int step = 0; step < 50000; ++step) {
        const std::uint32_t k = rng() % 2000;
        if (rng() % 2 == 0) {
            const std::string v = std::to_string(step);
            t.insert(k, serial, v);
            reference[k] = {serial, v};
            ++serial;
        } else if (auto it = reference.find(k); it != reference.end()) {
            const auto [slot, s] = t.locate(k);
            REQUIRE(s == it->second.first);
            CHECK(t.erase(slot, s));
            reference.erase(it);
        } else {
            CHECK(t.find(k) == nullptr);
        }
        REQUIRE(t.size() == reference.size());
    }
    for (const auto& [k, v] : reference) {
        REQUIRE(t.find(k) != nullptr);
        CHECK(*t.find(k) == v.second);
        const auto [slot, s] = t.locate(k);
        CHECK(*t.at(slot, s) == v.second);
    }
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
