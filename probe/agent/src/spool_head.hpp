#pragma once
/// @file
/// The spool's `head` file: the position of the oldest unacknowledged record.
/// Format 2 (one line): `tumen-spool-head 2 <generation> <segment> <offset> <checksum>`, the
/// checksum being FNV-1a 64 (16 hex digits) of everything before it. Format 1 (`<segment>
/// <offset>`, written by earlier versions) is still read. A head is used only when it parses,
/// its checksum matches and it is consistent with the segments present; otherwise the spool
/// replays from the oldest segment present and deletes nothing.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace tumen::probe::agent {

/// A decoded head.
struct spool_head {
    std::uint64_t generation = 0; ///< incremented at every write (0 for format 1)
    std::uint64_t segment = 0;
    std::uint64_t offset = 0;
    int format = 2;
};

/// The text of a format-2 head file (with its newline).
std::string format_spool_head(const spool_head& h);

/// Decodes `text`; on failure returns false and sets `error` to what is wrong.
bool parse_spool_head(std::string_view text, spool_head& out, std::string& error);

/// Checks `h` against the segments present (`segments` ascending; `path_of` gives a segment's
/// file). Returns an empty string when consistent, otherwise what is wrong.
std::string check_spool_head(const spool_head& h, const std::vector<std::uint64_t>& segments,
                             const std::function<std::filesystem::path(std::uint64_t)>& path_of);

} // namespace tumen::probe::agent
