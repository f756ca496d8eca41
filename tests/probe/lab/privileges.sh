#!/usr/bin/env bash
# Without CAP_NET_RAW tumen-probe exits 1 with a message naming the capability and the
# setcap command (no crash); as root with --user it opens its sockets, drops to that user
# and still traces; an unknown --user is a clear error.
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "$0")/../../lib/lab_test.sh"
lab_test_begin tppriv capsh
probe="$(binary tumen-probe)"
lab_up

# capsh --drop removes CAP_NET_RAW from the bounding set, so root's next exec lacks it.
set +e
msg=$(in_ns fra capsh --drop=cap_net_raw -- -c "exec '$probe' trace --wait 200 '$LAB_TARGET_ADDR'" 2>&1 >/dev/null)
rc=$?
set -e
echo "without CAP_NET_RAW: exit $rc: $msg"
[ "$rc" -eq 1 ] || fail_soft "exit code $rc without CAP_NET_RAW (want 1)"
grep -q "CAP_NET_RAW" <<<"$msg" || fail_soft "message does not name CAP_NET_RAW"
grep -q "setcap cap_net_raw+ep" <<<"$msg" || fail_soft "message does not say how to grant it"

user=nobody
out="$WORK/user.json"
in_ns fra "$probe" trace --user "$user" --attempts 1 --wait 1000 --format json "$LAB_TARGET_ADDR" >"$out" &
pid=$!
# While it runs, the process must already belong to the user (no root left).
sleep 0.5
owner=$(ps -o user= -p "$pid" 2>/dev/null | tr -d ' ' || true)
child=$(pgrep -P "$pid" -x tumen-probe || true)
[ -n "$child" ] && owner=$(ps -o user=,ruser= -p "$child" | tr -s ' ')
wait "$pid" || fail_soft "--user $user run failed"
echo "--user $user: running as '$owner'; result: $(head -c 200 "$out")"
grep -q '"stop_reason":"completed"' "$out" || fail_soft "--user $user: trace did not complete"
[ -z "$child" ] || [ "$owner" = "$user $user" ] || fail_soft "--user $user: process ran as '$owner'"

set +e
msg=$(in_ns fra "$probe" trace --user no-such-user-xyz "$LAB_TARGET_ADDR" 2>&1 >/dev/null)
rc=$?
set -e
echo "unknown user: exit $rc: $msg"
[ "$rc" -eq 1 ] && grep -q "no such user" <<<"$msg" || fail_soft "unknown --user not reported"
finish
