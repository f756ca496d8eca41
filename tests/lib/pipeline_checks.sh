# shellcheck shell=bash
# Checks of the whole pipeline under lab faults (tests/e2e/outage.sh, noise_soak.sh). Sourced
# after tests/lib/lab_test.sh and pipeline_test_begin (uses db, json, pl_api, min_traces).
#
#   in_target COLUMN          SQL condition: COLUMN is an address of one of the target /24s
#   traces_between FROM TO [COND]  traceroutes toward the target that started in (FROM, TO)
#                             (whole seconds), optionally only those with a hop h where COND
#   outage_counts FROM TO [COND]  "N REACHED MATCHING": traceroutes that started in (FROM, TO),
#                             how many of them reached the target, how many have a hop h where COND
#   more_rounds N WHAT        waits until every agent stored N more traceroutes to every /24
#   no_change WHEN [EXCEPT]   checks: no change event in the store and in /api/v1/changes, every
#                             verdict china-unicom except EXCEPT (AGENT:/24=PATH,...)
#   expect_reachable WANT     the API and tumen_target_reachable say every verdict is reachable
#                             (WANT true) or unreachable (false)

in_target() {
  local p cond=""
  for p in $LAB_TARGET_24S; do cond+="${cond:+ OR }$1 LIKE '$(prefix_like "$p")'"; done
  echo "($cond)"
}

traces_between() {
  local cond="${3:+AND EXISTS (SELECT 1 FROM hops h WHERE h.rid = r.rid AND ($3))}"
  db "SELECT COUNT(*) FROM results r WHERE r.kind = 'traceroute' AND r.timestamp > $1
      AND r.timestamp < $2 AND $(in_target r.dst) $cond;"
}

outage_counts() {
  local matching=0
  [ -z "${3:-}" ] || matching="$(traces_between "$1" "$2" "$3")"
  echo "$(traces_between "$1" "$2") $(traces_between "$1" "$2" "$(in_target h.addr)") $matching"
}

more_rounds() {
  local n=$1 what=$2
  PC_ROUNDS_BASE="$(min_traces)"
  PC_ROUNDS_N=$n
  pc_enough() { [ "$(min_traces)" -ge $((PC_ROUNDS_BASE + PC_ROUNDS_N)) ]; }
  pl_wait_for $((n * 30)) "$n more rounds ($what)" pc_enough || fail "$n more rounds ($what) did not complete"
}

no_change() {
  local when=$1 except=${2:-} paths
  check "$when: no change event (store)" test "$(db 'SELECT COUNT(*) FROM changes;')" = 0
  check "$when: /api/v1/changes is empty" \
    json unexpected-changes --after 0 --allow "none:" <<<"$(pl_api /api/v1/changes)"
  paths="$(pl_api /api/v1/paths)"
  check "$when: every verdict as before (china-unicom${except:+, except $except})" \
    json expect-paths --path china-unicom --except "$except" <<<"$paths"
}

# expect_reachable WANT: (true|false) every verdict of /api/v1/paths says "reachable": WANT and
# /metrics has tumen_target_reachable{agent,target} 1 (true) or 0 (false) for each of them;
# lists what differs.
expect_reachable() {
  python3 - "$1" "$(pl_api /api/v1/paths)" "$(pl_api /metrics)" <<'PY'
import json, re, sys
want = sys.argv[1] == "true"
doc = json.loads(sys.argv[2])
entries = doc if isinstance(doc, list) else doc.get("paths", [])
metric = {}
for line in sys.argv[3].splitlines():
    m = re.match(r'tumen_target_reachable\{([^}]*)\}\s+(\S+)', line)
    if m:
        labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
        metric[(labels.get("agent"), labels.get("target"))] = float(m.group(2))
bad = []
for e in entries:
    key = (e.get("agent"), e.get("target"))
    if e.get("reachable") is not want:
        bad.append(f"{key}: API reachable={e.get('reachable')} ({e.get('reachability_reason')})")
    if metric.get(key) != (1.0 if want else 0.0):
        bad.append(f"{key}: tumen_target_reachable={metric.get(key)}")
for b in bad:
    print("   ", b, file=sys.stderr)
sys.exit(1 if bad or not entries else 0)
PY
}
