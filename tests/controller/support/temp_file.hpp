#pragma once
// Test helper: a temporary file holding given text, removed at scope exit.
#include <cstdio>
#include <fstream>
#include <string>
#include <unistd.h>

#include <doctest/doctest.h>

namespace tumen::test {

/// Writes `text` to /tmp/tumen-test-XXXXXX<suffix>; removed by the destructor.
struct temp_file {
    std::string path;
    explicit temp_file(const std::string& text, const char* suffix = ".txt") {
        char name[] = "/tmp/tumen-test-XXXXXX";
        int fd = mkstemp(name);
        REQUIRE(fd >= 0);
        ::close(fd);
        path = std::string(name) + suffix;
        std::rename(name, path.c_str());
        std::ofstream(path) << text;
    }
    ~temp_file() { std::remove(path.c_str()); }
    temp_file(const temp_file&) = delete;
    temp_file& operator=(const temp_file&) = delete;
};

} // namespace tumen::test
