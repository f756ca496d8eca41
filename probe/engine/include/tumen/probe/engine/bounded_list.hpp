#pragma once
/// @file
/// A list of trivially copyable items whose capacity is fixed when it is made (at most 255):
/// up to N items sit inside the object, more in one heap block of that capacity, allocated
/// once. trace_machine keeps its open hops in one: 2 x hops_in_flight of them, so with one
/// hop in flight (the default) an open trace has no heap block for them. Hand-written beside
/// boost::container::small_vector because that one is 32 bytes with two 3-byte items inline
/// (a 24-byte header), this one 16, and a std::vector is 24 bytes plus a 32-byte heap block
/// per open trace (32 KB at the 1,024 open traces of bench/probe/run.sh, docs/probe-benchmarks.md).
#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>

namespace tumen::probe::engine {

template <class T, std::size_t N>
class bounded_list {
    static_assert(std::is_trivially_copyable_v<T>);
    static_assert(N > 0 && N <= 255);

public:
    /// An empty list that holds at most `capacity` items (at most 255).
    explicit bounded_list(std::size_t capacity)
        : capacity_(static_cast<std::uint8_t>(std::min<std::size_t>(capacity, 255))) {
        if (capacity_ > N) {
            many_ = std::make_unique<T[]>(capacity_);
        }
    }

    std::size_t size() const noexcept { return size_; }
    std::size_t capacity() const noexcept { return capacity_; }
    bool empty() const noexcept { return size_ == 0; }
    T* begin() noexcept { return many_ ? many_.get() : few_; }
    T* end() noexcept { return begin() + size_; }
    const T* begin() const noexcept { return many_ ? many_.get() : few_; }
    const T* end() const noexcept { return begin() + size_; }
    T& operator[](std::size_t i) noexcept { return begin()[i]; }
    T& front() noexcept { return *begin(); }

    /// Appends `item`; the list must not be full.
    void push_back(const T& item) noexcept {
        assert(size_ < capacity_);
        begin()[size_++] = item;
    }
    /// Removes the first item (the others move down one place).
    void pop_front() noexcept {
        std::copy(begin() + 1, end(), begin());
        --size_;
    }
    void clear() noexcept { size_ = 0; }

private:
    std::unique_ptr<T[]> many_; ///< null while capacity() <= N
    T few_[N]{};
    std::uint8_t size_ = 0;
    std::uint8_t capacity_;
};

} // namespace tumen::probe::engine
