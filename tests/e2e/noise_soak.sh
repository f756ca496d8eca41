#!/usr/bin/env bash
# End-to-end soak (lab, root): lab noise produces zero change events.
#   noise_soak.sh [SECONDS]   seconds of noise (default 1800: the long form, CTest label
#                             soak; CI runs the short form, label lab, with 180)
# Controller and three agents in the lab, 5 s rounds and watch probes every 2 s (docs/agent.md),
# with the noise on for SECONDS:
#  - 5 % random loss on both delay lines (cu1-cu2, ttk1-ttk2);
#  - ICMP rate limiting: ttk1 as always, and cu1 too (kernel defaults: a burst of 6
#    time-exceeded per destination, then one per second); msk reaches two of the four /24s
#    through TTK (set before the agents start, so that is their path, not a change);
#  - ECMP at cu2 as the lab has it;
#  - the outages switched on and off in turn (cu, border, ttk, access: 20 s on, i.e. about
#    4 rounds, then 25 s off).
# No flip happens while the agents run (a flip is a real change, not noise). At the end,
# after 3 more rounds without outages: no change event in the store or the API, every
# verdict as at the start, and the noise was real (losses in the delay lines' own counters,
# traces that died during the outages, both ECMP branches in the stored traces).
export TUMEN_LAB_LOSS="cu1-cu2:5,ttk1-ttk2:5"
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lab_test.sh"
# shellcheck source=tests/lib/pipeline_checks.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/pipeline_checks.sh"
seconds="${1:-1800}"
[[ "$seconds" =~ ^[0-9]+$ ]] && [ "$seconds" -ge 60 ] || {
  echo "usage: $0 [SECONDS >= 60]" >&2
  exit 2
}
interval=5s
watch=2s # watch probes between rounds: their alarms under loss and outages must not add up to a change
outage_on_s=20
outage_off_s=25
read -r _ _ P178 P179 <<<"$LAB_TARGET_24S"
on_ttk="msk:$P178=ttk,msk:$P179=ttk" # the verdicts that are not china-unicom

pipeline_test_begin "e2s"
echo "lab $TUMEN_LAB, loss $TUMEN_LAB_LOSS, interval $interval, watch_interval $watch, $seconds s of noise"
pl_lab_up
# Rate limiting at cu1 as well (ttk1 has it from `up`).
pl_exec cu1 sysctl -q -w net.ipv4.icmp_ratemask=6168 net.ipv4.icmp_ratelimit=1000
for p in "$P178" "$P179"; do
  "$PL_LAB_SH" flip ttk msk "$p" >>"$PL_WORK/lab.log" 2>&1 || fail "flip ttk msk $p failed"
done
pl_campaign "$interval" 1s "$watch"
# shellcheck disable=SC2086 # one argument per vantage point
pl_tokens $LAB_VPS
pl_controller_config
pl_controller_start
pl_agents_start

wait_rounds 3 120 || fail "agents did not complete 3 rounds"
check "12 verdicts" json count-verdicts --min 12 <<<"$(pl_api /api/v1/paths)"
no_change "at the start" "$on_ttk"

# The noise: outages in turn until SECONDS have passed.
start=$SECONDS
cycle=0
died=0
outages=(cu border ttk access)
while [ $((SECONDS - start)) -lt "$seconds" ]; do
  name="${outages[$((cycle % ${#outages[@]}))]}"
  on="$(date +%s)"
  "$PL_LAB_SH" outage "$name" on >>"$PL_WORK/lab.log" 2>&1 || fail "outage $name on failed"
  sleep "$outage_on_s"
  off="$(date +%s)"
  "$PL_LAB_SH" outage "$name" off >>"$PL_WORK/lab.log" 2>&1 || fail "outage $name off failed"
  # Traces that started during the outage and could not reach the target (a trace lasts a
  # few seconds: the window ends 10 s before the restore).
  read -r n reached _ <<<"$(outage_counts "$on" $((off - 10)))"
  died=$((died + n - reached))
  pl_all_alive || fail "a process of the pipeline died"
  cycle=$((cycle + 1))
  echo "$((SECONDS - start)) s: outage $name ($n traces started during it, $reached reached the target); change events so far: $(db 'SELECT COUNT(*) FROM changes;')"
  sleep "$outage_off_s"
done

more_rounds 3 "after the noise"
no_change "after $seconds s of noise ($cycle outages)" "$on_ttk"
pl_api /api/v1/changes | json changes-table --after 0 || true

# The noise was real.
for link in cu1-cu2 ttk1-ttk2; do
  counters="$("$PL_LAB_SH" counters "$link" 2>&1 || true)"
  echo "$counters"
  lost="$(awk '{for (i = 2; i <= NF; i++) if ($i ~ /^lost=/) {split($i, kv, "="); s += kv[2]}} END {print s + 0}' <<<"$counters")"
  check "the $link delay line lost packets ($lost)" test "$lost" -gt 0
done
check "traces died during the outages ($died)" test "$died" -gt 0
ecmp="$(db "SELECT COUNT(DISTINCT addr) FROM hops WHERE addr IN ('$LAB_CU3A_ADDR', '$LAB_CU3B_ADDR');")"
check "both ECMP branches appear in stored traces" test "$ecmp" = 2
# The watch probes ran, and their alarms (loss, outages) led to re-traces but no change.
sum_metric() {
  local vp total=0
  for vp in $LAB_VPS; do
    total=$((total + $(pl_agent_metrics "$vp" | awk -v m="$1" '$1 == m { v = $2 } END { printf "%d", v }')))
  done
  echo "$total"
}
probes="$(sum_metric tumen_agent_watch_probes_total)"
alarms="$(sum_metric tumen_agent_watch_alarms_total)"
retraces="$(sum_metric tumen_agent_watch_retraces_total)"
echo "watch: $probes probes, $alarms alarms, $retraces re-traces, 0 changes"
check "watch probes ran ($probes)" test "$probes" -gt 0
check "the outages raised watch alarms ($alarms)" test "$alarms" -gt 0
finish
