# shellcheck shell=bash
# Faults of the tumen lab at run time, sourced by deploy/lab/lab.sh (which provides nsname,
# ns_exists, die, log, RUN_DIR, is_delayline_pid and the lab.env variables):
#
#   outage NAME [on|off]   cuts a link with DROP rules in the FORWARD chain of one router
#                          (both directions), so probes die there; `off` removes the rules.
#                          cu     cu2 -> cu3a/cu3b: traces show cu1, then nothing (inside CU)
#                          ttk    ttk1 -> ttk2: traces show ttk1, then nothing (inside TTK)
#                          border kp-br -> kp-host: traces end at kp-br (after the border)
#                          access every access router -> its transits: traces end at the
#                                 access router, in the VP's own network (the VPs' uplinks)
#                          all    every one of them
#   loss LINK PCT [PCT_BACK]  writes the delay line's control file and sends it SIGHUP; waits
#                          until the delay line confirms (or reports the error it logged)
#   counters LINK          SIGUSR1 to the delay line; prints its two counter lines
#   status_faults          the loss of each delay line and the state of each outage (status)
#
# Every rule lives inside a lab namespace; nothing touches the host namespace.

LAB_OUTAGES="cu ttk border access"
LAB_DELAY_LINKS="cu1-cu2 ttk1-ttk2"

# outage_spec NAME: lines "NODE IFACE..." whose FORWARD traffic through IFACE is dropped.
outage_spec() {
  local v
  case "$1" in
    cu) echo "cu2 cu3a cu3b" ;;
    ttk) echo "ttk1 dl-ttk2" ;;
    border) echo "kp-br kp-host" ;;
    access) for v in $LAB_VPS; do echo "acc-$v cu1 ttk1 tata"; done ;;
    *) die "outage: '$1' is not an outage (${LAB_OUTAGES// /, }, all)" ;;
  esac
}

# outage_rules NAME: one "NODE -i|-o IFACE" line per DROP rule of the outage.
outage_rules() {
  local node ifs i
  while read -r node ifs; do
    for i in $ifs; do
      echo "$node -i $i"
      echo "$node -o $i"
    done
  done < <(outage_spec "$1")
}

# outage_state NAME: on (every rule present), off (none) or partial.
outage_state() {
  local node dir iface have=0 total=0
  while read -r node dir iface; do
    total=$((total + 1))
    ip netns exec "$(nsname "$node")" iptables -w -C FORWARD "$dir" "$iface" -j DROP 2>/dev/null &&
      have=$((have + 1))
  done < <(outage_rules "$1")
  if [ "$have" -eq 0 ]; then
    echo off
  elif [ "$have" -eq "$total" ]; then
    echo on
  else
    echo partial
  fi
}

outage_set() {
  local name=$1 state=$2 node dir iface ns
  while read -r node dir iface; do
    ns="$(nsname "$node")"
    if [ "$state" = on ]; then
      ip netns exec "$ns" iptables -w -C FORWARD "$dir" "$iface" -j DROP 2>/dev/null ||
        ip netns exec "$ns" iptables -w -I FORWARD "$dir" "$iface" -j DROP
    else
      while ip netns exec "$ns" iptables -w -D FORWARD "$dir" "$iface" -j DROP 2>/dev/null; do :; done
    fi
  done < <(outage_rules "$name")
}

cmd_outage() {
  [ $# -ge 1 ] && [ $# -le 2 ] || die "usage: lab.sh outage ${LAB_OUTAGES// /|}|all [on|off]"
  local name=$1 state=${2:-on} names n
  case "$state" in on | off) ;; *) die "outage: state must be 'on' or 'off', not '$state'" ;; esac
  if [ "$name" = all ]; then names=$LAB_OUTAGES; else
    outage_spec "$name" >/dev/null || exit 1
    names=$name
  fi
  ns_exists cu2 && ns_exists kp-br || die "lab '$LAB' is not up"
  for n in $names; do outage_set "$n" "$state"; done
  log "outage $names: $state"
}

# delay_link LINK: the delay line's name a-b as lab.sh started it (either order accepted).
delay_link() {
  case "$1" in
    cu1-cu2 | cu2-cu1) echo cu1-cu2 ;;
    ttk1-ttk2 | ttk2-ttk1) echo ttk1-ttk2 ;;
    *) die "'$1' is not a delay line (${LAB_DELAY_LINKS// /, })" ;;
  esac
}

# delay_pid LINK: pid of the running delay line, or die.
delay_pid() {
  local pid
  pid="$(cat "$RUN_DIR/delayline-$1.pid" 2>/dev/null || true)"
  is_delayline_pid "$pid" || die "delay line $1 of lab '$LAB' is not running"
  echo "$pid"
}

# log_lines LINK WORD: how many lines of the delay line's log contain WORD.
log_lines() {
  local c
  c="$(grep -c -- "$2" "$RUN_DIR/delayline-$1.log" 2>/dev/null)" || true
  echo "${c:-0}"
}

# signal_and_wait LINK SIGNAL WORD N: sends SIGNAL, waits up to 3 s for N more log lines
# with WORD, prints them.
signal_and_wait() {
  local link=$1 sig=$2 word=$3 n=$4 pid before i
  pid="$(delay_pid "$link")"
  before="$(log_lines "$link" "$word")"
  kill "-$sig" "$pid"
  for ((i = 0; i < 150; i++)); do
    [ "$(log_lines "$link" "$word")" -ge $((before + n)) ] && break
    sleep 0.02
  done
  [ "$(log_lines "$link" "$word")" -ge $((before + n)) ] ||
    die "delay line $link did not answer SIGNAL $sig within 3 s (log: $RUN_DIR/delayline-$link.log)"
  grep -- "$word" "$RUN_DIR/delayline-$link.log" | tail -n "$n"
}

is_percent() {
  [[ "$1" =~ ^[0-9]+([.][0-9]+)?$ ]] && awk -v p="$1" 'BEGIN { exit !(p <= 100) }'
}

cmd_loss() {
  [ $# -ge 2 ] && [ $# -le 3 ] || die "usage: lab.sh loss ${LAB_DELAY_LINKS// /|} PCT [PCT_BACK]"
  local link pct=$2 back=${3:-$2} reply
  link="$(delay_link "$1")"
  is_percent "$pct" || die "loss: '$pct' is not a percentage in [0, 100]"
  is_percent "$back" || die "loss: '$back' is not a percentage in [0, 100]"
  # Given as b-a: the first percentage is for b->a.
  [ "$1" = "$link" ] || read -r pct back <<<"$back $pct"
  echo "loss $pct $back" >"$RUN_DIR/delayline-$link.control.tmp"
  mv "$RUN_DIR/delayline-$link.control.tmp" "$RUN_DIR/delayline-$link.control"
  reply="$(signal_and_wait "$link" HUP 'control:' 1)"
  [[ "$reply" != *"nothing changed"* ]] || die "delay line $link refused: $reply"
  log "${reply#tumen-delayline: control: }"
}

cmd_counters() {
  [ $# -eq 1 ] || die "usage: lab.sh counters ${LAB_DELAY_LINKS// /|}"
  local link
  link="$(delay_link "$1")"
  signal_and_wait "$link" USR1 ': counters: ' 2 | sed 's/^tumen-delayline: counters: //'
}

status_faults() {
  local link ctl n
  echo "delay-line loss now (percent A->B B->A, as the delay line last confirmed it):"
  for link in $LAB_DELAY_LINKS; do
    # Its start line ends "loss A/B %"; each applied control file logs "control: loss
    # a->b A % b->a B %".
    ctl="$(awk '/control: loss / {a = $(NF - 4); b = $(NF - 1); next}
      / loss [0-9.]+\/[0-9.]+ %$/ {split($(NF - 1), x, "/"); a = x[1]; b = x[2]}
      END {if (a != "") print a, b}' "$RUN_DIR/delayline-$link.log" 2>/dev/null || true)"
    printf '  %-10s %s\n' "$link" "${ctl:-unknown}"
  done
  echo "outages:"
  for n in $LAB_OUTAGES; do
    ns_exists "$(outage_spec "$n" | head -1 | cut -d' ' -f1)" || continue
    printf '  %-8s %s\n' "$n" "$(outage_state "$n")"
  done
  echo "transits: CU AS$LAB_CU_AS, TTK AS$LAB_TTK_AS, TATA AS$LAB_TATA_AS ($LAB_TATA_PREFIX, in no class of the lab campaign)"
}
