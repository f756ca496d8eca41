#!/usr/bin/env bash
# End-to-end (lab, root): a border change found by watch probes between rounds
# (docs/agent.md, "Watch probes"). Controller and three agents in the lab; campaign interval
# 60s with watch_interval 5s, K = 2.
#  - one round on China Unicom everywhere (every agent learns its border hops);
#  - early in a round, flip msk's whole /22 to TTK: every msk /24 changes to ttk with
#    detected_by=watch, confirmed inside a single round (the watch re-trace and one
#    confirmation trace; a round-based detection needs two rounds), and msk's agent counts a
#    watch re-trace and a confirmation trace per /24;
#  - no change for fra or tyo, and their watch probes ran.
# Exit 77 without root.
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lab_test.sh"
interval=60s
watch_interval=5s
flip_vp=msk
targets_csv="$(tr ' ' ',' <<<"$LAB_TARGET_24S")"

pipeline_test_begin watch
echo "lab $TUMEN_LAB, interval $interval, watch_interval $watch_interval"
pl_lab_up
pl_campaign "$interval" 1s "$watch_interval"
# shellcheck disable=SC2086 # one argument per vantage point
pl_tokens $LAB_VPS
pl_controller_config
pl_controller_start
pl_agents_start

# metric VP NAME: the value of a counter in the agent's /metrics (0 when absent).
metric() {
  local v
  v="$(pl_agent_metric "$1" "$2")"
  [ "$v" = absent ] && echo 0 || echo "$v"
}

# 1. One round everywhere, and watch probes from every agent.
wait_rounds 1 150 || fail "agents did not complete a round"
watching() { for vp in $LAB_VPS; do [ "$(metric "$vp" tumen_agent_watch_probes_total)" -ge 2 ] || return 1; done; }
pl_wait_for 30 "watch probes from every agent" watching || fail "no watch probes"
check "no change event before the flip" test "$(db 'SELECT COUNT(*) FROM changes;')" = 0

# 2. The flip, early in a round (its traces are done), so that the round clock cannot confirm
# the change before the watch probes do.
early() { local s; s=$(($(date +%s) % 60)); [ "$s" -ge 8 ] && [ "$s" -le 30 ]; }
pl_wait_for 70 "early in a round" early || fail "clock"
retraces_before="$(metric "$flip_vp" tumen_agent_watch_retraces_total)"
seq_before="$(pl_api /api/v1/changes | json max-seq)"
flip_round=$(($(date +%s) / 60))
"$PL_LAB_SH" flip ttk "$flip_vp" >>"$PL_WORK/lab.log" 2>&1 || fail "flip failed"
detected() { pl_api /api/v1/changes | json expect-changes --after "$seq_before" --agent "$flip_vp" --to ttk --targets "$targets_csv"; }
pl_wait_for 90 "change events for $flip_vp" detected || fail_soft "changes to ttk for $flip_vp"
pl_api /api/v1/changes | json changes-table --after "$seq_before" || true

changes="$(pl_api /api/v1/changes)"
by_watch() {
  python3 -c '
import json, sys
doc = json.load(sys.stdin)
agent, targets, flip_round = sys.argv[1], set(sys.argv[2].split(",")), int(sys.argv[3])
seen = {}
for c in doc["changes"]:
    if c["agent"] == agent and c["to"] == "ttk":
        seen[c["target"]] = c
bad = 0
for t in sorted(targets):
    c = seen.get(t)
    if c is None:
        print("   ", t, "no change"); bad += 1; continue
    ev = c["evidence"]
    print("   ", t, "detected_by", c["detected_by"], "rounds", ev["rounds"], "traces", len(ev["trace_ids"]))
    if c["detected_by"] != "watch" or len(ev["rounds"]) != 1 or ev["rounds"][0] not in (flip_round, flip_round + 1):
        bad += 1
sys.exit(1 if bad else 0)' "$flip_vp" "$targets_csv" "$flip_round" <<<"$changes"
}
check "every $flip_vp /24: detected_by=watch, confirmed inside one round (round $flip_round)" by_watch
retraces="$(metric "$flip_vp" tumen_agent_watch_retraces_total)"
confirmations="$(metric "$flip_vp" tumen_agent_watch_confirmations_total)"
echo "$flip_vp: watch re-traces $retraces_before -> $retraces, confirmation traces $confirmations"
check "$flip_vp re-traced every /24 on a watch alarm" test "$((retraces - retraces_before))" -ge 4
check "$flip_vp ran a confirmation trace per /24 (K-1 = 1)" test "$confirmations" -ge 4
marked="$(db "SELECT COUNT(*) FROM results WHERE agent='$flip_vp' AND kind='traceroute' AND raw LIKE '%\"confirmation\":true%';")"
check "the controller stored $flip_vp's confirmation traces with their marker ($marked)" test "$marked" -ge 4

# 3. Nothing anywhere else, and the watch ran there too.
check "no change for fra or tyo" \
  json unexpected-changes --after 0 --allow "$flip_vp:$targets_csv" <<<"$(pl_api /api/v1/changes)"
for vp in fra tyo; do
  check "$vp: watch probes sent, no confirmation trace" \
    test "$(metric "$vp" tumen_agent_watch_probes_total)" -gt 0 -a "$(metric "$vp" tumen_agent_watch_confirmations_total)" = 0
done
finish
