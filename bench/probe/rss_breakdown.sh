#!/usr/bin/env bash
# Peak RSS broken down by mapping (prints a table; not a test). Needs root: runs only inside
# its own lab (TUMEN_LAB=tprss by default), the /22 benchmark of bench/probe/run.sh.
#
# For each rate: tumen-probe trace (tumen/1, as bench/probe/run.sh runs it), the same from a
# reference build when TUMEN_REF_BUILD_DIR is set (say, main's), scamper, the libtins floor
# (tumen-bench-tins-floor) and `tumen-probe --version`, each sampled by
# bench/probe/smaps_peak.py: /proc/PID/smaps at its largest resident set, split into its own
# binary, each shared library (file pages, and the anonymous pages of their data and
# relocations), the brk heap, anonymous mmaps (malloc's large chunks, the IP-id index), the
# capture ring and the stack. MB, and the peak (VmHWM, /usr/bin/time's %M) over scamper's.
#
# Usage: [TUMEN_REF_BUILD_DIR=DIR] bench/probe/rss_breakdown.sh [PPS...]   (default: 1000 10000)
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "bench/probe/rss_breakdown.sh: needs root (lab namespaces)" >&2; exit 77; }
src_dir="$(cd "$(dirname "$0")/../.." && pwd)"
build_dir="${TUMEN_BUILD_DIR:-$src_dir/build}"
export TUMEN_BUILD_DIR="$build_dir"
export TUMEN_LAB="${TUMEN_LAB:-tprss}"
probe="$build_dir/probe/tool/tumen-probe"
ref_probe="${TUMEN_REF_BUILD_DIR:+$TUMEN_REF_BUILD_DIR/probe/tool/tumen-probe}"
tins_floor="$build_dir/bench/probe/tumen-bench-tins-floor"
sampler="$src_dir/bench/probe/smaps_peak.py"
lab="$src_dir/deploy/lab/lab.sh"
. "$src_dir/deploy/lab/lab.env"
command -v strace >/dev/null || { echo "needs strace" >&2; exit 1; }
for f in "$probe" "$tins_floor" ${ref_probe:+"$ref_probe"}; do
  [ -x "$f" ] || { echo "not built: $f" >&2; exit 1; }
done
rates=("$@")
[ ${#rates[@]} -gt 0 ] || rates=(1000 10000)

. "$src_dir/bench/probe/lab_targets.sh"

# trace NAME BINARY PPS: tumen/1 under the sampler; complete traces in $work/NAME.complete
trace() {
  python3 "$sampler" "$work/$1.json" "$work/$1.out" -- ip netns exec "$ns" "$2" trace --method udp-paris \
    --attempts 1 --wait 1000 --pps "$3" --window "$ntargets" --hops-in-flight 1 \
    --format json --stats <"$work/targets"
  python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readlines()[-1]).get("capture_drops", "?"))' \
    "$work/$1.out.err" >"$work/$1.drops" || echo "?" >"$work/$1.drops"
  grep -c '"stop_reason":"completed"' "$work/$1.out" >"$work/$1.complete" || true
}

for pps in "${rates[@]}"; do
  names=()
  if [ -n "$ref_probe" ]; then
    trace ref "$ref_probe" "$pps"
    names+=(ref)
  fi
  trace tumen "$probe" "$pps"
  names+=(tumen)
  python3 "$sampler" "$work/scamper.json" "$work/scamper.out" -- ip netns exec "$ns" scamper -O json -p "$pps" -w 0 \
    -c "trace -P udp-paris -q 1 -w 1" -f "$work/targets"
  python3 -c 'import json,sys
print(sum(json.loads(l).get("stop_reason") == "COMPLETED" for l in open(sys.argv[1]) if l.startswith("{")))' \
    "$work/scamper.out" >"$work/scamper.complete"
  python3 "$sampler" "$work/floor.json" -- "$tins_floor"
  python3 "$sampler" "$work/version.json" -- "$probe" --version
  names+=(scamper floor version)
  python3 - "$pps" "$work" "${names[@]}" <<'PY'
import json, sys
pps, work, names = sys.argv[1], sys.argv[2], sys.argv[3:]
label = {"ref": "ref tumen/1", "tumen": "tumen/1", "scamper": "scamper",
         "floor": "libtins floor", "version": "--version"}
snaps = {n: json.load(open(f"{work}/{n}.json")) for n in names}
def read(n, ext):
    try:
        return open(f"{work}/{n}.{ext}").read().strip()
    except OSError:
        return "-"
cats = sorted({c for s in snaps.values() for c in s.get("categories", {})},
              key=lambda c: -max(s.get("categories", {}).get(c, 0) for s in snaps.values()))
libs = sorted({l for s in snaps.values() for l in s.get("libraries", {})},
              key=lambda l: -max(s.get("libraries", {}).get(l, 0) for s in snaps.values()))
w = 52
print(f"== {pps} pps: RSS MB at each program's largest sampled resident set ==")
print("%-*s" % (w, "mapping") + "".join("%14s" % label[n] for n in names))
def row(title, values, fmt="%14.2f"):
    print("%-*s" % (w, title) + "".join(fmt % v if isinstance(v, float) else "%14s" % v
                                        for v in values))
mb = lambda kb: kb / 1024
for c in cats:
    row(c, [mb(snaps[n].get("categories", {}).get(c, 0)) for n in names])
    if c == "shared libraries":
        for l in libs:
            row("  " + l, [mb(snaps[n].get("libraries", {}).get(l, 0)) for n in names])
        row("  (of which anonymous: data, relocations)",
            [mb(sum(snaps[n].get("library_anonymous", {}).values())) for n in names])
row("sampled total", [mb(snaps[n].get("rss_kb", 0)) for n in names])
row("peak RSS (VmHWM)", [mb(snaps[n].get("final_hwm_kb", 0)) for n in names])
sc = snaps["scamper"].get("final_hwm_kb", 0) or 1
row("peak over scamper's", [snaps[n].get("final_hwm_kb", 0) / sc for n in names])
row("complete traces", [read(n, "complete") for n in names])
row("capture drops (--stats)", [read(n, "drops") for n in names])
PY
done
