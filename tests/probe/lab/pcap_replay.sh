#!/usr/bin/env bash
# --pcap-out records a run, and `tumen-probe decode --format json` of the recording gives
# the same hops as the run's own output: per TTL, the same replying addresses (the decoder
# matches each reply to its recorded probe with the engine's matcher, which is where the
# TTL comes from). Every reply decoded must match a recorded probe, and no frame may be
# undecodable. tshark (when installed) must read the file too. The agent's `run --once` with
# --pcap-out (the lab campaign schedules/lab.yaml) must record its traces the same way.
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "$0")/../../lib/lab_test.sh"
lab_test_begin tppcapout python3
probe="$(binary tumen-probe)"
agent="$(binary tumen-agent)"
lab_up

for method in udp-paris icmp-paris udp; do
  pcap="$WORK/$method.pcap"
  in_ns tyo "$probe" trace --method "$method" --attempts 2 --wait 1000 --format json --stats \
    --pcap-out "$pcap" "$LAB_TARGET_ADDR" >"$WORK/$method.json" 2>"$WORK/$method.stats"
  "$probe" decode --format json "$pcap" >"$WORK/$method.decoded" 2>"$WORK/$method.decode-err" ||
    fail "decode $method.pcap: $(cat "$WORK/$method.decode-err")"
  v=$(python3 -c '
import json, sys
trace = json.load(open(sys.argv[1]))
stats = json.loads(open(sys.argv[2]).readlines()[-1])
run = {}
for h in trace["result"]:
    addrs = {r["from"] for r in h["result"] if "from" in r}
    if addrs:
        run[h["hop"]] = addrs
decoded, errors, unmatched = {}, [], 0
for line in open(sys.argv[3]):
    o = json.loads(line)
    if "error" in o:
        errors.append(o)
        continue
    if o["probe_ttl"] is None or o["rtt_ms"] is None:
        unmatched += 1
        continue
    decoded.setdefault(o["probe_ttl"], set()).add(o["src"])
ok = (trace["stop_reason"] == "completed" and run and run == decoded and not errors
      and unmatched == 0 and stats["pcap_recorded"] >= stats["probes_sent"] + stats["replies_matched"]
      and stats["pcap_dropped"] == 0 and stats["pcap_write_errors"] == 0)
fmt = lambda d: " ".join(str(t) + ":" + ",".join(sorted(a)) for t, a in sorted(d.items()))
print("ok" if ok else "bad", "stop", trace["stop_reason"], "| run", fmt(run), "| decoded", fmt(decoded),
      "| errors", len(errors), "unmatched", unmatched, "recorded", stats["pcap_recorded"],
      "sent", stats["probes_sent"], "matched", stats["replies_matched"])
' "$WORK/$method.json" "$WORK/$method.stats" "$WORK/$method.decoded")
  echo "$method: $v"
  case "$v" in ok*) pass "$method: decode of the recording gives the run's hops" ;;
    *) fail_soft "$method: $v" ;; esac
  if command -v tshark >/dev/null 2>&1; then
    frames=$(tshark -r "$pcap" 2>/dev/null | wc -l)
    recorded=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readlines()[-1])["pcap_recorded"])' "$WORK/$method.stats")
    check "tshark reads all $recorded recorded packets of $method.pcap (got $frames)" [ "$frames" = "$recorded" ]
  fi
done

# tumen-agent run: one round of the lab campaign from tyo, recorded.
pcap="$WORK/run.pcap"
in_ns tyo "$agent" run --schedule "$SRC_DIR/schedules/lab.yaml" --agent tyo --once \
  --output "$WORK/run.json" --pcap-out "$pcap" >"$WORK/run.log" 2>&1 ||
  fail "run --once: $(tail -5 "$WORK/run.log")"
"$probe" decode --format json "$pcap" >"$WORK/run.decoded" 2>"$WORK/run.decode-err" ||
  fail "decode run.pcap: $(cat "$WORK/run.decode-err")"
v=$(python3 -c '
import json, sys
run = {}
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o.get("type") != "traceroute":
        continue
    for h in o["result"]:
        for r in h["result"]:
            if "from" in r:
                run.setdefault((o["dst_addr"], h["hop"]), set()).add(r["from"])
decoded, errors = {}, 0
for line in open(sys.argv[2]):
    o = json.loads(line)
    if "error" in o:
        errors += 1
    elif o["quoted"] and o["quoted"]["proto"] == 17 and o["probe_ttl"] is not None:
        decoded.setdefault((o["quoted"]["dst"], o["probe_ttl"]), set()).add(o["src"])
# Every hop of the run is in the recording (the recording may hold more: replies to probes
# sent above the hop where a trace stopped, which the run does not record).
missing = {k: v - decoded.get(k, set()) for k, v in run.items() if not v <= decoded.get(k, set())}
ok = run and not missing and errors == 0
print("ok" if ok else "bad", "traced hops", len(run), "decoded hops", len(decoded),
      "missing", sorted((k, sorted(v)) for k, v in missing.items()), "errors", errors)
' "$WORK/run.json" "$WORK/run.decoded")
echo "run: $v"
case "$v" in ok*) pass "run --once: the recording holds every traced hop" ;;
  *) fail_soft "run --once: $v" ;; esac
finish
