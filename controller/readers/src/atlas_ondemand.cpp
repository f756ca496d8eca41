// Picks the kernel of the on-demand Atlas reader once, from simdjson's run-time choice. Debian's
// simdjson 3.0.1 dispatches only its stage 1 at run time: the on-demand code it inlines into ours
// is its "builtin" kernel, which is fallback without -march. So the reader is built once per
// kernel (atlas_kernel_<name>.cpp, each in its own target region) and chosen here, the binary
// still running on any x86-64.
#include "atlas_ondemand.hpp"

#include <simdjson.h>
#include <string_view>

namespace tumen::controller::readers::detail {
namespace {

using reader_fn = atlas_line (*)(std::string_view, std::size_t, result::trace&);

struct kernel {
    std::string_view name;
    reader_fn read;
};

kernel pick() {
    const std::string active = simdjson::get_active_implementation()->name();
#if defined(__x86_64__)
    if (active == "haswell" || active == "icelake") { // icelake CPUs have AVX2
        return {"haswell", haswell::read_atlas_traceroute};
    }
    if (active == "westmere") {
        return {"westmere", westmere::read_atlas_traceroute};
    }
#endif
    return {"fallback", fallback::read_atlas_traceroute};
}

const kernel& chosen() {
    static const kernel k = pick();
    return k;
}

} // namespace

atlas_line read_atlas_traceroute(std::string_view line, std::size_t readable_after,
                                 result::trace& out) {
    return chosen().read(line, readable_after, out);
}

std::string_view atlas_ondemand_kernel() {
    return chosen().name;
}

} // namespace tumen::controller::readers::detail
