#!/usr/bin/env bash
# Through the ECMP pair (cu2 hashes L4 fields over cu3a/cu3b), Paris traces show only links
# that exist: across many flows every trace sees a consistent cu3x -> kp-br side pair (cu3a
# is followed by kp-br's cu3a-facing address, cu3b by its cu3b-facing one) and both sides
# appear (UDP and TCP; ICMP flows all hash alike in Linux). The silent cu2 shows as `*` and the trace goes on. Classic udp (destination port
# changes per probe) is run too and its false links are reported, not asserted. One trace in
# `--format dot` draws the same path: the silent cu2 as a `*` node between cu1 and one cu3x,
# and Graphviz's `dot -Tsvg` (when installed) accepts it.
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "$0")/../../lib/lab_test.sh"
lab_test_begin tpecmp python3
probe="$(binary tumen-probe)"
lab_up

target="$LAB_TARGET_ADDR"
flows=32
pids=()
for flow in $(seq 0 $((flows - 1))); do
  for method in udp-paris icmp-paris tcp-syn udp; do
    in_ns fra "$probe" trace --method "$method" --flow "$flow" --attempts 1 --wait 1000 \
      --format json "$target" >"$WORK/$method.$flow.json" &
    pids+=($!)
  done
done
for p in "${pids[@]}"; do wait "$p" || fail_soft "a tumen-probe run failed"; done

for method in udp-paris icmp-paris tcp-syn udp; do
  result=$(cat "$WORK/$method".*.json | python3 -c '
import json, sys
cu3a, cu3b, kpa, kpb, cu2 = sys.argv[1:6]
side = {cu3a: kpa, cu3b: kpb}
good = bad = silent_ok = completed = 0
seen = set()
for line in sys.stdin:
    t = json.loads(line)
    completed += t["stop_reason"] == "completed"
    hops = {h["hop"]: [r.get("from") for r in h["result"]] for h in t["result"]}
    # hop 3 is cu2: only stars, and the trace continued past it
    if all(a is None for a in hops.get(3, [None])) and max(hops) > 3:
        silent_ok += 1
    a4 = [a for a in hops.get(4, []) if a]
    a5 = [a for a in hops.get(5, []) if a]
    if len(a4) == 1 and len(a5) == 1 and a4[0] in side:
        seen.add(a4[0])
        if side[a4[0]] == a5[0]:
            good += 1
        else:
            bad += 1
    else:
        bad += 1
print(completed, silent_ok, good, bad, len(seen))
' "$LAB_CU3A_ADDR" "$LAB_CU3B_ADDR" "$LAB_KPBR_CU_ADDR_a" "$LAB_KPBR_CU_ADDR_b" "$LAB_CU2_ADDR")
  read -r completed silent_ok good bad sides <<<"$result"
  echo "$method: $flows flows, $completed completed, $silent_ok with silent hop 3 passed," \
       "$good consistent cu3x->kp-br pairs, $bad false/incomplete links, $sides ECMP sides seen"
  if [ "$method" = udp ]; then
    pass "classic udp (reported only): $bad of $flows traces show a false or broken link"
    continue
  fi
  [ "$completed" -eq "$flows" ] || fail_soft "$method: only $completed of $flows traces completed"
  [ "$silent_ok" -eq "$flows" ] || fail_soft "$method: silent cu2 not shown as * in every trace"
  [ "$bad" -eq 0 ] || fail_soft "$method: $bad traces mix cu3a/cu3b with the wrong kp-br side"
  # Linux's L4 multipath hash (fib_multipath_hash_policy=1) uses ports only; ICMP echo
  # flows all hash alike, so icmp-paris sees one side whatever its identifier.
  if [ "$method" != icmp-paris ]; then
    [ "$sides" -eq 2 ] || fail_soft "$method: only $sides ECMP side seen over $flows flows"
  fi
  [ "$bad" -eq 0 ] && pass "$method: only existing links ($sides ECMP sides seen)"
done
in_ns fra "$probe" trace --method udp-paris --attempts 1 --wait 1000 --format dot "$target" \
  >"$WORK/trace.dot" || fail_soft "tumen-probe trace --format dot failed"
if grep -q "^digraph \"$target\" {" "$WORK/trace.dot" &&
   grep -q "^  \"\*0:3\" \[label=\"\*\\\\nttl 3\"" "$WORK/trace.dot" &&
   grep -Eq "^  \"($LAB_CU3A_ADDR|$LAB_CU3B_ADDR)\" \[label=\"[0-9.]+\\\\nttl 4 " "$WORK/trace.dot" &&
   grep -q "^  \"\*0:3\" -> \"" "$WORK/trace.dot"; then
  pass "trace --format dot: silent cu2 as *, then cu3a or cu3b at TTL 4"
else
  fail_soft "trace --format dot lacks the expected nodes: $(cat "$WORK/trace.dot")"
fi
if command -v dot >/dev/null; then
  if dot -Tsvg "$WORK/trace.dot" >"$WORK/trace.svg" 2>"$WORK/dot.err" && [ ! -s "$WORK/dot.err" ] &&
     grep -q "<svg" "$WORK/trace.svg"; then
    pass "dot -Tsvg accepts the trace's dot output"
  else
    fail_soft "dot -Tsvg rejects the trace's dot output: $(cat "$WORK/dot.err")"
  fi
else
  echo "SKIP: graphviz dot is not installed (deploy/install-deps.sh installs it)"
fi
finish
