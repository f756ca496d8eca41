#!/usr/bin/env bash
# A trace into the black hole (routed toward cu1, dropped there silently) ends with
# stop_reason gap_limit after exactly --gap-limit silent hops.
TEST_LAB=tpgap
. "$(dirname "$0")/common.sh"

for gap in 5 3; do
  for method in udp-paris icmp-paris tcp-syn; do
    out="$work/gap-$gap-$method.json"
    in_vp msk "$probe" trace --method "$method" --gap-limit "$gap" --attempts 1 --wait 300 \
      --format json "$LAB_BLACKHOLE_ADDR" >"$out"
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
    echo "gap-limit $gap $method: $verdict"
    case "$verdict" in
      ok*) pass "gap limit $gap ($method)" ;;
      *) fail "gap limit $gap ($method): $verdict" ;;
    esac
  done
done
echo "failures: $failures"
[ "$failures" -eq 0 ]
