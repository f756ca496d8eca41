#pragma once
/// @file
/// The page's static files (controller/ui/), built into the controller by
/// cmake/embed_files.cmake, and the JavaScript libraries it serves from Debian packages.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tumen::controller::api::ui {

/// One file of controller/ui/ as built into the binary.
struct embedded_file {
    const char* path; ///< relative to controller/ui/, e.g. "app.js"
    const char* data;
    std::size_t size;
};
/// Every file of controller/ui/ (generated source).
extern const embedded_file embedded_files[];
extern const std::size_t embedded_file_count;

/// A file to serve: its bytes and Content-Type.
struct served_file {
    std::string_view body;
    std::string content_type;
};

/// The embedded file at `path` ("index.html", "app.js", ...), or nullopt.
std::optional<served_file> find_embedded(std::string_view path);

/// A JavaScript library of a Debian package under /ui/lib/ ("d3.min.js" from libjs-d3,
/// "chart.min.js" from libjs-chart.js): the file's path on disk and its package, or nullopt
/// for any other name.
struct library_file {
    std::string path;
    std::string package;
};
std::optional<library_file> find_library(std::string_view name);

} // namespace tumen::controller::api::ui
