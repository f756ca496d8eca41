# The one place where third-party dependencies become imported targets.
# Everything comes from Debian 12 packages (deploy/install-deps.sh); nothing is downloaded.
include_guard(GLOBAL)

find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

# libtins 4.0 ships no CMake config; its .pc adds -I/usr/include/tins, so always
# include <tins/...> and never name one of our headers config.h/utils.h/packet.h/exceptions.h.
pkg_check_modules(TINS REQUIRED IMPORTED_TARGET GLOBAL libtins)
add_library(tumen::tins ALIAS PkgConfig::TINS)

pkg_check_modules(PCAP REQUIRED IMPORTED_TARGET GLOBAL libpcap)
add_library(tumen::pcap ALIAS PkgConfig::PCAP)

# Boost 1.74: Asio and Beast are header-only. Include Asio through
# <tumen/common/asio.hpp> only (it includes <utility> first, needed with GCC 12 + C++20).
find_package(Boost 1.74 REQUIRED)
add_library(tumen_boost INTERFACE)
target_link_libraries(tumen_boost INTERFACE Boost::headers Threads::Threads)
target_compile_definitions(tumen_boost INTERFACE BOOST_ASIO_NO_DEPRECATED BOOST_BEAST_USE_STD_STRING_VIEW)
# Boost 1.74 Asio enables co_await under clang only with <experimental/coroutine>,
# which libstdc++ 12 does not ship; clang 14 in C++20 mode implements the standard
# <coroutine> that Asio uses under GCC, so enable it explicitly there.
target_compile_definitions(tumen_boost INTERFACE
  $<$<CXX_COMPILER_ID:Clang>:BOOST_ASIO_HAS_CO_AWAIT=1>)
add_library(tumen::boost ALIAS tumen_boost)

# yaml-cpp 0.7 exports the target `yaml-cpp` without a namespace.
find_package(yaml-cpp REQUIRED)
set_target_properties(yaml-cpp PROPERTIES IMPORTED_GLOBAL TRUE)
add_library(tumen::yaml ALIAS yaml-cpp)

find_package(prometheus-cpp CONFIG REQUIRED)       # prometheus-cpp::core, prometheus-cpp::pull
find_package(SQLite3 REQUIRED)                     # SQLite::SQLite3
find_package(nlohmann_json 3.11 CONFIG REQUIRED)   # nlohmann_json::nlohmann_json
find_package(OpenSSL REQUIRED)                     # OpenSSL::SSL, OpenSSL::Crypto
find_package(CLI11 CONFIG REQUIRED)                # CLI11::CLI11
find_package(spdlog CONFIG REQUIRED)               # spdlog::spdlog
# simdjson 3.0 (libsimdjson-dev): the parser of upload bodies and result files
# (tumen/common/json/tape_parse.hpp, tumen/common/result_tape.hpp).
find_package(simdjson 3.0 CONFIG REQUIRED)
add_library(tumen_simdjson INTERFACE)
target_link_libraries(tumen_simdjson INTERFACE simdjson::simdjson)
add_library(tumen::simdjson ALIAS tumen_simdjson)

# libpqxx 6.4 (libpqxx-dev) over libpq (libpq-dev): the PostgreSQL back end of the store.
pkg_check_modules(PQXX REQUIRED IMPORTED_TARGET GLOBAL libpqxx libpq)
add_library(tumen::pqxx ALIAS PkgConfig::PQXX)

if(TUMEN_BUILD_TESTS)
  find_package(doctest REQUIRED)                   # doctest::doctest
  include(doctest OPTIONAL RESULT_VARIABLE TUMEN_DOCTEST_MODULE)
endif()

find_package(tsl-robin-map CONFIG REQUIRED)         # tsl::robin_map (robin-map-dev, header-only)
find_package(ZLIB REQUIRED)                        # ZLIB::ZLIB (zlib1g-dev): gzip pfx2as files

# tumen::malloc: the allocator of the controller binaries. The ingest path builds and frees
# many small JSON nodes per result; jemalloc (libjemalloc-dev) takes about 10% less CPU per
# result than glibc malloc there (bench/ingest). Off for sanitizer builds, which bring their
# own allocator.
option(TUMEN_USE_JEMALLOC "link tumen-controller and the ingest benchmark with jemalloc" ON)
add_library(tumen_malloc INTERFACE)
if(TUMEN_USE_JEMALLOC)
  pkg_check_modules(JEMALLOC REQUIRED IMPORTED_TARGET GLOBAL jemalloc)
  target_link_libraries(tumen_malloc INTERFACE PkgConfig::JEMALLOC)
endif()
add_library(tumen::malloc ALIAS tumen_malloc)
