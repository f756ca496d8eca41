#!/usr/bin/env bash
# `tumen-probe ping` RTTs match the lab's delay lines within 20%: ~40 ms via CU
# (2 x 20 ms), ~70 ms via TTK (2 x 35 ms), for each ping method. Then the send timestamp
# modes through the delay lines: the default (packet socket, clock) and
# --tx-timestamp capture (raw socket, the captured outgoing copy) both within 20%, their
# median RTTs printed side by side (bench/probe/rtt_modes.sh measures the difference on a
# bare veth, where microseconds show).
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "$0")/../../lib/lab_test.sh"
lab_test_begin tpping python3
probe="$(binary tumen-probe)"
lab_up

expect_cu=$((2 * LAB_DELAY_CU_MS))
expect_ttk=$((2 * LAB_DELAY_TTK_MS))
check_avg() { # name json expected
  python3 -c '
import json, sys
p = json.load(open(sys.argv[1])); want = float(sys.argv[2])
ok = p["rcvd"] >= p["sent"] - 1 and p["rcvd"] > 0 and abs(p["avg"] - want) <= 0.2 * want
print(("ok" if ok else "bad"), "sent", p["sent"], "rcvd", p["rcvd"], "avg %.2f ms" % p.get("avg", -1), "min %.2f" % p.get("min", -1), "max %.2f" % p.get("max", -1), "expected", want)
' "$2" "$3"
}
for transit in cu ttk; do
  lab flip "$transit" all >/dev/null
  want=$expect_cu
  [ "$transit" = ttk ] && want=$expect_ttk
  for vp in $LAB_VPS; do
    for method in icmp tcp-syn udp; do
      out="$WORK/$transit-$vp-$method.json"
      in_ns "$vp" "$probe" ping --method "$method" -c 5 -i 100 --format json "$LAB_TARGET_ADDR" >"$out"
      v=$(check_avg "$transit $vp $method" "$out" "$want")
      echo "$transit $vp $method: $v"
      case "$v" in ok*) pass "$transit $vp $method" ;; *) fail_soft "$transit $vp $method: $v" ;; esac
    done
  done
done
vp=${LAB_VPS%% *}
for mode in default capture; do
  opts=()
  [ "$mode" = capture ] && opts=(--tx-timestamp capture)
  in_ns "$vp" "$probe" ping --method icmp -c 20 -i 20 --format json "${opts[@]}" \
    "$LAB_TARGET_ADDR" >"$WORK/mode-$mode.json"
  v=$(check_avg "ttk $vp icmp $mode" "$WORK/mode-$mode.json" "$expect_ttk")
  echo "ttk $vp icmp --tx-timestamp $mode: $v"
  case "$v" in ok*) pass "tx-timestamp $mode" ;; *) fail_soft "tx-timestamp $mode: $v" ;; esac
done
python3 -c '
import json, statistics, sys
med = [statistics.median(x["rtt"] for x in json.load(open(f))["result"] if "rtt" in x)
       for f in sys.argv[1:]]
print("median RTT: default %.3f ms, capture %.3f ms, difference %+.1f us"
      % (med[0], med[1], (med[0] - med[1]) * 1000))
' "$WORK/mode-default.json" "$WORK/mode-capture.json"
finish
