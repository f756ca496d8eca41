#pragma once
/// @file
/// Entering network namespaces by name (iproute2's /var/run/netns/<name>) for a limited scope.
#include <string>

#include "fd.hpp"

namespace tumen::lab {

/// Opens a network namespace: `name` is an iproute2 name (looked up under /var/run/netns)
/// or, when it contains a '/', a path such as /proc/<pid>/ns/net.
/// Throws std::system_error naming the path on failure (start-up only).
unique_fd open_netns(const std::string& name);

/// While alive, the calling thread is in another network namespace; the destructor
/// returns it to the namespace it was in before. Only for single-threaded start-up code.
class scoped_netns {
public:
    /// Enters `target`. Throws std::system_error when setns(2) fails.
    explicit scoped_netns(const unique_fd& target);
    scoped_netns(const scoped_netns&) = delete;
    scoped_netns& operator=(const scoped_netns&) = delete;
    /// Returns to the original namespace; aborts the process if that is impossible,
    /// since carrying on in the wrong namespace could put packets where they must not go.
    ~scoped_netns();

private:
    unique_fd original_;
};

} // namespace tumen::lab
