#pragma once
// Test helper: the lab's address plan as the lab loads it (deploy/lab/pfx2as.txt), read from
// the source tree rather than pasted into tests.
#include <string>

namespace tumen::test {

/// Path of the lab's pfx2as table.
inline const std::string lab_pfx2as_path = TUMEN_SOURCE_DIR "/deploy/lab/pfx2as.txt";

} // namespace tumen::test
