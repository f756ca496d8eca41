#pragma once
// The engine's secret for keyed probe identities (codec/probe_ident.hpp): drawn once per
// run from the kernel's random pool, never stored or logged.
#include <tumen/probe/codec/siphash.hpp>

namespace tumen::probe::engine {

/// 16 random bytes from getrandom(2) (blocking until the pool is initialised, which it is
/// long before the agent starts). Throws std::system_error at start-up when the kernel
/// refuses, so that the engine never runs with a guessable key.
codec::siphash_key draw_run_secret();

} // namespace tumen::probe::engine
