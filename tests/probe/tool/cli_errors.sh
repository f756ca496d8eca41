#!/usr/bin/env bash
# Bad command lines must give exactly one line on stderr and exit 2, before any socket is
# opened (so this test never sends anything). Usage: cli_errors.sh PATH/TO/tumen-probe
set -u
bin="$1"
fail=0
# Safety net: as root, run every case in a fresh, empty network namespace, so that even a
# parsing bug could not send a packet from this host's namespace.
wrap=()
if [ "$(id -u)" -eq 0 ] && unshare --net true 2>/dev/null; then
  wrap=(unshare --net)
fi
check() {
  local err rc lines
  err="$("${wrap[@]}" "$bin" "$@" 2>&1 >/dev/null </dev/null)"
  rc=$?
  lines=$(printf '%s\n' "$err" | grep -c .)
  if [ "$rc" -ne 2 ] || [ "$lines" -ne 1 ]; then
    echo "FAIL: tumen-probe $* -> exit $rc, $lines stderr lines: $err"
    fail=1
  else
    echo "ok: tumen-probe $* -> $err"
  fi
}
check
check frobnicate
check trace --method foo 192.0.2.1
check trace --max-ttl 300 192.0.2.1
check trace --max-ttl 0 192.0.2.1
check trace --first-ttl 10 --max-ttl 5 192.0.2.1
check trace --attempts 0 192.0.2.1
check trace --wait -5 192.0.2.1
check trace --gap-limit 0 192.0.2.1
check trace --hops-in-flight 0 192.0.2.1
check trace --hops-in-flight 33 192.0.2.1
check trace --format xml 192.0.2.1
check ping --format dot 192.0.2.1
check trace --tx-timestamp capture --send packet 192.0.2.1
check trace --send tap 192.0.2.1
check trace --sched fifo 192.0.2.1
check ping --tx-timestamp capture --send ring 192.0.2.1
check trace --source 192.0.2.300 192.0.2.1
check trace --pps -1 192.0.2.1
check trace --window 0 192.0.2.1
check trace --flow 70000 192.0.2.1
check trace --port 0 192.0.2.1
check trace 192.0.2
check trace 192.0.2.1 not-an-address
check trace --unknown-option 192.0.2.1
check trace            # no targets on (empty) stdin
check ping --method smoke 192.0.2.1
check ping -c 0 192.0.2.1
check ping 192.0.2.999
check ping
check trace --pcap-out-size 0 --pcap-out /tmp/x.pcap 192.0.2.1
check trace --pcap-out-files 0 --pcap-out /tmp/x.pcap 192.0.2.1
check decode
check decode --format xml /dev/null
check run --config /etc/tumen/agent.yaml   # the agent is tumen-agent now: says so
# stdin with a bad line names the line
err="$(printf '192.0.2.1\nbogus\n' | "${wrap[@]}" "$bin" trace 2>&1 >/dev/null)"; rc=$?
if [ "$rc" -ne 2 ] || ! printf '%s' "$err" | grep -q "line 2"; then
  echo "FAIL: bad stdin line -> exit $rc: $err"; fail=1
else
  echo "ok: bad stdin line -> $err"
fi
# decode: a file that cannot be read is a runtime failure (exit 1) naming the file.
err="$("$bin" decode /nonexistent/capture.pcap 2>&1 >/dev/null)"; rc=$?
if [ "$rc" -ne 1 ] || ! printf '%s' "$err" | grep -q "/nonexistent/capture.pcap"; then
  echo "FAIL: decode of a missing file -> exit $rc: $err"; fail=1
else
  echo "ok: decode of a missing file -> $err"
fi
exit $fail
