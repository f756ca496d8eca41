#include "fd.hpp"

#include <unistd.h>

namespace tumen::lab {

unique_fd& unique_fd::operator=(unique_fd&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) {
            ::close(fd_);
        }
        fd_ = other.release();
    }
    return *this;
}

unique_fd::~unique_fd() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

int unique_fd::release() noexcept {
    const int fd = fd_;
    fd_ = -1;
    return fd;
}

} // namespace tumen::lab
