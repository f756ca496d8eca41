#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, runs every test (unit and lab)
# with CTest and exits non-zero on any failure. Lab tests need root; without it they are
# reported as skipped by CTest, never as passed.
#   deploy/test.sh            all tests
#   deploy/test.sh -L unit    only unit tests (any ctest arguments are passed through)
#   TUMEN_TEST_JOBS=1 deploy/test.sh   one test at a time (default: as many as CPUs)
#   deploy/test.sh -L soak    the long lab runs (label soak, e.g. 30 minutes of lab noise),
#                             which the plain command leaves out (it runs their short forms)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"

if [ "$(id -u)" -eq 0 ]; then
  "$here/install-deps.sh"
fi

jobs="$(nproc)"
cmake --preset default >/dev/null
cmake --build --preset default -j "$jobs"

# A lab left over from an interrupted run must not break this one.
if [ "$(id -u)" -eq 0 ] && [ -x "$here/lab/lab.sh" ]; then
  "$here/lab/lab.sh" down >/dev/null 2>&1 || true
fi

# Without arguments: every test but the long soak runs (label soak; CI runs their short forms).
default_args=()
[ $# -gt 0 ] || default_args=(-LE soak)
# Tests run ${TUMEN_TEST_JOBS:-nproc} at a time; lab tests too: each has a lab of its own.
ctest --test-dir build --output-on-failure --no-tests=error -j "${TUMEN_TEST_JOBS:-$jobs}" \
  "${default_args[@]}" "$@"

if [ "${TUMEN_FUZZ_SECONDS:-60}" != 0 ] && [ -x "$here/fuzz.sh" ] && [ $# -eq 0 ]; then
  "$here/fuzz.sh" "${TUMEN_FUZZ_SECONDS:-60}"
fi
