#!/usr/bin/env bash
# Measures tumen-delayline throughput: numbered UDP datagrams (deploy/lab/udpseq.py) both
# ways at once through a 20 ms delay line between two scratch namespaces, at increasing
# rates; prints per rate what arrived, lost and reordered, and the highest rate per direction
# with nothing lost or reordered. Root only; creates and removes namespaces bdl-a/bdl-b.
#   deploy/lab/bench-delayline.sh [RATE...]      (default 1000 5000 10000 20000 40000)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
[ "$(id -u)" -eq 0 ] || { echo "bench-delayline: needs root" >&2; exit 1; }
bin="${TUMEN_DELAYLINE:-${TUMEN_BUILD_DIR:-$root/build}/deploy/lab/delayline/tumen-delayline}"
[ -x "$bin" ] || { echo "bench-delayline: $bin not built" >&2; exit 1; }
rates=("$@")
[ ${#rates[@]} -gt 0 ] || rates=(1000 5000 10000 20000 40000)
seconds="${BENCH_SECONDS:-2}"
# shellcheck source=deploy/lab/lab.env
. "$here/lab.env"
net="${LAB_BENCH_LINK_PREFIX%/*}"
A=bdl-a B=bdl-b ADDR_A="${net%.*}.$((${net##*.} + 1))" ADDR_B="${net%.*}.$((${net##*.} + 2))"
work="$(mktemp -d)"
dl=""
cleanup() {
  [ -n "$dl" ] && kill "$dl" 2>/dev/null && wait "$dl" 2>/dev/null
  ip netns del "$A" 2>/dev/null || true
  ip netns del "$B" 2>/dev/null || true
  [ -s "$work/dl.log" ] && sed 's/^/  /' "$work/dl.log"
  rm -rf "$work"
}
trap cleanup EXIT
for ns in "$A" "$B"; do
  ip netns del "$ns" 2>/dev/null || true
  ip netns add "$ns"
  ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 >/dev/null
  ip -n "$ns" link set lo up
done
"$bin" --ns-a "$A" --dev-a dl-b --ns-b "$B" --dev-b dl-a --name-a a --name-b b --delay-ms 20 \
  --pidfile "$work/dl.pid" 2>"$work/dl.log" &
dl=$!
for _ in $(seq 100); do [ -s "$work/dl.pid" ] && break; sleep 0.02; done
ip -n "$A" addr add "$ADDR_A/30" dev dl-b
ip -n "$A" link set dl-b txqueuelen 10000 up
ip -n "$B" addr add "$ADDR_B/30" dev dl-a
ip -n "$B" link set dl-a txqueuelen 10000 up

best_ab=0 best_ba=0
printf '%8s  %-40s  %-40s\n' rate "a->b (sent pps, lost, reordered)" "b->a"
port=41000
for rate in "${rates[@]}"; do
  count=$((rate * seconds))
  pids=()
  for d in ab ba; do
    port=$((port + 1))
    if [ $d = ab ]; then src=$A dst=$B addr=$ADDR_B; else src=$B dst=$A addr=$ADDR_A; fi
    rm -f "$work/$d.ready"
    ip netns exec "$dst" python3 "$here/udpseq.py" recv --bind "$addr" --port $port --count $count \
      --idle 1 --ready "$work/$d.ready" >"$work/$d.json" &
    pids+=($!)
    for _ in $(seq 200); do [ -e "$work/$d.ready" ] && break; sleep 0.02; done
    ip netns exec "$src" python3 "$here/udpseq.py" send --dst "$addr" --port $port --count $count \
      --rate "$rate" >"$work/$d.send.json" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  line=()
  for d in ab ba; do
    read -r pps lost reord < <(python3 -c '
import json,sys
r=json.load(open(sys.argv[1])); s=json.load(open(sys.argv[2]))
print(s["pps"], r["lost"], r["reordered"])' "$work/$d.json" "$work/$d.send.json")
    line+=("$(printf '%-10s lost %-6s reordered %s' "$pps" "$lost" "$reord")")
    if [ "$lost" = 0 ] && [ "$reord" = 0 ]; then
      # the rate actually achieved by the sender, not the one asked for
      if [ $d = ab ]; then
        best_ab="$(python3 -c 'import sys; print(max(float(sys.argv[1]), float(sys.argv[2])))' "$best_ab" "$pps")"
      else
        best_ba="$(python3 -c 'import sys; print(max(float(sys.argv[1]), float(sys.argv[2])))' "$best_ba" "$pps")"
      fi
    fi
  done
  printf '%8s  %-40s  %-40s\n' "$rate" "${line[0]}" "${line[1]}"
done
echo "highest sent rate without loss or reordering (both directions at once): a->b $best_ab pps, b->a $best_ba pps"
echo "(the 'sent pps' column is what the Python sender achieved; when it is below the asked rate the sender, not the delay line, is the limit)"
cpu_ticks="$(awk '{print $14 + $15}' "/proc/$dl/stat")"
kill -TERM "$dl"; wait "$dl" || true; dl=""
packets="$(grep -o 'exit: .* forwarded=[0-9]*' "$work/dl.log" | sed 's/.*forwarded=//' | paste -sd+ | bc)"
python3 -c 'import sys, os
ticks, pkts = int(sys.argv[1]), int(sys.argv[2])
cpu = ticks / os.sysconf("SC_CLK_TCK")
print(f"delay line CPU: {cpu:.2f} s for {pkts} packets = {cpu / pkts * 1e6:.2f} us per packet"
      f" (about {pkts / cpu:,.0f} packets per CPU second)" if pkts and cpu else "delay line CPU: too little to measure")' \
  "$cpu_ticks" "${packets:-0}"
