#!/usr/bin/env bash
# lab.sh outage, loss, counters and the third transit:
#  - `outage cu`: a trace from fra answers up to cu1, then nothing (dies inside China Unicom);
#    `outage border`: it reaches kp-br's border address, then nothing; `outage ttk` (msk on
#    TTK): nothing answers beyond ttk1; `outage access`: only the access router answers;
#    `off` gives back the complete path; status shows each;
#  - `flip tata msk`: msk's trace crosses the Tata router and kp-br's Tata-side address, both
#    in the prefix that pfx2as.txt maps to AS6453, and `tumen-controller classify` names the
#    path AS6453; status shows TATA/TATA;
#  - `loss ttk1-ttk2 50`: the delay line's own counters (SIGUSR1) show about half of the
#    packets lost each way; `loss ttk1-ttk2 0`: none; bad arguments are refused, and the
#    delay line itself refuses a bad control file (SIGHUP), naming the line.
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "$0")/../lib/lab_test.sh"
lab_test_begin tfa iptables scamper python3 ping

T="$LAB_TARGET_ADDR"
lab_up

# answered NODE ADDR [ARGS]: the trace's answering addresses in TTL order, one line,
# followed by the stop reason (gap limit 3 keeps dead traces short).
answered() {
  trace_hops "$1" "$2" -g 3 | awk '$1 == "stop" {stop = $2; next} $2 != "*" {printf "%s ", $2} END {print "stop=" stop}'
}
outage_status() { lab status | awk -v n="$1" '$1 == n && ($2 == "on" || $2 == "off" || $2 == "partial") {print $2}'; }

# 1. Outage inside China Unicom: cu1 answers, nothing after it (cu2 is silent anyway).
lab outage cu
got="$(answered fra "$T")"
[ "$got" = "$LAB_ACC_ADDR_fra $LAB_CU1_ADDR_fra stop=GAPLIMIT" ] ||
  fail "outage cu: fra -> $T answered '$got', expected the access router and cu1 only"
[ "$(outage_status cu)" = on ] || fail "status does not show the cu outage on: $(lab status)"
lab outage cu off
got="$(answered fra "$T")"
[[ "$got" == *"$T stop=COMPLETED" ]] || fail "after outage cu off: '$got'"
[ "$(outage_status cu)" = off ] || fail "status still shows the cu outage: $(lab status)"
pass "outage cu: the trace dies after cu1 (inside China Unicom); off restores it"

# 2. Outage beyond the border: the last answer is kp-br's address toward cu3a or cu3b.
lab outage border
got="$(answered fra "$T")"
[[ "$got" =~ ^$(re "$LAB_ACC_ADDR_fra")\ $(re "$LAB_CU1_ADDR_fra")\ ($(re "$LAB_CU3A_ADDR")\ $(re "$LAB_KPBR_CU_ADDR_a")|$(re "$LAB_CU3B_ADDR")\ $(re "$LAB_KPBR_CU_ADDR_b"))\ stop=GAPLIMIT$ ]] ||
  fail "outage border: fra -> $T answered '$got', expected it to end at kp-br"
[ "$(outage_status border)" = on ] || fail "status does not show the border outage on"
lab outage border off
got="$(answered fra "$T")"
[[ "$got" == *"$T stop=COMPLETED" ]] || fail "after outage border off: '$got'"
pass "outage border: the trace ends at kp-br's border address; off restores it"

# 2b. Outage of the VPs' uplinks: only the access router answers.
lab outage access
got="$(answered fra "$T")"
[ "$got" = "$LAB_ACC_ADDR_fra stop=GAPLIMIT" ] || fail "outage access: fra -> $T answered '$got'"
[ "$(outage_status access)" = on ] || fail "status does not show the access outage on"
lab outage access off
got="$(answered fra "$T")"
[[ "$got" == *"$T stop=COMPLETED" ]] || fail "after outage access off: '$got'"
pass "outage access: the trace ends at the access router; off restores it"

# 3. Outage inside TTK (msk flipped to TTK): nothing answers beyond ttk1 (ttk1 itself is
# rate limited, so it may be silent too).
lab flip ttk msk
lab outage ttk
got="$(answered msk "$T")"
[[ "$got" =~ ^$(re "$LAB_ACC_ADDR_msk")\ ($(re "$LAB_TTK1_ADDR_msk")\ )?stop=GAPLIMIT$ ]] ||
  fail "outage ttk: msk -> $T answered '$got', expected nothing beyond ttk1"
[ "$(outage_status ttk)" = on ] || fail "status does not show the ttk outage on"
lab outage all off
sleep 1 # ttk1's ICMP token bucket refills
got="$(answered msk "$T")"
[[ "$got" == *"$LAB_TTK2_ADDR $LAB_KPBR_TTK_ADDR $T stop=COMPLETED" ]] || fail "after outage all off: '$got'"
for n in cu ttk border access; do [ "$(outage_status "$n")" = off ] || fail "status: outage $n not off"; done
pass "outage ttk: nothing answers beyond ttk1; 'outage all off' restores every link"

# 4. The third transit.
lab flip tata msk
got="$(answered msk "$T")"
[ "$got" = "$LAB_ACC_ADDR_msk $LAB_TATA_ADDR_msk $LAB_KPBR_TATA_ADDR $T stop=COMPLETED" ] ||
  fail "flip tata msk: msk -> $T answered '$got'"
# Both Tata addresses map to AS6453 in the lab's pfx2as table (longest match).
for a in "$LAB_TATA_ADDR_msk" "$LAB_KPBR_TATA_ADDR"; do
  asn="$(python3 - "$LAB_PFX2AS" "$a" <<'EOF'
import ipaddress, sys
addr = ipaddress.ip_address(sys.argv[2])
best = None
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) == 3:
        net = ipaddress.ip_network(f"{f[0]}/{f[1]}")
        if addr in net and (best is None or net.prefixlen > best[0].prefixlen):
            best = (net, f[2])
print(best[1] if best else "-")
EOF
)"
  [ "$asn" = "$LAB_TATA_AS" ] || fail "$a maps to AS$asn in pfx2as.txt, not AS$LAB_TATA_AS"
done
# tumen-controller classify names the path after the AS (in no class of the lab campaign).
in_ns msk scamper -O json -c "trace -P udp-paris -q 1 -w 1" -i "$T" >"$WORK/tata.json"
verdict="$("$(binary tumen-controller)" classify --pfx2as "$LAB_PFX2AS" --campaign "$LAB_SCHEDULE" \
  --quiet-notes "$WORK/tata.json" 2>&1 | grep -v '^latency' || true)"
[[ "$verdict" =~ [[:space:]]AS${LAB_TATA_AS}[[:space:]]+border\ $(re "$LAB_KPBR_TATA_ADDR")[[:space:]] ]] ||
  fail "classify does not name the path AS$LAB_TATA_AS with border $LAB_KPBR_TATA_ADDR: $verdict"
st="$(lab status)"
[ "$(awk '$1 == "msk" && NF > 4 {print $3}' <<<"$st" | tail -1)" = TATA/TATA ] || fail "status after flip tata:"$'\n'"$st"
got="$(answered fra "$T")"
[[ "$got" == *"$LAB_CU1_ADDR_fra"*"$T stop=COMPLETED" ]] || fail "fra moved too: '$got'"
lab flip cu msk
pass "flip tata msk: the trace shows AS$LAB_TATA_AS ($LAB_TATA_ADDR_msk, $LAB_KPBR_TATA_ADDR), classify names the path AS$LAB_TATA_AS; fra stays on CU"

# 5. Loss at run time, measured by the delay line's own counters.
# counters: "received lost" of ttk1->ttk2 and ttk2->ttk1 on one line.
counters() {
  lab counters ttk1-ttk2 | awk '{for (i = 2; i <= NF; i++) {split($i, kv, "="); c[$1, kv[1]] = kv[2]}}
    END {print c["ttk1->ttk2", "received"], c["ttk1->ttk2", "lost"], c["ttk2->ttk1", "received"], c["ttk2->ttk1", "lost"]}'
}
# burst: 300 echo requests ttk1 -> ttk2 across the delay line.
burst() { in_ns ttk1 ping -q -n -c 300 -i 0.005 -W 1 "$LAB_TTK2_ADDR" >/dev/null 2>&1 || true; }
lab loss ttk1-ttk2 50
grep -q '^  ttk1-ttk2  *50.00 50.00$' <<<"$(lab status)" || fail "status does not show 50 % on ttk1-ttk2: $(lab status)"
read -r r1 l1 rb1 lb1 <<<"$(counters)"
burst
sleep 0.2
read -r r2 l2 rb2 lb2 <<<"$(counters)"
rx=$((r2 - r1)) lost=$((l2 - l1)) rxb=$((rb2 - rb1)) lostb=$((lb2 - lb1))
echo "loss 50: ttk1->ttk2 lost $lost of $rx, ttk2->ttk1 lost $lostb of $rxb"
[ "$rx" -ge 300 ] || fail "the delay line received $rx of 300 requests"
# 300 Bernoulli(0.5) trials: 50 % +- 15 points is over 5 standard deviations; the replies
# (about 150) get +- 20 points.
awk -v l="$lost" -v n="$rx" 'BEGIN {exit !(l >= 0.35 * n && l <= 0.65 * n)}' ||
  fail "loss 50: ttk1->ttk2 lost $lost of $rx"
awk -v l="$lostb" -v n="$rxb" 'BEGIN {exit !(n >= 50 && l >= 0.30 * n && l <= 0.70 * n)}' ||
  fail "loss 50: ttk2->ttk1 lost $lostb of $rxb"
pass "loss ttk1-ttk2 50: about half lost each way ($lost/$rx, $lostb/$rxb)"

lab loss ttk1-ttk2 0
read -r r1 l1 rb1 lb1 <<<"$(counters)"
burst
sleep 0.2
read -r r2 l2 rb2 lb2 <<<"$(counters)"
echo "loss 0: ttk1->ttk2 lost $((l2 - l1)) of $((r2 - r1)), ttk2->ttk1 lost $((lb2 - lb1)) of $((rb2 - rb1))"
[ "$((r2 - r1))" -ge 300 ] && [ "$((rb2 - rb1))" -ge 300 ] || fail "loss 0: not every packet crossed"
[ "$((l2 - l1))" -eq 0 ] && [ "$((lb2 - lb1))" -eq 0 ] || fail "loss 0: packets were still lost"
pass "loss ttk1-ttk2 0: nothing lost"

# 6. Bad arguments are refused with a message and change nothing.
for bad in "loss ttk1-ttk2 150" "loss ttk1-ttk2 half" "loss cu1-ttk2 5" "loss ttk1-ttk2" \
  "outage sideways" "outage cu maybe" "flip sideways msk"; do
  # shellcheck disable=SC2086
  if out="$(lab $bad 2>&1)"; then fail "'$bad' was accepted"; fi
  [ -n "$out" ] || fail "'$bad' failed without a message"
done
grep -q '^  ttk1-ttk2  *0.00 0.00$' <<<"$(lab status)" || fail "a refused loss changed the setting: $(lab status)"
pass "invalid outage, loss and flip arguments are rejected"

# 7. The delay line itself refuses a bad control file: it logs the line and keeps its loss.
run="/run/tumen-lab/$TUMEN_LAB"
printf '# bad\nloss 150\n' >"$run/delayline-ttk1-ttk2.control"
kill -HUP "$(cat "$run/delayline-ttk1-ttk2.pid")"
refused() { grep -q "control: .*line 2: loss '150' is not a percentage.*nothing changed" "$run/delayline-ttk1-ttk2.log"; }
wait_for 3 "the delay line to refuse 'loss 150'" refused || fail "no refusal in the delay line's log"
read -r r1 l1 rb1 lb1 <<<"$(counters)"
burst
sleep 0.2
read -r r2 l2 rb2 lb2 <<<"$(counters)"
[ "$((l2 - l1 + lb2 - lb1))" -eq 0 ] && [ "$((r2 - r1))" -ge 300 ] || fail "loss changed after a refused control file"
grep -q '^  ttk1-ttk2  *0.00 0.00$' <<<"$(lab status)" || fail "status after a refused control file: $(lab status)"
pass "a bad control file is refused by the delay line (line 2 named), loss stays 0"
finish
