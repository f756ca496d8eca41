#!/usr/bin/env bash
# Fuzzes the probe codec (decode_reply + key_of + check, and the builders) with libFuzzer.
#   deploy/fuzz.sh [SECONDS]     default 60
# Configures the `fuzz` preset (clang 14, ASan + UBSan, libFuzzer), builds only fuzz_decode,
# runs it for SECONDS on a copy of tests/fuzz/corpus and exits non-zero on any crash, leak,
# sanitizer report or broken invariant; the crashing input is kept in build-fuzz/artifacts/.
# TUMEN_FUZZ_BUILD_DIR overrides the build directory (default: the preset's build-fuzz).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
seconds="${1:-60}"
case "$seconds" in
  ''|*[!0-9]*) echo "fuzz.sh: SECONDS must be a whole number, got '$seconds'" >&2; exit 2 ;;
esac
build="${TUMEN_FUZZ_BUILD_DIR:-$root/build-fuzz}"

if ! command -v clang++ >/dev/null 2>&1; then
  echo "fuzz.sh: clang++ not found (install clang-14 and libclang-rt-14-dev)" >&2
  exit 1
fi

cd "$root"
cmake --preset fuzz -B "$build" >/dev/null
cmake --build "$build" --target fuzz_decode -j "$(nproc)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$build/artifacts"
cp "$root"/tests/fuzz/corpus/* "$work/corpus/"

echo "fuzz.sh: running fuzz_decode for ${seconds}s on $(ls "$work/corpus" | wc -l) seed inputs"
set +e
"$build/tests/fuzz/fuzz_decode" \
  -max_total_time="$seconds" -max_len=2048 -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$build/artifacts/" "$work/corpus" \
  >"$work/fuzz.log" 2>&1
rc=$?
set -e
tail -n 25 "$work/fuzz.log"
if [ "$rc" -ne 0 ]; then
  echo "fuzz.sh: fuzz_decode failed (exit $rc); reproducer(s) in $build/artifacts/:" >&2
  ls -1 "$build/artifacts/" >&2 || true
  exit "$rc"
fi
echo "fuzz.sh: no crash in ${seconds}s"
