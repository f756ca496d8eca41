#!/usr/bin/env bash
# The whole tumen pipeline in the namespace lab, replaying the border change of 1 Oct 2017:
#   1. lab up (deploy/lab/lab.sh): three vantage points, China Unicom and TTK paths to the
#      stand-in Star JV /22, management network;
#   2. controller (schedules/lab.yaml, deploy/lab/pfx2as.txt, SQLite in a temp dir) and a real
#      Prometheus (deploy/prometheus/lab-prometheus.yml) in the `mgmt` namespace, one agent per
#      vantage point, uploading over the management network;
#   3. the verdict table: every vantage point reaches every /24 through China Unicom;
#   4. `lab.sh flip ttk msk PREFIX` for the last three /24s of the target (as on 1 Oct 2017);
#   5. waits for the change events, prints them with their detection delay, the RTT per
#      path, and what Prometheus answers over its HTTP API;
#   6. flips back and tears everything down (also on Ctrl-C or failure).
# Exits 0 only if the change was detected for exactly the flipped vantage point and /24s.
# Run as root from anywhere; takes about 3 minutes. Nothing leaves the lab's namespaces.
#
# Environment: TUMEN_LAB (lab name, default tl), TUMEN_BUILD_DIR (default <repo>/build),
# TUMEN_DEMO_INTERVAL (round interval, default 5s), PL_KEEP_WORK=1 (keep logs and database).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=deploy/lab/pipeline.sh
. "$here/pipeline.sh"
json() { python3 "$here/pipeline_json.py" "$@"; }

interval="${TUMEN_DEMO_INTERVAL:-5s}"
flip_vp=msk
pl_init # (sources deploy/lab/lab.env)
read -r stay_prefix p1 p2 p3 <<<"$LAB_TARGET_24S"
flip_prefixes=("$p1" "$p2" "$p3")

section() { printf '\n== %s\n' "$*"; }

section "1. Lab up (TUMEN_LAB=$TUMEN_LAB): vantage points $LAB_VPS, target $LAB_TARGET_PREFIX"
pl_lab_up
echo "   China Unicom: ${LAB_DELAY_CU_MS} ms delay line each way (silent router, ECMP pair)"
echo "   TTK:          ${LAB_DELAY_TTK_MS} ms delay line each way (ICMP rate-limited router)"

section "2. Controller, agents and Prometheus on the management network ${LAB_MGMT_PREFIX}"
pl_campaign "$interval" 1s
# shellcheck disable=SC2086 # one argument per vantage point
pl_tokens $LAB_VPS
pl_controller_config
pl_controller_start
echo "   controller  $(pl_controller_url)  (campaign lab-border, every $interval)"
pl_agents_start
for vp in $LAB_VPS; do
  v="LAB_MGMT_ADDR_$vp"
  echo "   agent $vp   in namespace $(pl_ns "$vp"), metrics on ${!v}:${PL_AGENT_METRICS_PORT}"
done
pl_prometheus_start
echo "   prometheus  http://${LAB_MGMT_CONTROLLER}:${PL_PROMETHEUS_PORT}  (scrapes every 2 s)"

n_vps=$(wc -w <<<"$LAB_VPS")
n_targets=$(wc -w <<<"$LAB_TARGET_24S")
want=$((n_vps * n_targets))
section "3. Waiting for the first verdicts ($want = $n_vps agents x $n_targets /24s)"
verdicts_complete() { pl_api /api/v1/paths | json count-verdicts --min "$want"; }
pl_wait_for 90 "$want verdicts" verdicts_complete || pl_die "no complete verdict table after 90 s"
pl_api /api/v1/paths | json paths-table
if ! pl_api /api/v1/paths | json expect-paths --path china-unicom; then
  pl_die "before the flip every verdict should be china-unicom"
fi

section "4. 1 Oct 2017: TTK carries $flip_vp's traffic to ${flip_prefixes[*]}"
changes_before="$(pl_api /api/v1/changes | json count-changes)"
seq_before="$(pl_api /api/v1/changes | json max-seq)"
flip_time="$(pl_now)"
for p in "${flip_prefixes[@]}"; do
  "$PL_LAB_SH" flip ttk "$flip_vp" "$p" >>"$PL_WORK/lab.log" 2>&1 || pl_die "lab.sh flip ttk $flip_vp $p failed"
done
echo "   flipped at $(date -u -d "@${flip_time%.*}" +%H:%M:%S) UTC; waiting for the controller to confirm"

# Polls the API every half second; records when each flipped /24's change is first seen.
declare -A seen_at=()
wait_changes() { # wait_changes AFTER_SEQ TO TIMEOUT
  local after="$1" to="$2" deadline=$((SECONDS + $3)) doc p missing
  while :; do
    doc="$(pl_api /api/v1/changes || true)"
    missing=0
    for p in "${flip_prefixes[@]}"; do
      [ -n "${seen_at[$flip_vp:$p:$to]:-}" ] && continue
      if [ -n "$doc" ] && json expect-changes --after "$after" --agent "$flip_vp" --to "$to" --targets "$p" <<<"$doc"; then
        seen_at[$flip_vp:$p:$to]="$(pl_now)"
      else
        missing=1
      fi
    done
    [ "$missing" = 0 ] && return 0
    [ "$SECONDS" -ge "$deadline" ] && return 1
    sleep 0.5
  done
}
seen_list() { # seen_list TO: AGENT:TARGET=EPOCH,... for changes-table --seen
  local p out=""
  for p in "${flip_prefixes[@]}"; do
    [ -n "${seen_at[$flip_vp:$p:$1]:-}" ] && out+="$flip_vp:$p=${seen_at[$flip_vp:$p:$1]},"
  done
  echo "$out"
}
if ! wait_changes "$seq_before" ttk 120; then
  pl_api /api/v1/changes | json changes-table --after "$seq_before" --flip "$flip_time" || true
  pl_die "the border change was not detected within 120 s"
fi

section "5. Change events (GET /api/v1/changes), K = 2 rounds confirm a change"
pl_api /api/v1/changes | json changes-table --after "$seq_before" --flip "$flip_time" --seen "$(seen_list ttk)"
echo "   (trace times are whole seconds; a trace is one round, every $interval)"
# Let one more round land so the new path has RTT samples, then show the verdicts.
sleep "$PL_INTERVAL_S"
echo
pl_api /api/v1/paths | json paths-table

section "6. RTT per border path (median of tumen_rtt_seconds, from Prometheus)"
echo "   (bucket-interpolated; the exact RTT of each verdict's last trace is in the table above)"
pl_prom_query 'histogram_quantile(0.5, sum by (agent, target, path, le) (rate(tumen_rtt_seconds_bucket{path!="none"}[1m]))) > 0' |
  json prom-table --value-format ms || echo "   (no RTT samples yet)"

section "7. Prometheus over the lab network: /api/v1/query?query=tumen_border_path == 1"
prom_ok=0
prom_changes() { pl_prom_query tumen_path_changes_total | json prom-expect-changes --agent "$flip_vp" --to ttk \
  --targets "$(IFS=,; echo "${flip_prefixes[*]}")"; }
if pl_wait_for 30 "tumen_path_changes_total in Prometheus" prom_changes; then prom_ok=1; fi
pl_prom_query 'tumen_border_path == 1' | json prom-table
echo
echo "   /api/v1/query?query=tumen_path_changes_total"
pl_prom_query tumen_path_changes_total | json prom-table
echo
echo "   alerts (deploy/prometheus/tumen-rules.yml):"
pl_exec mgmt curl -sf -m 5 "http://${LAB_MGMT_CONTROLLER}:${PL_PROMETHEUS_PORT}/api/v1/alerts" | json alerts-table || true

section "8. Flip back: China Unicom again"
seq_back="$(pl_api /api/v1/changes | json max-seq)"
back_time="$(pl_now)"
"$PL_LAB_SH" flip cu "$flip_vp" >>"$PL_WORK/lab.log" 2>&1 || pl_die "lab.sh flip cu $flip_vp failed"
if wait_changes "$seq_back" china-unicom 60; then
  pl_api /api/v1/changes | json changes-table --after "$seq_back" --flip "$back_time" --seen "$(seen_list china-unicom)"
else
  echo "   (the change back was not confirmed within 60 s)"
fi

section "Result"
# Every change since the flip must be one of the flipped vantage point's /24s (there and back).
if ! pl_api /api/v1/changes | json unexpected-changes --after "$seq_before" \
  --allow "$flip_vp:$(IFS=,; echo "${flip_prefixes[*]}")"; then
  pl_die "change events for vantage points or /24s that were not flipped (listed above)"
fi
[ "$changes_before" = 0 ] || pl_die "$changes_before change event(s) before the flip"
if [ "$prom_ok" != 1 ]; then
  pl_die "Prometheus did not return the change through its HTTP API"
fi
echo "   finished in $SECONDS s"
echo "   detected: $flip_vp's traffic to ${flip_prefixes[*]} moved from china-unicom to ttk;"
echo "   no change reported for the other vantage points or for $stay_prefix; Prometheus has it."
