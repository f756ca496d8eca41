#!/usr/bin/env bash
# tumen-delayline on its own, between two namespaces of this test: it forwards both
# directions, keeps 1,000 pps per direction in order without loss, and a loss setting of
# N% drops about N% (and exactly what its own counters say).
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "$0")/../lib/lab_test.sh"
lab_test_begin tdl python3 ping
DELAYLINE="$TUMEN_DELAYLINE"

A="$TUMEN_LAB-a"
B="$TUMEN_LAB-b"
ADDR_A="$(lab_addr "$LAB_TEST_LINK_PREFIX" 1)"
ADDR_B="$(lab_addr "$LAB_TEST_LINK_PREFIX" 2)"
DL_PID=""

cleanup() {
  [ -n "$DL_PID" ] && kill "$DL_PID" 2>/dev/null && wait "$DL_PID" 2>/dev/null
  ip netns del "$A" 2>/dev/null || true
  ip netns del "$B" 2>/dev/null || true
}
at_exit cleanup

for ns in "$A" "$B"; do
  ip netns del "$ns" 2>/dev/null || true
  ip netns add "$ns"
  ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
    net.ipv4.icmp_ratemask=0 >/dev/null
  ip -n "$ns" link set lo up
done

# start_dl ARGS...: runs the delay line between A and B and configures the devices.
start_dl() {
  rm -f "$WORK/dl.pid"
  "$DELAYLINE" --ns-a "$A" --dev-a dl-b --ns-b "$B" --dev-b dl-a --name-a a --name-b b \
    --pidfile "$WORK/dl.pid" "$@" 2>"$WORK/dl.log" &
  DL_PID=$!
  dl_started() {
    [ -s "$WORK/dl.pid" ] && return 0
    kill -0 "$DL_PID" 2>/dev/null || fail "delay line exited: $(cat "$WORK/dl.log")"
    return 1
  }
  wait_for 2 "the delay line's pidfile" dl_started || fail "delay line did not write its pidfile"
  [ "$(cat "$WORK/dl.pid")" = "$DL_PID" ] || fail "pidfile holds $(cat "$WORK/dl.pid"), not $DL_PID"
  ip -n "$A" addr add "$ADDR_A/30" dev dl-b
  ip -n "$A" link set dl-b up
  ip -n "$B" addr add "$ADDR_B/30" dev dl-a
  ip -n "$B" link set dl-a up
}

stop_dl() {
  kill -TERM "$DL_PID"
  wait "$DL_PID" || fail "delay line exited with $? on SIGTERM"
  DL_PID=""
  grep -q '^tumen-delayline: exit: a->b ' "$WORK/dl.log" || fail "no exit counters: $(cat "$WORK/dl.log")"
}

# counter DIRECTION NAME: a counter from the delay line's exit report.
counter() {
  grep "^tumen-delayline: exit: $1 " "$WORK/dl.log" | grep -o " $2=[0-9]*" | cut -d= -f2
}

# flow NAME SRC_NS DST_NS DST_ADDR PORT COUNT RATE: receiver in DST_NS, sender in SRC_NS
# (started in the background; `wait_flows` waits for them).
flow() {
  local name=$1 src=$2 dst=$3 addr=$4 port=$5 count=$6 rate=$7
  rm -f "$WORK/$name.ready"
  ip netns exec "$dst" python3 "$UDPSEQ" recv --bind "$addr" --port "$port" --count "$count" \
    --timeout 10 --idle 1.5 --ready "$WORK/$name.ready" >"$WORK/$name.json" &
  FLOW_PIDS+=($!)
  wait_for 4 "receiver $name" test -e "$WORK/$name.ready" || fail "receiver $name did not start"
  ip netns exec "$src" python3 "$UDPSEQ" send --dst "$addr" --port "$port" --count "$count" \
    --rate "$rate" >"$WORK/$name.send.json" &
  FLOW_PIDS+=($!)
}
FLOW_PIDS=()
wait_flows() {
  local p
  for p in "${FLOW_PIDS[@]}"; do wait "$p" || fail "a sender or receiver failed"; done
  FLOW_PIDS=()
}
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$WORK/$1.json" "$2"; }

# 1. Both directions, 20 ms each way: ping answers (so A->B and B->A both forward).
start_dl --delay-ms 20
ip netns exec "$A" ping -c 3 -i 0.2 -W 2 -q "$ADDR_B" >/dev/null || fail "A cannot ping B through the delay line"
ip netns exec "$B" ping -c 3 -i 0.2 -W 2 -q "$ADDR_A" >/dev/null || fail "B cannot ping A through the delay line"
pass "both directions forward"

# 2. 1,000 pps per direction at the same time for 3 s: nothing lost, reordered or duplicated.
flow ab "$A" "$B" "$ADDR_B" 40001 3000 1000
flow ba "$B" "$A" "$ADDR_A" 40002 3000 1000
wait_flows
for f in ab ba; do
  echo "$f: $(cat "$WORK/$f.json") sender: $(cat "$WORK/$f.send.json")"
  [ "$(field $f reordered)" = 0 ] || fail "$f: $(field $f reordered) datagrams reordered"
  [ "$(field $f duplicates)" = 0 ] || fail "$f: $(field $f duplicates) duplicates"
  [ "$(field $f lost)" = 0 ] || fail "$f: $(field $f lost) of 3000 lost without any loss configured"
done
stop_dl
for d in a-\>b b-\>a; do
  fwd="$(counter "$d" forwarded)"
  [ "${fwd:-0}" -ge 3000 ] || fail "$d forwarded only ${fwd:-0} packets by its own count"
  [ "$(counter "$d" lost)" = 0 ] || fail "$d counted random losses with loss 0"
done
pass "1000 pps each way: no loss, no reordering, no duplicates"

# 3. 10% loss A->B only (fixed seed): about 10% of 5000 lost, exactly as the delay line
#    counted; B->A unaffected.
start_dl --delay-ms 5 --loss-pct 10 --loss-pct-back 0 --seed 42
flow ab "$A" "$B" "$ADDR_B" 40003 5000 2000
flow ba "$B" "$A" "$ADDR_A" 40004 2000 1000
wait_flows
echo "ab: $(cat "$WORK/ab.json")"
echo "ba: $(cat "$WORK/ba.json")"
stop_dl
lost="$(field ab lost)"
[ "$lost" -ge 350 ] && [ "$lost" -le 650 ] || fail "10% loss setting lost $lost of 5000 (expected 350..650)"
[ "$(counter 'a->b' lost)" = "$lost" ] ||
  fail "receiver missed $lost but the delay line counted $(counter 'a->b' lost) losses"
[ "$(field ab reordered)" = 0 ] || fail "reordering with loss configured"
[ "$(field ba lost)" = 0 ] || fail "B->A lost $(field ba lost) with --loss-pct-back 0"
pass "10% loss: $lost of 5000 dropped (matches the delay line's own count)"
