#!/usr/bin/env bash
# Capture paths: on the VP's Ethernet veth (DLT_EN10MB) and on "any" (Linux cooked
# headers), with --tx-timestamp capture every method completes, every probe's send time
# comes from the capture (our outgoing probes are seen on the same handle as the replies),
# and nothing is unmatched. Then the default (packet socket, clock send times) against
# --send raw (raw socket, clock send times): every method completes with the same hops,
# nothing unmatched, and no capture sees our probes leave in either; --send ring (the
# packet socket's transmit ring) the same for udp-paris.
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "$0")/../../lib/lab_test.sh"
lab_test_begin tpcapture python3
probe="$(binary tumen-probe)"
lab_up

for iface in "" any; do
  for method in udp-paris icmp-paris tcp-syn udp; do
    args=(trace --method "$method" --attempts 1 --wait 1000 --format json --stats
      --tx-timestamp capture)
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
for method in udp-paris icmp-paris tcp-syn udp; do
  sends=(raw packet)
  [ "$method" = udp-paris ] && sends+=(ring)
  for send in "${sends[@]}"; do
    args=()
    [ "$send" = packet ] || args=(--send "$send") # packet: the default
    in_ns tyo "$probe" trace --method "$method" --attempts 1 --wait 1000 --format json --stats \
      "${args[@]}" "$LAB_TARGET_ADDR" >"$WORK/$send.json" 2>"$WORK/$send.stats"
  done
  for send in "${sends[@]:1}"; do
    v=$(python3 -c '
import json, sys
def hops(t):
    return [[r.get("from") for r in h["result"]] for h in t["result"]]
raw = json.load(open(sys.argv[1])); t = json.load(open(sys.argv[2]))
s = json.loads(open(sys.argv[3]).readlines()[-1])
rs = json.loads(open(sys.argv[4]).readlines()[-1])
ok = (t["stop_reason"] == "completed" and hops(t) == hops(raw) and s["outgoing_captured"] == 0
      and rs["outgoing_captured"] == 0 and rs["packets_captured"] == sum(rs[k] for k in (
          "replies_matched", "replies_unmatched", "replies_mismatched", "replies_late",
          "replies_duplicate", "replies_bad_checksum", "decode_errors"))
      and s["send_errors"] == 0 and s["replies_unmatched"] == 0 and s["replies_matched"] > 0)
print("ok" if ok else "bad", "stop", t["stop_reason"], "hops", hops(t), "raw hops", hops(raw),
      "outgoing_captured", s["outgoing_captured"], "matched", s["replies_matched"],
      "unmatched", s["replies_unmatched"], "send_errors", s["send_errors"])
' "$WORK/raw.json" "$WORK/$send.json" "$WORK/$send.stats" "$WORK/raw.stats")
    echo "$method --send $send vs --send raw: $v"
    case "$v" in ok*) pass "$method $send vs raw" ;; *) fail_soft "$method $send vs raw: $v" ;; esac
  done
done
finish
