# shellcheck shell=bash disable=SC2034  # PL_* variables are for the scripts that source this
# The tumen pipeline in the namespace lab, as shell functions: controller and Prometheus in
# the `mgmt` namespace, one agent per vantage point, all talking over the lab's management
# network. Sourced by deploy/lab/demo_pipeline.sh and the end-to-end tests (tests/e2e/).
# Nothing here sends a packet from the host namespace: every process runs under
# `ip netns exec <lab namespace>`, every HTTP request too.
#
#   source deploy/lab/pipeline.sh
#   pl_init                 # paths, binaries, work directory, cleanup trap
#   pl_lab_up               # lab.sh up (TUMEN_LAB, TUMEN_LAB_LOSS honoured)
#   pl_campaign 5s [1s [2s]] # schedules/lab.yaml with a 5 s interval [jitter [watch_interval]]
#   pl_controller_start; pl_agents_start; pl_prometheus_start
#   pl_api /api/v1/paths    # GET from inside mgmt
#
# Variables the caller may set before pl_init: TUMEN_LAB (lab name, default tl),
# TUMEN_BUILD_DIR (default <repo>/build), TUMEN_AGENT / TUMEN_CONTROLLER (binaries, default
# from the build directory), PL_KEEP_WORK=1 (keep the work directory),
# TUMEN_LAB_PLAIN_HTTP=1 (the controller without TLS; agents then need allow_plain_http).
#
# TLS is the default: pl_init runs `tumen-controller init-tls` into $PL_WORK/tls for the
# controller's mgmt address; the controller serves https, agents verify it with ca_file,
# Prometheus with tls_config, curl with --cacert (pl_curl_controller).

PL_CONTROLLER_PORT=8470
PL_AGENT_METRICS_PORT=9470
PL_PROMETHEUS_PORT=9090

pl_log() { printf '%s\n' "$*" >&2; }
pl_die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# pl_init: sets PL_ROOT, PL_BUILD, PL_AGENT, PL_CONTROLLER, PL_WORK, sources lab.env and
# installs the cleanup trap. Exits 77 (skip) when not root.
pl_init() {
  PL_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  PL_LAB_SH="$PL_ROOT/deploy/lab/lab.sh"
  export TUMEN_LAB="${TUMEN_LAB:-tl}"
  PL_BUILD="${TUMEN_BUILD_DIR:-$PL_ROOT/build}"
  # shellcheck source=/dev/null
  . "$PL_ROOT/deploy/lab/lab.env"
  if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: the lab needs root (network namespaces)"
    exit 77
  fi
  [ -x "$PL_LAB_SH" ] || pl_die "$PL_LAB_SH missing"
  PL_AGENT="${TUMEN_AGENT:-$(pl_find_binary tumen-agent)}" || pl_die "tumen-agent is not built in $PL_BUILD"
  PL_CONTROLLER="${TUMEN_CONTROLLER:-$(pl_find_binary tumen-controller)}" ||
    pl_die "tumen-controller is not built in $PL_BUILD"
  for tool in ip curl python3; do
    command -v "$tool" >/dev/null 2>&1 || pl_die "$tool not installed (deploy/install-deps.sh)"
  done
  PL_WORK="$(mktemp -d "/tmp/tumen-pipeline-${TUMEN_LAB}.XXXXXX")"
  PL_PIDS=()
  declare -gA PL_PID_OF=()
  declare -gA PL_TOKEN_OF=()
  trap pl_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  pl_tls_init
}

# pl_tls_init: PL_TLS=1 and the controller's CA and certificate in $PL_WORK/tls (for the mgmt
# address), unless TUMEN_LAB_PLAIN_HTTP=1 (PL_TLS=0).
pl_tls_init() {
  PL_TLS=1
  PL_TLS_DIR="$PL_WORK/tls"
  if [ "${TUMEN_LAB_PLAIN_HTTP:-0}" = 1 ]; then
    PL_TLS=0
    return 0
  fi
  "$PL_CONTROLLER" init-tls "$PL_TLS_DIR" --host "$LAB_MGMT_CONTROLLER" --days 2 \
    >"$PL_WORK/init-tls.log" 2>&1 || {
    cat "$PL_WORK/init-tls.log" >&2
    pl_die "tumen-controller init-tls failed"
  }
  PL_CA_FILE="$PL_TLS_DIR/ca.crt"
}

pl_find_binary() {
  local name="$1" path
  for path in "$PL_BUILD/probe/agent/$name" "$PL_BUILD/controller/tool/$name" "$PL_BUILD/bin/$name"; do
    [ -x "$path" ] && { echo "$path"; return 0; }
  done
  path="$(find "$PL_BUILD" -maxdepth 4 -type f -name "$name" -perm -u+x 2>/dev/null | head -n1)"
  [ -n "$path" ] && { echo "$path"; return 0; }
  return 1
}

# The EXIT trap pl_init installs: pl_teardown, then exit with the script's status.
pl_cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  pl_teardown "$rc"
  exit "$rc"
}

# pl_teardown RC: kills what we started (by pid), brings the lab down, shows the logs when RC
# is a failure (not 0 or 77), removes the work directory. (tests/lib/lab_test.sh runs it from
# its own EXIT trap.)
pl_teardown() {
  local rc=$1 pid
  for pid in "${PL_PIDS[@]:-}"; do
    if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; fi
  done
  for pid in "${PL_PIDS[@]:-}"; do
    [ -n "$pid" ] || continue
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    kill -KILL "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  if [ -n "${PL_LAB_SH:-}" ] && [ "${PL_LAB_STARTED:-0}" = 1 ]; then
    "$PL_LAB_SH" down >/dev/null 2>&1 || pl_log "warning: lab.sh down failed"
  fi
  if [ -n "${PL_WORK:-}" ] && [ -d "$PL_WORK" ]; then
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
      pl_log "logs of the failed run:"
      local f
      for f in "$PL_WORK"/*.log; do
        [ -f "$f" ] || continue
        pl_log "--- $f (last 15 lines)"
        tail -n 15 "$f" >&2 || true
      done
    fi
    if [ "${PL_KEEP_WORK:-0}" = 1 ]; then
      pl_log "work directory kept: $PL_WORK"
    else
      rm -rf "$PL_WORK"
    fi
  fi
}

pl_ns() { echo "${TUMEN_LAB}-$1"; }
pl_exec() { # pl_exec NODE CMD...
  local node="$1"
  shift
  ip netns exec "$(pl_ns "$node")" "$@"
}

# pl_lab_up: a fresh lab (a leftover one of the same name is removed first).
pl_lab_up() {
  "$PL_LAB_SH" down >/dev/null 2>&1 || true
  PL_LAB_STARTED=1
  "$PL_LAB_SH" up >"$PL_WORK/lab.log" 2>&1 || {
    cat "$PL_WORK/lab.log" >&2
    pl_die "lab.sh up failed"
  }
}

# pl_campaign INTERVAL [JITTER [WATCH]]: $PL_WORK/campaign.yaml = schedules/lab.yaml with another
# round interval (and jitter, and watch probes every WATCH between rounds: docs/agent.md).
pl_campaign() {
  local interval="$1" jitter="${2:-1s}" watch="${3:-}"
  PL_INTERVAL_S="$(pl_seconds "$interval")"
  sed -E -e "s/^([[:space:]]*)interval:.*/\1interval: ${interval}/" \
    -e "s/^([[:space:]]*)jitter:.*/\1jitter: ${jitter}/" \
    "$PL_ROOT/schedules/lab.yaml" >"$PL_WORK/campaign.yaml"
  grep -q "interval: ${interval}\$" "$PL_WORK/campaign.yaml" || pl_die "could not set the campaign interval"
  if [ -n "$watch" ]; then
    sed -i -E "s/^([[:space:]]*)interval: ${interval}\$/&\n\1watch_interval: ${watch}/" "$PL_WORK/campaign.yaml"
    grep -q "watch_interval: ${watch}\$" "$PL_WORK/campaign.yaml" || pl_die "could not set watch_interval"
  fi
}

pl_seconds() { # "5s" / "500ms" / "1m" -> seconds (may be fractional)
  python3 -c '
import re, sys
m = re.fullmatch(r"(\d+)(ms|s|m|h)?", sys.argv[1])
if not m: sys.exit("bad duration " + sys.argv[1])
v = int(m.group(1)); u = m.group(2) or "s"
print(v * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[u])' "$1"
}

# pl_tokens AGENT...: a token per agent (PL_TOKEN_OF) and the hashes the controller needs,
# from `tumen-controller hash-token`.
pl_tokens() {
  local a token hash
  : >"$PL_WORK/agents.yaml"
  for a in "$@"; do
    token="$(python3 -c 'import secrets; print(secrets.token_hex(32))')"
    hash="$(printf '%s\n' "$token" | "$PL_CONTROLLER" hash-token 2>>"$PL_WORK/hash-token.log")" ||
      pl_die "tumen-controller hash-token failed (see $PL_WORK/hash-token.log)"
    PL_TOKEN_OF[$a]="$token"
    printf '%s\n' "$token" >"$PL_WORK/token-$a"
    chmod 600 "$PL_WORK/token-$a"
    printf '  - name: %s\n    token_hash: "%s"\n' "$a" "$hash" >>"$PL_WORK/agents.yaml"
  done
}

# pl_controller_config: $PL_WORK/controller.yaml (listen on the mgmt address, SQLite in the
# work directory, the lab's pfx2as table, the campaign written by pl_campaign, names of the
# lab's transits in the ipinfo AS-names format, shown by the API).
pl_controller_config() {
  printf 'asn,name,country,registry\nAS%s,lab China Unicom,ZZ,lab\nAS%s,lab TTK,ZZ,lab\nAS%s,lab Tata,ZZ,lab\n' \
    "$LAB_CU_AS" "$LAB_TTK_AS" "$LAB_TATA_AS" >"$PL_WORK/asnames.csv"
  {
    echo "listen: ${LAB_MGMT_CONTROLLER}:${PL_CONTROLLER_PORT}"
    echo "database: $PL_WORK/controller.db"
    echo "campaigns: [$PL_WORK/campaign.yaml]"
    echo "pfx2as: [$PL_ROOT/deploy/lab/pfx2as.txt]"
    echo "as_names: [$PL_WORK/asnames.csv]"
    # K = 2 consecutive traces confirm a change: detection within two rounds of a flip.
    echo "hysteresis: ${PL_HYSTERESIS:-2}"
    echo "campaign_poll: 1s"
    if [ "$PL_TLS" = 1 ]; then
      printf 'tls:\n  cert: %s\n  key: %s\n' "$PL_TLS_DIR/controller.crt" "$PL_TLS_DIR/controller.key"
    fi
    echo "agents:"
    cat "$PL_WORK/agents.yaml"
  } >"$PL_WORK/controller.yaml"
}

pl_controller_scheme() { if [ "$PL_TLS" = 1 ]; then echo https; else echo http; fi; }
pl_controller_url() { echo "$(pl_controller_scheme)://${LAB_MGMT_CONTROLLER}:${PL_CONTROLLER_PORT}"; }

# pl_curl_controller ARGS...: curl from inside mgmt with the controller's CA (when TLS);
# ARGS carry the URL (from pl_controller_url) and any other option.
pl_curl_controller() {
  if [ "$PL_TLS" = 1 ]; then
    pl_exec mgmt curl --cacert "$PL_CA_FILE" "$@"
  else
    pl_exec mgmt curl "$@"
  fi
}

# pl_start NAME NODE CMD...: starts CMD in NODE's namespace, output to $PL_WORK/NAME.log.
pl_start() {
  local name="$1" node="$2"
  shift 2
  ip netns exec "$(pl_ns "$node")" "$@" >>"$PL_WORK/$name.log" 2>&1 &
  PL_PID_OF[$name]=$!
  PL_PIDS+=("$!")
  disown "$!" # no job-control chatter when it is killed; pl_stop/pl_cleanup wait by pid
}

# pl_stop NAME [SIGNAL]: signals a process started by pl_start and waits for it to exit.
pl_stop() {
  local name="$1" sig="${2:-TERM}" pid="${PL_PID_OF[$1]:-}"
  [ -n "$pid" ] || return 0
  kill -"$sig" "$pid" 2>/dev/null || true
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  unset "PL_PID_OF[$name]"
}

# pl_all_alive: every process started by pl_start (and not stopped by pl_stop) still runs;
# otherwise names the dead one and its log.
pl_all_alive() {
  local name
  for name in "${!PL_PID_OF[@]}"; do
    if ! kill -0 "${PL_PID_OF[$name]}" 2>/dev/null; then
      pl_log "$name exited unexpectedly (log: $PL_WORK/$name.log):"
      tail -n 5 "$PL_WORK/$name.log" >&2 || true
      return 1
    fi
  done
}

pl_running() { local pid="${PL_PID_OF[$1]:-}"; [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }

# pl_wait_for SECONDS DESCRIPTION CMD...: polls CMD (every 0.5 s) until it succeeds.
pl_wait_for() {
  local timeout="$1" what="$2"
  shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    pl_all_alive || return 1
    if [ "$SECONDS" -ge "$deadline" ]; then
      pl_log "timed out after ${timeout}s waiting for: $what"
      return 1
    fi
    sleep 0.5
  done
}

pl_controller_start() {
  [ -f "$PL_WORK/controller.yaml" ] || pl_controller_config
  pl_start controller mgmt "$PL_CONTROLLER" serve --config "$PL_WORK/controller.yaml"
  pl_wait_for 20 "controller at $(pl_controller_url)" pl_api /metrics ||
    pl_die "the controller did not come up (log: $PL_WORK/controller.log)"
}

# pl_agent_config VP: $PL_WORK/agent-VP.yaml (ca_file with TLS; allow_plain_http without).
pl_agent_config() {
  local vp="$1" mgmt_var="LAB_MGMT_ADDR_$1" trust="  allow_plain_http: true"
  if [ "$PL_TLS" = 1 ]; then trust="  ca_file: $PL_CA_FILE"; fi
  cat >"$PL_WORK/agent-$vp.yaml" <<EOF
agent: $vp
labels: [lab]
controller:
  url: $(pl_controller_url)
$trust
  token_file: $PL_WORK/token-$vp
  timeout: 2s
  poll_interval: 5s
  backoff_initial: 500ms
  backoff_max: 2s
spool:
  dir: $PL_WORK/spool-$vp
pps: 200
metrics:
  listen: ${!mgmt_var}:${PL_AGENT_METRICS_PORT}
EOF
}

# pl_agent_start VP [OPTION...]: tumen-agent run --config (its pl_agent_config) [OPTION...].
pl_agent_start() {
  local vp="$1"
  shift
  [ -f "$PL_WORK/agent-$vp.yaml" ] || pl_agent_config "$vp"
  pl_start "agent-$vp" "$vp" "$PL_AGENT" run --config "$PL_WORK/agent-$vp.yaml" "$@"
}

pl_agents_start() {
  local vp
  for vp in $LAB_VPS; do pl_agent_start "$vp"; done
}

# pl_prometheus_start: Debian's prometheus in mgmt with deploy/prometheus/lab-prometheus.yml
# (its controller job scrapes https with tls_config ca_file ca.crt, the lab CA copied beside
# it; without TLS the job's scheme and tls_config lines are left out).
pl_prometheus_start() {
  command -v prometheus >/dev/null 2>&1 || pl_die "prometheus not installed (deploy/install-deps.sh)"
  mkdir -p "$PL_WORK/prometheus/data"
  cp "$PL_ROOT/deploy/prometheus/lab-prometheus.yml" "$PL_ROOT/deploy/prometheus/tumen-rules.yml" \
    "$PL_WORK/prometheus/"
  if [ "$PL_TLS" = 1 ]; then
    cp "$PL_CA_FILE" "$PL_WORK/prometheus/ca.crt"
  else
    sed -i -E '/^ *(scheme: https|tls_config:|ca_file: ca\.crt)$/d' "$PL_WORK/prometheus/lab-prometheus.yml"
  fi
  pl_prometheus_run "$PL_WORK/prometheus/lab-prometheus.yml" "$PL_WORK/prometheus/data" ||
    pl_die "prometheus did not come up (log: $PL_WORK/prometheus.log)"
}

# pl_prometheus_run CONFIG DATA_DIR: starts Debian's prometheus in mgmt with CONFIG on the lab's
# Prometheus port and waits until it is ready; non-zero when it does not come up in 30 s.
pl_prometheus_run() {
  pl_start prometheus mgmt prometheus \
    --config.file="$1" \
    --storage.tsdb.path="$2" \
    --web.listen-address="${LAB_MGMT_CONTROLLER}:${PL_PROMETHEUS_PORT}" \
    --log.level=warn
  pl_wait_for 30 "prometheus ready" pl_exec mgmt curl -sf -m 2 \
    "http://${LAB_MGMT_CONTROLLER}:${PL_PROMETHEUS_PORT}/-/ready"
}

# pl_api PATH: GET from the controller, from inside mgmt; prints the body, fails on HTTP errors.
pl_api() {
  pl_curl_controller -sf -m 5 "$(pl_controller_url)$1"
}

# pl_prom_query PROMQL: instant query against the lab Prometheus (JSON on stdout).
pl_prom_query() {
  pl_exec mgmt curl -sf -m 5 -G "http://${LAB_MGMT_CONTROLLER}:${PL_PROMETHEUS_PORT}/api/v1/query" \
    --data-urlencode "query=$1"
}

# pl_agent_metrics VP: the agent's own /metrics, fetched from inside mgmt.
pl_agent_metrics() {
  local mgmt_var="LAB_MGMT_ADDR_$1"
  pl_exec mgmt curl -sf -m 5 "http://${!mgmt_var}:${PL_AGENT_METRICS_PORT}/metrics"
}

# pl_agent_metric VP NAME: the value of an unlabelled metric in the agent's /metrics ("absent"
# when the agent does not export it).
pl_agent_metric() {
  pl_agent_metrics "$1" | awk -v m="$2" '$1 == m { v = $2 } END { print (v == "" ? "absent" : v + 0) }'
}

pl_now() { date +%s.%N; }
