# shellcheck shell=bash
# The one shell library of the lab and end-to-end tests (tests/lab, tests/probe/lab,
# tests/e2e). Sourced; sourcing only sets paths, reads deploy/lab/lab.env (the lab's
# address plan: every address a test needs comes from there) and defines functions.
#
# Convention (CTest: SKIP_RETURN_CODE 77):
#   skip REASON    prints "SKIP: REASON", exits 77   (not root, a tool or shared data missing)
#   fail WHAT      prints "FAIL: WHAT", exits 1      (a check that makes going on pointless)
#   fail_soft WHAT prints "FAIL: WHAT", goes on; the test exits 1 at the end
#   pass WHAT      prints "ok: WHAT"
#   check WHAT CMD...  pass or fail_soft from CMD's exit status
#   finish         exits 1 ("N check(s) failed") after a fail_soft, else 0
# Any other non-zero exit (set -e) prints "FAIL: exit status N" so no failure is silent.
#
# Set-up and tear-down:
#   lab_test_begin NAME TOOL...  skips unless root and every TOOL is on PATH; exports
#                      TUMEN_LAB=NAME, makes $WORK; one EXIT trap runs every at_exit
#                      command (last first), brings the lab down if lab_up ran, removes $WORK
#   at_exit CMD...     one more tear-down step
#   lab_up             deploy/lab/lab.sh up (tear-down brings it down)
#   lab_down_on_exit   tear-down brings the lab down (for tests that run `lab up` themselves)
#   lab ARGS...        deploy/lab/lab.sh ARGS
#   in_ns NODE CMD...  CMD inside NODE's namespace of this lab
#   wait_for SECONDS WHAT CMD...  polls CMD (in this shell, output shown) every 0.1 s until
#                      it succeeds; after SECONDS prints a message and returns 1
# Binaries (a missing one is a broken build, so it fails rather than skips):
#   binary NAME        prints the path of tumen-probe, tumen-agent, tumen-controller or
#                      tumen-delayline (TUMEN_PROBE / TUMEN_AGENT / TUMEN_CONTROLLER /
#                      TUMEN_DELAYLINE override)
# Traces: trace_hops, hops_match, re; addresses: lab_addr (below).
# The whole pipeline (tests/e2e): pipeline_test_begin, json, db, traces, min_traces,
# wait_rounds, spool_ids (at the end).
set -euo pipefail

LT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SRC_DIR="${TUMEN_SOURCE_DIR:-$(cd "$LT_DIR/../.." && pwd)}"
BUILD_DIR="${TUMEN_BUILD_DIR:-$SRC_DIR/build}"
export TUMEN_BUILD_DIR="$BUILD_DIR"
LAB_SH="$SRC_DIR/deploy/lab/lab.sh"
# shellcheck disable=SC2034 # for the tests that source this library
LAB_PFX2AS="$SRC_DIR/deploy/lab/pfx2as.txt" # the lab's prefix-to-AS table
# shellcheck disable=SC2034
LAB_SCHEDULE="$SRC_DIR/schedules/lab.yaml" # the lab campaign
# shellcheck disable=SC2034
UDPSEQ="$SRC_DIR/deploy/lab/udpseq.py" # numbered UDP datagrams (loss, reordering)
# shellcheck source=deploy/lab/lab.env
. "$SRC_DIR/deploy/lab/lab.env"

LT_FAILURES=0
LT_AT_EXIT=()
LT_LAB_STARTED=0
WORK=""

skip() {
  echo "SKIP: $*"
  exit 77
}
fail() {
  echo "FAIL: $*"
  LT_FAILURES=$((LT_FAILURES + 1))
  exit 1
}
fail_soft() {
  echo "FAIL: $*"
  LT_FAILURES=$((LT_FAILURES + 1))
}
pass() { echo "ok: $*"; }
check() {
  local what=$1
  shift
  if "$@"; then pass "$what"; else fail_soft "$what"; fi
}
finish() {
  if [ "$LT_FAILURES" -ne 0 ]; then
    echo "$LT_FAILURES check(s) failed"
    exit 1
  fi
  echo "all checks passed"
  exit 0
}

# require_root / require_tools TOOL... / require_data PATH...: skip (77) when missing.
require_root() { [ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces)"; }
require_tools() {
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null 2>&1 || skip "needs '$t' (deploy/install-deps.sh installs it)"
  done
}

require_data() {
  local f
  for f in "$@"; do
    [ -e "$f" ] || skip "needs the shared data $f"
  done
}

binary() {
  local name=$1 override path
  case "$name" in
    tumen-probe) override="${TUMEN_PROBE:-}" path="$BUILD_DIR/probe/tool/tumen-probe" ;;
    tumen-agent) override="${TUMEN_AGENT:-}" path="$BUILD_DIR/probe/agent/tumen-agent" ;;
    tumen-controller) override="${TUMEN_CONTROLLER:-}" path="$BUILD_DIR/controller/tool/tumen-controller" ;;
    tumen-delayline) override="${TUMEN_DELAYLINE:-}" path="$BUILD_DIR/deploy/lab/delayline/tumen-delayline" ;;
    *) path="" ;;
  esac
  [ -z "$override" ] || path=$override
  # (Called in $(...): the message goes to stderr, the caller's set -e stops the test.)
  if [ -z "$path" ] || [ ! -x "$path" ]; then
    echo "FAIL: $name is not built (${path:-unknown program}; cmake --build build --target $name)" >&2
    exit 1
  fi
  echo "$path"
}

at_exit() { LT_AT_EXIT+=("$*"); }

# The EXIT trap: the test's status (a fail_soft makes it 1), then every at_exit command
# (they may read $rc), the lab down, $WORK removed.
lt_on_exit() {
  local rc=$? i
  trap - EXIT
  set +e
  if [ "$rc" -eq 0 ] && [ "$LT_FAILURES" -ne 0 ]; then
    echo "$LT_FAILURES check(s) failed"
    rc=1
  elif [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ "$LT_FAILURES" -eq 0 ]; then
    echo "FAIL: exit status $rc"
  fi
  for ((i = ${#LT_AT_EXIT[@]} - 1; i >= 0; i--)); do
    eval "${LT_AT_EXIT[$i]}"
  done
  [ "$LT_LAB_STARTED" = 0 ] || "$LAB_SH" down >/dev/null 2>&1 || echo "warning: lab.sh down failed"
  [ -z "$WORK" ] || rm -rf "$WORK"
  exit "$rc"
}

lab_test_begin() {
  local name=$1
  shift
  require_root
  require_tools ip "$@"
  export TUMEN_LAB="$name"
  # The delay line lab.sh starts: the one of this build.
  TUMEN_DELAYLINE="$(binary tumen-delayline)"
  export TUMEN_DELAYLINE
  WORK="$(mktemp -d "/tmp/tumen-$name.XXXXXX")"
  trap lt_on_exit EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

lab() { "$LAB_SH" "$@"; }
lab_down_on_exit() { LT_LAB_STARTED=1; }
lab_up() {
  lab_down_on_exit
  "$LAB_SH" up
}
in_ns() {
  local n=$1
  shift
  ip netns exec "$TUMEN_LAB-$n" "$@"
}

wait_for() {
  local timeout=$1 what=$2 polls
  shift 2
  polls=$((timeout * 10))
  until "$@"; do
    polls=$((polls - 1))
    if [ "$polls" -le 0 ]; then
      echo "timed out after ${timeout} s waiting for: $what"
      return 1
    fi
    sleep 0.1
  done
}

# trace_hops NODE ADDR [ARGS]: scamper udp-paris trace from NODE to ADDR, printed as
# "TTL ADDR" lines ("*" for no reply) followed by "stop STOP_REASON". ARGS go into the trace
# command.
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
      echo "hop $ttl is '$got', expected /$pat/"
      return 1
    }
    ttl=$((ttl + 1))
  done
  local extra
  extra="$(awk -v t="$ttl" '$1 ~ /^[0-9]+$/ && $1 >= t' <<<"$hops")"
  [ -z "$extra" ] || {
    echo "unexpected hops after $((ttl - 1)): $extra"
    return 1
  }
  grep -qx 'stop COMPLETED' <<<"$hops" || {
    echo "trace did not complete: $(grep '^stop' <<<"$hops")"
    return 1
  }
}

re() { sed 's/\./\\./g' <<<"$1"; } # an address as a literal regex

# lab_addr PREFIX N: the N-th address of PREFIX (a.b.c.d/len), e.g. lab_addr 198.19.177.0/24 1.
lab_addr() {
  local IFS=. a b c d
  read -r a b c d <<<"${1%/*}"
  local i=$((((a << 24) | (b << 16) | (c << 8) | d) + $2))
  echo "$(((i >> 24) & 255)).$(((i >> 16) & 255)).$(((i >> 8) & 255)).$((i & 255))"
}

# ---------------------------------------------------------------------------------------------
# The whole pipeline (tests/e2e): deploy/lab/pipeline.sh runs controller, agents and
# Prometheus in the lab; these helpers read what they stored.

# pipeline_test_begin LAB: skips unless root with curl, python3 and sqlite3; sources
# deploy/lab/pipeline.sh and runs pl_init (TUMEN_LAB=LAB unless set); its tear-down
# (pl_teardown) runs from this library's EXIT trap.
pipeline_test_begin() {
  export TUMEN_LAB="${TUMEN_LAB:-$1}"
  require_root
  require_tools ip curl python3 sqlite3
  # shellcheck source=deploy/lab/pipeline.sh
  . "$SRC_DIR/deploy/lab/pipeline.sh"
  pl_init
  trap lt_on_exit EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  at_exit 'pl_teardown "$rc"'
}

# json CMD ARGS: deploy/lab/pipeline_json.py (tables and checks of API answers on stdin).
json() { python3 "$SRC_DIR/deploy/lab/pipeline_json.py" "$@"; }

# db SQL: a read-only query on the controller's SQLite database (WAL: safe while it runs).
db() { sqlite3 -batch -noheader -separator ' ' "file:$PL_WORK/controller.db?mode=ro" "$1"; }

# prefix_like PREFIX/24: "a.b.c.%" for SQL LIKE on dst.
prefix_like() {
  local p="${1%/*}"
  echo "${p%.*}.%"
}

# traces AGENT PREFIX/24 [SQL condition]: number of stored traceroutes of AGENT to PREFIX.
traces() {
  db "SELECT COUNT(*) FROM results WHERE kind='traceroute' AND agent='$1' AND dst LIKE '$(prefix_like "$2")' ${3:+AND $3};"
}

# min_traces: the smallest number of stored traceroutes over every agent x /24.
min_traces() {
  local vp p n min=999999
  for vp in $LAB_VPS; do
    for p in $LAB_TARGET_24S; do
      n="$(traces "$vp" "$p")"
      [ "$n" -lt "$min" ] && min="$n"
    done
  done
  echo "$min"
}

# wait_rounds N TIMEOUT: until every agent has >= N stored traceroutes to every /24.
wait_rounds() {
  local n="$1" timeout="$2"
  rounds_reached() { [ "$(min_traces)" -ge "$n" ]; }
  pl_wait_for "$timeout" "$n traceroutes per agent and /24" rounds_reached
}

# spool_ids VP: result ids in the agent's spool segment files (acknowledged ones included
# until their segment is removed).
spool_ids() {
  local dir="$PL_WORK/spool-$1"
  [ -d "$dir" ] || return 0
  find "$dir" -maxdepth 1 -name 'seg-*.jsonl' -print0 | xargs -0 -r cat |
    python3 -c '
import json, sys
for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    try:
        print(json.loads(line)["id"])
    except (ValueError, KeyError, TypeError):
        pass  # a line cut by SIGKILL: the agent truncates it on restart
'
}
