#!/usr/bin/env bash
# tumen demo (lab version): installs what is missing, builds, brings the lab up and shows,
# for each vantage point, which border path it sees toward the Star JV prefix (scamper
# udp-paris traces and the verdict `tumen-controller classify` gives them with
# deploy/lab/pfx2as.txt and schedules/lab.yaml);
# then `lab.sh flip ttk msk` (msk moves to TransTelecom), the paths again, the flip back, and
# tears the lab down. Exits non-zero if a path is not the expected one. Run as root.
#
# Environment: TUMEN_BUILD_DIR builds there instead of the default preset's build/;
# TUMEN_LAB (default tl) names the lab; TUMEN_DEMO_SKIP_BUILD=1 uses an existing build.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"
lab_sh="$here/lab/lab.sh"
# shellcheck source=deploy/lab/lab.env
. "$here/lab/lab.env"
export TUMEN_LAB="${TUMEN_LAB:-$LAB_NAME_DEFAULT}"

if [ -t 1 ]; then
  bold=$'\e[1m' green=$'\e[32m' red=$'\e[31m' off=$'\e[0m'
else
  bold="" green="" red="" off=""
fi
step() { printf '\n%s==> %s%s\n' "$bold" "$*" "$off"; }
die() {
  printf '%sdemo: %s%s\n' "$red" "$*" "$off" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] || die "run as root: the lab needs network namespaces"

step "Dependencies"
"$here/install-deps.sh"

if [ "${TUMEN_DEMO_SKIP_BUILD:-0}" != 1 ]; then
  step "Build"
  if [ -n "${TUMEN_BUILD_DIR:-}" ]; then
    cmake -S "$root" -B "$TUMEN_BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || die "cmake configure failed"
    cmake --build "$TUMEN_BUILD_DIR" -j "$(nproc)" || die "build failed (see above)"
  else
    cmake --preset default >/dev/null || die "cmake configure failed"
    cmake --build --preset default -j "$(nproc)" || die "build failed (see above)"
  fi
fi
export TUMEN_BUILD_DIR="${TUMEN_BUILD_DIR:-$root/build}"

traces=""
cleanup() {
  local rc=$?
  [ -z "$traces" ] || rm -rf "$traces"
  step "Lab down"
  "$lab_sh" down || rc=1
  local left
  left="$(ip netns list | awk '{print $1}' | grep "^$TUMEN_LAB-" || true)"
  if [ -n "$left" ]; then
    printf '%sdemo: namespaces left behind: %s%s\n' "$red" "${left//$'\n'/ }" "$off" >&2
    rc=1
  fi
  [ -z "$(ip netns list)" ] || echo "demo: note: other labs are still running: $(ip netns list | awk '{print $1}' | tr '\n' ' ')"
  if [ $rc -eq 0 ]; then
    printf '%sdemo: done%s\n' "$green" "$off"
  else
    printf '%sdemo: FAILED (exit %s)%s\n' "$red" "$rc" "$off" >&2
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "Lab up (TUMEN_LAB=$TUMEN_LAB)"
"$lab_sh" up
"$lab_sh" status

controller="$TUMEN_BUILD_DIR/controller/tool/tumen-controller"
[ -x "$controller" ] || die "$controller is not built"
traces="$(mktemp -d /tmp/tumen-demo-scamper.XXXXXX)"

# show_paths EXPECT...: one udp-paris trace per VP to the target: its hops, then the verdict
# of `tumen-controller classify` (deploy/lab/pfx2as.txt, schedules/lab.yaml) on scamper's
# JSON. EXPECT is "vp=AS" for every VP (the transit AS the verdict must name).
show_paths() {
  local want v vaddr trace verdict failed=0
  for want in "$@"; do
    v="${want%%=*}"
    vaddr="LAB_VP_ADDR_$v"
    trace="$traces/$v.json"
    echo "  ${bold}$v${off} (${!vaddr}) -> $LAB_TARGET_ADDR:"
    # scamper names the host in cycle-start: name the vantage point instead (classify's agent).
    "$lab_sh" exec "$v" scamper -O json -c 'trace -P udp-paris -q 2 -w 1' -i "$LAB_TARGET_ADDR" |
      sed -E "/\"type\":\"cycle-start\"/ s/\"hostname\":\"[^\"]*\"/\"hostname\":\"$v\"/" >"$trace" || true
    # The hops as scamper saw them ("*": no reply at that TTL).
    python3 -c '
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o.get("type") != "trace":
        continue
    hops = {}
    for h in o.get("hops", []):
        hops.setdefault(h["probe_ttl"], h)
    for ttl in range(1, max(hops, default=0) + 1):
        h = hops.get(ttl)
        print("    %2d  *" % ttl if h is None else "    %2d  %-15s  %7.2f ms" % (ttl, h["addr"], h["rtt"]))
    print("    stop", o.get("stop_reason"))
' "$trace" || true
    verdict="$("$controller" classify --pfx2as "$here/lab/pfx2as.txt" --campaign "$root/schedules/lab.yaml" \
      --quiet-notes "$trace" 2>"$traces/classify.log" | grep -v '^latency')" || true
    echo "    ${verdict:-no verdict: $(cat "$traces/classify.log")}"
    if grep -q " (AS${want#*=})  border " <<<"$verdict"; then
      echo "    ${green}as expected${off}"
    else
      echo "    ${red}expected AS${want#*=}${off}"
      failed=1
    fi
  done
  return $failed
}

step "Border paths seen from each vantage point (China Unicom only, before 1 Oct 2017)"
show_paths fra=$LAB_CU_AS tyo=$LAB_CU_AS msk=$LAB_CU_AS || die "unexpected path before the flip"

step "lab.sh flip ttk msk (TransTelecom link comes up for msk)"
"$lab_sh" flip ttk msk
show_paths fra=$LAB_CU_AS tyo=$LAB_CU_AS msk=$LAB_TTK_AS || die "unexpected path after flip ttk msk"

step "lab.sh flip cu msk (back to China Unicom)"
"$lab_sh" flip cu msk
show_paths msk=$LAB_CU_AS || die "unexpected path after flip cu msk"
