#include "ui_files.hpp"

#include <cstring>

namespace tumen::controller::api::ui {
namespace {

std::string content_type_of(std::string_view path) {
    auto ends = [&](std::string_view suffix) {
        return path.size() >= suffix.size() && path.substr(path.size() - suffix.size()) == suffix;
    };
    if (ends(".html")) {
        return "text/html; charset=utf-8";
    }
    if (ends(".js")) {
        return "text/javascript; charset=utf-8";
    }
    if (ends(".css")) {
        return "text/css; charset=utf-8";
    }
    if (ends(".svg")) {
        return "image/svg+xml";
    }
    return "application/octet-stream";
}

} // namespace

std::optional<served_file> find_embedded(std::string_view path) {
    for (std::size_t i = 0; i < embedded_file_count; ++i) {
        if (path == embedded_files[i].path) {
            return served_file{std::string_view(embedded_files[i].data, embedded_files[i].size),
                               content_type_of(path)};
        }
    }
    return std::nullopt;
}

std::optional<library_file> find_library(std::string_view name) {
    if (name == "d3.min.js") {
        return library_file{"/usr/share/javascript/d3/d3.min.js", "libjs-d3"};
    }
    if (name == "chart.min.js") {
        return library_file{"/usr/share/javascript/chart.js/chart.min.js", "libjs-chart.js"};
    }
    return std::nullopt;
}

} // namespace tumen::controller::api::ui
