# Shared by the lab tests (sourced). Each test sets TEST_LAB (its own TUMEN_LAB name) first.
# Exits 77 (CTest: skipped) with a reason when not root or a needed tool is missing.
set -euo pipefail

LAB_TEST_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SRC_DIR="${TUMEN_SOURCE_DIR:-$(cd "$LAB_TEST_DIR/../.." && pwd)}"
LAB_SH="$SRC_DIR/deploy/lab/lab.sh"
UDPSEQ="$SRC_DIR/deploy/lab/udpseq.py"
# shellcheck source=deploy/lab/lab.env
. "$SRC_DIR/deploy/lab/lab.env"

skip() {
  echo "SKIPPED: $*"
  exit 77
}
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
pass() { echo "ok: $*"; }

# require TOOL...: skip unless every tool is on PATH.
require() {
  [ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces)"
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null 2>&1 || skip "needs '$t' (deploy/install-deps.sh installs it)"
  done
}

# The delay-line binary lab.sh will use; skip when it has not been built.
require_delayline() {
  local c
  for c in "${TUMEN_DELAYLINE:-}" "${TUMEN_BUILD_DIR:+$TUMEN_BUILD_DIR/deploy/lab/delayline/tumen-delayline}" \
    "$SRC_DIR/build/deploy/lab/delayline/tumen-delayline"; do
    if [ -n "$c" ] && [ -x "$c" ]; then
      DELAYLINE="$c"
      export TUMEN_DELAYLINE="$c"
      return 0
    fi
  done
  skip "tumen-delayline is not built (cmake --build ... --target tumen-delayline)"
}

export TUMEN_LAB="${TEST_LAB:?set TEST_LAB before sourcing lib.sh}"

lab() { "$LAB_SH" "$@"; }
in_ns() { # NODE CMD...
  local n=$1
  shift
  ip netns exec "$TUMEN_LAB-$n" "$@"
}

# Brings the lab down on exit, whatever happened.
lab_trap() {
  trap 'rc=$?; "$LAB_SH" down >/dev/null 2>&1 || true; exit $rc' EXIT
  trap 'exit 130' INT TERM
}

# scamper udp-paris trace from NODE to ADDR, printed as "TTL ADDR" lines ("*" for no reply)
# followed by "stop STOP_REASON". Extra arguments go into the trace command.
trace_hops() {
  local node=$1 addr=$2
  shift 2
  in_ns "$node" scamper -O json -c "trace -P udp-paris -q 1 -w 1 $*" -i "$addr" |
    python3 -c '
import json, sys
for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    o = json.loads(line)
    if o.get("type") != "trace":
        continue
    hops = {}
    for h in o.get("hops", []):
        hops.setdefault(h["probe_ttl"], h["addr"])
    last = max(hops) if hops else 0
    for ttl in range(1, max(last, o.get("hop_count", 0)) + 1):
        print(ttl, hops.get(ttl, "*"))
    print("stop", o.get("stop_reason"))
'
}

# hops_match "HOPS" "PATTERN...": each line "TTL ADDR" of HOPS must match the extended regex
# at the same position (1-based TTL); the stop line must be COMPLETED.
hops_match() {
  local hops=$1
  shift
  local ttl=1 pat got
  for pat in "$@"; do
    got="$(awk -v t="$ttl" '$1 == t {print $2}' <<<"$hops")"
    [[ "$got" =~ ^($pat)$ ]] || {
      echo "hop $ttl is '$got', expected /$pat/" >&2
      return 1
    }
    ttl=$((ttl + 1))
  done
  local extra
  extra="$(awk -v t="$ttl" '$1 ~ /^[0-9]+$/ && $1 >= t' <<<"$hops")"
  [ -z "$extra" ] || {
    echo "unexpected hops after $((ttl - 1)): $extra" >&2
    return 1
  }
  grep -qx 'stop COMPLETED' <<<"$hops" || {
    echo "trace did not complete: $(grep '^stop' <<<"$hops")" >&2
    return 1
  }
}

re() { sed 's/\./\\./g' <<<"$1"; } # an address as a literal regex
