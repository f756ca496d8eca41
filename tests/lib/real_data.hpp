#pragma once
// Test helper: where the public real data lives. $TUMEN_SHARED_DIR/data/real when the variable
// is set, else ../shared/data/real beside the source tree (as CI lays it out).
#include <cstdlib>
#include <string>

namespace tumen::test {

/// The folder under real_data_dir() that a test binary on the real data needs; each binary
/// linking tumen::test_real_data_main defines it ("" for the real data folder itself).
extern const char* const real_data_subdir;

/// The real data folder (it may be absent: callers skip then).
inline std::string real_data_dir() {
    const char* shared = std::getenv("TUMEN_SHARED_DIR");
    return std::string(shared != nullptr && *shared != '\0' ? shared
                                                            : TUMEN_SOURCE_DIR "/../shared") +
           "/data/real";
}

} // namespace tumen::test
