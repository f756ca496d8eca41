// The on-demand Atlas reader built for simdjson's haswell kernel (AVX2, on CPUs that have it),
// chosen at run time by atlas_ondemand.cpp. Only simdjson.h and the reader are in the target region
// (the kernel's ISA for these functions alone, not -m flags for the file); see
// atlas_kernel_prelude.hpp.
#if defined(__x86_64__)
#include "atlas_kernel_prelude.hpp"

#define SIMDJSON_BUILTIN_IMPLEMENTATION haswell
#define TUMEN_ATLAS_KERNEL haswell
// simdjson's forced inlining is off here: the standard templates its types instantiate (e.g.
// std::pair's constructor, od::field's base) are outside the target region, and GCC refuses to
// force a target function into them. The compiler still inlines what pays (see the README's
// classify figures, measured per kernel).
#define simdjson_inline inline
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,bmi,pclmul,lzcnt"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,bmi,pclmul,lzcnt")
#endif
#include <simdjson.h>

#include "atlas_ondemand_kernel.hpp"
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif
