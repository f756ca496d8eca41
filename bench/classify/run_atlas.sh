#!/bin/sh
# `tumen-controller classify` on RIPE Atlas NDJSON at scale: the real sagan file
# (../shared/data/real/atlas/ripe-atlas-sagan_test_traceroute.ndjson, 22 traceroutes, 8 of
# them IPv6) repeated to SIZE_MB MB. Every repetition keeps the file's line order (not time
# order: the reorder window sorts it) and gets timestamps of its own after the previous one:
# the lines in the original's time order, 300 s apart. The (agent, target) pairs repeat, so
# the trackers stay few while the input grows. Output (text verdicts and changes) goes to a
# file. Prints, from the same run: wall and CPU time, traces/s, MB/s and peak RSS of the full
# input and of an input 1/8 of its size (the memory reference: RSS must not grow with the
# input), of the full input read with --reader-threads 0 (the lines read on the classifying
# thread: the reference for the worker threads), the time `cat` takes to read the full input
# (the I/O floor), and the load average before the runs (the VM is shared: wall times need it).
# Usage: bench/classify/run_atlas.sh [BUILD_DIR] [SIZE_MB]   (default: build, 1024)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
size_mb=${2:-1024}
exe=$build/controller/tool/tumen-controller
real=${TUMEN_SHARED_DIR:-$root/../shared}/data/real
src=$real/atlas/ripe-atlas-sagan_test_traceroute.ndjson
pfx=$real/pfx2as/routeviews-rv2-20170329-0200.pfx2as.gz
for f in "$exe" "$src" "$pfx" /usr/bin/time; do
    [ -e "$f" ] || { echo "run_atlas.sh: missing $f" >&2; exit 2; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Campaigns drafted from the data itself: one per destination AS, TATA (AS6453) as a class.
"$exe" draft-campaigns --pfx2as "$pfx" --class tata=6453 "$src" >"$work/campaigns.yaml" 2>/dev/null || true

python3 - "$src" "$work" "$size_mb" <<'PY'
import json, re, sys
src, work, size_mb = sys.argv[1], sys.argv[2], int(sys.argv[3])
lines = [l.rstrip("\n") for l in open(src) if l.strip()]
order = sorted(range(len(lines)), key=lambda i: json.loads(lines[i])["timestamp"])
rank = {i: r for r, i in enumerate(order)}
num = re.compile(r'"(timestamp|endtime)":(\d+)')
def template(i):
    ts = json.loads(lines[i])["timestamp"]
    parts = num.split(lines[i])  # text, key, value, text, key, value, ..., text
    return parts, ts
templates = [template(i) for i in range(len(lines))]
def write(path, target):
    written, rep = 0, 0
    with open(path, "w") as out:
        while written < target:
            for i, (parts, ts) in enumerate(templates):
                base = 1500000000 + (rep * len(lines) + rank[i]) * 300
                s = [parts[0]]
                for k in range(1, len(parts), 3):
                    key, value = parts[k], int(parts[k + 1])
                    s.append('"%s":%d' % (key, base + (value - ts)))
                    s.append(parts[k + 2])
                line = "".join(s) + "\n"
                out.write(line)
                written += len(line)
            rep += 1
write(work + "/full.ndjson", size_mb << 20)
write(work + "/eighth.ndjson", (size_mb << 20) // 8)
PY

run() { # name file [classify options]
    name=$1 file=$2
    shift 2
    /usr/bin/time -f "%e %U %S %M" -o "$work/$name.time" "$exe" classify --quiet-notes "$@" \
        --campaign "$work/campaigns.yaml" --pfx2as "$pfx" "$file" >"$work/$name.out" \
        2>"$work/$name.err" || true
    read -r wall user sys rss_kb <"$work/$name.time"
    summary=$(grep '^classify: [0-9]' "$work/$name.err" || echo "classify: ? traces")
    traces=$(echo "$summary" | sed 's/^classify: \([0-9]*\) traces.*/\1/')
    mb=$(( $(stat -c %s "$file") >> 20 ))
    awk -v n="$name" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss_kb" -v t="$traces" -v mb="$mb" \
        'BEGIN { printf "%-7s %5d MB %8d traces  wall %6.2f s  cpu %6.2f s  %8.0f traces/s (%.0f per cpu s)  %6.1f MB/s  peak RSS %6.1f MB\n", n, mb, t, w, u + s, t / w, t / (u + s), mb / w, r / 1024 }'
    echo "        $summary"
}
cat_start=$(date +%s.%N)
cat "$work/full.ndjson" >/dev/null
cat_end=$(date +%s.%N)
echo "input: $src repeated; campaigns drafted from it ($(grep -c '^- name\|^  - name' "$work/campaigns.yaml" || true) campaigns)"
echo "load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
run eighth "$work/eighth.ndjson"
run full "$work/full.ndjson"
run 1thread "$work/full.ndjson" --reader-threads 0
awk -v a="$cat_start" -v b="$cat_end" -v mb="$size_mb" \
    'BEGIN { printf "cat     %5d MB reference: read in %.2f s (%.0f MB/s)\n", mb, b - a, mb / (b - a) }'
echo "verdicts printed: $(wc -l <"$work/full.out") lines (full), $(wc -l <"$work/eighth.out") lines (eighth)"
cmp -s "$work/full.out" "$work/1thread.out" && echo "full and 1thread printed the same" ||
    echo "full and 1thread printed different output"

