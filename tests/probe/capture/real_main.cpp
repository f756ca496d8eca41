// The decoder against the real captures of ../shared/data/real/pcap/caracal (real_data.hpp:
// $TUMEN_SHARED_DIR/data/real, else ../shared/data/real beside the source tree). When the
// folder is absent the whole binary exits 77, which CTest reports as skipped.
#define DOCTEST_CONFIG_IMPLEMENT
#include <cstdio>
#include <filesystem>

#include <doctest/doctest.h>

#include "real_data.hpp"

int main(int argc, char** argv) {
    const std::filesystem::path dir = tumen::test::real_data_dir() + "/pcap/caracal";
    if (!std::filesystem::is_directory(dir)) {
        std::printf("SKIP: real capture folder %s is absent (set TUMEN_SHARED_DIR)\n", dir.c_str());
        return 77;
    }
    doctest::Context ctx(argc, argv);
    return ctx.run();
}
