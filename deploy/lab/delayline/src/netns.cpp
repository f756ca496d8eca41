#include "netns.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sched.h>
#include <system_error>

namespace tumen::lab {

unique_fd open_netns(const std::string& name) {
    const std::string path = name.find('/') == std::string::npos ? "/var/run/netns/" + name : name;
    unique_fd fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
    if (!fd) {
        throw std::system_error(errno, std::generic_category(),
                                "cannot open network namespace " + path);
    }
    return fd;
}

scoped_netns::scoped_netns(const unique_fd& target)
    : original_(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) {
    if (!original_) {
        throw std::system_error(errno, std::generic_category(),
                                "cannot open /proc/thread-self/ns/net");
    }
    if (::setns(target.get(), CLONE_NEWNET) != 0) {
        throw std::system_error(errno, std::generic_category(), "setns into target namespace");
    }
}

scoped_netns::~scoped_netns() {
    if (::setns(original_.get(), CLONE_NEWNET) != 0) {
        std::fprintf(stderr, "tumen-delayline: cannot return to the original namespace: %s\n",
                     std::strerror(errno));
        std::abort();
    }
}

} // namespace tumen::lab
