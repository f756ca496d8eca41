#!/usr/bin/env bash
# For each method (udp-paris, icmp-paris, tcp-syn), from each VP, through each transit
# (CU, then TTK after `flip ttk all`), tumen-probe's hop addresses agree with scamper's trace
# of the same method run in the same VP namespace (compare_traces.py states the tolerances).
# udp-paris is also run with --hops-in-flight 4 (several hops probed at once): the hops must
# agree with scamper's one-at-a-time trace just the same.
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "$0")/../../lib/lab_test.sh"
lab_test_begin tpscamper scamper python3
probe="$(binary tumen-probe)"
lab_up

target="$LAB_TARGET_ADDR"
ttk1="$LAB_TTK1_ADDR_fra,$LAB_TTK1_ADDR_tyo,$LAB_TTK1_ADDR_msk"
ecmp_cu3="$LAB_CU3A_ADDR,$LAB_CU3B_ADDR"
ecmp_kpbr="$LAB_KPBR_CU_ADDR_a,$LAB_KPBR_CU_ADDR_b"
sport=$((33434 + 7)) # tumen: source port base 33434 + --flow 7; scamper gets the same ports

for transit in cu ttk; do
  lab flip "$transit" all >/dev/null
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
      t="$WORK/$transit-$vp-$method-$inflight.tumen.json"
      s="$WORK/$transit-$vp-$method-$inflight.scamper.json"
      in_ns "$vp" "$probe" trace --method "$method" --flow 7 --wait 1000 \
        --hops-in-flight "$inflight" --format json "$target" >"$t"
      in_ns "$vp" scamper -O json -c "$sc -q 2 -w 1" -i "$target" >"$s"
      echo "$transit $vp $name:"
      if python3 "$SRC_DIR/tests/probe/lab/compare_traces.py" "$t" "$s" --rate-limited "$ttk1" \
          --ecmp "$ecmp_cu3" --ecmp "$ecmp_kpbr" $same; then
        pass "$transit $vp $name agrees with scamper"
      else
        fail_soft "$transit $vp $name differs from scamper"
      fi
      # The transit is visible in the trace: CU's kp-br side or TTK's kp-br address.
      if [ "$transit" = ttk ]; then
        grep -q "\"$LAB_KPBR_TTK_ADDR\"" "$t" || fail_soft "$transit $vp $method: no kp-br TTK address"
      else
        grep -Eq "\"($LAB_KPBR_CU_ADDR_a|$LAB_KPBR_CU_ADDR_b)\"" "$t" ||
          fail_soft "$transit $vp $method: no kp-br CU address"
      fi
    done
  done
done
finish
