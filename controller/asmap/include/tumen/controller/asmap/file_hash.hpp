#pragma once
/// @file
/// The content hash of a data-set file (SHA-256 of its bytes as stored on disk, i.e. of the
/// compressed bytes for a .gz file, as `sha256sum` prints it), recorded with every verdict.
#include <string>

namespace tumen::controller::asmap {

/// Lower-case hex SHA-256 of the bytes of `path`. Throws asmap_error when the file cannot be
/// read (a start-up edge: the loader hashes each file once, after reading it).
std::string sha256_file(const std::string& path);

} // namespace tumen::controller::asmap
