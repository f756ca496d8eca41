include_guard(GLOBAL)

# Warnings every target of ours links (PRIVATE).
add_library(tumen_warnings INTERFACE)
target_compile_options(tumen_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                                 -Wno-unused-parameter)
add_library(tumen::warnings ALIAS tumen_warnings)

# Lab tests need root (network namespaces); the test scripts exit 77 without it
# and CTest reports them as skipped (SKIP_RETURN_CODE), never passed.
set(TUMEN_SKIP_RC 77)

# tumen_add_script_test(NAME name SCRIPT path [ARGS a...] [LABELS l...] [TIMEOUT s]
#                       [ENVIRONMENT k=v...])
# Registers a shell test. The script must exist: a missing one fails at configure time
# rather than vanishing from the test list. Exit 77 is reported as skipped. The script gets
# TUMEN_BUILD_DIR and TUMEN_SOURCE_DIR (tests/lib/lab_test.sh reads them).
# (COMMAND script args... is accepted as well: SCRIPT and ARGS in one; its first word is
# checked when it is a path.)
function(tumen_add_script_test)
  cmake_parse_arguments(arg "" "NAME;SCRIPT;TIMEOUT" "ARGS;COMMAND;LABELS;ENVIRONMENT" ${ARGN})
  set(arg_COMMAND_GIVEN FALSE)
  if(arg_COMMAND)
    set(arg_COMMAND_GIVEN TRUE)
    list(POP_FRONT arg_COMMAND arg_SCRIPT)
    list(PREPEND arg_ARGS ${arg_COMMAND})
  endif()
  if(NOT arg_NAME OR NOT arg_SCRIPT)
    message(FATAL_ERROR "tumen_add_script_test: NAME and SCRIPT are required")
  endif()
  # A program named without a path (COMMAND env ..., a target name) is not a file to check.
  if((arg_COMMAND_GIVEN AND IS_ABSOLUTE "${arg_SCRIPT}") OR NOT arg_COMMAND_GIVEN)
    if(NOT IS_ABSOLUTE "${arg_SCRIPT}" OR NOT EXISTS "${arg_SCRIPT}")
      message(FATAL_ERROR "test ${arg_NAME}: script ${arg_SCRIPT} does not exist")
    endif()
  endif()
  if(NOT arg_TIMEOUT)
    set(arg_TIMEOUT 600)
  endif()
  if(NOT arg_LABELS)
    set(arg_LABELS unit)
  endif()
  set(env "TUMEN_BUILD_DIR=${CMAKE_BINARY_DIR}" "TUMEN_SOURCE_DIR=${CMAKE_SOURCE_DIR}" ${arg_ENVIRONMENT})
  add_test(NAME ${arg_NAME} COMMAND ${arg_SCRIPT} ${arg_ARGS})
  set_tests_properties(${arg_NAME} PROPERTIES LABELS "${arg_LABELS}" SKIP_RETURN_CODE ${TUMEN_SKIP_RC}
                                              TIMEOUT ${arg_TIMEOUT} ENVIRONMENT "${env}")
endfunction()

# tumen_add_lab_test(NAME name SCRIPT path [ARGS a...] [TIMEOUT s] [ENVIRONMENT k=v...]
#                    [LABELS l...])
# A shell test in the namespace lab: label `lab` plus any LABELS (e.g. `soak` for the long
# runs that the default test command leaves out with -LE soak), otherwise as
# tumen_add_script_test. Lab tests run in parallel with each other (deploy/test.sh runs ctest
# -j): each builds its own lab under its own name (lab_test_begin/pipeline_test_begin NAME,
# or TUMEN_LAB in ENVIRONMENT), and two labs share nothing (namespaces, helper state).
function(tumen_add_lab_test)
  cmake_parse_arguments(lab "" "NAME" "LABELS" ${ARGN})
  tumen_add_script_test(NAME ${lab_NAME} ${lab_UNPARSED_ARGUMENTS} LABELS lab ${lab_LABELS})
endfunction()

# tumen_add_unit_test(name [REAL_DATA] SOURCES... LIBS...): a doctest binary with the shared
# main of tests/lib (REAL_DATA: the one that skips, exit 77, when the public real data is absent;
# the binary defines tumen::test::real_data_subdir).
function(tumen_add_unit_test name)
  cmake_parse_arguments(arg "REAL_DATA" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${arg_SOURCES})
  if(arg_REAL_DATA)
    target_link_libraries(${name} PRIVATE tumen::test_real_data_main)
  else()
    target_link_libraries(${name} PRIVATE tumen::test_main)
  endif()
  target_link_libraries(${name} PRIVATE doctest::doctest tumen::warnings ${arg_LIBS})
  target_compile_definitions(${name} PRIVATE TUMEN_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS unit SKIP_RETURN_CODE ${TUMEN_SKIP_RC})
endfunction()
