#!/usr/bin/env bash
# End-to-end (lab, root): an outage is not a path change. Controller and three agents in the
# lab (every VP on China Unicom, 5 s rounds):
#  - 3 rounds to settle: every verdict china-unicom, no change event;
#  - `lab.sh outage cu` (cu2 -> cu3a/cu3b cut: traces die inside China Unicom) for >= 4
#    rounds, then restored for >= 3: no change event, every verdict still china-unicom;
#  - `lab.sh outage border` (kp-br -> kp-host cut: traces die after the border) for >= 4
#    rounds, then restored for >= 3: no change event, every verdict still china-unicom;
#  - `lab.sh outage access` (every access router cut from its transits: traces never leave
#    the VP's network) the same way: no change event.
# The stored traces show that the outages were real: none reached the target while a link
# was cut, those of the border outage ended at kp-br. Exit 77 without root.
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lab_test.sh"
# shellcheck source=tests/lib/pipeline_checks.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/pipeline_checks.sh"
interval=5s

pipeline_test_begin e2o
echo "lab $TUMEN_LAB, interval $interval"
pl_lab_up
pl_campaign "$interval" 1s
# shellcheck disable=SC2086 # one argument per vantage point
pl_tokens $LAB_VPS
pl_controller_config
pl_controller_start
pl_agents_start

# run_outage NAME REACHABLE: the outage on for >= 4 rounds, then off for >= 3; checks after
# each half: no change event, and every verdict reachable or not as REACHABLE says during the
# outage (docs/api.md, "Weak traces and reachability": traces that end in the current transit
# (cu) or at a known border interface (border) keep the target reachable; traces that never
# leave the vantage point's network (access) make it unreachable), reachable after it.
# Sets OUTAGE_ON and OUTAGE_OFF (whole seconds) for the caller's checks of the stored traces.
run_outage() {
  local name=$1 reachable=$2 on off
  on="$(date +%s)"
  "$PL_LAB_SH" outage "$name" on >>"$PL_WORK/lab.log" 2>&1 || fail "outage $name on failed"
  more_rounds 4 "outage $name"
  no_change "after 4 rounds of outage $name"
  expect_reachable "$reachable" || fail_soft "outage $name: reachable should be $reachable"
  off="$(date +%s)"
  "$PL_LAB_SH" outage "$name" off >>"$PL_WORK/lab.log" 2>&1 || fail "outage $name off failed"
  more_rounds 3 "after outage $name"
  no_change "3 rounds after outage $name was restored"
  expect_reachable true || fail_soft "outage $name: every verdict reachable again after the restore"
  OUTAGE_ON=$on OUTAGE_OFF=$off
}

# outage_traces NAME COND WHAT none|some: the traces that started during the outage (up to
# 10 s before the restore: a trace lasts a few seconds) were stored, none reached the target,
# and none or some of them have a hop where COND (described by WHAT).
outage_traces() {
  local name=$1 cond=$2 what=$3 expect=$4 n reached matching
  read -r n reached matching <<<"$(outage_counts "$OUTAGE_ON" $((OUTAGE_OFF - 10)) "$cond")"
  echo "outage $name: $n traceroutes during it, $reached reached the target, $matching $what"
  check "outage $name: traces were stored during it" test "$n" -ge 12
  check "outage $name: none reached the target" test "$reached" = 0
  if [ "$expect" = none ]; then
    check "outage $name: none $what" test "$matching" = 0
  else
    check "outage $name: some $what" test "$matching" -ge 1
  fi
}

# 1. Settle.
wait_rounds 3 120 || fail "agents did not complete 3 rounds"
check "12 verdicts" json count-verdicts --min 12 <<<"$(pl_api /api/v1/paths)"
no_change "before any outage"

# 2. Inside China Unicom.
run_outage cu true
outage_traces cu "h.addr IN ('$LAB_CU3A_ADDR', '$LAB_CU3B_ADDR', '$LAB_KPBR_CU_ADDR_a', '$LAB_KPBR_CU_ADDR_b')" \
  "got past cu2" none

# 3. Beyond the border.
run_outage border true
outage_traces border "h.addr IN ('$LAB_KPBR_CU_ADDR_a', '$LAB_KPBR_CU_ADDR_b')" "reached kp-br's border address" some

# 4. The VPs' uplinks: traces end at the access router, in the VP's own network.
run_outage access false
outage_traces access \
  "h.addr IS NOT NULL AND h.addr NOT IN ('$LAB_ACC_ADDR_fra', '$LAB_ACC_ADDR_tyo', '$LAB_ACC_ADDR_msk')" \
  "left the VP's network" none

# 5. Afterwards: every verdict was reachable again after each restore (run_outage), which
# takes a trace that reached the target or a known border interface.
pl_api /api/v1/paths | json paths-table || true
finish
