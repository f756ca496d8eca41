#!/usr/bin/env bash
# Capture paths: on the VP's Ethernet veth (DLT_EN10MB) and on "any" (Linux cooked
# headers), every method completes, every probe's send time comes from the capture (our
# outgoing probes are seen on the same handle as the replies), and nothing is unmatched.
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "$0")/../../lib/lab_test.sh"
lab_test_begin tpcapture python3
probe="$(binary tumen-probe)"
lab_up

for iface in "" any; do
  for method in udp-paris icmp-paris tcp-syn udp; do
    args=(trace --method "$method" --attempts 1 --wait 1000 --format json --stats)
    [ -n "$iface" ] && args+=(--interface "$iface")
    in_ns tyo "$probe" "${args[@]}" "$LAB_TARGET_ADDR" >"$WORK/out.json" 2>"$WORK/stats.json"
    v=$(python3 -c '
import json, sys
t = json.load(open(sys.argv[1])); s = json.loads(open(sys.argv[2]).readlines()[-1])
ok = (t["stop_reason"] == "completed" and s["outgoing_captured"] == s["probes_sent"]
      and s["replies_unmatched"] == 0 and s["decode_errors"] == 0 and s["replies_matched"] > 0)
print("ok" if ok else "bad", "iface", s["interface"], "stop", t["stop_reason"], "sent", s["probes_sent"],
      "outgoing_captured", s["outgoing_captured"], "matched", s["replies_matched"],
      "unmatched", s["replies_unmatched"], "decode_errors", s["decode_errors"])
' "$WORK/out.json" "$WORK/stats.json")
    echo "$method ${iface:-default}: $v"
    case "$v" in ok*) pass "$method ${iface:-default}" ;; *) fail_soft "$method ${iface:-default}: $v" ;; esac
  done
done
finish
