#!/usr/bin/env bash
# A campaign's own `pps` holds inside the agent's global cap: `tumen-agent run` (standalone)
# with two campaigns, `slow` (pps 25, two /24s) and `fast` (pps 2000, the other two), and a
# global cap of 5000. iptables counters in the vantage point's namespace count the probes
# that leave toward each campaign's /24s (--send raw: the default packet socket skips
# netfilter's OUTPUT hooks). Only upper bounds are asserted against elapsed
# time (a slow machine sends less, never more): slow <= 25/s x elapsed + burst; fast is
# not held to slow's rate (it sends more than slow's cap allows).
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "$0")/../../lib/lab_test.sh"
lab_test_begin tprate iptables python3
agent="$(binary tumen-agent)"
lab_up

vp=fra
slow_pps=25
read -r p0 p1 p2 p3 <<<"$LAB_TARGET_24S"
campaign() { # NAME PREFIX PREFIX ADDRESSES_PER_PREFIX PPS
  cat <<YAML
  - name: $1
    targets: {asn: $LAB_TARGET_AS, prefixes: [$2, $3], addresses_per_prefix: $4}
    classes: [{name: china-unicom, asns: [$LAB_CU_AS]}]
    methods: [udp-paris]
    interval: 1h
    jitter: 0s
    attempts: 1
    wait: 1s
    max_ttl: 16
    pps: $5
YAML
}
{
  echo "campaigns:"
  campaign slow "$p0" "$p1" 32 "$slow_pps"
  campaign fast "$p2" "$p3" 64 2000
} >"$WORK/rate.yaml"
for p in "$p0" "$p1" "$p2" "$p3"; do # counting rules only (no target)
  in_ns "$vp" iptables -w -A OUTPUT -p udp -d "$p"
done
count() { # sum of the packet counters of the rules for prefixes $1 and $2 (last column)
  in_ns "$vp" iptables -w -L OUTPUT -v -x -n | awk -v a="$1" -v b="$2" \
    '$NF == a || $NF == b { n += $1 } END { print n + 0 }'
}
start=$(date +%s.%N)
in_ns "$vp" "$agent" run --schedule "$WORK/rate.yaml" --output "$WORK/out.jsonl" --agent "$vp" \
  --pps 5000 --duration 6 --send raw >"$WORK/agent.log" 2>&1 || { cat "$WORK/agent.log"; fail_soft "agent exited non-zero"; }
end=$(date +%s.%N)
slow=$(count "$p0" "$p1")
fast=$(count "$p2" "$p3")
elapsed=$(python3 -c "print(round($end - $start, 3))")
cap=$(python3 -c "import math; print(math.ceil($slow_pps * $elapsed) + 2)")
echo "elapsed ${elapsed} s: slow campaign sent $slow probes (cap $cap), fast campaign $fast"
[ "$slow" -gt 0 ] && pass "slow campaign probed" || fail_soft "slow campaign sent nothing"
[ "$slow" -le "$cap" ] && pass "slow campaign within its pps ($slow <= $cap)" \
  || fail_soft "slow campaign above its pps: $slow > $cap"
[ "$fast" -gt "$cap" ] && pass "fast campaign not held to slow's rate ($fast > $cap)" \
  || fail_soft "fast campaign limited like slow: $fast <= $cap"
grep -q '"type":"traceroute"' "$WORK/out.jsonl" && pass "results written" || fail_soft "no results written"
finish
