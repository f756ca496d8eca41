// The on-demand Atlas reader runs the simdjson kernel simdjson picked at run time (or the one
// SIMDJSON_FORCE_IMPLEMENTATION names: the test_controller_readers_atlas_<kernel> variants run
// this whole binary under each kernel the CPU has).
#include <cstdlib>
#include <simdjson.h>
#include <string>

#include <doctest/doctest.h>

#include "atlas_ondemand.hpp"

namespace detail = tumen::controller::readers::detail;

TEST_CASE("Atlas lines: the on-demand reader runs the kernel simdjson picked") {
    const std::string active = simdjson::get_active_implementation()->name();
    const std::string expected = active == "haswell" || active == "icelake" ? "haswell"
                                 : active == "westmere"                     ? "westmere"
                                                                            : "fallback";
    CHECK(std::string(detail::atlas_ondemand_kernel()) == expected);
    if (const char* forced = std::getenv("SIMDJSON_FORCE_IMPLEMENTATION")) {
        CHECK(active == forced);
        CHECK(std::string(detail::atlas_ondemand_kernel()) == forced);
    }
}
