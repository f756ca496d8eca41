#include "load_maps.hpp"

#include <string_view>

#include <spdlog/spdlog.h>

#include <tumen/controller/asmap/loader.hpp>

namespace tumen::controller::pipeline {

asmap::as_map load_maps(const ingest_options& options, map_lines lines) {
    asmap::as_map_sources sources;
    sources.pfx2as = options.pfx2as_files;
    sources.iptoasn = options.iptoasn_files;
    if (!options.ixp_file.empty()) {
        sources.ixp.push_back(options.ixp_file);
    }
    sources.as_names = options.as_names_files;
    // asmap::load_as_map throws asmap_error if a file is unreadable; the observer throws it
    // for a bad line when strict, before the map is built.
    return asmap::load_as_map(sources, [lines](const std::string& path, const char* kind,
                                               const asmap::load_report& report) {
        if (lines == map_lines::strict && !report.errors.empty()) {
            const auto& e = report.errors.front();
            throw asmap::asmap_error(e.where + ": " + e.what + " (" + kind + " file, " +
                                     std::to_string(report.error_count) + " bad line" +
                                     (report.error_count == 1 ? "" : "s") + ")");
        }
        for (const auto& e : report.errors) {
            spdlog::warn("{}: {}", e.where, e.what);
        }
        spdlog::info("{} {}: {} {}, {} bad lines", kind, path, report.entries,
                     std::string_view(kind) == "as-names" ? "names" : "prefixes",
                     report.error_count);
    });
}

} // namespace tumen::controller::pipeline
