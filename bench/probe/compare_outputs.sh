#!/usr/bin/env bash
# Compares what two builds of tumen-probe write for the same traces (not a test: the lab's
# rate-limited routers make two runs of one build differ now and then). Needs root: runs only
# inside its own lab (TUMEN_LAB=tpcompare by default).
#
# Traces the lab's target /22 and the outside /24 (unreachables) from the fra VP with both
# builds, alternately, twice: UDP Paris in JSON and text with one and two hops in flight,
# and ICMP Paris in JSON (10,000 pps, --attempts 2). Masks what differs by nature (JSON
# `rtt`, `timestamp`, `endtime`, `id`; text RTTs), sorts the traces, and prints for each
# form and pair of runs whether the outputs are byte-identical or how many traces differ.
# Differences between the two builds that also show between two runs of one build are the
# lab's.
#
# Usage: bench/probe/compare_outputs.sh REF_BUILD_DIR NEW_BUILD_DIR
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "bench/probe/compare_outputs.sh: needs root (lab namespaces)" >&2; exit 77; }
[ $# -eq 2 ] || { echo "usage: $0 REF_BUILD_DIR NEW_BUILD_DIR" >&2; exit 2; }
src_dir="$(cd "$(dirname "$0")/../.." && pwd)"
declare -A probe_of=([ref]="$1/probe/tool/tumen-probe" [new]="$2/probe/tool/tumen-probe")
for b in ref new; do
  [ -x "${probe_of[$b]}" ] || { echo "not built: ${probe_of[$b]}" >&2; exit 1; }
done
export TUMEN_BUILD_DIR="$2"
export TUMEN_LAB="${TUMEN_LAB:-tpcompare}"
lab="$src_dir/deploy/lab/lab.sh"
. "$src_dir/deploy/lab/lab.env"
. "$src_dir/bench/probe/lab_targets.sh"
python3 -c 'import ipaddress,sys
for a in ipaddress.ip_network(sys.argv[1]): print(a)' "$LAB_OUTSIDE_TARGET_PREFIX" >>"$work/targets"

forms="udp.json.1 udp.json.2 udp.text.1 udp.text.2 icmp.json.1"
for round in 1 2; do
  for b in ref new; do
    for form in $forms; do
      IFS=. read -r method fmt hif <<<"$form"
      ip netns exec "$ns" "${probe_of[$b]}" trace --method "$method-paris" --attempts 2 \
        --wait 1000 --pps 10000 --window 1280 --hops-in-flight "$hif" --agent cmp \
        --format "$fmt" <"$work/targets" >"$work/$b.$round.$form" 2>/dev/null
    done
  done
done

# normalize FILE FORMAT: the traces, sorted, with what differs by nature masked
normalize() {
  python3 - "$1" "$2" <<'PY'
import re, sys
data = open(sys.argv[1], encoding="utf-8").read()
if sys.argv[2] == "json":
    items = data.splitlines(keepends=True)
    masks = [(r'"rtt":[0-9.e+-]+', '"rtt":R'), (r'"endtime":\d+', '"endtime":E'),
             (r'"timestamp":\d+', '"timestamp":T'), (r'"id":"[^"]*"', '"id":"I"')]
else:
    items = ["traceroute to" + b for b in data.split("traceroute to")[1:]]
    masks = [(r"\d+\.\d{3} ms", "R ms")]
for pattern, repl in masks:
    items = [re.sub(pattern, repl, i) for i in items]
sys.stdout.write("".join(sorted(items)))
PY
}

for form in $forms; do
  fmt=$(cut -d. -f2 <<<"$form")
  for run in ref.1 ref.2 new.1 new.2; do
    normalize "$work/$run.$form" "$fmt" >"$work/$run.$form.norm"
  done
  for pair in "ref.1 new.1" "ref.2 new.2" "ref.1 new.2" "ref.2 new.1" "ref.1 ref.2" "new.1 new.2"; do
    read -r a b <<<"$pair"
    if cmp -s "$work/$a.$form.norm" "$work/$b.$form.norm"; then
      result="byte-identical ($(wc -l <"$work/$a.$form.norm") lines)"
    else
      result="$(python3 - "$work/$a.$form.norm" "$work/$b.$form.norm" "$LAB_TARGET_PREFIX" <<'PY'
import ipaddress, re, sys
def traces(path):
    text = open(path, encoding="utf-8").read()
    found = re.finditer(r'^[^\n]*"dst_addr":"([0-9.]+)"[^\n]*\n|traceroute to ([0-9.]+)(?:(?!traceroute to).)*', text, re.S | re.M)
    return {(m.group(1) or m.group(2)): m.group(0) for m in found}
a, b = traces(sys.argv[1]), traces(sys.argv[2])
differ = [d for d in sorted(set(a) | set(b)) if a.get(d) != b.get(d)]
inside = [d for d in differ if ipaddress.ip_address(d) in ipaddress.ip_network(sys.argv[3])]
print("%d traces differ, %d of them in the target /22" % (len(differ), len(inside)))
PY
)"
    fi
    printf '%-12s %s vs %s: %s\n' "$form" "$a" "$b" "$result"
  done
done
