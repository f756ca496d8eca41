#pragma once
/// @file
/// The only way tumen code includes Boost.Asio. Boost 1.74 Asio under GCC 12 in C++20 mode
/// uses std::exchange without including <utility>; including it first keeps every
/// translation unit self-contained.
#include <utility>

#include <boost/asio.hpp>
