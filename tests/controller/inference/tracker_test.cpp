#include <doctest/doctest.h>

#include <tumen/controller/inference/path_tracker.hpp>

using namespace tumen::controller::inference;

namespace {
path_observation obs(const char* path, std::int64_t time,
                     std::optional<std::uint32_t> asn = std::nullopt) {
    return path_observation{path, asn, time, "t" + std::to_string(time)};
}
} // namespace

TEST_CASE("first path is set without a change; K=2 consecutive traces declare a change") {
    path_tracker t;
    CHECK_FALSE(t.observe(obs("china-unicom", 10, 4837)));
    CHECK(t.current() == "china-unicom");
    CHECK_FALSE(t.observe(obs("china-unicom", 20, 4837)));
    CHECK_FALSE(t.observe(obs("ttk", 30, 20485)));
    CHECK(t.current() == "china-unicom");
    auto e = t.observe(obs("ttk", 40, 20485));
    REQUIRE(e);
    CHECK(e->from == "china-unicom");
    CHECK(e->to == "ttk");
    CHECK(*e->from_asn == 4837);
    CHECK(*e->to_asn == 20485);
    CHECK(e->last_old_time == 20);
    CHECK(e->first_new_time == 30);
    CHECK(e->last_old_trace_id == "t20");
    CHECK(e->first_new_trace_id == "t30");
    CHECK(e->trace_ids == std::vector<std::string>{"t30", "t40"});
    CHECK(t.current() == "ttk");
    CHECK(t.snapshot().changes == 1);
}

TEST_CASE("a single deviating trace is not a change (hysteresis)") {
    path_tracker t(2);
    t.observe(obs("china-unicom", 1));
    CHECK_FALSE(t.observe(obs("ttk", 2)));
    CHECK_FALSE(t.observe(obs("china-unicom", 3)));
    CHECK_FALSE(t.observe(obs("ttk", 4)));
    CHECK_FALSE(t.observe(obs("china-unicom", 5)));
    CHECK(t.current() == "china-unicom");
    CHECK(t.snapshot().changes == 0);
}

TEST_CASE("K=3 needs three; a third path restarts the streak") {
    path_tracker t(3);
    t.observe(obs("a", 1));
    CHECK_FALSE(t.observe(obs("b", 2)));
    CHECK_FALSE(t.observe(obs("c", 3)));
    CHECK_FALSE(t.observe(obs("c", 4)));
    auto e = t.observe(obs("c", 5));
    REQUIRE(e);
    CHECK(e->to == "c");
    CHECK(e->first_new_time == 3);
    CHECK(e->last_old_time == 1);
}

TEST_CASE("none is not a change and does not break a streak") {
    path_tracker t;
    CHECK_FALSE(t.observe(obs("none", 1)));
    CHECK(t.current().empty());
    t.observe(obs("china-unicom", 2));
    CHECK_FALSE(t.observe(obs("none", 3)));
    CHECK_FALSE(t.observe(obs("none", 4)));
    CHECK(t.current() == "china-unicom");
    CHECK_FALSE(t.observe(obs("ttk", 5)));
    CHECK_FALSE(t.observe(obs("none", 6)));
    auto e = t.observe(obs("ttk", 7));
    REQUIRE(e);
    CHECK(e->trace_ids == std::vector<std::string>{"t5", "t7"});
}

TEST_CASE("ECMP alternation inside one transit is not a change") {
    // The verdict's identity is the class, so alternating border addresses (cu3a/cu3b) of the
    // same class feed the same identity.
    path_tracker t;
    for (int i = 0; i < 10; ++i) {
        CHECK_FALSE(t.observe(obs("china-unicom", i, 4837)));
    }
    CHECK(t.snapshot().changes == 0);
    // Different transits in no class are different paths.
    CHECK_FALSE(t.observe(obs("AS64999", 20, 64999)));
    CHECK(t.observe(obs("AS64999", 21, 64999)));
}

TEST_CASE("snapshot and restore continue where the tracker stopped") {
    path_tracker t;
    t.observe(obs("china-unicom", 1));
    t.observe(obs("ttk", 2));
    auto saved = t.snapshot();
    path_tracker restored(saved);
    CHECK(restored.snapshot() == saved);
    auto e = restored.observe(obs("ttk", 3));
    REQUIRE(e);
    CHECK(e->first_new_time == 2);
    CHECK(e->last_old_time == 1);
}
