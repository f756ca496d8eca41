#!/usr/bin/env bash
# Probe benchmark (prints figures; not a test). Needs root: runs only inside its own lab
# (TUMEN_LAB=tpbench by default). Needs /usr/bin/time (Debian package `time`).
#
# 1. Traces every address of the target /22 (1,024 targets, --attempts 1 --wait 1000) from
#    the fra VP with tumen-probe (one hop at a time as scamper: tumen/1; two probes in flight
#    per trace: tumen/2) and with scamper, at 1,000 and 10,000 probes/s: wall time,
#    probes sent, traces that reached the target, CPU seconds, peak RSS; and the ideal
#    time (probes sent / pps + one wait).
# 2. Peak RSS floors, measured in the same run: `tumen-probe --version` (its libraries loaded,
#    nothing run) and tumen-bench-tins-floor (a program that only serialises one probe with
#    Debian's libtins, which brings libcrypto, libpcap and libstdc++); then each tool's peak
#    RSS over scamper's (`rss/scamper`).
# The uncapped send rate is measured on a plain veth pair, without the lab's delay lines,
# by bench/probe/send_rate.sh.
#
# 2. With BENCH_SYSCALLS=1: one more run of tumen/1 and of scamper per rate under
#    `strace -c -f` (strace slows them: a separate run), printing the system calls per probe
#    sent, in all and for the most frequent ones.
#
# Usage: [BENCH_SYSCALLS=1] bench/probe/run.sh [PPS...]   (default: 1000 10000)
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "bench/probe/run.sh: needs root (lab namespaces)" >&2; exit 77; }
src_dir="$(cd "$(dirname "$0")/../.." && pwd)"
build_dir="${TUMEN_BUILD_DIR:-$src_dir/build}"
export TUMEN_BUILD_DIR="$build_dir"
export TUMEN_LAB="${TUMEN_LAB:-tpbench}"
probe="$build_dir/probe/tool/tumen-probe"
tins_floor="$build_dir/bench/probe/tumen-bench-tins-floor"
lab="$src_dir/deploy/lab/lab.sh"
. "$src_dir/deploy/lab/lab.env"
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
[ -x "$probe" ] || { echo "not built: $probe" >&2; exit 1; }
[ -x "$tins_floor" ] || { echo "not built: $tins_floor" >&2; exit 1; }
rates=("$@")
[ ${#rates[@]} -gt 0 ] || rates=(1000 10000)

work="$(mktemp -d /tmp/tumen-bench.XXXXXX)"
trap '"$lab" down >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
"$lab" up >/dev/null 2>&1
ns="$("$lab" ns fra)"
python3 -c 'import ipaddress,sys
for a in ipaddress.ip_network(sys.argv[1]): print(a)' "$LAB_TARGET_PREFIX" >"$work/targets"
ntargets=$(wc -l <"$work/targets")

# timing FILE -> "wall cpu maxrss_kb"
timing() {
  python3 - "$1" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
def f(key):
    m = re.search(re.escape(key) + r":\s*(\S+)", t)
    return m.group(1) if m else "0"
w = f("Elapsed (wall clock) time (h:mm:ss or m:ss)")
parts = [float(x) for x in w.split(":")]
wall = sum(p * 60 ** (len(parts) - 1 - i) for i, p in enumerate(parts))
cpu = float(f("User time (seconds)")) + float(f("System time (seconds)"))
print(f"{wall:.2f} {cpu:.2f} {f('Maximum resident set size (kbytes)')}")
PY
}

# max_rss CMD...: peak RSS in kB of a command run once
max_rss() {
  /usr/bin/time -f '%M' -o "$work/floor.time" "$@" >/dev/null 2>&1 || true
  cat "$work/floor.time"
}

# syscalls TOOL PPS PROBES STRACE_FILE: system calls per probe, in all and the top four
syscalls() {
  python3 - "$@" <<'PY'
import sys
tool, pps, probes, path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
calls = {}
for line in open(path):
    f = line.split()
    if len(f) >= 5 and f[0][0].isdigit() and f[-1] != "total":
        calls[f[-1]] = int(f[3])
top = sorted(calls.items(), key=lambda kv: -kv[1])[:4]
print("%-10s %-7s syscalls/probe %.2f (%s)" % (tool, pps, sum(calls.values()) / probes,
      ", ".join("%s %.2f" % (k, v / probes) for k, v in top)))
PY
}

printf '%-10s %-7s %8s %8s %9s %9s %8s %9s %9s\n' tool pps wall_s probes complete ideal_s wall/ideal cpu_s maxrss_MB
declare -A rss_of
for pps in "${rates[@]}"; do
  # tumen-probe, one hop at a time (as scamper), then with two probes in flight per trace
  for inflight in 1 2; do
    ip netns exec "$ns" /usr/bin/time -v -o "$work/t.time" "$probe" trace --method udp-paris \
      --attempts 1 --wait 1000 --pps "$pps" --window "$ntargets" --hops-in-flight "$inflight" \
      --format json --stats <"$work/targets" >"$work/t.json" 2>"$work/t.stats"
    read -r wall cpu rss <<<"$(timing "$work/t.time")"
    rss_of["tumen/$inflight"]=$rss
    probes=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readlines()[-1])["probes_sent"])' "$work/t.stats")
    complete=$(grep -c '"stop_reason":"completed"' "$work/t.json" || true)
    python3 -c 'import sys
tool,pps,wall,probes,complete,cpu,rss=sys.argv[1:]
ideal=int(probes)/float(pps)+1.0
print("%-10s %-7s %8.2f %8s %9s %9.2f %8.2f %9.2f %9.1f" % (tool,pps,float(wall),probes,complete,ideal,float(wall)/ideal,float(cpu),int(rss)/1024))' \
      "tumen/$inflight" "$pps" "$wall" "$probes" "$complete" "$cpu" "$rss"
  done
  # scamper
  ip netns exec "$ns" /usr/bin/time -v -o "$work/s.time" scamper -O json -p "$pps" -w 0 \
    -c "trace -P udp-paris -q 1 -w 1" -f "$work/targets" >"$work/s.json" 2>/dev/null
  read -r wall cpu rss <<<"$(timing "$work/s.time")"
  read -r probes complete <<<"$(python3 -c 'import json,sys
p=c=0
for l in open(sys.argv[1]):
    o=json.loads(l)
    if o.get("type")=="trace":
        p+=o.get("probe_count",0); c+=o.get("stop_reason")=="COMPLETED"
print(p,c)' "$work/s.json")"
  python3 -c 'import sys
tool,pps,wall,probes,complete,cpu,rss=sys.argv[1:]
ideal=int(probes)/float(pps)+1.0
print("%-10s %-7s %8.2f %8s %9s %9.2f %8.2f %9.2f %9.1f" % (tool,pps,float(wall),probes,complete,ideal,float(wall)/ideal,float(cpu),int(rss)/1024))' \
    scamper "$pps" "$wall" "$probes" "$complete" "$cpu" "$rss"
  rss_of[scamper]=$rss
  rss_of[--version]="$(max_rss "$probe" --version)"
  rss_of[libtins]="$(max_rss "$tins_floor")"
  python3 -c 'import sys
pps, scamper = sys.argv[1], int(sys.argv[2])
parts = []
for pair in sys.argv[3:]:
    name, kb = pair.split("=")
    parts.append("%s %.1f MB %.2fx" % (name, int(kb) / 1024, int(kb) / scamper))
print("rss/scamper %s pps (scamper %.1f MB): %s" % (pps, scamper / 1024, ", ".join(parts)))' \
    "$pps" "${rss_of[scamper]}" "tumen/1=${rss_of[tumen/1]}" "tumen/2=${rss_of[tumen/2]}" \
    "tumen-probe --version=${rss_of[--version]}" "libtins floor=${rss_of[libtins]}"
  if [ "${BENCH_SYSCALLS:-0}" = 1 ]; then
    command -v strace >/dev/null || { echo "BENCH_SYSCALLS=1 needs strace" >&2; exit 1; }
    ip netns exec "$ns" strace -c -f -o "$work/t.strace" "$probe" trace --method udp-paris \
      --attempts 1 --wait 1000 --pps "$pps" --window "$ntargets" --format json --stats \
      <"$work/targets" >/dev/null 2>"$work/t.stats"
    probes=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readlines()[-1])["probes_sent"])' "$work/t.stats")
    syscalls tumen/1 "$pps" "$probes" "$work/t.strace"
    ip netns exec "$ns" strace -c -f -o "$work/s.strace" scamper -O json -p "$pps" -w 0 \
      -c "trace -P udp-paris -q 1 -w 1" -f "$work/targets" >"$work/s.json" 2>/dev/null
    probes=$(python3 -c 'import json,sys
print(sum(json.loads(l).get("probe_count", 0) for l in open(sys.argv[1]) if "probe_count" in l))' "$work/s.json")
    syscalls scamper "$pps" "$probes" "$work/s.strace"
  fi
done

