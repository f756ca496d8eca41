#pragma once
/// @file
/// value_or_error<T, E>: a value or the error that prevented it, for code that must not throw
/// (parsers of hostile input, the controller's ingest pipeline). `tumen::parsed<T>` is a
/// value_or_error with a parse_error, `controller::pipeline::expected<T>` one with a batch_error.
/// (std::expected is C++23; GCC 12 and clang 14 with libstdc++ 12 do not ship it.)
#include <cassert>
#include <utility>
#include <variant>

namespace tumen {

/// Either a value of type T or an error of type E (T and E must differ).
template <class T, class E>
class value_or_error {
public:
    /// A success.
    value_or_error(T value)
        : data_(std::in_place_index<0>, std::move(value)) {}
    /// A failure.
    value_or_error(E error)
        : data_(std::in_place_index<1>, std::move(error)) {}

    /// True when a value is held.
    bool ok() const noexcept { return data_.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }

    /// The value; only when ok().
    T& value() & {
        assert(ok());
        return std::get<0>(data_);
    }
    const T& value() const& {
        assert(ok());
        return std::get<0>(data_);
    }
    T&& value() && {
        assert(ok());
        return std::get<0>(std::move(data_));
    }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    /// The error; only when !ok().
    const E& error() const {
        assert(!ok());
        return std::get<1>(data_);
    }

private:
    std::variant<T, E> data_;
};

} // namespace tumen
