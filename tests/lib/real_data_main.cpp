// The doctest main of the test binaries on the public real data (tumen::test_real_data_main;
// tumen_add_unit_test(... REAL_DATA)): when the folder the binary needs is absent, the whole
// binary exits 77, which CTest reports as skipped.
#define DOCTEST_CONFIG_IMPLEMENT
#include <cstdio>
#include <filesystem>
#include <string>

#include <doctest/doctest.h>

#include "real_data.hpp"

int main(int argc, char** argv) {
    std::string dir = tumen::test::real_data_dir();
    if (*tumen::test::real_data_subdir != '\0') {
        dir += '/';
        dir += tumen::test::real_data_subdir;
    }
    if (!std::filesystem::is_directory(dir)) {
        std::printf("SKIP: real data folder %s is absent (set TUMEN_SHARED_DIR)\n", dir.c_str());
        return 77;
    }
    doctest::Context ctx(argc, argv);
    return ctx.run();
}
