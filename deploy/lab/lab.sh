#!/usr/bin/env bash
# The tumen lab: a few network namespaces that play three vantage points, their access
# routers, China Unicom and TransTelecom paths, a third transit (Tata-like, AS6453, in no
# class of the lab campaign) and the Star JV border (see README.md).
#
#   lab.sh up                       build the lab (takes an existing one down first)
#   lab.sh down                     remove everything of this lab, even after a failed run
#   lab.sh status                   nodes, helper processes, loss, outages, transit per VP and /24
#   lab.sh flip ttk|cu|tata [fra|tyo|msk|all] [PREFIX]
#                                   move traffic toward the target (and its return) to a transit
#   lab.sh outage cu|ttk|border|access|all [on|off]
#                                   cut a link (default on): cu = cu2 -> cu3a/cu3b (traces die
#                                   inside China Unicom), ttk = ttk1 -> ttk2 (inside TTK),
#                                   border = kp-br -> kp-host (after the border), access = every
#                                   access router -> its transits (in the VP's own network);
#                                   off restores
#   lab.sh loss cu1-cu2|ttk1-ttk2 PCT [PCT_BACK]
#                                   random loss on a delay line now (both ways, or A->B and B->A)
#   lab.sh counters cu1-cu2|ttk1-ttk2
#                                   the delay line's packet counters (SIGUSR1), one line per way
#   lab.sh exec NODE CMD...         run CMD inside NODE's namespace
#   lab.sh ns NODE                  print NODE's namespace name
#
# Environment: TUMEN_LAB (default tl) prefixes every namespace: node fra is netns
# "${TUMEN_LAB}-fra"; helper state lives in /run/tumen-lab/${TUMEN_LAB}/.
# At `up`: TUMEN_LAB_LOSS="ttk1-ttk2:5[,cu1-cu2:2]" random loss in percent on a delay line;
# TUMEN_LAB_MGMT=0 skips the management network; TUMEN_LAB_DELAY_CU_MS / TUMEN_LAB_DELAY_TTK_MS
# override the one-way delays. TUMEN_DELAYLINE names the delay-line binary (otherwise
# $TUMEN_BUILD_DIR/deploy/lab/delayline/tumen-delayline, then build/... in the repository).
#
# Nothing is ever created in the host namespace: veths are created directly inside the lab
# namespaces and the delay line only holds TUN descriptors of lab namespaces.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=deploy/lab/lab.env
. "$here/lab.env"
# shellcheck source=deploy/lab/lab_faults.sh
. "$here/lab_faults.sh" # outage, loss, counters

LAB="${TUMEN_LAB:-$LAB_NAME_DEFAULT}"
RUN_BASE=/run/tumen-lab
RUN_DIR="$RUN_BASE/$LAB"
TABLE_CU=200
TABLE_TTK=201
TABLE_TATA=202
PREF_PREFIX=1000 # kp-br rules for one VP and one prefix: 1000 + (32 - length), before per-VP rules
PREF_VP=2000     # kp-br rules for one VP and the whole target

die() {
  echo "lab.sh: $*" >&2
  exit 1
}
log() { echo "lab.sh [$LAB]: $*" >&2; }

usage() {
  awk 'NR > 1 && /^#/ {sub(/^# ?/, ""); print; next} NR > 1 {exit}' "${BASH_SOURCE[0]}" >&2
  exit 2
}

check_lab_name() {
  [[ "$LAB" =~ ^[A-Za-z0-9][A-Za-z0-9_]{0,15}$ ]] ||
    die "TUMEN_LAB='$LAB': use 1-16 letters, digits or '_' (no '-': it separates lab and node)"
}

need_root() { [ "$(id -u)" -eq 0 ] || die "$1 needs root (network namespaces)"; }

nsname() { echo "$LAB-$1"; }

is_node() {
  local n
  for n in $LAB_NODES; do [ "$n" = "$1" ] && return 0; done
  return 1
}

is_vp() {
  local v
  for v in $LAB_VPS; do [ "$v" = "$1" ] && return 0; done
  return 1
}

ns_exists() { [ -e "/var/run/netns/$(nsname "$1")" ]; }

# ---------------------------------------------------------------------------------------------
# Helpers (delay lines)

delayline_binary() {
  if [ -n "${TUMEN_DELAYLINE:-}" ]; then
    [ -x "$TUMEN_DELAYLINE" ] || die "TUMEN_DELAYLINE=$TUMEN_DELAYLINE is not an executable"
    echo "$TUMEN_DELAYLINE"
    return 0
  fi
  local candidates=()
  [ -n "${TUMEN_BUILD_DIR:-}" ] && candidates+=("$TUMEN_BUILD_DIR/deploy/lab/delayline/tumen-delayline")
  candidates+=("$root/build/deploy/lab/delayline/tumen-delayline")
  local c
  for c in "${candidates[@]}"; do
    if [ -x "$c" ]; then
      echo "$c"
      return 0
    fi
  done
  die "tumen-delayline not found (tried: ${candidates[*]}); build it (cmake --build --preset default --target tumen-delayline) or set TUMEN_DELAYLINE"
}

# Loss in percent configured for link "a-b" through TUMEN_LAB_LOSS (either order), else 0.
link_loss() {
  local a=$1 b=$2 item link pct
  local spec="${TUMEN_LAB_LOSS:-}"
  for item in ${spec//,/ }; do
    link="${item%%:*}"
    pct="${item#*:}"
    [[ "$item" == *:* ]] || die "TUMEN_LAB_LOSS item '$item' is not LINK:PCT (e.g. ttk1-ttk2:5)"
    [[ "$pct" =~ ^[0-9]+([.][0-9]+)?$ ]] || die "TUMEN_LAB_LOSS: '$pct' in '$item' is not a percentage"
    case "$link" in
      cu1-cu2 | cu2-cu1 | ttk1-ttk2 | ttk2-ttk1) ;;
      *) die "TUMEN_LAB_LOSS: unknown delay-line link '$link' (cu1-cu2 or ttk1-ttk2)" ;;
    esac
    if [ "$link" = "$a-$b" ] || [ "$link" = "$b-$a" ]; then
      echo "$pct"
      return 0
    fi
  done
  echo 0
}

# Closes every descriptor above 2 of the current (sub)shell.
close_inherited_fds() {
  local fd n
  for fd in /proc/$BASHPID/fd/*; do
    n="${fd##*/}"
    [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -gt 2 ] && eval "exec $n>&-" 2>/dev/null
  done
  return 0
}

# start_delayline A B DELAY_MS: TUN dl-B in A and dl-A in B, joined with DELAY_MS each way.
start_delayline() {
  local a=$1 b=$2 delay=$3 bin loss
  bin="$(delayline_binary)"
  loss="$(link_loss "$a" "$b")"
  # `lab.sh loss` rewrites this file and sends SIGHUP (lab_faults.sh).
  echo "loss $loss" >"$RUN_DIR/delayline-$a-$b.control"
  # The delay line outlives this script: it gets no descriptor of ours beyond 0-2 (a caller's
  # `flock LOCKFILE lab.sh up` must not stay locked for as long as the lab runs).
  (
    close_inherited_fds
    exec setsid "$bin" --ns-a "$(nsname "$a")" --dev-a "dl-$b" --ns-b "$(nsname "$b")" --dev-b "dl-$a" \
      --name-a "$a" --name-b "$b" --delay-ms "$delay" --loss-pct "$loss" \
      --pidfile "$RUN_DIR/delayline-$a-$b.pid" --control "$RUN_DIR/delayline-$a-$b.control" \
      </dev/null >>"$RUN_DIR/delayline-$a-$b.log" 2>&1
  ) &
  echo "$!" >"$RUN_DIR/delayline-$a-$b.spawned"
}

# Waits until every started delay line has written its pidfile (its devices exist).
wait_delaylines() {
  local name pid i
  for name in "$@"; do
    pid="$(cat "$RUN_DIR/delayline-$name.spawned")"
    for ((i = 0; i < 200; i++)); do
      [ -s "$RUN_DIR/delayline-$name.pid" ] && break
      # (setsid may fork, so a dead $pid alone proves nothing; an error in the log does.)
      if ! pid_alive "$pid" && [ -s "$RUN_DIR/delayline-$name.log" ]; then
        cat "$RUN_DIR/delayline-$name.log" >&2 || true
        die "delay line $name exited during start-up (log above)"
      fi
      sleep 0.02
    done
    [ -s "$RUN_DIR/delayline-$name.pid" ] || die "delay line $name did not start within 4 s"
  done
}

# True when PID is a tumen-delayline process (guards against recycled pids).
is_delayline_pid() {
  local pid=$1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'tumen-delayline'
}

# Pids of this lab's delay lines: from the pidfiles, plus any delay line whose command line
# names one of this lab's namespaces (e.g. one started by an `up` that was interrupted).
delayline_pids() {
  local f pid args
  for f in "$RUN_DIR"/delayline-*.pid "$RUN_DIR"/delayline-*.spawned; do
    [ -e "$f" ] || continue
    pid="$(cat "$f" 2>/dev/null || true)"
    is_delayline_pid "$pid" && echo "$pid"
  done
  for pid in $(pgrep -f -- tumen-delayline || true); do
    args="$(tr '\0' '\n' 2>/dev/null <"/proc/$pid/cmdline" || true)"
    if grep -qx -- "$LAB-[a-z0-9-]*" <<<"$args"; then
      echo "$pid"
    fi
  done
}

# True while PID runs (a zombie waiting for its reaper counts as gone).
pid_alive() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [ "${stat%% *}" != Z ]
}

# Sends TERM to the given pids, waits up to 2 s, then KILLs what is left.
stop_pids() {
  [ $# -gt 0 ] || return 0
  kill -TERM "$@" 2>/dev/null || true
  local i pid alive
  for ((i = 0; i < 100; i++)); do
    alive=0
    for pid in "$@"; do
      pid_alive "$pid" && alive=1
    done
    [ "$alive" -eq 0 ] && return 0
    sleep 0.02
  done
  kill -KILL "$@" 2>/dev/null || true
}

# ---------------------------------------------------------------------------------------------
# down

cmd_down() {
  need_root down
  mkdir -p "$RUN_BASE"
  local nodes=" $LAB_NODES " n ns pids=()
  if [ -r "$RUN_DIR/namespaces" ]; then
    for n in $(cat "$RUN_DIR/namespaces"); do
      [[ "$nodes" == *" $n "* ]] || nodes+="$n "
    done
  fi
  # Delay lines first: their TUN descriptors keep the namespaces alive.
  mapfile -t pids < <(delayline_pids | sort -u)
  stop_pids "${pids[@]}"
  # Anything else still running inside the lab (agents, controller, Prometheus, scamper).
  pids=()
  for n in $nodes; do
    ns="$(nsname "$n")"
    [ -e "/var/run/netns/$ns" ] || continue
    mapfile -t -O "${#pids[@]}" pids < <(ip netns pids "$ns" 2>/dev/null || true)
  done
  stop_pids "${pids[@]}"
  for n in $nodes; do
    ns="$(nsname "$n")"
    if [ -e "/var/run/netns/$ns" ]; then
      ip netns del "$ns" 2>/dev/null || ip netns del "$ns" || log "could not delete $ns"
    fi
  done
  rm -rf "$RUN_DIR"
}

# ---------------------------------------------------------------------------------------------
# up

# Per-namespace `ip -batch` scripts, filled by the helpers below and run at the end.
declare -A BATCH_ADDR=() BATCH_ROUTE=()
HOST_BATCH=""

add_addr() { BATCH_ADDR[$1]+="$2"$'\n'; }  # NODE "ip command without 'ip'"
add_route() { BATCH_ROUTE[$1]+="$2"$'\n'; } # NODE "ip command without 'ip'"

# veth NODE_A ADDR_A NODE_B ADDR_B: a veth pair named after the peer on each side.
veth() {
  local a=$1 aa=$2 b=$3 ba=$4
  HOST_BATCH+="link add $b netns $(nsname "$a") type veth peer name $a netns $(nsname "$b")"$'\n'
  add_addr "$a" "addr add $aa dev $b"
  add_addr "$a" "link set $b up"
  add_addr "$b" "addr add $ba dev $a"
  add_addr "$b" "link set $a up"
}

# tun_addr NODE DEV ADDR: address a delay-line TUN device (it exists once the helper runs).
tun_addr() {
  add_route "$1" "link set $2 txqueuelen 10000"
  add_route "$1" "addr add $3 dev $2"
  add_route "$1" "link set $2 up"
}

set_sysctls() {
  local node=$1
  local s=(net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
    net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1)
  case "$node" in
    acc-* | cu* | ttk* | tata | kp-br)
      s+=(net.ipv4.ip_forward=1 net.ipv4.icmp_errors_use_inbound_ifaddr=1)
      ;;
  esac
  case "$node" in
    ttk1)
      # The one rate-limited router: the kernel defaults, written out. ICMP types in
      # icmp_ratemask (6168 = dest-unreachable, source-quench, time-exceeded,
      # parameter-problem) are limited per destination by a token bucket: a burst of 6,
      # then one per icmp_ratelimit (1000 ms).
      s+=(net.ipv4.icmp_ratelimit=1000 net.ipv4.icmp_ratemask=6168)
      ;;
    *)
      # No ICMP rate limit (mask 0 also exempts from the global icmp_msgs_per_sec limit).
      s+=(net.ipv4.icmp_ratemask=0)
      ;;
  esac
  # ECMP at cu2 hashes on the L4 five-tuple, so a Paris traceroute stays on one branch.
  [ "$node" = cu2 ] && s+=(net.ipv4.fib_multipath_hash_policy=1)
  ip netns exec "$(nsname "$node")" sysctl -q -w "${s[@]}" >/dev/null
}

plan_links() {
  local v
  for v in $LAB_VPS; do
    local vp_prefix_var="LAB_VP_PREFIX_$v" vp_addr_var="LAB_VP_ADDR_$v" acc_addr_var="LAB_ACC_ADDR_$v"
    local len="${!vp_prefix_var#*/}"
    veth "$v" "${!vp_addr_var}/$len" "acc-$v" "${!acc_addr_var}/$len"
    add_route "$v" "route add default via ${!acc_addr_var}"
  done
  # access routers <-> cu1 (AS4837) and ttk1 (AS20485), one /30 each
  local cu1_var ttk1_var
  for v in $LAB_VPS; do
    cu1_var="LAB_CU1_ADDR_$v"
    ttk1_var="LAB_TTK1_ADDR_$v"
    veth cu1 "${!cu1_var}/30" "acc-$v" "$(next_addr "${!cu1_var}")/30"
    veth ttk1 "${!ttk1_var}/30" "acc-$v" "$(next_addr "${!ttk1_var}")/30"
  done
  # access routers <-> tata (AS6453, the third transit), one /30 each; tata <-> kp-br
  local tata_var
  for v in $LAB_VPS; do
    tata_var="LAB_TATA_ADDR_$v"
    veth tata "${!tata_var}/30" "acc-$v" "$(next_addr "${!tata_var}")/30"
  done
  veth tata "$(prev_addr "$LAB_KPBR_TATA_ADDR")/30" kp-br "$LAB_KPBR_TATA_ADDR/30"
  # CU backbone ($LAB_CU_BACKBONE_PREFIX, not in pfx2as) and the border links in CU space
  veth cu2 "$(prev_addr "$LAB_CU3A_ADDR")/30" cu3a "$LAB_CU3A_ADDR/30"
  veth cu2 "$(prev_addr "$LAB_CU3B_ADDR")/30" cu3b "$LAB_CU3B_ADDR/30"
  veth cu3a "$(prev_addr "$LAB_KPBR_CU_ADDR_a")/30" kp-br "$LAB_KPBR_CU_ADDR_a/30"
  veth cu3b "$(prev_addr "$LAB_KPBR_CU_ADDR_b")/30" kp-br "$LAB_KPBR_CU_ADDR_b/30"
  veth ttk2 "$(prev_addr "$LAB_KPBR_TTK_ADDR")/30" kp-br "$LAB_KPBR_TTK_ADDR/30"
  veth kp-br "$(prev_addr "$LAB_KPHOST_LINK_ADDR")/30" kp-host "$LAB_KPHOST_LINK_ADDR/30"
  # delay lines: cu1 <-> cu2 and ttk1 <-> ttk2 (TUN devices dl-<peer>)
  tun_addr cu1 dl-cu2 "$(prev_addr "$LAB_CU2_ADDR")/30"
  tun_addr cu2 dl-cu1 "$LAB_CU2_ADDR/30"
  tun_addr ttk1 dl-ttk2 "$(prev_addr "$LAB_TTK2_ADDR")/30"
  tun_addr ttk2 dl-ttk1 "$LAB_TTK2_ADDR/30"
}

plan_routes() {
  local v p cu1_var ttk1_var tata_var
  local cu2_gw cu1_gw ttk2_gw ttk1_gw
  cu1_gw="$(prev_addr "$LAB_CU2_ADDR")" # cu1 as seen from cu2
  cu2_gw="$LAB_CU2_ADDR"
  ttk1_gw="$(prev_addr "$LAB_TTK2_ADDR")"
  ttk2_gw="$LAB_TTK2_ADDR"
  for v in $LAB_VPS; do
    cu1_var="LAB_CU1_ADDR_$v"
    ttk1_var="LAB_TTK1_ADDR_$v"
    p="LAB_VP_PREFIX_$v"
    # access router: target via CU (default), transit address space, black hole via cu1
    add_route "acc-$v" "route add $LAB_TARGET_PREFIX via ${!cu1_var}"
    add_route "acc-$v" "route add $LAB_BLACKHOLE_PREFIX via ${!cu1_var}"
    add_route "acc-$v" "route add $LAB_CU_PREFIX via ${!cu1_var}"
    add_route "acc-$v" "route add $LAB_CU_BACKBONE_PREFIX via ${!cu1_var}"
    add_route "acc-$v" "route add $LAB_TTK_PREFIX via ${!ttk1_var}"
    tata_var="LAB_TATA_ADDR_$v"
    add_route "acc-$v" "route add $LAB_TATA_PREFIX via ${!tata_var}"
    # transits back to the VP's hosting prefix
    add_route cu1 "route add ${!p} via $(next_addr "${!cu1_var}")"
    add_route ttk1 "route add ${!p} via $(next_addr "${!ttk1_var}")"
    add_route tata "route add ${!p} via $(next_addr "${!tata_var}")"
  done
  # cu1: onward to cu2; the black hole ends here without any ICMP
  add_route cu1 "route add $LAB_TARGET_PREFIX via $cu2_gw"
  add_route cu1 "route add $LAB_CU_BACKBONE_PREFIX via $cu2_gw"
  add_route cu1 "route add $LAB_KPBR_CU_LINKS_PREFIX via $cu2_gw"
  add_route cu1 "route add blackhole $LAB_BLACKHOLE_PREFIX"
  # cu2 (silent): ECMP toward kp-br via cu3a and cu3b
  add_route cu2 "route add default via $cu1_gw"
  add_route cu2 "route add $LAB_TARGET_PREFIX nexthop via $LAB_CU3A_ADDR nexthop via $LAB_CU3B_ADDR"
  add_route cu2 "route add $(net30 "$LAB_KPBR_CU_ADDR_a") via $LAB_CU3A_ADDR"
  add_route cu2 "route add $(net30 "$LAB_KPBR_CU_ADDR_b") via $LAB_CU3B_ADDR"
  add_route cu3a "route add default via $(prev_addr "$LAB_CU3A_ADDR")"
  add_route cu3a "route add $LAB_TARGET_PREFIX via $LAB_KPBR_CU_ADDR_a"
  add_route cu3b "route add default via $(prev_addr "$LAB_CU3B_ADDR")"
  add_route cu3b "route add $LAB_TARGET_PREFIX via $LAB_KPBR_CU_ADDR_b"
  # TTK
  add_route ttk1 "route add $LAB_TARGET_PREFIX via $ttk2_gw"
  add_route ttk1 "route add $(net30 "$LAB_KPBR_TTK_ADDR") via $ttk2_gw"
  add_route ttk2 "route add default via $ttk1_gw"
  add_route ttk2 "route add $LAB_TARGET_PREFIX via $LAB_KPBR_TTK_ADDR"
  # Tata: straight to kp-br (no delay line)
  add_route tata "route add $LAB_TARGET_PREFIX via $LAB_KPBR_TATA_ADDR"
  # kp-br: target behind kp-host; return traffic via CU (ECMP) unless a policy rule says TTK
  local cu_back
  cu_back="nexthop via $(prev_addr "$LAB_KPBR_CU_ADDR_a") nexthop via $(prev_addr "$LAB_KPBR_CU_ADDR_b")"
  add_route kp-br "route add $LAB_TARGET_PREFIX via $LAB_KPHOST_LINK_ADDR"
  add_route kp-br "route add default $cu_back"
  add_route kp-br "route add table $TABLE_CU default $cu_back"
  add_route kp-br "route add table $TABLE_TTK default via $(prev_addr "$LAB_KPBR_TTK_ADDR")"
  add_route kp-br "route add table $TABLE_TATA default via $(prev_addr "$LAB_KPBR_TATA_ADDR")"
  # kp-host answers every address of the target prefix
  add_route kp-host "route add default via $(prev_addr "$LAB_KPHOST_LINK_ADDR")"
  add_route kp-host "route add local $LAB_TARGET_PREFIX dev lo"
}

plan_mgmt() {
  add_addr mgmt "link add br0 type bridge"
  add_addr mgmt "addr add $LAB_MGMT_CONTROLLER/${LAB_MGMT_PREFIX#*/} dev br0"
  add_addr mgmt "link set br0 up"
  local v a
  for v in $LAB_VPS; do
    a="LAB_MGMT_ADDR_$v"
    HOST_BATCH+="link add mgmt0 netns $(nsname "$v") type veth peer name $v netns $(nsname mgmt)"$'\n'
    add_addr "$v" "addr add ${!a}/${LAB_MGMT_PREFIX#*/} dev mgmt0"
    add_addr "$v" "link set mgmt0 up"
    add_addr mgmt "link set $v master br0"
    add_addr mgmt "link set $v up"
  done
}

run_batches() {
  local -n batches=$1
  local n
  for n in "${!batches[@]}"; do
    ip -n "$(nsname "$n")" -batch - <<<"${batches[$n]}" ||
      die "configuring $n failed; commands were:"$'\n'"${batches[$n]}"
  done
}

cmd_up() {
  need_root up
  local t0=$SECONDS
  delayline_binary >/dev/null
  link_loss cu1 cu2 >/dev/null # validates TUMEN_LAB_LOSS before anything is built
  trap 'echo "lab.sh: up failed; \"TUMEN_LAB=$LAB lab.sh down\" removes what was built" >&2' EXIT
  cmd_down
  mkdir -p "$RUN_DIR"
  local nodes="$LAB_NODES" n
  if [ "${TUMEN_LAB_MGMT:-1}" = 0 ]; then
    nodes="${nodes/ mgmt/}"
  fi
  echo "$nodes" >"$RUN_DIR/namespaces"
  for n in $nodes; do
    ip netns add "$(nsname "$n")"
  done
  for n in $nodes; do
    set_sysctls "$n"
    ip -n "$(nsname "$n")" link set lo up
  done
  # The delay lines create their TUN devices while the veths are being configured.
  start_delayline cu1 cu2 "${TUMEN_LAB_DELAY_CU_MS:-$LAB_DELAY_CU_MS}"
  start_delayline ttk1 ttk2 "${TUMEN_LAB_DELAY_TTK_MS:-$LAB_DELAY_TTK_MS}"
  plan_links
  plan_routes
  [ "${TUMEN_LAB_MGMT:-1}" = 0 ] || plan_mgmt
  ip -batch - <<<"$HOST_BATCH" || die "creating the veth pairs failed"
  wait_delaylines cu1-cu2 ttk1-ttk2
  run_batches BATCH_ADDR
  run_batches BATCH_ROUTE
  # cu2 is silent: it forwards everything but never sends its own time-exceeded.
  ip netns exec "$(nsname cu2)" iptables -w -A OUTPUT -p icmp --icmp-type time-exceeded -j DROP
  trap - EXIT
  log "up in $((SECONDS - t0)) s: $(echo "$nodes" | wc -w) namespaces, delay lines cu1-cu2 $(link_loss cu1 cu2)% loss, ttk1-ttk2 $(link_loss ttk1 ttk2)% loss"
}

# ---------------------------------------------------------------------------------------------
# Address arithmetic

ip2int() {
  local IFS=. a b c d
  read -r a b c d <<<"$1"
  echo $(((a << 24) | (b << 16) | (c << 8) | d))
}
int2ip() {
  local i=$1
  echo "$(((i >> 24) & 255)).$(((i >> 16) & 255)).$(((i >> 8) & 255)).$((i & 255))"
}
next_addr() { int2ip $(($(ip2int "$1") + 1)); }
prev_addr() { int2ip $(($(ip2int "$1") - 1)); }
net30() { echo "$(int2ip $(($(ip2int "$1") & ~3 & 0xffffffff)))/30"; }

# Normalises PREFIX and checks it lies inside the target prefix; prints a.b.c.d/len.
target_subprefix() {
  local p=$1
  [[ "$p" =~ ^([0-9]{1,3}\.){3}[0-9]{1,3}/[0-9]{1,2}$ ]] || die "'$p' is not an IPv4 prefix a.b.c.d/len"
  local addr="${p%/*}" len="${p#*/}" tnet="${LAB_TARGET_PREFIX%/*}" tlen="${LAB_TARGET_PREFIX#*/}"
  local o
  for o in ${addr//./ }; do ((o <= 255)) || die "'$p' is not an IPv4 prefix"; done
  ((len >= tlen && len <= 32)) || die "'$p' must be inside $LAB_TARGET_PREFIX (length $tlen..32)"
  local mask=$(((0xffffffff << (32 - len)) & 0xffffffff))
  local tmask=$(((0xffffffff << (32 - tlen)) & 0xffffffff))
  local a
  a=$(ip2int "$addr")
  (((a & tmask) == $(ip2int "$tnet"))) || die "'$p' is not inside $LAB_TARGET_PREFIX"
  echo "$(int2ip $((a & mask)))/$len"
}

# ---------------------------------------------------------------------------------------------
# flip

transit_gw() { # VP TRANSIT -> next hop at the VP's access router
  local var
  case "$2" in
    cu) var="LAB_CU1_ADDR_$1" ;;
    ttk) var="LAB_TTK1_ADDR_$1" ;;
    tata) var="LAB_TATA_ADDR_$1" ;;
  esac
  echo "${!var}"
}

transit_table() {
  case "$1" in
    ttk) echo $TABLE_TTK ;;
    tata) echo $TABLE_TATA ;;
    *) echo $TABLE_CU ;;
  esac
}

# Deletes every kp-br rule that matches the given selector (repeat until none is left).
del_rules() {
  local kp
  kp="$(nsname kp-br)"
  while ip -n "$kp" rule del "$@" 2>/dev/null; do :; done
}

# flip_vp VP TRANSIT [PREFIX]
flip_vp() {
  local v=$1 t=$2 p=${3:-} acc vpnet gw
  acc="$(nsname "acc-$v")"
  vpnet="LAB_VP_PREFIX_$v"
  vpnet="${!vpnet}"
  gw="$(transit_gw "$v" "$t")"
  if [ -z "$p" ]; then
    # Whole target: drop every more specific route and rule of this VP first.
    local r
    while read -r r _; do
      [ -n "$r" ] && [ "$r" != "$LAB_TARGET_PREFIX" ] && ip -n "$acc" route del "$r"
    done < <(ip -n "$acc" route show root "$LAB_TARGET_PREFIX")
    ip -n "$acc" route replace "$LAB_TARGET_PREFIX" via "$gw"
    local from
    while read -r from; do
      [ -n "$from" ] && [ "$from" != all ] && del_rules from "$from" to "$vpnet"
    done < <(ip -n "$(nsname kp-br)" rule show to "$vpnet" | sed -n 's/.*from \([^ ]*\) to.*/\1/p' | sort -u)
    del_rules pref "$PREF_VP" to "$vpnet"
    [ "$t" = cu ] || ip -n "$(nsname kp-br)" rule add pref "$PREF_VP" to "$vpnet" lookup "$(transit_table "$t")"
  else
    # Longer prefixes get lower preferences, so the return path follows the same longest
    # match as the access router's forward route.
    ip -n "$acc" route replace "$p" via "$gw"
    del_rules from "$p" to "$vpnet"
    ip -n "$(nsname kp-br)" rule add pref $((PREF_PREFIX + 32 - ${p#*/})) from "$p" to "$vpnet" \
      lookup "$(transit_table "$t")"
  fi
  return 0
}

cmd_flip() {
  need_root flip
  [ $# -ge 1 ] || usage
  local t=$1 who=${2:-} p=${3:-}
  case "$t" in cu | ttk | tata) ;; *) die "flip: transit must be 'cu', 'ttk' or 'tata', not '$t'" ;; esac
  ns_exists acc-fra && ns_exists kp-br || die "lab '$LAB' is not up"
  if [[ "$who" == */* ]]; then # flip TRANSIT PREFIX: every VP, that prefix
    p=$who
    who=all
  fi
  [ -z "$p" ] || p="$(target_subprefix "$p")"
  local vps v s
  if [ -z "$who" ]; then
    if [ "$t" = ttk ]; then
      # 1 Oct 2017 for every VP: three of the four /24s via TTK, the first stays on CU.
      for v in $LAB_VPS; do
        flip_vp "$v" cu
        for s in $LAB_TARGET_24S; do
          [ "$s" = "${LAB_TARGET_24S%% *}" ] || flip_vp "$v" ttk "$s"
        done
      done
      log "flipped: every VP reaches ${LAB_TARGET_24S#* } via TTK, ${LAB_TARGET_24S%% *} via CU"
    else
      for v in $LAB_VPS; do flip_vp "$v" "$t"; done
      log "flipped: every VP reaches $LAB_TARGET_PREFIX via ${t^^}"
    fi
    return 0
  fi
  if [ "$who" = all ]; then
    vps=$LAB_VPS
  elif is_vp "$who"; then
    vps=$who
  else
    die "flip: '$who' is not a VP (${LAB_VPS// /|}|all)"
  fi
  for v in $vps; do flip_vp "$v" "$t" "$p"; done
  log "flipped: $vps -> ${p:-$LAB_TARGET_PREFIX} via ${t^^}"
}

# ---------------------------------------------------------------------------------------------
# status

# Transit name for a next hop or source address (by the address plan).
transit_of() {
  local a
  a=$(ip2int "$1")
  local cu_net ttk_net cub_net tata_net
  cu_net=$(ip2int "${LAB_CU_PREFIX%/*}")
  cub_net=$(ip2int "${LAB_CU_BACKBONE_PREFIX%/*}")
  ttk_net=$(ip2int "${LAB_TTK_PREFIX%/*}")
  tata_net=$(ip2int "${LAB_TATA_PREFIX%/*}")
  if (((a & 0xfffff000) == cu_net || (a & 0xfffff000) == cub_net)); then
    echo CU
  elif (((a & 0xfffff000) == ttk_net)); then
    echo TTK
  elif (((a & 0xfffff000) == tata_net)); then
    echo TATA
  else
    echo "?"
  fi
}

# Forward transit of VP toward ADDR (the access router's choice).
fwd_transit() {
  local via
  via="$(ip -n "$(nsname "acc-$1")" route get "$2" 2>/dev/null | sed -n 's/.* via \([0-9.]*\).*/\1/p' | head -1)"
  [ -n "$via" ] && transit_of "$via" || echo "-"
}

# Return transit from ADDR (answered by kp-host) to VP (kp-br's policy routing).
ret_transit() {
  local vaddr="LAB_VP_ADDR_$1" via
  via="$(ip -n "$(nsname kp-br)" route get "${!vaddr}" from "$2" iif kp-host 2>/dev/null |
    sed -n 's/.* via \([0-9.]*\).*/\1/p' | head -1)"
  [ -n "$via" ] && transit_of "$via" || echo "-"
}

cmd_status() {
  need_root status
  local n present=0 missing=() expected="$LAB_NODES"
  [ -r "$RUN_DIR/namespaces" ] && expected="$(cat "$RUN_DIR/namespaces")"
  for n in $expected; do
    if ns_exists "$n"; then present=$((present + 1)); else missing+=("$n"); fi
  done
  if [ "$present" -eq 0 ]; then
    echo "lab $LAB: down"
    return 0
  fi
  echo "lab $LAB: $present namespaces${missing:+ (missing: ${missing[*]})}"
  echo "nodes:"
  for n in $LAB_NODES; do
    ns_exists "$n" || continue
    printf '  %-8s %-14s %s\n' "$n" "$(nsname "$n")" \
      "$(ip -n "$(nsname "$n")" -4 -o addr show scope global 2>/dev/null | awk '{printf "%s:%s ", $2, $4}')"
  done
  echo "helpers:"
  local f pid name
  for f in "$RUN_DIR"/delayline-*.pid; do
    [ -e "$f" ] || {
      echo "  (no delay line pidfiles)"
      break
    }
    name="$(basename "$f" .pid)"
    pid="$(cat "$f")"
    if is_delayline_pid "$pid"; then
      printf '  %-20s pid %-7s running: %s\n' "$name" "$pid" \
        "$(tr '\0' ' ' <"/proc/$pid/cmdline" | grep -o -- '--delay-ms [^ ]*')"
    else
      printf '  %-20s pid %-7s NOT RUNNING\n' "$name" "$pid"
    fi
  done
  status_faults
  ns_exists kp-br && ns_exists acc-fra || return 0
  echo "paths toward $LAB_TARGET_PREFIX (forward/return transit):"
  printf '  %-5s' VP
  local s
  for s in $LAB_TARGET_24S; do printf ' %-17s' "$s"; done
  echo
  local v addr
  for v in $LAB_VPS; do
    printf '  %-5s' "$v"
    for s in $LAB_TARGET_24S; do
      addr="$(int2ip $(($(ip2int "${s%/*}") + 1)))"
      printf ' %-17s' "$(fwd_transit "$v" "$addr")/$(ret_transit "$v" "$addr")"
    done
    echo
  done
}

# ---------------------------------------------------------------------------------------------

main() {
  [ $# -ge 1 ] || usage
  check_lab_name
  local cmd=$1
  shift
  case "$cmd" in
    up | down | flip | outage | loss)
      need_root "$cmd"
      mkdir -p "$RUN_BASE"
      # One lab command at a time per lab (tests and demos may race).
      exec 9>"$RUN_BASE/.$LAB.lock"
      flock -w 60 9 || die "another lab.sh holds $RUN_BASE/.$LAB.lock"
      "cmd_$cmd" "$@"
      ;;
    status) cmd_status ;;
    counters) cmd_counters "$@" ;;
    exec)
      [ $# -ge 2 ] || die "usage: lab.sh exec NODE CMD..."
      is_node "$1" || die "unknown node '$1' (${LAB_NODES// /, })"
      local ns
      ns="$(nsname "$1")"
      shift
      exec ip netns exec "$ns" "$@"
      ;;
    ns)
      [ $# -eq 1 ] || die "usage: lab.sh ns NODE"
      is_node "$1" || die "unknown node '$1' (${LAB_NODES// /, })"
      nsname "$1"
      ;;
    -h | --help | help) usage ;;
    *) die "unknown command '$cmd' (up, down, status, flip, outage, loss, counters, exec, ns)" ;;
  esac
}

main "$@"
