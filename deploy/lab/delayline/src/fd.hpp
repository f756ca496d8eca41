#pragma once
/// @file
/// A move-only owner of a POSIX file descriptor.

namespace tumen::lab {

/// Owns one file descriptor and closes it when destroyed.
class unique_fd {
public:
    unique_fd() noexcept = default;
    /// Takes ownership of `fd` (may be -1).
    explicit unique_fd(int fd) noexcept
        : fd_(fd) {}
    unique_fd(const unique_fd&) = delete;
    unique_fd& operator=(const unique_fd&) = delete;
    unique_fd(unique_fd&& other) noexcept
        : fd_(other.release()) {}
    unique_fd& operator=(unique_fd&& other) noexcept;
    ~unique_fd();

    /// The descriptor, still owned by this object.
    int get() const noexcept { return fd_; }
    /// Gives up ownership and returns the descriptor.
    int release() noexcept;
    /// True when a descriptor is held.
    explicit operator bool() const noexcept { return fd_ >= 0; }

private:
    int fd_ = -1;
};

} // namespace tumen::lab
