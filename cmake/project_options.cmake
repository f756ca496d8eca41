include_guard(GLOBAL)

# Warnings every target of ours links (PRIVATE).
add_library(tumen_warnings INTERFACE)
target_compile_options(tumen_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                                 -Wno-unused-parameter)
add_library(tumen::warnings ALIAS tumen_warnings)

# Lab tests need root (network namespaces); the test scripts exit 77 without it
# and CTest reports them as skipped (SKIP_RETURN_CODE), never passed.
set(TUMEN_SKIP_RC 77)

# tumen_add_lab_test(NAME name COMMAND cmd... [TIMEOUT s])
# Registers a lab test: label `lab`, skip code 77, serialised with every other lab test.
function(tumen_add_lab_test)
  cmake_parse_arguments(arg "" "NAME;TIMEOUT" "COMMAND" ${ARGN})
  if(NOT arg_TIMEOUT)
    set(arg_TIMEOUT 600)
  endif()
  add_test(NAME ${arg_NAME} COMMAND ${arg_COMMAND})
  set_tests_properties(${arg_NAME} PROPERTIES LABELS lab SKIP_RETURN_CODE ${TUMEN_SKIP_RC}
                       TIMEOUT ${arg_TIMEOUT} RESOURCE_LOCK tumen_lab
                       ENVIRONMENT "TUMEN_BUILD_DIR=${CMAKE_BINARY_DIR};TUMEN_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
endfunction()

# tumen_add_unit_test(name SOURCES... LIBS...)
function(tumen_add_unit_test name)
  cmake_parse_arguments(arg "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE doctest::doctest tumen::warnings ${arg_LIBS})
  target_compile_definitions(${name} PRIVATE TUMEN_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS unit SKIP_RETURN_CODE ${TUMEN_SKIP_RC})
endfunction()
