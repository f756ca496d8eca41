#pragma once
/// @file
/// Creating a layer-3 TUN device (IFF_TUN | IFF_NO_PI) in the calling thread's namespace.
#include <string>

#include "fd.hpp"

namespace tumen::lab {

/// Creates the TUN device `name` (at most 15 characters) in the current network namespace
/// and returns its non-blocking, close-on-exec queue descriptor. The device lives as long as
/// the descriptor (it is not made persistent). Each read returns one IP packet, each write
/// injects one. Throws std::system_error / std::invalid_argument (start-up only).
unique_fd create_tun(const std::string& name);

} // namespace tumen::lab
