#!/usr/bin/env bash
# A trace into the black hole (routed toward cu1, dropped there silently) ends with
# stop_reason gap_limit after exactly --gap-limit silent hops, also with several hops probed
# at once (--hops-in-flight 3: hops are resolved in TTL order, so the count is the same).
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "$0")/../../lib/lab_test.sh"
lab_test_begin tpgap python3
probe="$(binary tumen-probe)"
lab_up

for gap in 5 3; do
  for method in udp-paris icmp-paris tcp-syn udp-paris/3; do
    inflight=1
    case "$method" in udp-paris/3) method=udp-paris; inflight=3 ;; esac
    out="$WORK/gap-$gap-$method-$inflight.json"
    in_ns msk "$probe" trace --method "$method" --gap-limit "$gap" --attempts 1 --wait 300 \
      --hops-in-flight "$inflight" --format json "$LAB_BLACKHOLE_ADDR" >"$out"
    verdict=$(python3 -c '
import json, sys
t = json.load(open(sys.argv[1])); gap = int(sys.argv[2])
hops = t["result"]
answered = [h["hop"] for h in hops if any("from" in r for r in h["result"])]
last = max(answered) if answered else 0
silent_tail = [h["hop"] for h in hops if h["hop"] > last]
ok = t["stop_reason"] == "gap_limit" and len(silent_tail) == gap and hops[-1]["hop"] == last + gap
print("ok" if ok else "bad", t["stop_reason"], last, len(silent_tail))
' "$out" "$gap")
    echo "gap-limit $gap $method in-flight $inflight: $verdict"
    case "$verdict" in
      ok*) pass "gap limit $gap ($method, $inflight in flight)" ;;
      *) fail_soft "gap limit $gap ($method, $inflight in flight): $verdict" ;;
    esac
  done
done
finish
