#!/usr/bin/env bash
# RTTs of the send timestamp modes side by side (prints figures; not a test). Needs root.
#
# On the veth pair of bench/probe/veth_pair.sh, `tumen-probe ping --method icmp` to the far
# side's own address (it answers; a round trip is tens of microseconds, so a timestamp's
# error of a few microseconds shows), in rounds that alternate the modes: the default
# (packet socket, clock read as the send call begins), `--send raw` (raw socket, same
# clock reading) and `--tx-timestamp capture` (raw socket, send time from the capture of
# the outgoing probe, the tap just before the driver, the reply's clock: the reference).
# Prints each mode's median, 10th and 90th percentile RTT and its median's difference from
# the capture's.
#
# Usage: bench/probe/rtt_modes.sh [ROUNDS] [PINGS] (defaults: 5 rounds of 100 pings a mode)
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "bench/probe/rtt_modes.sh: needs root (namespaces)" >&2; exit 77; }
src_dir="$(cd "$(dirname "$0")/../.." && pwd)"
build_dir="${TUMEN_BUILD_DIR:-$src_dir/build}"
probe="$build_dir/probe/tool/tumen-probe"
[ -x "$probe" ] || { echo "not built: $probe" >&2; exit 1; }
rounds="${1:-5}"
pings="${2:-100}"

# shellcheck source=bench/probe/veth_pair.sh
. "$src_dir/bench/probe/veth_pair.sh"
veth_pair_up "trt$$"

modes=("default" "--send raw" "--tx-timestamp capture")
echo "veth pair, ICMP echo to $far_addr, $rounds rounds of $pings pings (10 ms apart) a mode"
for r in $(seq 1 "$rounds"); do
  for m in "${!modes[@]}"; do
    opts=()
    [ "${modes[$m]}" = default ] || read -r -a opts <<<"${modes[$m]}"
    ip netns exec "$near" "$probe" ping --method icmp -c "$pings" -i 10 --wait 200 \
      --format json "${opts[@]}" "$far_addr" >"$work/$m.$r.json"
  done
done
python3 - "$work" "$rounds" "${modes[@]}" <<'PY'
import json, statistics, sys
work, rounds, modes = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
rtts = {}
for m, name in enumerate(modes):
    rtts[name] = sorted(x["rtt"] * 1000 for r in range(1, rounds + 1)
                        for x in json.load(open("%s/%d.%d.json" % (work, m, r)))["result"]
                        if "rtt" in x)
ref = statistics.median(rtts[modes[-1]])
print("%-24s %8s %10s %10s %10s %12s" % ("mode", "replies", "p10_us", "median_us", "p90_us",
                                         "vs_capture"))
for name in modes:
    v = rtts[name]
    med = statistics.median(v)
    print("%-24s %8d %10.1f %10.1f %10.1f %+11.1f" % (name, len(v), v[len(v) // 10], med,
                                                     v[len(v) * 9 // 10], med - ref))
PY
