#!/usr/bin/env bash
# End-to-end (lab, root): controller, three agents and Prometheus in the lab, with every
# hazard on: the silent China Unicom router, the ECMP pair, the ICMP rate-limited TTK router
# and 5 % random loss on the China Unicom delay line.
#  - >= 10 rounds on China Unicom: every verdict china-unicom, no change event;
#  - flip msk to TTK for three of the four target /24s (the last three of LAB_TARGET_24S):
#    a change event for exactly those three, each confirmed by at most 2 traceroutes
#    started after the flip (2 measurement intervals);
#  - >= 5 more rounds on TTK (rate-limited router on the path): no further change anywhere;
#  - Prometheus, scraping over the lab network, returns the changes through its HTTP API.
# Exit 77 without root.
export TUMEN_LAB_LOSS="${TUMEN_LAB_LOSS:-cu1-cu2:5}"
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lab_test.sh"
interval=5s
flip_vp=msk
read -r _ P177 P178 P179 <<<"$LAB_TARGET_24S"
flipped=("$P177" "$P178" "$P179")
flipped_csv="$(IFS=,; echo "${flipped[*]}")"

pipeline_test_begin e2c
echo "lab $TUMEN_LAB, loss $TUMEN_LAB_LOSS, interval $interval"
pl_lab_up
pl_campaign "$interval" 1s
# shellcheck disable=SC2086 # one argument per vantage point
pl_tokens $LAB_VPS
pl_controller_config
pl_controller_start
pl_agents_start
pl_prometheus_start

# 1. Ten rounds on China Unicom.
wait_rounds 10 180 || fail "agents did not complete 10 rounds"
echo "traceroutes per agent and /24 before the flip: >= $(min_traces)"
paths="$(pl_api /api/v1/paths)"
check "12 verdicts" json count-verdicts --min 12 <<<"$paths"
check "every verdict is china-unicom after >= 10 rounds" json expect-paths --path china-unicom <<<"$paths"
check "no change event before the flip" test "$(db 'SELECT COUNT(*) FROM changes;')" = 0

# 2. The flip.
seq_before="$(pl_api /api/v1/changes | json max-seq)"
flip_time="$(pl_now)"
for p in "${flipped[@]}"; do
  "$PL_LAB_SH" flip ttk "$flip_vp" "$p" >>"$PL_WORK/lab.log" 2>&1 || fail "flip $p failed"
done
flip_s="${flip_time%.*}"
detected() { pl_api /api/v1/changes | json expect-changes --after "$seq_before" --agent "$flip_vp" --to ttk --targets "$flipped_csv"; }
if pl_wait_for 120 "change events for $flip_vp" detected; then
  pass "change to ttk detected for $flip_vp ${flipped[*]}"
else
  fail_soft "change to ttk detected for $flip_vp ${flipped[*]}"
fi
pl_api /api/v1/changes | json changes-table --after "$seq_before" --flip "$flip_time" || true

# Within 2 measurement intervals: the change is confirmed by K = 2 rounds on the new path
# (one udp-paris trace each);
# count msk's traceroutes to the /24 that started after the flip (whole seconds after it,
# the store's resolution) up to the last confirming trace. 1 or 2 means the change was
# declared by the first or second round after the flip; a slower detector needs more.
for p in "${flipped[@]}"; do
  row="$(db "SELECT c.at, MAX(r.timestamp) FROM changes c, json_each(c.evidence, '\$.trace_ids') j
             JOIN results r ON r.id = j.value
             WHERE c.agent='$flip_vp' AND c.target='$p' AND c.to_path='ttk' GROUP BY c.seq ORDER BY c.seq LIMIT 1;")"
  read -r first confirm <<<"$row"
  if [ -z "${confirm:-}" ]; then
    fail_soft "$p: no change row with its confirming traces in the store"
    continue
  fi
  n="$(traces "$flip_vp" "$p" "timestamp > $flip_s AND timestamp <= $confirm")"
  echo "$p: flip at $flip_s, first trace on ttk at $first, confirmed by the trace at $confirm; $n traceroute(s) after the flip up to it"
  check "$p: detected within 2 measurement intervals ($n traceroutes after the flip)" test "$n" -ge 1 -a "$n" -le 2
done

# 3. Five more rounds on the new paths: no flapping, nothing anywhere else.
base="$(traces "$flip_vp" "$P177")"
more_rounds() { [ "$(traces "$flip_vp" "$P177")" -ge $((base + 5)) ]; }
pl_wait_for 90 "5 more rounds" more_rounds || fail_soft "5 more rounds after the detection"
check "only $flip_vp ${flipped[*]} changed, each once (store)" \
  test "$(db "SELECT COUNT(*) FROM changes;")" = 3
check "no change for another agent or /24 (API)" \
  json unexpected-changes --after 0 --allow "$flip_vp:$flipped_csv" <<<"$(pl_api /api/v1/changes)"
paths="$(pl_api /api/v1/paths)"
check "verdicts: $flip_vp ${flipped[*]} ttk, the rest china-unicom" json expect-paths --path china-unicom \
  --except "$flip_vp:$P177=ttk,$flip_vp:$P178=ttk,$flip_vp:$P179=ttk" <<<"$paths"
# Every transit is named: one outside the campaign's classes would show as AS<number> (or
# "other" beyond the cap) in a verdict, a candidate or the evidence.
check "the silent router and the loss left no verdict outside the classes" \
  bash -c '! grep -qE "\"(AS[0-9]+|other|unknown(:[0-9]+)?)\""' <<<"$paths"
# The API names the transits from the AS-names file the pipeline configures (never a label).
names_both() { grep -q '"transit_name":"lab TTK"' <<<"$paths" && grep -q '"transit_name":"lab China Unicom"' <<<"$paths"; }
check "the API names the transits (as_names)" names_both
check "the change names the new transit" grep -q '"to_transit_name":"lab TTK"' <<<"$(pl_api /api/v1/changes)"
check "no AS name in the metric labels" bash -c '! grep -q "lab TTK"' <<<"$(pl_api /metrics)"
# The hazards were really on the path: both ECMP branches answered, the silent router never.
ecmp="$(db "SELECT COUNT(DISTINCT addr) FROM hops WHERE addr IN ('$LAB_CU3A_ADDR', '$LAB_CU3B_ADDR');")"
check "both ECMP routers ($LAB_CU3A_ADDR, $LAB_CU3B_ADDR) appear in stored traces" test "$ecmp" = 2
check "the silent router $LAB_CU2_ADDR never appears" test "$(db "SELECT COUNT(*) FROM hops WHERE addr='$LAB_CU2_ADDR';")" = 0
check "ttk1 (rate-limited) appears in msk's traces after the flip" \
  test "$(db "SELECT COUNT(*) FROM hops WHERE addr='$LAB_TTK1_ADDR_msk';")" -gt 0
echo "traceroutes per agent and /24 in total: >= $(min_traces)"

# 4. Prometheus over the lab network.
prom_changes() { pl_prom_query tumen_path_changes_total | json prom-expect-changes --agent "$flip_vp" --to ttk --targets "$flipped_csv"; }
if pl_wait_for 30 "tumen_path_changes_total in Prometheus" prom_changes; then
  pass "Prometheus returns the three changes (tumen_path_changes_total) and no other"
else
  fail_soft "Prometheus returns the three changes (tumen_path_changes_total) and no other"
fi
pl_prom_query tumen_path_changes_total | json prom-table || true
for p in "${flipped[@]}"; do
  q="tumen_border_path{agent=\"$flip_vp\",target=\"$p\",path=\"ttk\"} == 1"
  n="$(pl_prom_query "$q" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]["result"]))' || echo error)"
  check "Prometheus: $q" test "$n" = 1
done
q='tumen_border_path{path="china-unicom"} == 1'
n="$(pl_prom_query "$q" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]["result"]))' || echo error)"
check "Prometheus: 9 verdicts still china-unicom" test "$n" = 9

finish
