#pragma once
// Private: what atlas_kernel_<name>.cpp include before their target region. Every standard and
// tumen header the kernel code uses (and those simdjson.h includes) comes first, so that their
// inline functions and templates are built for the baseline CPU, not for the kernel's: the
// linker keeps one copy of each, which other files call on any x86-64.
#include <algorithm>
#include <array>
#include <atomic>
#include <bitset>
#include <cassert>
#include <cfloat>
#include <cinttypes>
#include <cmath>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iomanip>
#include <iterator>
#include <limits>
#include <memory>
#include <mutex>
#include <ostream>
#include <ranges>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <climits>

#include <tumen/common/atlas_err.hpp>
#include <tumen/common/ipv4.hpp>
#include <tumen/common/json/bounded_parse.hpp>
#include <tumen/common/result.hpp>
#include <tumen/common/result_json.hpp>

#include "atlas_ondemand.hpp"
