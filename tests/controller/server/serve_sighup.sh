#!/usr/bin/env bash
# `tumen-controller serve` on 127.0.0.1 gets a real SIGHUP (issue 12, defect 3): the whole
# configuration is read again. After the first SIGHUP the removed agent's token gets 401 and
# the added agent is accepted; a second SIGHUP with a broken controller.yaml, and a third with
# a bad pfx2as line, keep all of the previous state, log the error with file:line, and the
# server keeps serving. No root, no lab: loopback only (TUMEN_CONTROLLER overrides the binary).
# shellcheck source=tests/lib/lab_test.sh disable=SC2317 # helpers run through check and wait_for
. "$(dirname "$0")/../../lib/lab_test.sh"

command -v curl >/dev/null || skip "curl is not installed"
CONTROLLER="$(binary tumen-controller)"
WORK="$(mktemp -d /tmp/tumen-serve-sighup.XXXXXX)"
trap lt_on_exit EXIT

cp "$LAB_SCHEDULE" "$WORK/campaigns.yaml"
cp "$LAB_PFX2AS" "$WORK/pfx2as.txt"
for a in fra tyo msk; do
  printf 'sighup-test-token-of-%s-0123456789\n' "$a" >"$WORK/$a.token"
done

# controller.yaml with the agents given (tokens from their token files) and extra lines.
write_config() {
  local extra=$1 a
  shift
  {
    echo "listen: 127.0.0.1:0"
    echo "database: controller.db"
    echo "campaigns: [campaigns.yaml]"
    echo "pfx2as: [pfx2as.txt]"
    echo "agents:"
    for a in "$@"; do
      echo "  - name: $a"
      echo "    token_file: $a.token"
    done
    printf '%s' "$extra"
  } >"$WORK/controller.yaml.new"
  mv "$WORK/controller.yaml.new" "$WORK/controller.yaml"
}

write_config "" fra tyo
"$CONTROLLER" serve --config "$WORK/controller.yaml" --port-file "$WORK/port" \
  >"$WORK/serve.log" 2>&1 &
PID=$!
at_exit "kill $PID 2>/dev/null; wait $PID 2>/dev/null"
wait_for 30 "the controller's port file" test -s "$WORK/port" || {
  cat "$WORK/serve.log"
  fail "tumen-controller serve did not start"
}
PORT=$(cat "$WORK/port")

# The HTTP status of agent $1's assignment request with its token.
status_of() {
  curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $(cat "$WORK/$1.token")" \
    "http://127.0.0.1:$PORT/api/v1/agents/$1/assignment"
}
# expect AGENT STATUS: the agent's assignment answers STATUS.
expect() { [ "$(status_of "$1")" = "$2" ]; }
# log_count TEXT: lines of the server log holding TEXT.
log_count() { grep -cF -- "$1" "$WORK/serve.log" || true; }
# log_grew TEXT N: more than N lines of the server log hold TEXT.
log_grew() { [ "$(log_count "$1")" -gt "$2" ]; }
# hup_logs TEXT: SIGHUP, then wait until one more log line holds TEXT.
hup_logs() {
  local before
  before=$(log_count "$1")
  kill -HUP "$PID"
  wait_for 10 "a log line \"$1\"" log_grew "$1" "$before"
}
metric() { curl -s "http://127.0.0.1:$PORT/metrics" | grep -F -- "$1" || true; }

check "before: fra accepted" expect fra 200
check "before: tyo accepted" expect tyo 200
check "before: msk (not configured) gets 401" expect msk 401

# 1. tyo removed, msk added.
write_config "" fra msk
kill -HUP "$PID"
check "after SIGHUP: the removed agent's token gets 401" wait_for 10 "tyo refused" expect tyo 401
check "after SIGHUP: the added agent is accepted" expect msk 200
check "after SIGHUP: fra still accepted" expect fra 200

# 2. A broken controller.yaml (line 12: an unknown key) that would also bring tyo back.
write_config "max_conections: 10"$'\n' fra msk tyo
check "bad controller.yaml: the failed reload is logged" hup_logs "reload failed"
check "the error names controller.yaml:12:1" \
  grep -qF "previous configuration stays in force: $WORK/controller.yaml:12:1:" "$WORK/serve.log"
check "bad controller.yaml: tyo still gets 401" expect tyo 401
check "bad controller.yaml: msk still accepted" expect msk 200

# 3. A valid controller.yaml that brings tyo back, but a pfx2as file with a bad line 8.
write_config "" fra msk tyo
printf '198.51.100.0\t24\tnot-an-as\n' >>"$WORK/pfx2as.txt"
check "bad pfx2as: the failed reload is logged" hup_logs "reload failed"
check "the error names pfx2as.txt:8" \
  grep -qF "previous configuration stays in force: $WORK/pfx2as.txt:8: " "$WORK/serve.log"
check "bad pfx2as: tyo still gets 401" expect tyo 401
check "bad pfx2as: msk still accepted" expect msk 200
check "tumen_config_reloads_total counts 1 ok" \
  test -n "$(metric 'tumen_config_reloads_total{result="ok"} 1')"
check "tumen_config_reloads_total counts 2 errors" \
  test -n "$(metric 'tumen_config_reloads_total{result="error"} 2')"

# 4. Mended: tyo comes back.
cp "$LAB_PFX2AS" "$WORK/pfx2as.txt"
kill -HUP "$PID"
check "mended: tyo accepted again" wait_for 10 "tyo accepted" expect tyo 200
check "the server is still running" kill -0 "$PID"
finish
