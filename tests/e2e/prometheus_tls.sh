#!/usr/bin/env bash
# End-to-end (lab, root): the real Prometheus scrapes a TLS controller with the controller job
# shipped in deploy/prometheus/prometheus.yml (scheme https, tls_config ca_file), only its
# target and the CA's path changed for the lab, and tumen metrics arrive through the query
# API. The same job with another CA must fail (up 0, an unknown-authority error): Prometheus
# really verifies the certificate. The controller refuses plain HTTP on its TLS port, and
# the agents deliver over https with ca_file. One agent records with --pcap-out: its own
# /metrics has the capture and recording counters (tumen_probe_capture_*, tumen_probe_pcap_*).
# Exit 77 without root or prometheus.
# shellcheck source=tests/lib/lab_test.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lab_test.sh"
require_tools prometheus
export TUMEN_LAB_PLAIN_HTTP=0 # this test is about TLS whatever the caller's environment says

pipeline_test_begin e2t
check "pipeline.sh made a CA for the controller (init-tls)" test -s "$PL_CA_FILE"
check "the controller key is mode 0600" test "$(stat -c %a "$PL_TLS_DIR/controller.key")" = 600
pl_lab_up
pl_campaign 5s 1s
# shellcheck disable=SC2086 # one argument per vantage point
pl_tokens $LAB_VPS
pl_controller_config
check "the lab controller.yaml has tls" grep -q "^tls:" "$PL_WORK/controller.yaml"
pl_controller_start
check "the controller URL is https" test "$(pl_controller_url)" = "https://${LAB_MGMT_CONTROLLER}:${PL_CONTROLLER_PORT}"
check "curl with the lab CA reads /metrics over https" pl_api /metrics
refused() { ! "$@" >/dev/null 2>&1; }
check "plain HTTP to the TLS port gets no answer" \
  refused pl_exec mgmt curl -sf -m 5 "http://${LAB_MGMT_CONTROLLER}:${PL_CONTROLLER_PORT}/metrics"
check "curl without the lab CA refuses the certificate" \
  refused pl_exec mgmt curl -sf -m 5 "https://${LAB_MGMT_CONTROLLER}:${PL_CONTROLLER_PORT}/metrics"
recording_vp="${LAB_VPS%% *}"
pl_agent_start "$recording_vp" --pcap-out "$PL_WORK/agent-$recording_vp.pcap"
for vp in $LAB_VPS; do [ "$vp" = "$recording_vp" ] || pl_agent_start "$vp"; done

# Another CA, which signed nothing the controller serves.
"$PL_CONTROLLER" init-tls "$PL_WORK/other-tls" --host "$LAB_MGMT_CONTROLLER" >/dev/null ||
  fail "init-tls for the other CA failed"

# The shipped job, for the lab: target and ca_file replaced, everything else as shipped.
mkdir -p "$PL_WORK/prom-tls/data"
python3 - "$SRC_DIR/deploy/prometheus/prometheus.yml" "$PL_WORK/prom-tls/prometheus.yml" \
  "${LAB_MGMT_CONTROLLER}:${PL_CONTROLLER_PORT}" "$PL_CA_FILE" "$PL_WORK/other-tls/ca.crt" <<'PY' ||
import copy, sys, yaml
src, out, target, ca, other_ca = sys.argv[1:]
shipped = yaml.safe_load(open(src))
jobs = [j for j in shipped["scrape_configs"] if j["job_name"] == "tumen-controller"]
if len(jobs) != 1:
    sys.exit("deploy/prometheus/prometheus.yml: no single job tumen-controller")
job = jobs[0]
if job.get("scheme") != "https":
    sys.exit("the shipped tumen-controller job does not scrape https (scheme: %r)" % job.get("scheme"))
if job.get("tls_config", {}).get("ca_file") != "/etc/tumen/tls/ca.crt":
    sys.exit("the shipped tumen-controller job has no tls_config.ca_file /etc/tumen/tls/ca.crt")
job["static_configs"] = [{"targets": [target]}]
job["tls_config"]["ca_file"] = ca
other = copy.deepcopy(job)
other["job_name"] = "tumen-controller-other-ca"
other["tls_config"]["ca_file"] = other_ca
cfg = {"global": {"scrape_interval": "2s", "scrape_timeout": "1s"}, "scrape_configs": [job, other]}
yaml.safe_dump(cfg, open(out, "w"), sort_keys=False)
PY
  fail "could not derive the lab job from the shipped prometheus.yml"
if command -v promtool >/dev/null 2>&1; then
  check "promtool accepts the derived configuration" promtool check config "$PL_WORK/prom-tls/prometheus.yml"
fi
pl_prometheus_run "$PL_WORK/prom-tls/prometheus.yml" "$PL_WORK/prom-tls/data" ||
  fail "prometheus did not come up (log: $PL_WORK/prometheus.log)"

# count PROMQL: the number of series of an instant query ("error" when the query fails).
count() {
  pl_prom_query "$1" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]["result"]))' ||
    echo error
}
up_is() { test "$(count "up{job=\"$1\"} == $2")" = 1; }
ingested() { test "$(count 'tumen_results_ingested_total{job="tumen-controller"} > 0')" != 0; }

if pl_wait_for 60 "up == 1 for the https job" up_is tumen-controller 1; then
  pass "Prometheus scrapes the TLS controller with the shipped job (up == 1)"
else
  fail_soft "Prometheus scrapes the TLS controller with the shipped job (up == 1)"
fi
if pl_wait_for 90 "tumen_results_ingested_total > 0 in Prometheus" ingested; then
  pass "tumen_results_ingested_total > 0 arrives through the query API over https"
else
  fail_soft "tumen_results_ingested_total > 0 arrives through the query API over https"
fi
# The other job's first scrape comes at its own offset in the scrape interval: wait for it.
check "the same job with another CA is down (up == 0)" \
  pl_wait_for 60 "up == 0 for the other-CA job" up_is tumen-controller-other-ca 0
other_error() {
  pl_exec mgmt curl -sf -m 5 "http://${LAB_MGMT_CONTROLLER}:${PL_PROMETHEUS_PORT}/api/v1/targets" |
    python3 -c '
import json, sys
t = [a for a in json.load(sys.stdin)["data"]["activeTargets"] if a["labels"]["job"] == "tumen-controller-other-ca"]
sys.exit(0 if t and "certificate" in t[0]["lastError"] else 1)'
}
check "its scrape error is about the certificate" \
  pl_wait_for 30 "a certificate error on the other-CA job" other_error
check "the https job scraped the agents' liveness" \
  test "$(count 'tumen_agent_last_seen_timestamp_seconds{job="tumen-controller"}')" -ge 1
# The agent's own /metrics: what --stats prints, for the capture and the recording.
metric_above() { local v; v="$(pl_agent_metric "$1" "$2")"; [ "$v" != absent ] && [ "$v" -gt "$3" ]; }
metric_is() { test "$(pl_agent_metric "$1" "$2")" = "$3"; }
check "$recording_vp: tumen_probe_capture_packets_total > 0" \
  metric_above "$recording_vp" tumen_probe_capture_packets_total 0
check "$recording_vp: tumen_probe_pcap_recorded_total > 0 (--pcap-out)" \
  metric_above "$recording_vp" tumen_probe_pcap_recorded_total 0
check "$recording_vp: tumen_probe_pcap_write_errors_total == 0" \
  metric_is "$recording_vp" tumen_probe_pcap_write_errors_total 0
check "$recording_vp: tumen_probe_pcap_dropped_total is exported" \
  metric_above "$recording_vp" tumen_probe_pcap_dropped_total -1
check "$recording_vp: the recording is on disk" test -s "$PL_WORK/agent-$recording_vp.pcap"
check "every process still runs" pl_all_alive

finish
