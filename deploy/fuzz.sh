#!/usr/bin/env bash
# Fuzzes, with libFuzzer, the parsers of hostile input: the probe codec (decode_reply +
# key_of + check, the builders and the capture decoder of `tumen-probe decode`; target
# fuzz_decode, corpus tests/fuzz/corpus), the
# controller's upload body (JSON, batch_elements, result parsers, bodies up to 1 MiB; target
# fuzz_results, corpus tests/fuzz/corpus-results), the agent's assignment document (target
# fuzz_assignment, corpus tests/fuzz/corpus-assignment) and the agent's spool files (head and
# segment; target fuzz_spool, corpus tests/fuzz/corpus-spool).
#   deploy/fuzz.sh [SECONDS]     default 60, shared between the targets (40% codec, 30%
#                                upload body, 15% assignment, 15% spool; at least 1 s each)
# Configures the `fuzz` preset (clang 14, ASan + UBSan, libFuzzer), builds only the fuzz
# targets, runs each on a copy of its corpus and exits non-zero on any crash, leak,
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
cmake --build "$build" --target fuzz_decode fuzz_results fuzz_assignment fuzz_spool -j "$(nproc)"

# fuzz TARGET CORPUS SECONDS MAX_LEN
fuzz() {
  local target="$1" corpus="$2" secs="$3" max_len="$4" work rc
  work="$(mktemp -d)"
  mkdir -p "$work/corpus" "$build/artifacts"
  cp "$root/tests/fuzz/$corpus"/* "$work/corpus/"
  echo "fuzz.sh: running $target for ${secs}s on $(ls "$work/corpus" | wc -l) seed inputs"
  set +e
  "$build/tests/fuzz/$target" \
    -max_total_time="$secs" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$build/artifacts/" "$work/corpus" \
    >"$work/fuzz.log" 2>&1
  rc=$?
  set -e
  tail -n 12 "$work/fuzz.log"
  rm -rf "$work"
  if [ "$rc" -ne 0 ]; then
    echo "fuzz.sh: $target failed (exit $rc); reproducer(s) in $build/artifacts/:" >&2
    ls -1 "$build/artifacts/" >&2 || true
    exit "$rc"
  fi
}

share() { local s=$(($1 * $2 / 100)); [ "$s" -ge 1 ] && echo "$s" || echo 1; }
codec_seconds="$(share "$seconds" 40)"
results_seconds="$(share "$seconds" 30)"
assignment_seconds="$(share "$seconds" 15)"
spool_seconds=$((seconds - codec_seconds - results_seconds - assignment_seconds))
[ "$spool_seconds" -ge 1 ] || spool_seconds=1
fuzz fuzz_decode corpus "$codec_seconds" 2048
fuzz fuzz_results corpus-results "$results_seconds" 1048576
fuzz fuzz_assignment corpus-assignment "$assignment_seconds" 262144
fuzz fuzz_spool corpus-spool "$spool_seconds" 65536
echo "fuzz.sh: no crash in ${seconds}s"
