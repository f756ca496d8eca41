#!/usr/bin/env bash
# Latency through each transit matches the delay lines (2 x one-way delay, within 20%), and
# the ICMP rate limit is where the lab says: ttk1 limits its time-exceeded, cu1 does not.
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "$0")/../lib/lab_test.sh"
lab_test_begin trt ping python3

lab_up

# rtt NODE ADDR: "MIN AVG" RTT (ms) of 10 pings. The minimum is compared with the
# configured delay: a busy machine only adds scheduling delay on top of it.
rtt() {
  in_ns "$1" ping -c 10 -i 0.1 -W 2 -q "$2" | sed -n 's|^rtt min/avg/max/mdev = \([0-9.]*\)/\([0-9.]*\)/.*|\1 \2|p'
}
# within VALUE EXPECTED PCT: VALUE is within PCT% of EXPECTED.
within() { python3 -c 'import sys; v, e, p = map(float, sys.argv[1:]); sys.exit(0 if abs(v - e) <= e * p / 100 else 1)' "$@"; }

cu_expected=$((2 * LAB_DELAY_CU_MS))
ttk_expected=$((2 * LAB_DELAY_TTK_MS))
for v in $LAB_VPS; do
  read -r min avg < <(rtt "$v" "$LAB_TARGET_ADDR") || true
  [ -n "${min:-}" ] || fail "$v: no ping reply from $LAB_TARGET_ADDR via CU"
  within "$min" "$cu_expected" 20 || fail "$v via CU: RTT min $min ms, expected $cu_expected ms +-20%"
  echo "  $v -> $LAB_TARGET_ADDR via CU: min $min ms, avg $avg ms (configured $cu_expected)"
done
pass "RTT via CU"

lab flip ttk all
for v in $LAB_VPS; do
  read -r min avg < <(rtt "$v" "$LAB_TARGET_ADDR") || true
  [ -n "${min:-}" ] || fail "$v: no ping reply from $LAB_TARGET_ADDR via TTK"
  within "$min" "$ttk_expected" 20 || fail "$v via TTK: RTT min $min ms, expected $ttk_expected ms +-20%"
  echo "  $v -> $LAB_TARGET_ADDR via TTK: min $min ms, avg $avg ms (configured $ttk_expected)"
done
pass "RTT via TTK"

# Rate limit: 20 probes with TTL 2 in 0.2 s. Through TTK they expire at ttk1 (kernel limit:
# a burst of 6, then one per second per destination), so only a few are answered; through
# CU they expire at cu1 (icmp_ratemask=0), so all are answered.
te_count() { # NODE: time-exceeded replies to 20 fast TTL-2 pings
  in_ns "$1" ping -c 20 -i 0.01 -t 2 -W 1 "$LAB_TARGET_ADDR" 2>&1 | grep -c 'Time to live exceeded' || true
}
ttk_te="$(te_count msk)"
[ "$ttk_te" -ge 1 ] && [ "$ttk_te" -le 10 ] || fail "ttk1 answered $ttk_te of 20 fast TTL-2 probes (expected 1..10: rate limited)"
lab flip cu all
cu_te="$(te_count msk)"
[ "$cu_te" -eq 20 ] || fail "cu1 answered $cu_te of 20 fast TTL-2 probes (expected all: no rate limit)"
pass "ttk1 rate-limits time-exceeded ($ttk_te of 20 answered), cu1 does not ($cu_te of 20)"
