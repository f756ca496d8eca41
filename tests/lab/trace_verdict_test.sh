#!/usr/bin/env bash
# deploy/lab/trace_verdict.py (used by deploy/demo.sh) on hand-made scamper JSON traces with
# lab addresses: the border AS is the last mapped AS before the target's; traces that never
# reach the target get "unknown"; a malformed pfx2as line is reported with file and line.
set -euo pipefail
src="${TUMEN_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
command -v python3 >/dev/null || { echo "SKIPPED: needs python3"; exit 77; }
tv="$src/deploy/lab/trace_verdict.py"
pfx="$src/deploy/lab/pfx2as.txt"
fail() { echo "FAIL: $*" >&2; exit 1; }

hop() { printf '{"addr":"%s","probe_ttl":%d,"rtt":%s}' "$1" "$2" "$3"; }
trace() { # DST STOP HOP...
  local dst=$1 stop=$2
  shift 2
  local IFS=,
  printf '{"type":"cycle-start"}\n{"type":"trace","src":"198.18.1.10","dst":"%s","stop_reason":"%s","hops":[%s]}\n' \
    "$dst" "$stop" "$*"
}

cu="$(trace 198.19.177.1 COMPLETED "$(hop 198.18.1.1 1 0.1)" "$(hop 198.18.48.1 2 0.2)" \
  "$(hop 198.18.64.6 4 40.1)" "$(hop 198.18.49.2 5 40.2)" "$(hop 198.19.177.1 6 40.3)")"
out="$(python3 "$tv" --pfx2as "$pfx" --vp fra <<<"$cu")" || fail "CU trace: exit $?: $out"
grep -qx '  fra -> 198.19.177.1: China Unicom (AS4837)' <<<"$out" || fail "CU verdict: $out"
grep -q '198.18.64.6 *unmapped' <<<"$out" || fail "the CU backbone must be unmapped: $out"
grep -qE '^ +3  \*$' <<<"$out" || fail "the silent hop 3 must print as '*': $out"

ttk="$(trace 198.19.178.1 COMPLETED "$(hop 198.18.3.1 1 0.1)" "$(hop 198.18.81.2 3 70.1)" \
  "$(hop 198.18.82.2 4 70.2)" "$(hop 198.19.178.1 5 70.3)")"
out="$(python3 "$tv" --pfx2as "$pfx" --vp msk --quiet <<<"$ttk")" || fail "TTK trace: exit $?"
[ "$out" = "  msk -> 198.19.178.1: TransTelecom (AS20485)" ] || fail "TTK verdict: $out"

gap="$(trace 198.19.200.1 GAPLIMIT "$(hop 198.18.1.1 1 0.1)")"
if out="$(python3 "$tv" --pfx2as "$pfx" --quiet <<<"$gap")"; then fail "unreached target accepted: $out"; fi
grep -q 'unknown (stop reason GAPLIMIT)' <<<"$out" || fail "gap-limit verdict: $out"

bad="$(mktemp)"
trap 'rm -f "$bad"' EXIT
printf '198.18.1.0\t24\t24940\n198.18.2.0 24 2516\n' >"$bad"
if out="$(python3 "$tv" --pfx2as "$bad" <<<"$cu" 2>&1)"; then fail "malformed pfx2as accepted"; fi
grep -q "$bad:2: expected" <<<"$out" || fail "malformed pfx2as message lacks file:line: $out"
echo "ok: trace_verdict verdicts and errors"
