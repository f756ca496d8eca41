# shellcheck shell=bash
# Helpers shared by the end-to-end lab tests (on top of deploy/lab/pipeline.sh).

e2e_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=deploy/lab/pipeline.sh
. "$e2e_root/deploy/lab/pipeline.sh"
json() { python3 "$e2e_root/deploy/lab/pipeline_json.py" "$@"; }

E2E_FAILS=0
ok() { echo "ok: $*"; }
not_ok() {
  echo "FAIL: $*"
  E2E_FAILS=$((E2E_FAILS + 1))
}
# expect DESCRIPTION CMD...: records ok/FAIL from CMD's exit status.
expect() {
  local what="$1"
  shift
  if "$@"; then ok "$what"; else not_ok "$what"; fi
}
e2e_finish() {
  if [ "$E2E_FAILS" -ne 0 ]; then
    echo "$E2E_FAILS check(s) failed"
    exit 1
  fi
  echo "all checks passed"
}

# db SQL: a read-only query on the controller's SQLite database (WAL: safe while it runs).
db() {
  command -v sqlite3 >/dev/null 2>&1 || pl_die "sqlite3 CLI not installed (deploy/install-deps.sh)"
  sqlite3 -batch -noheader -separator ' ' "file:$PL_WORK/controller.db?mode=ro" "$1"
}

# prefix_like PREFIX/24: "a.b.c.%" for SQL LIKE on dst.
prefix_like() { local p="${1%/*}"; echo "${p%.*}.%"; }

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
