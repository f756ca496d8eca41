#!/usr/bin/env bash
# The whole tumen pipeline in the namespace lab, replaying the border change of 1 Oct 2017:
#   1. lab up (deploy/lab/lab.sh): three vantage points, China Unicom and TTK paths to the
#      stand-in Star JV /22, management network;
#   2. controller (schedules/lab.yaml, deploy/lab/pfx2as.txt, SQLite in a temp dir) and a real
#      Prometheus (deploy/prometheus/lab-prometheus.yml) in the `mgmt` namespace, one agent per
#      vantage point, uploading over the management network;
#   3. the verdict table: every vantage point reaches every /24 through China Unicom;
#   4. `lab.sh flip ttk msk PREFIX` for the last three /24s of the target (as on 1 Oct 2017);
#   5. waits for the change events, found by the agents' watch probes between rounds
#      (docs/agent.md), prints them with how they were found and their detection delay;
#   6. the median RTT per path the controller reports next to `ping`'s, measured now;
#   7. what Prometheus answers over its HTTP API;
#   8. an outage (every access router cut from its transits): reported as unreachable, not
#      as a path change, and reachable again once restored;
#   9. flips back and tears everything down (also on Ctrl-C or failure).
# Exits 0 only if the change was detected for exactly the flipped vantage point and /24s, at
# least one by watch probes, and the outage caused no change event.
# Run as root from anywhere; takes about 3 minutes. Nothing leaves the lab's namespaces.
#
# Environment: TUMEN_LAB (lab name, default tl), TUMEN_BUILD_DIR (default <repo>/build),
# TUMEN_DEMO_INTERVAL (round interval, default 20s), TUMEN_DEMO_WATCH (watch_interval, default
# 2s), PL_KEEP_WORK=1 (keep logs and database), TUMEN_DEMO_SHOTS (where the screenshots of the
# controller's page go, default <build>/artifacts/demo: the path graph of msk -> the first
# flipped /24 before the flip, the matrix, change events, RTT per path and path graphs after it).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=deploy/lab/pipeline.sh
. "$here/pipeline.sh"
json() { python3 "$here/pipeline_json.py" "$@"; }

interval="${TUMEN_DEMO_INTERVAL:-20s}"
watch="${TUMEN_DEMO_WATCH:-2s}"
flip_vp=msk
pl_init # (sources deploy/lab/lab.env)
read -r stay_prefix p1 p2 p3 <<<"$LAB_TARGET_24S"
flip_prefixes=("$p1" "$p2" "$p3")

section() { printf '\n== %s\n' "$*"; }

# The controller's page in headless chromium (tests/lib/chromium_page.py), run inside the
# management namespace: page_shot NAME SELECTOR saves $shots/NAME.png of msk -> the first
# flipped /24 over the last hour. Without chromium it says so and the demo goes on.
shots="${TUMEN_DEMO_SHOTS:-${TUMEN_BUILD_DIR:-$root/build}/artifacts/demo}"
page_view() { echo "$(pl_controller_url)/?agent=${flip_vp}&target=${flip_prefixes[0]}&range=1h"; }
page_shot() { # page_shot NAME SELECTOR
  mkdir -p "$shots"
  local rc=0
  pl_exec mgmt python3 "$root/tests/lib/chromium_page.py" shot "$(page_view)" --insecure \
    --selector "$2" --out "$shots/$1.png" >"$PL_WORK/shot-$1.log" 2>&1 || rc=$?
  if [ "$rc" = 0 ]; then
    echo "   screenshot  $shots/$1.png"
  elif [ "$rc" = 77 ]; then
    echo "   screenshot  $1 skipped: chromium is not installed (Debian package chromium)"
  else
    echo "   screenshot  $1 failed: $(tail -n 1 "$PL_WORK/shot-$1.log")"
  fi
}

section "1. Lab up (TUMEN_LAB=$TUMEN_LAB): vantage points $LAB_VPS, target $LAB_TARGET_PREFIX"
pl_lab_up
echo "   China Unicom: ${LAB_DELAY_CU_MS} ms delay line each way (silent router, ECMP pair)"
echo "   TTK:          ${LAB_DELAY_TTK_MS} ms delay line each way (ICMP rate-limited router)"

section "2. Controller, agents and Prometheus on the management network ${LAB_MGMT_PREFIX}"
pl_campaign "$interval" 1s "$watch"
# shellcheck disable=SC2086 # one argument per vantage point
pl_tokens $LAB_VPS
pl_controller_config
pl_controller_start
echo "   controller  $(pl_controller_url)  (campaign lab-border: a round every $interval, watch probes every $watch)"
echo "   page        $(pl_controller_url)/  (the matrix, change events, RTT per path, path graphs;"
echo "               inside the lab: ip netns exec $(pl_ns mgmt) chromium --ignore-certificate-errors $(pl_controller_url)/)"
if [ "$PL_TLS" = 1 ]; then
  echo "   TLS         certificate from tumen-controller init-tls (CA $PL_CA_FILE): agents use ca_file,"
  echo "               Prometheus tls_config (TUMEN_LAB_PLAIN_HTTP=1 runs plain HTTP)"
fi
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

page_shot graph-before "#graph-section"

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

section "5. Change events (GET /api/v1/changes), K = 2 observations confirm a change"
pl_api /api/v1/changes | json changes-table --after "$seq_before" --flip "$flip_time" --seen "$(seen_list ttk)"
echo "   found by watch: a watch probe (every $watch) saw another address at the border's TTL; the"
echo "   agent traced at once and ran a confirmation trace (no wait for the next round, every $interval)"
by_watch="$(pl_api /api/v1/changes | json count-detected-by --after "$seq_before" --by watch)"
for vp in $LAB_VPS; do
  pl_agent_metrics "$vp" | awk -v vp="$vp" '$1 == "tumen_agent_watch_probes_total" { p = $2 }
    $1 == "tumen_agent_watch_retraces_total" { r = $2 }
    END { printf "   agent %s: %d watch probes, %d re-traces they triggered\n", vp, p, r }'
done
# Let one more round land so the new path has RTT samples, then show the verdicts.
sleep "$PL_INTERVAL_S"
echo
pl_api /api/v1/paths | json paths-table
echo
echo "   the page after the flip: $(page_view)"
page_shot matrix-after "#matrix-section"
page_shot timeline-after "#timeline-section"
page_shot latency-after "#latency-section"
page_shot graph-after "#graph-section"

section "6. Median RTT per border path: the controller's against ping's, measured now"
echo "   (tumen_rtt_window_seconds{quantile=\"0.5\"}: every trace's and ping's RTT under the path its"
echo "   own trace observed; ping: 20 ICMP echoes from the same vantage point to the same address)"
rtt_ok=1
rtt_line() { # rtt_line VP PREFIX PATH NOMINAL_MS
  local addr="${2%.0/24}.1"
  pl_exec "$1" ping -n -c 20 -i 0.2 -W 2 "$addr" >"$PL_WORK/ping-$1.txt" 2>&1 || true
  pl_api /metrics | json rtt-vs-ping --agent "$1" --target "$2" --path "$3" \
    --ping-file "$PL_WORK/ping-$1.txt" --nominal-ms "$4" || rtt_ok=0
}
rtt_line fra "$p1" china-unicom $((2 * LAB_DELAY_CU_MS))
rtt_line "$flip_vp" "$p1" ttk $((2 * LAB_DELAY_TTK_MS))
[ "$rtt_ok" = 1 ] || echo "   (a median is missing: see the lines above)"

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

section "8. An outage is not a path change: every access router loses its transits"
seq_outage="$(pl_api /api/v1/changes | json max-seq)"
"$PL_LAB_SH" outage access on >>"$PL_WORK/lab.log" 2>&1 || pl_die "lab.sh outage access on failed"
echo "   cut at $(date -u +%H:%M:%S) UTC: traces now end at the access router"
unreachable() { pl_api /api/v1/paths | json expect-reachable --value false; }
outage_seen=0
if pl_wait_for $((4 * ${PL_INTERVAL_S%.*} + 30)) "every verdict unreachable" unreachable; then outage_seen=1; fi
pl_api /api/v1/paths | json paths-table
pl_prom_query 'tumen_target_reachable == 0' | json prom-table || true
"$PL_LAB_SH" outage access off >>"$PL_WORK/lab.log" 2>&1 || pl_die "lab.sh outage access off failed"
echo "   restored at $(date -u +%H:%M:%S) UTC"
reachable() { pl_api /api/v1/paths | json expect-reachable --value true; }
back_ok=0
if pl_wait_for $((3 * ${PL_INTERVAL_S%.*} + 30)) "every verdict reachable again" reachable; then back_ok=1; fi
outage_changes="$(pl_api /api/v1/changes | json count-changes --after "$seq_outage")"
echo "   change events during and after the outage: $outage_changes"

section "9. Flip back: China Unicom again"
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
[ "$by_watch" -ge 1 ] || pl_die "no change was found by watch probes"
[ "$outage_seen" = 1 ] || pl_die "the outage was not reported as unreachable"
[ "$back_ok" = 1 ] || pl_die "the targets did not become reachable again after the outage"
[ "$outage_changes" = 0 ] || pl_die "the outage caused $outage_changes change event(s)"
if [ "$prom_ok" != 1 ]; then
  pl_die "Prometheus did not return the change through its HTTP API"
fi
echo "   finished in $SECONDS s"
echo "   detected: $flip_vp's traffic to ${flip_prefixes[*]} moved from china-unicom to ttk;"
echo "   $by_watch of ${#flip_prefixes[@]} changes found by watch probes between rounds;"
echo "   no change reported for the other vantage points or for $stay_prefix; Prometheus has it;"
echo "   the outage was reported as unreachable, with no change event."
