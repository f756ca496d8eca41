// The doctest main of every unit test binary, compiled once (tumen::test_main; linked by
// tumen_add_unit_test).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
