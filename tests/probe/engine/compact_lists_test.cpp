// bounded_list and slot_list, the small lists an open trace's job keeps (its open hops, its
// probes' table slots): items kept in order across growth and removal, inline storage up to
// N then one block of the fixed capacity.
#include <algorithm>
#include <cstdint>
#include <vector>

#include <doctest/doctest.h>

#include <tumen/probe/engine/bounded_list.hpp>
#include <tumen/probe/engine/slot_list.hpp>

using namespace tumen::probe::engine;

namespace {

struct item {
    std::uint8_t a = 0;
    std::uint8_t b = 0;
    std::uint8_t c = 0;
};

template <class List>
std::vector<int> firsts(const List& l) {
    std::vector<int> out;
    for (const auto& i : l) {
        out.push_back(i.a);
    }
    return out;
}

} // namespace

TEST_CASE("bounded_list: two inline items, pop_front keeps the order") {
    bounded_list<item, 2> l(2);
    static_assert(sizeof(l) == 16, "the trace machine's 72 bytes count on it");
    CHECK(l.empty());
    CHECK(l.capacity() == 2);
    l.push_back(item{1, 0, 0});
    l.push_back(item{2, 0, 0});
    CHECK(firsts(l) == std::vector<int>{1, 2});
    l.front().b = 7;
    CHECK(l[0].b == 7);
    l.pop_front();
    CHECK(firsts(l) == std::vector<int>{2});
    l.push_back(item{3, 0, 0});
    CHECK(firsts(l) == std::vector<int>{2, 3});
    l.clear();
    CHECK(l.empty());
}

TEST_CASE("bounded_list: a larger capacity in one block, moved with its items") {
    bounded_list<item, 2> l(64);
    CHECK(l.capacity() == 64);
    for (int i = 0; i < 64; ++i) {
        l.push_back(item{static_cast<std::uint8_t>(i), 0, 0});
    }
    l.pop_front();
    bounded_list<item, 2> moved = std::move(l);
    REQUIRE(moved.size() == 63);
    CHECK(moved.front().a == 1);
    CHECK(moved[62].a == 63);
    bounded_list<item, 2> small(2);
    small.push_back(item{9, 0, 0});
    bounded_list<item, 2> small_moved = std::move(small);
    CHECK(firsts(small_moved) == std::vector<int>{9});
}

TEST_CASE("slot_list: grows 4, 10, 22 keeping the slots; truncate keeps the first") {
    slot_list s;
    static_assert(sizeof(s) == 8, "a trace's job is 168 bytes with it");
    CHECK(s.empty());
    CHECK(s.begin() == s.end());
    std::vector<std::uint32_t> want;
    std::vector<std::size_t> capacities;
    for (std::uint32_t i = 0; i < 23; ++i) {
        s.push_back(i * 3);
        want.push_back(i * 3);
        if (capacities.empty() || capacities.back() != s.capacity()) {
            capacities.push_back(s.capacity());
        }
    }
    CHECK(capacities == std::vector<std::size_t>{4, 10, 22, 46});
    CHECK(std::vector<std::uint32_t>(s.begin(), s.end()) == want);
    s.truncate(5);
    CHECK(std::vector<std::uint32_t>(s.begin(), s.end()) ==
          std::vector<std::uint32_t>{0, 3, 6, 9, 12});
    s.truncate(9); // never longer
    CHECK(s.size() == 5);
    s.push_back(1);
    CHECK(s.size() == 6);
    CHECK(*(s.end() - 1) == 1);
    CHECK(s.capacity() == 46);
}
