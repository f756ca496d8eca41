#!/usr/bin/env bash
# lab.sh up/down leaves nothing behind: no "${TUMEN_LAB}-*" namespace, no delay-line
# process, nothing new in the host namespace's `ip link`, no state directory. Also: `up` on
# a running lab replaces it, and `down` cleans up a partially built lab.
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "$0")/../lib/lab_test.sh"
lab_test_begin tud iptables python3
lab_down_on_exit # the test runs up and down itself; whatever is left goes at exit

host_links() { ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort; }
lab_namespaces() { ip netns list | awk '{print $1}' | grep "^$TUMEN_LAB-" || true; }
# Running (not zombie) delay lines that name one of this lab's namespaces.
lab_delaylines() {
  local p
  for p in $(pgrep -f -- tumen-delayline || true); do
    [ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" = Z ] && continue
    tr '\0' '\n' 2>/dev/null <"/proc/$p/cmdline" | grep -qx "$TUMEN_LAB-[a-z0-9-]*" && echo "$p"
  done
  return 0
}

lab down >/dev/null 2>&1 || true
before="$(host_links)"

lab up
n="$(lab_namespaces | wc -l)"
expected="$(wc -w <<<"$LAB_NODES")"
[ "$n" -eq "$expected" ] || fail "up created $n namespaces, expected $expected: $(lab_namespaces | tr '\n' ' ')"
[ "$(lab_delaylines | wc -l)" -eq 2 ] || fail "expected 2 delay lines, found: $(lab_delaylines | tr '\n' ' ')"
[ "$(host_links)" = "$before" ] || fail "up changed the host namespace's links: $(diff <(echo "$before") <(host_links) | tr '\n' ' ')"
grep -q "lab $TUMEN_LAB: $expected namespaces" <<<"$(lab status)" || fail "status does not report $expected namespaces"
pass "up: $n namespaces, 2 delay lines, host links unchanged"

# up again on a running lab: replaced, not doubled.
lab up
[ "$(lab_namespaces | wc -l)" -eq "$expected" ] || fail "second up: $(lab_namespaces | wc -l) namespaces"
[ "$(lab_delaylines | wc -l)" -eq 2 ] || fail "second up left $(lab_delaylines | wc -l) delay lines (expected 2)"
pass "up on a running lab replaces it"

lab down
[ -z "$(lab_namespaces)" ] || fail "down left namespaces: $(lab_namespaces | tr '\n' ' ')"
[ -z "$(lab_delaylines)" ] || fail "down left delay lines: $(lab_delaylines | tr '\n' ' ')"
[ ! -e "/run/tumen-lab/$TUMEN_LAB" ] || fail "down left /run/tumen-lab/$TUMEN_LAB"
[ "$(host_links)" = "$before" ] || fail "host links changed after down"
grep -q "lab $TUMEN_LAB: down" <<<"$(lab status)" || fail "status after down: $(lab status)"
pass "down removes namespaces, processes and state"

# A partially built lab (some namespaces, a process running inside one, no state dir).
ip netns add "$TUMEN_LAB-cu1"
ip netns add "$TUMEN_LAB-kp-br"
ip netns exec "$TUMEN_LAB-cu1" sleep 300 &
sleeper=$!
lab down
[ -z "$(lab_namespaces)" ] || fail "down after a partial up left: $(lab_namespaces | tr '\n' ' ')"
sleep 0.2
if kill -0 "$sleeper" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$sleeper/stat")" != Z ]; then
  fail "down left a process running inside the lab"
fi
wait "$sleeper" 2>/dev/null || true
pass "down cleans up a partial lab"

# down on nothing succeeds.
lab down || fail "down on an absent lab failed"
pass "down is idempotent"
