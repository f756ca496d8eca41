// The on-demand Atlas reader built for simdjson's fallback kernel (any CPU), chosen at run time
// by atlas_ondemand.cpp when simdjson picks no SIMD kernel.
#include "atlas_kernel_prelude.hpp"

#define SIMDJSON_BUILTIN_IMPLEMENTATION fallback
#define TUMEN_ATLAS_KERNEL fallback
#include <simdjson.h>

#include "atlas_ondemand_kernel.hpp"
