#!/usr/bin/env bash
# Probe benchmark (prints figures; not a test). Needs root: runs only inside its own lab
# (TUMEN_LAB=tpbench by default).
#
# 1. Traces every address of the target /22 (1,024 targets, --attempts 1 --wait 1000) from
#    the fra VP with tumen-probe (one hop at a time as scamper: tumen/1; two probes in flight
#    per trace: tumen/2, first run only) and with scamper, at 1,000 and 10,000 probes/s: wall
#    time, probes sent, traces that reached the target, CPU seconds, peak RSS; and the ideal
#    time (probes sent / pps + one wait); `switches`: voluntary/involuntary context switches.
#    CPU seconds and peak RSS come from wait4()'s rusage
#    of the same run (tumen-bench-cpu-time: user + system time to the microsecond, which
#    /usr/bin/time prints in 10 ms steps; see bench/probe/cpu_time.cpp).
#    BENCH_RUNS=N repeats tumen/1 and scamper N times per rate in alternating order (odd runs
#    tumen first) and prints tumen/1's CPU seconds and peak RSS over scamper's per run, their
#    median and spread (`cpu tumen/1/scamper`, `rss tumen/1/scamper`). BENCH_REF_BUILD=DIR adds another build's tumen-probe (ref/1,
#    e.g. main's) to every run, between the two, with its ratios.
# 2. Peak RSS floors, measured in the same run: `tumen-probe --version` (its libraries loaded,
#    nothing run) and tumen-bench-tins-floor (a program that only serialises one probe with
#    Debian's libtins, which brings libcrypto, libpcap and libstdc++); then each tool's peak
#    RSS over scamper's in the rate's last run (`rss/scamper`); and the start-up CPU time of
#    `tumen-probe --version` and `scamper -v` (`start-up cpu`).
# The uncapped send rate is measured on a plain veth pair, without the lab's delay lines,
# by bench/probe/send_rate.sh.
#
# 3. With BENCH_SYSCALLS=1: one more run of tumen/1 and of scamper per rate under
#    `strace -c -f` (strace slows them: a separate run), printing the system calls per probe
#    sent, in all and for the most frequent ones.
#
# Usage: [BENCH_RUNS=N] [BENCH_REF_BUILD=DIR] [BENCH_SYSCALLS=1] bench/probe/run.sh [PPS...]
#        (default: 1000 10000, one run)
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "bench/probe/run.sh: needs root (lab namespaces)" >&2; exit 77; }
src_dir="$(cd "$(dirname "$0")/../.." && pwd)"
build_dir="${TUMEN_BUILD_DIR:-$src_dir/build}"
export TUMEN_BUILD_DIR="$build_dir"
export TUMEN_LAB="${TUMEN_LAB:-tpbench}"
probe="$build_dir/probe/tool/tumen-probe"
tins_floor="$build_dir/bench/probe/tumen-bench-tins-floor"
cpu_time="$build_dir/bench/probe/tumen-bench-cpu-time"
lab="$src_dir/deploy/lab/lab.sh"
. "$src_dir/deploy/lab/lab.env"
[ -x "$probe" ] || { echo "not built: $probe" >&2; exit 1; }
[ -x "$tins_floor" ] || { echo "not built: $tins_floor" >&2; exit 1; }
[ -x "$cpu_time" ] || { echo "not built: $cpu_time" >&2; exit 1; }
rates=("$@")
[ ${#rates[@]} -gt 0 ] || rates=(1000 10000)

. "$src_dir/bench/probe/lab_targets.sh"

# floor NAME CMD...: runs a command once; its peak RSS in kB goes to rss_of[NAME] and its
# CPU time in ms to start_ms[NAME] (for `--version` and `scamper -v`: the start-up cost)
floor() {
  local name="$1"; shift
  "$cpu_time" "$work/floor.time" "$@" >/dev/null 2>&1 || true
  read -r _ user_us sys_us rss _ <"$work/floor.time"
  rss_of[$name]=$rss
  start_ms[$name]=$(python3 -c 'import sys; print("%.1f" % ((int(sys.argv[1]) + int(sys.argv[2])) / 1e3))' "$user_us" "$sys_us")
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

# run_tool NAME PPS COMMAND...: runs one tool under the CPU timer in the lab's fra namespace,
# prints its row and records its CPU seconds in cpu_of[NAME] (appended, one per run) and its
# peak RSS in rss_of[NAME]. NAME is scamper or a tumen build's label (tumen/1, tumen/2, ref/1).
run_tool() {
  local name="$1" pps="$2"; shift 2
  local out="$work/out.json" err="$work/out.stats"
  ip netns exec "$ns" "$cpu_time" "$work/t.time" "$@" >"$out" 2>"$err"
  read -r wall_us user_us sys_us rss vcsw ivcsw <"$work/t.time"
  local probes complete
  if [ "$name" = scamper ]; then
    read -r probes complete <<<"$(python3 -c 'import json,sys
p=c=0
for l in open(sys.argv[1]):
    o=json.loads(l)
    if o.get("type")=="trace":
        p+=o.get("probe_count",0); c+=o.get("stop_reason")=="COMPLETED"
print(p,c)' "$out")"
  else
    probes=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readlines()[-1])["probes_sent"])' "$err")
    complete=$(grep -c '"stop_reason":"completed"' "$out" || true)
  fi
  local cpu
  cpu=$(python3 -c 'import sys; print("%.6f" % ((int(sys.argv[1]) + int(sys.argv[2])) / 1e6))' "$user_us" "$sys_us")
  cpu_of[$name]="${cpu_of[$name]:-} $cpu"
  complete_of[$name]="${complete_of[$name]:-} $complete"
  rss_of[$name]=$rss
  rsslist_of[$name]="${rsslist_of[$name]:-} $rss"
  python3 -c 'import sys
tool,pps,wall_us,probes,complete,cpu,rss,vcsw,ivcsw=sys.argv[1:]
wall=int(wall_us)/1e6
ideal=int(probes)/float(pps)+1.0
print("%-10s %-7s %8.2f %8s %9s %9.2f %8.2f %9.3f %9.1f %11s" % (tool,pps,wall,probes,complete,ideal,wall/ideal,float(cpu),int(rss)/1024,vcsw+"/"+ivcsw))' \
    "$name" "$pps" "$wall_us" "$probes" "$complete" "$cpu" "$rss" "$vcsw" "$ivcsw"
}

# tumen_trace PROBE INFLIGHT PPS: the tumen-probe command line
tumen_trace() {
  echo "$1" trace --method udp-paris --attempts 1 --wait 1000 --pps "$3" --window "$ntargets" \
    --hops-in-flight "$2" --format json --stats
}

# ratio cpu|rss NAME REF PPS: NAME's CPU seconds or peak RSS over REF's, run by run, with the
# median and the spread
ratio() {
  local values
  if [ "$1" = cpu ]; then values=("${cpu_of[$2]}" "${cpu_of[$3]}"); else values=("${rsslist_of[$2]}" "${rsslist_of[$3]}"); fi
  python3 - "$1" "$2" "$3" "$4" "${values[@]}" <<'PY'
import statistics, sys
what, name, ref, pps = sys.argv[1:5]
a = [float(x) for x in sys.argv[5].split()]
b = [float(x) for x in sys.argv[6].split()]
r = [x / y for x, y in zip(a, b)]
unit, scale = ("CPU s", 1.0) if what == "cpu" else ("MB", 1024.0)
print("%s %s/%s %s pps, %d runs: median %.3fx (%.3f-%.3fx; per run %s); %s median %.3f against %.3f"
      % (what, name, ref, pps, len(r), statistics.median(r), min(r), max(r),
         ", ".join("%.2f" % x for x in r), unit, statistics.median(a) / scale,
         statistics.median(b) / scale))
PY
}

runs="${BENCH_RUNS:-1}"
ref_probe=""
[ -z "${BENCH_REF_BUILD:-}" ] || ref_probe="$BENCH_REF_BUILD/probe/tool/tumen-probe"
[ -z "$ref_probe" ] || [ -x "$ref_probe" ] || { echo "not built: $ref_probe" >&2; exit 1; }
printf '%-10s %-7s %8s %8s %9s %9s %8s %9s %9s %11s\n' tool pps wall_s probes complete ideal_s wall/ideal cpu_s maxrss_MB switches
declare -A rss_of rsslist_of cpu_of complete_of start_ms
for pps in "${rates[@]}"; do
  unset cpu_of complete_of rsslist_of
  declare -A cpu_of complete_of rsslist_of
  for ((run = 1; run <= runs; run++)); do
    # tumen-probe one hop at a time (as scamper), the reference build if any, and scamper,
    # in alternating order (odd runs tumen first, even runs scamper first)
    order=(tumen ref scamper)
    [ $((run % 2)) -eq 1 ] || order=(scamper ref tumen)
    for tool in "${order[@]}"; do
      case "$tool" in
        tumen) read -ra cmd <<<"$(tumen_trace "$probe" 1 "$pps")"
               run_tool tumen/1 "$pps" "${cmd[@]}" <"$work/targets" ;;
        ref) [ -n "$ref_probe" ] || continue
             read -ra cmd <<<"$(tumen_trace "$ref_probe" 1 "$pps")"
             run_tool ref/1 "$pps" "${cmd[@]}" <"$work/targets" ;;
        scamper) run_tool scamper "$pps" scamper -O json -p "$pps" -w 0 \
                   -c "trace -P udp-paris -q 1 -w 1" -f "$work/targets" ;;
      esac
    done
    # with two probes in flight per trace (first run only)
    if [ "$run" -eq 1 ]; then
      read -ra cmd <<<"$(tumen_trace "$probe" 2 "$pps")"
      run_tool tumen/2 "$pps" "${cmd[@]}" <"$work/targets"
    fi
  done
  for what in cpu rss; do
    ratio "$what" tumen/1 scamper "$pps"
    if [ -n "$ref_probe" ]; then
      ratio "$what" ref/1 scamper "$pps"
      ratio "$what" tumen/1 ref/1 "$pps"
    fi
  done
  echo "complete traces per run $pps pps: tumen/1${complete_of[tumen/1]}, scamper${complete_of[scamper]}${ref_probe:+, ref/1${complete_of[ref/1]}}"
  floor --version "$probe" --version
  floor libtins "$tins_floor"
  floor scamper-v scamper -v
  echo "start-up cpu $pps pps: tumen-probe --version ${start_ms[--version]} ms, scamper -v ${start_ms[scamper-v]} ms"
  python3 -c 'import sys
pps, scamper = sys.argv[1], int(sys.argv[2])
parts = []
for pair in sys.argv[3:]:
    name, kb = pair.split("=")
    parts.append("%s %.1f MB %.2fx" % (name, int(kb) / 1024, int(kb) / scamper))
print("rss/scamper %s pps, last run (scamper %.1f MB): %s" % (pps, scamper / 1024, ", ".join(parts)))' \
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

