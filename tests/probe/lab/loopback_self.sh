#!/usr/bin/env bash
# Replies from the agent's own address are kept: inside a namespace of its own with only
# loopback up, `tumen-probe ping 127.0.0.1` (from 127.0.0.1) gets every reply for each ping
# method, and a trace to 127.0.0.1 completes at hop 1 for each trace method, while our own
# probes (same source address) are still not taken as replies.
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "$0")/../../lib/lab_test.sh"
lab_test_begin tpself python3
probe="$(binary tumen-probe)"

# No lab: one namespace with only its loopback, every packet stays inside it.
ns="$TUMEN_LAB-lo"
ip netns del "$ns" 2>/dev/null || true
ip netns add "$ns"
at_exit ip netns del "$ns"
ip -n "$ns" link set lo up

for method in icmp udp tcp-syn; do
  out="$WORK/ping-$method.json"
  ip netns exec "$ns" "$probe" ping --method "$method" -c 3 -i 100 --format json 127.0.0.1 >"$out"
  v=$(python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))
ok = p["src_addr"] == "127.0.0.1" and p["sent"] == 3 and p["rcvd"] == 3
print(("ok" if ok else "bad"), "src", p["src_addr"], "sent", p["sent"], "rcvd", p["rcvd"])
' "$out")
  echo "ping $method: $v"
  case "$v" in ok*) pass "ping $method 127.0.0.1 from 127.0.0.1" ;; *) fail_soft "ping $method: $v" ;; esac
done

for method in udp-paris icmp-paris tcp-syn; do
  out="$WORK/trace-$method.json"
  ip netns exec "$ns" "$probe" trace --method "$method" --wait 1000 --format json \
    127.0.0.1 >"$out"
  v=$(python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))
hops = t["result"]
first = [r for r in hops[0]["result"] if "from" in r] if hops else []
ok = (t["stop_reason"] == "completed" and len(hops) == 1 and len(first) >= 1
      and all(r["from"] == "127.0.0.1" for r in first)
      and all("err" not in r for r in first))
print(("ok" if ok else "bad"), "stop", t["stop_reason"], "hops", len(hops),
      "replies at hop 1", len(first))
' "$out")
  echo "trace $method: $v"
  case "$v" in ok*) pass "trace $method 127.0.0.1 from 127.0.0.1" ;; *) fail_soft "trace $method: $v" ;; esac
done
finish
