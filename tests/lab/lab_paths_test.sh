#!/usr/bin/env bash
# What Debian's scamper (udp-paris) sees from each VP: the China Unicom path by default
# (access router, cu1, "*" for the silent cu2, cu3a or cu3b, kp-br's CU-side address, the
# target); after `flip ttk msk` msk sees TTK while fra and tyo stay on CU; a per-/24 flip moves
# only that /24; `flip ttk` moves three /24s for everyone; the black hole stops at the gap limit.
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "$0")/../lib/lab_test.sh"
lab_test_begin tpa iptables scamper python3

read -r P176 P177 P178 P179 <<<"$LAB_TARGET_24S"
T177="$(lab_addr "$P177" 1)"
T178="$(lab_addr "$P178" 1)"
T176="$(lab_addr "$P176" 1)"

lab_up

# CU pattern for VP toward ADDR: hop 4 is cu3a or cu3b and hop 5 the kp-br address on the
# same branch.
expect_cu() {
  local v=$1 addr=$2 hops acc cu1 b4 b5
  acc="LAB_ACC_ADDR_$v"
  cu1="LAB_CU1_ADDR_$v"
  hops="$(trace_hops "$v" "$addr")"
  hops_match "$hops" "$(re "${!acc}")" "$(re "${!cu1}")" '\*' \
    "$(re "$LAB_CU3A_ADDR")|$(re "$LAB_CU3B_ADDR")" \
    "$(re "$LAB_KPBR_CU_ADDR_a")|$(re "$LAB_KPBR_CU_ADDR_b")" "$(re "$addr")" ||
    fail "$v -> $addr is not the CU path:"$'\n'"$hops"
  b4="$(awk '$1 == 4 {print $2}' <<<"$hops")"
  b5="$(awk '$1 == 5 {print $2}' <<<"$hops")"
  if [ "$b4" = "$LAB_CU3A_ADDR" ]; then
    [ "$b5" = "$LAB_KPBR_CU_ADDR_a" ] || fail "$v -> $addr: via cu3a but kp-br answered as $b5"
  else
    [ "$b5" = "$LAB_KPBR_CU_ADDR_b" ] || fail "$v -> $addr: via cu3b but kp-br answered as $b5"
  fi
  echo "  $v -> $addr: CU ($(awk '$1 ~ /^[0-9]/ {printf "%s ", $2}' <<<"$hops"))"
}

# TTK pattern. ttk1 keeps the kernel's ICMP rate limit (burst of 6, then 1/s per
# destination): a single trace normally sees it, but since this test traces several times
# from the same VP within seconds, hop 2 may legitimately be "*" and is accepted as such.
expect_ttk() {
  local v=$1 addr=$2 hops acc ttk1
  acc="LAB_ACC_ADDR_$v"
  ttk1="LAB_TTK1_ADDR_$v"
  hops="$(trace_hops "$v" "$addr")"
  hops_match "$hops" "$(re "${!acc}")" "$(re "${!ttk1}")|\\*" "$(re "$LAB_TTK2_ADDR")" \
    "$(re "$LAB_KPBR_TTK_ADDR")" "$(re "$addr")" ||
    fail "$v -> $addr is not the TTK path:"$'\n'"$hops"
  echo "  $v -> $addr: TTK ($(awk '$1 ~ /^[0-9]/ {printf "%s ", $2}' <<<"$hops"))"
}

# The status table, read once per phase by snap_status; expect_status VP /24 FWD/RET checks it.
STATUS=""
snap_status() { STATUS="$(lab status)"; }
expect_status() {
  local v=$1 s24=$2 want=$3 st="$STATUS" col
  col="$(awk -v s="$s24" '$1 == "VP" {for (i = 2; i <= NF; i++) if ($i == s) print i}' <<<"$st")"
  [ -n "$col" ] || fail "status has no column for $s24:"$'\n'"$st"
  got="$(awk -v v="$v" -v c="$col" '$1 == v && NF > 4 {print $c}' <<<"$st" | tail -1)"
  [ "$got" = "$want" ] || fail "status says $v $s24 is '$got', expected '$want':"$'\n'"$st"
}

echo "default: every VP via CU"
for v in $LAB_VPS; do expect_cu "$v" "$T177"; done
pass "CU hops from every VP"

# The silent router: cu2 generated time-exceeded messages (its OUTPUT rule counted them)
# but none left it, and the traces above continued past it to the target.
dropped="$(in_ns cu2 iptables -w -L OUTPUT -v -n -x | awk '/icmptype 11/ {print $1}')"
[ "${dropped:-0}" -ge 3 ] || fail "cu2 dropped ${dropped:-0} of its own time-exceeded (expected >= 3)"
pass "cu2 is silent (dropped $dropped of its own time-exceeded) and traces continue to the target"

# ECMP at cu2 hashes on the five-tuple: over 64 source ports both branches are used, and
# a Paris trace (fixed ports) keeps to one branch.
branches="$(for sp in $(seq 33000 33063); do
  in_ns cu2 ip route get "$T177" from "$LAB_VP_ADDR_fra" iif dl-cu1 ipproto udp sport "$sp" dport 33435 |
    grep -o 'dev cu3[ab]'
done | sort | uniq -c)"
grep -q cu3a <<<"$branches" && grep -q cu3b <<<"$branches" || fail "ECMP uses one branch only: $branches"
h1="$(trace_hops fra "$T177" -s 40001 | awk '$1 == 4')"
h2="$(trace_hops fra "$T177" -s 40001 | awk '$1 == 4')"
[ "$h1" = "$h2" ] || fail "the same Paris flow crossed cu3 differently: '$h1' then '$h2'"
pass "ECMP at cu2: $(echo $branches); a Paris flow stays on one branch"

echo "flip ttk msk"
lab flip ttk msk
expect_ttk msk "$T177"
expect_cu fra "$T177"
expect_cu tyo "$T177"
snap_status
for s in $LAB_TARGET_24S; do expect_status msk "$s" TTK/TTK; done
expect_status fra "$P177" CU/CU
pass "after flip ttk msk: msk via TTK, fra and tyo via CU"

echo "flip cu msk; flip ttk msk $P178"
lab flip cu msk
lab flip ttk msk "$P178"
expect_ttk msk "$T178"
expect_cu msk "$T177"
expect_cu fra "$T178"
snap_status
expect_status msk "$P178" TTK/TTK
expect_status msk "$P177" CU/CU
expect_status msk "$P179" CU/CU
pass "per-/24 flip moves only $P178 of msk"

# A longer prefix inside a flipped /24 wins both ways (forward route and kp-br's rules).
T178_HI="$(lab_addr "$P178" 200)" # inside the upper /25
T178_LO="$(lab_addr "$P178" 2)"   # inside the lower /25
lab flip cu msk "$(lab_addr "$P178" 128)/25"
fwd="$(in_ns acc-msk ip route get "$T178_HI" | grep -o 'via [0-9.]*')"
ret="$(in_ns kp-br ip route get "$LAB_VP_ADDR_msk" from "$T178_HI" iif kp-host | grep -o 'via [0-9.]*')"
[ "$fwd" = "via $LAB_CU1_ADDR_msk" ] || fail "$T178_HI from msk goes $fwd, not via cu1"
[[ "$ret" =~ ^via\ ($(re "$(sed 's/[0-9]*$//' <<<"$LAB_KPBR_CU_ADDR_a")")[0-9]+)$ ]] || fail "$T178_HI returns $ret, not via cu3a/cu3b"
fwd="$(in_ns acc-msk ip route get "$T178_LO" | grep -o 'via [0-9.]*')"
[ "$fwd" = "via $LAB_TTK1_ADDR_msk" ] || fail "$T178_LO from msk goes $fwd, not via ttk1"
expect_cu msk "$T178_HI"
pass "a /25 flipped back to CU inside a TTK /24: longest prefix wins both ways"

echo "flip ttk (1 Oct 2017: three /24s via TTK for every VP)"
lab flip ttk
expect_cu tyo "$T176"
expect_ttk tyo "$T178"
snap_status
for v in $LAB_VPS; do
  expect_status "$v" "$P176" CU/CU
  for s in "$P177" "$P178" "$P179"; do expect_status "$v" "$s" TTK/TTK; done
done
lab flip cu
snap_status
for v in $LAB_VPS; do for s in $LAB_TARGET_24S; do expect_status "$v" "$s" CU/CU; done; done
expect_cu msk "$T178"
pass "flip ttk / flip cu for every VP"

# The black hole: the access router answers, then nothing (cu1 drops silently).
hops="$(trace_hops fra "$LAB_BLACKHOLE_ADDR" -g 3)"
[ "$(awk '$1 == 1 {print $2}' <<<"$hops")" = "$LAB_ACC_ADDR_fra" ] || fail "black hole hop 1: $hops"
[ -z "$(awk '$1 ~ /^[0-9]+$/ && $1 >= 2 && $2 != "*"' <<<"$hops")" ] || fail "something answered beyond hop 1 toward the black hole: $hops"
grep -qx 'stop GAPLIMIT' <<<"$hops" || fail "black-hole trace did not stop at the gap limit: $hops"
pass "black hole $LAB_BLACKHOLE_PREFIX: gap limit after the access router"

# Bad flip arguments are refused with a message.
for bad in "ttk nowhere" "sideways msk" "ttk msk $LAB_OUTSIDE_TARGET_PREFIX" "ttk msk 10.1.2.3/24x"; do
  # shellcheck disable=SC2086
  if out="$(lab flip $bad 2>&1)"; then fail "flip $bad was accepted"; fi
  [ -n "$out" ] || fail "flip $bad failed without a message"
done
pass "invalid flips are rejected"
