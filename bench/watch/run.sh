#!/usr/bin/env bash
# Watch-probe benchmark (prints figures; not a test). Needs root: runs only inside its own
# lab (TUMEN_LAB=wbench by default), with controller and three agents as the e2e tests
# (deploy/lab/pipeline.sh), campaign interval 60s, K = 2.
#
# Two runs, one after the other, in the same invocation:
#  - watch:     watch_interval 5s; FLIPS flips of msk's whole /22 (cu -> ttk -> cu ...);
#  - reference: no watch_interval; REF_FLIPS flips (each needs two 60 s rounds, so the
#               reference run is shorter; default 2 flips).
# For every flip and every /24 of msk: the delay from the flip (lab.sh flip returned) to the
# arrival of the change at the controller (/api/v1/changes polled every 0.2 s). For every
# run: probes per second per (agent, target), from the agents' tumen_probe_probes_sent_total
# over the whole run (round traces, pings and watch probes) / (3 agents x 4 targets x time).
#
# Usage: bench/watch/run.sh [FLIPS [REF_FLIPS [GAP]]]   (default 5 2 60)
# GAP: seconds between a confirmed change and the next flip. The probe rate averages over the
# whole run, re-traces and confirmations of every flip included: with flips every few seconds
# it measures the flips more than the watch.
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "bench/watch/run.sh: needs root (lab namespaces)" >&2; exit 77; }
flips="${1:-5}"
ref_flips="${2:-2}"
gap="${3:-60}"
export TUMEN_LAB="${TUMEN_LAB:-wbench}"
src_dir="$(cd "$(dirname "$0")/../.." && pwd)"
export TUMEN_BUILD_DIR="${TUMEN_BUILD_DIR:-$src_dir/build}"
# shellcheck source=deploy/lab/pipeline.sh
. "$src_dir/deploy/lab/pipeline.sh"
# shellcheck source=deploy/lab/lab.env
. "$src_dir/deploy/lab/lab.env"
json() { python3 "$src_dir/deploy/lab/pipeline_json.py" "$@"; }
interval=60s
flip_vp=msk
targets_csv="$(tr ' ' ',' <<<"$LAB_TARGET_24S")"
ntargets=$(wc -w <<<"$LAB_TARGET_24S")
nagents=$(wc -w <<<"$LAB_VPS")
results="$(mktemp /tmp/tumen-bench-watch.XXXXXX)"

probes_sent() { # total over every agent
  local vp total=0 v
  for vp in $LAB_VPS; do
    v="$(pl_agent_metrics "$vp" | awk '$1 == "tumen_probe_probes_sent_total" { print $2 + 0 }')"
    total=$(python3 -c "print(int($total + ${v:-0}))")
  done
  echo "$total"
}

# run MODE WATCH_INTERVAL FLIPS: one pipeline in a fresh lab; appends "MODE delay" lines and
# one "MODE-pps value" line to $results.
run() {
  local mode="$1" watch="$2" n="$3"
  pl_init
  pl_lab_up
  pl_campaign "$interval" 1s "$watch"
  # shellcheck disable=SC2086
  pl_tokens $LAB_VPS
  pl_controller_config
  pl_controller_start
  pl_agents_start
  all_verdicts() { pl_api /api/v1/paths | json count-verdicts --min $((nagents * ntargets)); }
  pl_wait_for 150 "a verdict for every agent and /24" all_verdicts || pl_die "no first round"
  local p0 t0 to=ttk i seq t_flip
  p0="$(probes_sent)"
  t0="$(pl_now)"
  for i in $(seq 1 "$n"); do
    seq="$(pl_api /api/v1/changes | json max-seq)"
    t_flip="$(pl_now)"
    "$PL_LAB_SH" flip "$to" "$flip_vp" >>"$PL_WORK/lab.log" 2>&1 || pl_die "flip failed"
    t_flip="$(python3 -c "print(($t_flip + $(pl_now)) / 2)")"
    # Poll until every /24 of msk changed to $to; the arrival time of each.
    python3 - "$seq" "$to" "$t_flip" "$mode" "$(pl_controller_url)" "$(pl_ns mgmt)" "$targets_csv" "${PL_CA_FILE:-}" >>"$results" <<'PY'
import json, subprocess, sys, time
after, to, t_flip, mode, url, ns, targets, ca = sys.argv[1:]
cacert = ["--cacert", ca] if url.startswith("https://") else []
after, t_flip, targets = int(after), float(t_flip), set(targets.split(","))
path = {"cu": "china-unicom", "ttk": "ttk"}[to]  # lab.sh transit -> the campaign's class
seen = {}
deadline = time.time() + 300
while targets - set(seen) and time.time() < deadline:
    out = subprocess.run(["ip", "netns", "exec", ns, "curl", "-sf", "-m", "2"] + cacert +
                         [url + "/api/v1/changes?since=0"], capture_output=True, text=True)
    now = time.time()
    if out.returncode == 0:
        for c in json.loads(out.stdout)["changes"]:
            if c["seq"] > after and c["agent"] == "msk" and c["to"] == path and c["target"] not in seen:
                seen[c["target"]] = (now - t_flip, c.get("detected_by", "round"))
    time.sleep(0.2)
for t in sorted(targets):
    d, by = seen.get(t, (float("nan"), "none"))
    print(f"{mode} {d:.2f} {by} {t}")
    print(f"{mode}: flip to {to}: {t} after {d:.1f} s ({by})", file=sys.stderr)
PY
    to=$([ "$to" = ttk ] && echo cu || echo ttk)
    sleep "$gap"
  done
  local p1 t1
  p1="$(probes_sent)"
  t1="$(pl_now)"
  python3 -c "print('$mode-pps', ($p1 - $p0) / ($nagents * $ntargets) / ($t1 - $t0), ($t1 - $t0))" >>"$results"
  pl_teardown 0
  PL_PIDS=()
  PL_LAB_STARTED=0
  PL_WORK=""
}

run watch 5s "$flips"
run reference "" "$ref_flips"

python3 - "$results" "$flips" "$ref_flips" "$gap" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
print(f"watch-probe benchmark: interval 60s, K=2, msk's /22 flipped (cu <-> ttk) every {sys.argv[4]} s after a change; delays per /24")
print(f"{'run':<10} {'flips':>5} {'samples':>7} {'median s':>9} {'min s':>7} {'max s':>7} {'watch':>6} {'pps/(agent,target)':>19} {'run s':>6}")
for mode, flips in (("watch", sys.argv[2]), ("reference", sys.argv[3])):
    d = [float(r[1]) for r in rows if r[0] == mode]
    ok = [x for x in d if x == x]
    by_watch = sum(1 for r in rows if r[0] == mode and r[2] == "watch")
    pps = [r for r in rows if r[0] == mode + "-pps"][0]
    med = statistics.median(ok) if ok else float("nan")
    print(f"{mode:<10} {flips:>5} {len(ok):>4}/{len(d):<2} {med:>9.1f} {min(ok, default=float('nan')):>7.1f} "
          f"{max(ok, default=float('nan')):>7.1f} {by_watch:>6} {float(pps[1]):>19.3f} {float(pps[2]):>6.0f}")
PY
rm -f "$results"
