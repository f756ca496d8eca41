#pragma once
/// @file
/// The names of border paths, as they appear in verdicts, change events, the API and the
/// metric labels:
/// - the name of a campaign class (e.g. "china-unicom") for a transit inside a class;
/// - "AS<number>" (e.g. "AS64500") for a transit in no class of the campaign: every transit
///   is named, so a new upstream shows as itself;
/// - "none" for a trace without usable evidence;
/// - "other" for a transit beyond the cap: per (agent, target prefix) at most
///   `max_paths_per_target` distinct paths get their own name (first seen, first named);
///   later new "AS<number>" paths are all "other", which bounds the label cardinality.
///   Class names, "none" and paths already named keep their name.
/// Stored data of earlier versions named a transit in no class "unknown:<asn>"; path_name()
/// reads it as "AS<asn>".
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tumen::controller::inference {

/// The path name of a trace without usable evidence.
inline constexpr const char* path_none = "none";
/// The path name of a transit beyond the cap of named paths.
inline constexpr const char* path_other = "other";
/// Default cap of distinct named paths per (agent, target prefix).
inline constexpr std::uint32_t default_max_paths_per_target = 8;

/// "AS<asn>", the path name of a transit in no class.
std::string as_path_name(std::uint32_t asn);
/// True for "AS" followed by decimal digits (a name as_path_name() gives).
bool is_as_path_name(std::string_view name) noexcept;

/// The public name of a stored path: "unknown:<asn>" (earlier versions) -> "AS<asn>"; every
/// other name unchanged.
std::string path_name(const std::string& stored);

/// The name `path` is reported under, given the paths already named for one (agent, target
/// prefix) in `named` (first-seen order), which it extends: "none", "other" and "" pass
/// unchanged and are not counted; a path in `named` keeps its name; a class name (anything but an
/// "AS<number>" name) is always named and counted; an "AS<number>" path is named while
/// `named` holds fewer than `max_paths` paths, otherwise it is reported as "other".
std::string cap_path(std::vector<std::string>& named, const std::string& path,
                     std::uint32_t max_paths);

} // namespace tumen::controller::inference
