#!/usr/bin/env bash
# End-to-end (lab, root): no result is lost or stored twice when the controller or an agent
# dies.
#  1. controller and three agents run a few rounds;
#  2. the controller is SIGKILLed and stays down for 4 rounds (agents spool);
#  3. agent msk is SIGKILLed with results in its spool (checked in the spool files);
#  4. the controller restarts on the same database; msk restarts later and delivers its spool;
#  5. the campaign is withdrawn (SIGHUP with no agent selected) so production stops, the
#     spools drain, and the store is compared with what the agents produced:
#       fra, tyo:  results in the store == results the agent produced (its own counter),
#       msk:       == stored before its kill + spooled at its kill + produced after restart,
#     every result exactly once (unique ids; no two results with the same agent, kind,
#     destination and time), and the outage rounds are in the store.
# Exit 77 without root.
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lab_test.sh"
interval=5s
# The agent's counter of results it produced (appended to its spool); docs/agent.md.
produced_metric="${E2E_PRODUCED_METRIC:-tumen_agent_results_total}"

pipeline_test_begin e2d
pl_lab_up
pl_campaign "$interval" 1s
# shellcheck disable=SC2086 # one argument per vantage point
pl_tokens $LAB_VPS
pl_controller_config
pl_controller_start
pl_agents_start

# 1. A few rounds with everything up.
wait_rounds 2 90 || fail "agents did not complete 2 rounds"
echo "before the outage: $(db 'SELECT COUNT(*) FROM results;') results stored"

# 2. Controller outage.
kill_s="$(date +%s)"
pl_stop controller KILL
echo "controller SIGKILLed at $kill_s; agents keep measuring for 4 rounds"
sleep $((4 * ${PL_INTERVAL_S%.*}))

# 3. msk dies with results in its spool.
pl_stop agent-msk KILL
msk_kill_s="$(date +%s)"
stored_msk_at_kill="$(db "SELECT COUNT(*) FROM results WHERE agent='msk';")"
db "SELECT id FROM results;" | sort -u >"$PL_WORK/db-ids-at-kill"
spool_ids msk | sort -u >"$PL_WORK/msk-spool"
comm -23 "$PL_WORK/msk-spool" "$PL_WORK/db-ids-at-kill" >"$PL_WORK/msk-pending"
pending="$(wc -l <"$PL_WORK/msk-pending")"
echo "msk SIGKILLed at $msk_kill_s with $pending result(s) in its spool not in the store"
check "msk had at least one round (8 results) spooled when killed" test "$pending" -ge 8

# 4. Controller back on the same database; msk back two rounds later.
pl_controller_start
restart_s="$(date +%s)"
echo "controller restarted at $restart_s (down $((restart_s - kill_s)) s)"
sleep $((2 * ${PL_INTERVAL_S%.*}))
pl_agent_start msk
pending_delivered() {
  db "SELECT id FROM results;" | sort -u >"$PL_WORK/db-ids"
  [ -z "$(comm -23 "$PL_WORK/msk-pending" "$PL_WORK/db-ids")" ]
}
if pl_wait_for 60 "msk's spooled results in the store" pending_delivered; then
  pass "msk delivered all $pending spooled results after its restart"
else
  fail_soft "msk delivered all $pending spooled results after its restart ($(comm -23 "$PL_WORK/msk-pending" "$PL_WORK/db-ids" | wc -l) missing)"
fi

# msk measures two rounds of its own next to the delivery of its old spool.
produced_of() { pl_agent_metrics "$1" | awk -v m="$produced_metric" '$1 == m || index($1, m "{") == 1 { s += $2 } END { printf "%d\n", s }'; }
msk_two_rounds() { [ "$(produced_of msk)" -ge 16 ]; }
pl_wait_for 60 "two rounds of msk after its restart" msk_two_rounds || fail_soft "msk measures again after its restart"

# 5. Stop production: withdraw the campaign from every agent, re-read it (SIGHUP).
sed -i -E '/^[[:space:]]*agents:/,$ s/names: \[.*\]/names: [nobody]/' "$PL_WORK/campaign.yaml"
grep -q 'names: \[nobody\]' "$PL_WORK/campaign.yaml" || fail "could not withdraw the campaign"
kill -HUP "${PL_PID_OF[controller]}"
# Stable = every agent's produced counter unchanged for 3 intervals and nothing left
# spooled that the store lacks.
snapshot() {
  local vp
  for vp in $LAB_VPS; do echo "$vp $(produced_of "$vp") $(db "SELECT COUNT(*) FROM results WHERE agent='$vp';")"; done
}
prev=""
stable=0
for _ in $(seq 1 40); do
  sleep "${PL_INTERVAL_S%.*}"
  cur="$(snapshot)"
  drained=1
  db "SELECT id FROM results;" | sort -u >"$PL_WORK/db-ids"
  for vp in $LAB_VPS; do
    [ -z "$(comm -23 <(spool_ids "$vp" | sort -u) "$PL_WORK/db-ids")" ] || drained=0
  done
  if [ "$cur" = "$prev" ] && [ "$drained" = 1 ]; then
    stable=$((stable + 1))
    [ "$stable" -ge 3 ] && break
  else
    stable=0
  fi
  prev="$cur"
done
check "production stopped and every spool drained" test "$stable" -ge 3
echo "agent, produced (agent counter), stored:"
echo "$cur"

while read -r vp produced stored; do
  if [ "$vp" = msk ]; then
    want=$((stored_msk_at_kill + pending + produced))
    check "msk: stored $stored == $stored_msk_at_kill before its kill + $pending spooled + $produced after restart" \
      test "$stored" -eq "$want"
  else
    check "$vp: stored $stored == produced $produced" test "$stored" -eq "$produced"
  fi
  check "$vp: produced something" test "$produced" -gt 0
done <<<"$cur"

check "every result id stored once" \
  test "$(db 'SELECT COUNT(*) - COUNT(DISTINCT id) FROM results;')" = 0
check "no result stored twice under another id (agent, kind, dst, time)" \
  test "$(db 'SELECT COUNT(*) FROM (SELECT 1 FROM results GROUP BY agent, kind, dst, timestamp HAVING COUNT(*) > 1);')" = 0
for vp in $LAB_VPS; do
  end_s="$restart_s"
  [ "$vp" = msk ] && end_s="$msk_kill_s"
  n="$(db "SELECT COUNT(*) FROM results WHERE agent='$vp' AND kind='traceroute' AND timestamp >= $kill_s AND timestamp < $end_s;")"
  check "$vp: traceroutes measured during the controller outage are stored ($n >= 8, 2 rounds)" test "$n" -ge 8
done

finish
