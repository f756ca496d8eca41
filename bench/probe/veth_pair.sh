# shellcheck shell=bash
# The benchmarks' plain veth pair (sourced by send_rate.sh and rtt_modes.sh; needs root):
# two network namespaces of their own, "$near" and "$far", joined by one veth, no delay
# line, no lab. The near side (198.18.254.1/30) routes the target /20 (198.19.240.0/20) to
# the far side (198.18.254.2/30), whose forwarding is off, so the far side drops every probe
# to the /20 and answers only what is sent to its own address. veth_pair_up TAG creates it
# (the next hop resolved once, so that no probe waits for ARP) and deletes both namespaces
# and "$work" (a temporary directory it makes) when the calling script exits.
near_addr=198.18.254.1
far_addr=198.18.254.2
prefix=198.19.240.0/20

veth_pair_up() { # TAG
  near="${1}n"
  far="${1}f"
  work="$(mktemp -d /tmp/tumen-veth-pair.XXXXXX)"
  trap veth_pair_down EXIT
  ip netns add "$near"
  ip netns add "$far"
  ip link add "${1}a" type veth peer name "${1}b"
  ip link set "${1}a" netns "$near"
  ip link set "${1}b" netns "$far"
  ip -n "$near" link set lo up
  ip -n "$far" link set lo up
  ip -n "$near" addr add "$near_addr/30" dev "${1}a"
  ip -n "$far" addr add "$far_addr/30" dev "${1}b"
  ip -n "$near" link set "${1}a" up
  ip -n "$far" link set "${1}b" up
  ip netns exec "$far" sysctl -qw net.ipv4.ip_forward=0
  ip -n "$near" route add "$prefix" via "$far_addr"
  ip netns exec "$near" ping -c 1 -W 1 "$far_addr" >/dev/null
}

veth_pair_down() {
  ip netns del "$near" 2>/dev/null || true
  ip netns del "$far" 2>/dev/null || true
  rm -rf "$work"
}
