#!/usr/bin/env bash
# Uncapped send rate on a plain veth pair (prints figures; not a test). Needs root.
#
# The veth pair of bench/probe/veth_pair.sh (two namespaces of its own, no delay line, no
# lab; the far side drops every probe to the target /20). A plain
# raw-socket sendto() loop of prebuilt probes (tumen-bench-raw-send-loop) and uncapped
# `tumen-probe ping --pps 0` alternate (loop, tumen, loop, tumen, ..., loop); each tumen run
# is compared with the mean of the loop runs just before and after it. Prints every pair
# and the median ratio. Both namespaces are deleted on exit.
#
# Usage: bench/probe/send_rate.sh [PAIRS] [PROBES] [-- EXTRA tumen-probe OPTIONS]
#        (defaults: 9 pairs, 409,600 probes a run)
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "bench/probe/send_rate.sh: needs root (namespaces)" >&2; exit 77; }
src_dir="$(cd "$(dirname "$0")/../.." && pwd)"
build_dir="${TUMEN_BUILD_DIR:-$src_dir/build}"
probe="$build_dir/probe/tool/tumen-probe"
rawloop="$build_dir/bench/probe/tumen-bench-raw-send-loop"
for b in "$probe" "$rawloop"; do [ -x "$b" ] || { echo "not built: $b" >&2; exit 1; }; done
pairs="${1:-9}"
count="${2:-409600}"
shift $(($# < 2 ? $# : 2))
[ "${1:-}" = "--" ] && shift
extra=("$@")

# shellcheck source=bench/probe/veth_pair.sh
. "$src_dir/bench/probe/veth_pair.sh"
veth_pair_up "tsr$$"

python3 -c 'import ipaddress,sys
for a in ipaddress.ip_network(sys.argv[1]): print(a)' "$prefix" >"$work/targets"
mapfile -t targets <"$work/targets"
ntargets=${#targets[@]}
per_target=$(((count + ntargets - 1) / ntargets))
total=$((per_target * ntargets))

loop_run() {
  ip netns exec "$near" "$rawloop" "$near_addr" "$prefix" "$total" >"$1"
}
tumen_run() {
  timeout 300 ip netns exec "$near" "$probe" ping --method udp --pps 0 -c "$per_target" -i 1 --wait 200 \
    --window "$ntargets" --format json --stats "${extra[@]}" "${targets[@]}" \
    >/dev/null 2>"$1" || { cat "$1" >&2; exit 1; }
}

echo "veth pair, $total UDP probes a run to $prefix (far side drops), $pairs pairs" \
  "(tumen-probe options: --pps 0 ${extra[*]})"
printf '%4s %12s %12s %12s %10s %8s\n' pair loop_before loop_after tumen retries ratio
loop_run "$work/before.json"
: >"$work/ratios"
for i in $(seq 1 "$pairs"); do
  tumen_run "$work/t.stats"
  loop_run "$work/after.json"
  python3 - "$work/t.stats" "$work/before.json" "$work/after.json" "$i" "$total" \
    >>"$work/ratios" <<'PY'
import json, sys
s = json.loads(open(sys.argv[1]).readlines()[-1])
before = json.load(open(sys.argv[2]))
after = json.load(open(sys.argv[3]))
total = int(sys.argv[5])
if s["probes_sent"] != total or s["send_errors"]:
    print("tumen sent %d of %d probes (errors %d)" % (s["probes_sent"], total, s["send_errors"]),
          file=sys.stderr)
pps = (s["probes_sent"] - 1) / s["send_seconds"]
loop = (before["pps"] + after["pps"]) / 2
print(sys.argv[4], before["pps"], after["pps"], pps, s["send_retries"], pps / loop)
PY
  tail -n 1 "$work/ratios" | awk '{printf "%4d %12.0f %12.0f %12.0f %10s %7.0f%%\n", $1, $2, $3, $4, $5, 100 * $6}'
  mv "$work/after.json" "$work/before.json"
done
python3 - "$work/ratios" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
r = sorted(float(x[5]) for x in rows)
loop = sorted(float(x[1]) for x in rows)
t = sorted(float(x[3]) for x in rows)
print("tumen / loop: median %.0f%%, range %.0f-%.0f%%" % (100 * statistics.median(r), 100 * r[0], 100 * r[-1]))
print("loop %.0f-%.0f/s, tumen %.0f-%.0f/s (send_seconds: first to last probe)" % (loop[0], loop[-1], t[0], t[-1]))
PY
