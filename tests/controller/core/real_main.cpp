// Tests on the public real data in ../shared/data/real (relative to the source tree). When the
// folder is absent the whole binary exits 77, which CTest reports as skipped.
#define DOCTEST_CONFIG_IMPLEMENT
#include <cstdio>
#include <filesystem>

#include <doctest/doctest.h>

int main(int argc, char** argv) {
    const std::filesystem::path dir = TUMEN_SOURCE_DIR "/../shared/data/real";
    if (!std::filesystem::is_directory(dir)) {
        std::printf("SKIP: real data folder %s is absent\n", dir.c_str());
        return 77;
    }
    doctest::Context ctx(argc, argv);
    return ctx.run();
}
