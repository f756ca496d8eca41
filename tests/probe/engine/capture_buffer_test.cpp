#include <doctest/doctest.h>

#include <tumen/probe/engine/engine.hpp>

using tumen::probe::engine::capture_buffer_for;

TEST_CASE("capture buffer: sized from the rate, bounded, fixed when uncapped") {
    // A fortieth of a second of 816-byte frames: a reply per probe, and its outgoing copy.
    CHECK(capture_buffer_for(10000, true) == 10000 * 2 / 40 * 816);
    CHECK(capture_buffer_for(10000, false) == 10000 / 40 * 816);
    CHECK(capture_buffer_for(10000, true) > capture_buffer_for(1000, true));
    // The agent's default 100 pps gets the floor, 128 KiB; very high rates the 64 MiB cap.
    CHECK(capture_buffer_for(100, true) == 128 * 1024);
    CHECK(capture_buffer_for(10'000'000, true) == 64 * 1024 * 1024);
    // Uncapped: no rate to size from.
    CHECK(capture_buffer_for(0, true) == 4 * 1024 * 1024);
    CHECK(capture_buffer_for(-1, false) == 4 * 1024 * 1024);
}
