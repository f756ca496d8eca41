#pragma once
/// @file
/// RAII owner of a POSIX file descriptor.
#include <unistd.h>
#include <utility>

namespace tumen::probe::agent {

/// Owns one file descriptor; closes it on destruction. Move-only.
class unique_fd {
public:
    unique_fd() = default;
    /// Takes ownership of `fd` (-1: none).
    explicit unique_fd(int fd) noexcept
        : fd_(fd) {}
    unique_fd(unique_fd&& o) noexcept
        : fd_(std::exchange(o.fd_, -1)) {}
    unique_fd& operator=(unique_fd&& o) noexcept {
        if (this != &o) {
            reset(std::exchange(o.fd_, -1));
        }
        return *this;
    }
    unique_fd(const unique_fd&) = delete;
    unique_fd& operator=(const unique_fd&) = delete;
    ~unique_fd() { reset(); }

    /// The descriptor, or -1.
    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }
    /// Closes the current descriptor and takes `fd`.
    void reset(int fd = -1) noexcept {
        if (fd_ >= 0) {
            ::close(fd_);
        }
        fd_ = fd;
    }

private:
    int fd_ = -1;
};

} // namespace tumen::probe::agent
