#include <tumen/controller/asmap/file_hash.hpp>
#include <tumen/controller/asmap/loader.hpp>
#include <tumen/controller/asmap/sources/as_names.hpp>
#include <tumen/controller/asmap/sources/iptoasn.hpp>
#include <tumen/controller/asmap/sources/ixp.hpp>
#include <tumen/controller/asmap/sources/pfx2as.hpp>

namespace tumen::controller::asmap {

as_map load_as_map(const as_map_sources& files, const load_observer& observe) {
    as_map_builder b;
    auto load = [&](const std::vector<std::string>& paths, const char* kind, auto read) {
        for (const auto& path : paths) {
            const auto report = read(path, b);
            // A second read of the raw bytes (start-up only): the line reader gunzips.
            b.set_dataset_hash(path, sha256_file(path));
            if (observe) {
                observe(path, kind, report);
            }
        }
    };
    load(files.pfx2as, "pfx2as", sources::read_pfx2as_file);
    load(files.iptoasn, "iptoasn", sources::read_iptoasn_file);
    load(files.ixp, "ixp", sources::read_ixp_file);
    load(files.as_names, "as-names", sources::read_as_names_file);
    return b.build();
}

} // namespace tumen::controller::asmap
