#!/usr/bin/env bash
# Blind spoofing: while tyo traces the target with each method, acc-tyo (its first hop, on
# the path) forges 2,500 replies per method (10,000 in all) with the right addresses and
# ports but guessed identities: the old sequential idents (1..64) and random ones, quotes of
# 8 bytes and of the whole probe, time-exceeded from routers (the silent cu2, an address on
# no path, cu1), unreachables, echo replies, SYN-ACKs and RSTs from the target, a quarter
# with a wrong ICMP checksum (deploy/lab/spoof_replies.py). None may be accepted: each trace
# shows the same hops and the same number of matched replies as a trace without spoofing
# (cu2 stays silent, no duplicate), and the engine saw the forgeries (counted unmatched,
# mismatched or with a bad checksum). Builds with sequential idents fail here (docs/probe.md,
# "Spoofed replies").
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "$0")/../../lib/lab_test.sh"
lab_test_begin tpspoof python3
probe="$(binary tumen-probe)"
spoofer="$SRC_DIR/deploy/lab/spoof_replies.py"
lab_up

vp=tyo
vp_addr="$LAB_VP_ADDR_tyo"
target="$LAB_TARGET_ADDR"
marker="$(lab_addr 203.0.113.0/24 66)" # on no path of the lab
routers="$LAB_CU2_ADDR,$marker,$LAB_CU1_ADDR_tyo"
per_method=2500
total_sent=0
total_seen=0

for method in udp-paris udp icmp-paris tcp-syn; do
  args=(trace --method "$method" --attempts 1 --wait 2500 --format json --stats "$target")
  in_ns "$vp" "$probe" "${args[@]}" >"$WORK/clean.json" 2>"$WORK/clean.stats"
  # The spoofer starts with the trace and sends for 1.5 s of its at least 2.5 s (cu2 is
  # silent: its probe is outstanding for the whole wait).
  in_ns "acc-$vp" python3 "$spoofer" --vp "$vp_addr" --target "$target" --routers "$routers" \
    --method "$method" --count "$per_method" --delay 0.4 --duration 1.5 --seed 12 \
    >"$WORK/spoof.json" &
  spoof_pid=$!
  in_ns "$vp" "$probe" "${args[@]}" >"$WORK/spoofed.json" 2>"$WORK/spoofed.stats"
  wait "$spoof_pid" || fail "spoof_replies.py failed for $method"
  cat "$WORK/spoof.json"
  v=$(python3 -c '
import json, sys
clean, spoofed, cstats, sstats, spoof = sys.argv[1:6]
forged_from = set(sys.argv[6].split(","))
def hops(path):
    t = json.load(open(path))
    return t["stop_reason"], {h["hop"]: sorted(str(r.get("from")) for r in h["result"]) for h in t["result"]}
def stats(path):
    return json.loads(open(path).readlines()[-1])
cs, ch = hops(clean)
ss, sh = hops(spoofed)
c, s, sp = stats(cstats), stats(sstats), json.load(open(spoof))
seen = sum(s.get(k, 0) for k in ("replies_unmatched", "replies_mismatched", "replies_bad_checksum"))
bad_sent = sum(n for k, n in sp["kinds"].items() if k.endswith("_bad_checksum"))
froms = {a for h in sh.values() for a in h}
problems = []
if cs != "completed" or ss != "completed":
    problems.append("stop %s / %s" % (cs, ss))
if sh != ch:
    problems.append("hops differ: clean %s spoofed %s" % (ch, sh))
if froms & (forged_from - {a for h in ch.values() for a in h}):
    problems.append("a forged source appears: %s" % sorted(froms & forged_from))
if s["replies_matched"] != c["replies_matched"] or s["replies_duplicate"] != 0:
    problems.append("matched %d (clean %d), duplicate %d" % (s["replies_matched"], c["replies_matched"], s["replies_duplicate"]))
if seen < 0.8 * sp["sent"]:
    problems.append("engine saw %d of %d forged" % (seen, sp["sent"]))
if s.get("replies_bad_checksum", 0) < 0.8 * bad_sent:
    problems.append("bad checksums counted %d of %d" % (s.get("replies_bad_checksum", 0), bad_sent))
print("bad" if problems else "ok", sp["sent"], seen,
      "matched %d unmatched %d mismatched %d bad_checksum %d" % (s["replies_matched"],
      s["replies_unmatched"], s.get("replies_mismatched", 0), s.get("replies_bad_checksum", 0)),
      "; ".join(problems))
' "$WORK/clean.json" "$WORK/spoofed.json" "$WORK/clean.stats" "$WORK/spoofed.stats" \
    "$WORK/spoof.json" "$routers,$target")
  echo "$method: $v"
  read -r verdict sent seen _ <<<"$v"
  total_sent=$((total_sent + sent))
  total_seen=$((total_seen + seen))
  case "$verdict" in ok) pass "$method: none of $sent forged replies accepted" ;; *) fail_soft "$method: $v" ;; esac
done
echo "forged $total_sent, seen by the engine $total_seen"
check "at least 10000 forged replies sent" test "$total_sent" -ge 10000
finish
