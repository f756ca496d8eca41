#!/usr/bin/env bash
# `tumen-controller classify` on hand-made scamper JSON traces in the lab's address plan,
# with deploy/lab/pfx2as.txt and schedules/lab.yaml, as deploy/lab/demo_scamper.sh runs it:
# the border is the last mapped hop before the target's AS (the China Unicom backbone, not
# in pfx2as, and the silent hop do not hide it); a trace that never reaches the target gets
# no transit; a trace outside the campaign gets no verdict; a malformed pfx2as line is
# reported with file and line. No root, no lab.
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "$0")/../lib/lab_test.sh"
controller="$(binary tumen-controller)"
WORK="$(mktemp -d)"
trap lt_on_exit EXIT

read -r _ P177 P178 _ <<<"$LAB_TARGET_24S"
T177="$(lab_addr "$P177" 1)"
T178="$(lab_addr "$P178" 1)"
START=1506816000 # 1 Oct 2017

hop() { printf '{"addr":"%s","probe_ttl":%d,"rtt":%s}' "$1" "$2" "$3"; }
trace() { # FILE VP DST STOP HOP...: a scamper JSON file as `scamper -O json` in VP writes it
  local file=$1 vp=$2 dst=$3 stop=$4 src="LAB_VP_ADDR_$2"
  shift 4
  local IFS=,
  printf '{"type":"cycle-start","hostname":"%s"}\n{"type":"trace","method":"udp-paris","src":"%s","dst":"%s","start":{"sec":%d,"usec":0},"stop_reason":"%s","hops":[%s]}\n' \
    "$vp" "${!src}" "$dst" "$START" "$stop" "$*" >"$WORK/$file"
}
classify() { # FILE [ARGS]: classify's stdout and stderr in $out, its exit status in $rc
  local file=$1
  shift
  rc=0
  out="$("$controller" classify --pfx2as "$LAB_PFX2AS" --campaign "$LAB_SCHEDULE" "$@" "$WORK/$file" 2>&1)" || rc=$?
}
has() { grep -qF -- "$2" <<<"$1"; }

# fra via China Unicom: access router, cu1, silent cu2 (no hop 3), cu3a (backbone, unmapped),
# kp-br's CU-side address, the target.
trace cu.json fra "$T177" COMPLETED "$(hop "$LAB_ACC_ADDR_fra" 1 0.1)" "$(hop "$LAB_CU1_ADDR_fra" 2 0.2)" \
  "$(hop "$LAB_CU3A_ADDR" 4 40.1)" "$(hop "$LAB_KPBR_CU_ADDR_a" 5 40.2)" "$(hop "$T177" 6 40.3)"
classify cu.json
[ "$rc" = 0 ] || fail "CU trace: exit $rc: $out"
has "$out" "  fra  $P177  china-unicom (AS$LAB_CU_AS)  border $LAB_KPBR_CU_ADDR_a 40.2 ms" ||
  fail "CU verdict: $out"
classify cu.json --format json
has "$out" "\"as_path\":[$LAB_VP_AS_fra,$LAB_CU_AS,$LAB_TARGET_AS]" ||
  fail "the CU backbone ($LAB_CU3A_ADDR) must be unmapped and the silent hop skipped: $out"
has "$out" '"reached_target":true' || fail "CU trace must reach the target: $out"
pass "CU trace: china-unicom (AS$LAB_CU_AS), border $LAB_KPBR_CU_ADDR_a past the unmapped backbone"

# msk via TTK (ttk1 rate-limited: no hop 2).
trace ttk.json msk "$T178" COMPLETED "$(hop "$LAB_ACC_ADDR_msk" 1 0.1)" "$(hop "$LAB_TTK2_ADDR" 3 70.1)" \
  "$(hop "$LAB_KPBR_TTK_ADDR" 4 70.2)" "$(hop "$T178" 5 70.3)"
classify ttk.json
[ "$rc" = 0 ] || fail "TTK trace: exit $rc: $out"
has "$out" "  msk  $P178  ttk (AS$LAB_TTK_AS)  border $LAB_KPBR_TTK_ADDR 70.2 ms" || fail "TTK verdict: $out"
pass "TTK trace: ttk (AS$LAB_TTK_AS)"

# A trace toward the target that stops at the gap limit after the access router: no transit.
trace short.json fra "$T177" GAPLIMIT "$(hop "$LAB_ACC_ADDR_fra" 1 0.1)"
classify short.json --format json
has "$out" '"path":"none"' && has "$out" '"reached_target":false' && has "$out" '"transit_asn":null' ||
  fail "unreached target: $out"
classify short.json
has "$out" "  fra  $P177  none  " || fail "unreached target (text): $out"
pass "unreached target: path none"

# The black hole is outside the campaign: no verdict at all.
trace gap.json fra "$LAB_BLACKHOLE_ADDR" GAPLIMIT "$(hop "$LAB_ACC_ADDR_fra" 1 0.1)"
classify gap.json
has "$out" "0 verdicts" && has "$out" "1 results outside every campaign" || fail "black-hole trace: $out"
pass "a trace outside the campaign gets no verdict"

# A malformed pfx2as line: reported with file:line, exit status non-zero.
printf '%s\t24\t%s\nnot a pfx2as line\n' "${LAB_VP_PREFIX_fra%/*}" "$LAB_VP_AS_fra" >"$WORK/bad.txt"
rc=0
out="$("$controller" classify --pfx2as "$WORK/bad.txt" --campaign "$LAB_SCHEDULE" "$WORK/cu.json" 2>&1)" || rc=$?
[ "$rc" != 0 ] || fail "malformed pfx2as accepted: $out"
has "$out" "$WORK/bad.txt:2: error:" || fail "malformed pfx2as message lacks file:line: $out"
pass "malformed pfx2as reported with file:line"
finish
