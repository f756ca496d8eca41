#include "load_maps.hpp"

#include <spdlog/spdlog.h>

namespace tumen::controller::pipeline {

asmap::as_map load_maps(const ingest_options& options) {
    asmap::as_map_builder builder;
    for (const auto& f : options.pfx2as_files) {
        auto report = builder.add_pfx2as_file(f); // throws asmap_error if unreadable
        for (const auto& e : report.errors) {
            spdlog::warn("{}: {}", e.where, e.what);
        }
        spdlog::info("pfx2as {}: {} prefixes, {} bad lines", f, report.entries, report.error_count);
    }
    if (!options.ixp_file.empty()) {
        auto report = builder.add_ixp_file(options.ixp_file);
        spdlog::info("IXP file {}: {} prefixes, {} bad lines", options.ixp_file, report.entries,
                     report.error_count);
    }
    return builder.build();
}

} // namespace tumen::controller::pipeline
