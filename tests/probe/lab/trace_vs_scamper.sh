#!/usr/bin/env bash
# For each method (udp-paris, icmp-paris, tcp-syn), from each VP, through each transit
# (CU, then TTK after `flip ttk all`), tumen-probe's hop addresses agree with scamper's trace
# of the same method run in the same VP namespace (compare_traces.py states the tolerances).
# udp-paris is also run with --hops-in-flight 4 (several hops probed at once): the hops must
# agree with scamper's one-at-a-time trace just the same.
TEST_LAB=tpscamper
. "$(dirname "$0")/common.sh"

target="$LAB_TARGET_ADDR"
ttk1="$LAB_TTK1_ADDR_fra,$LAB_TTK1_ADDR_tyo,$LAB_TTK1_ADDR_msk"
ecmp_cu3="$LAB_CU3A_ADDR,$LAB_CU3B_ADDR"
ecmp_kpbr="$LAB_KPBR_CU_ADDR_a,$LAB_KPBR_CU_ADDR_b"
sport=$((33434 + 7)) # tumen: source port base 33434 + --flow 7; scamper gets the same ports

for transit in cu ttk; do
  "$lab" flip "$transit" all >/dev/null
  for vp in $LAB_VPS; do
    for method in udp-paris icmp-paris tcp-syn udp-paris/4; do
      inflight=1
      case "$method" in
        udp-paris/4) method=udp-paris; inflight=4
          sc="trace -P udp-paris -s $sport -d 33435"; same=--same-flow ;;
        udp-paris) sc="trace -P udp-paris -s $sport -d 33435"; same=--same-flow ;;
        tcp-syn) sc="trace -P tcp -s $sport -d 80"; same=--same-flow ;;
        # scamper picks its own ICMP identifier: the flows differ, ECMP choice may too.
        icmp-paris) sc="trace -P icmp-paris"; same= ;;
      esac
      name="$method"
      [ "$inflight" -eq 1 ] || name="$method --hops-in-flight $inflight"
      t="$work/$transit-$vp-$method-$inflight.tumen.json"
      s="$work/$transit-$vp-$method-$inflight.scamper.json"
      in_vp "$vp" "$probe" trace --method "$method" --flow 7 --wait 1000 \
        --hops-in-flight "$inflight" --format json "$target" >"$t"
      in_vp "$vp" scamper -O json -c "$sc -q 2 -w 1" -i "$target" >"$s"
      echo "$transit $vp $name:"
      if python3 "$here/compare_traces.py" "$t" "$s" --rate-limited "$ttk1" \
          --ecmp "$ecmp_cu3" --ecmp "$ecmp_kpbr" $same; then
        pass "$transit $vp $name agrees with scamper"
      else
        fail "$transit $vp $name differs from scamper"
      fi
      # The transit is visible in the trace: CU's kp-br side or TTK's kp-br address.
      if [ "$transit" = ttk ]; then
        grep -q "\"$LAB_KPBR_TTK_ADDR\"" "$t" || fail "$transit $vp $method: no kp-br TTK address"
      else
        grep -Eq "\"($LAB_KPBR_CU_ADDR_a|$LAB_KPBR_CU_ADDR_b)\"" "$t" ||
          fail "$transit $vp $method: no kp-br CU address"
      fi
    done
  done
done
echo "failures: $failures"
[ "$failures" -eq 0 ]
