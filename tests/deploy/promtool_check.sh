#!/usr/bin/env bash
# Runs promtool on the files in deploy/prometheus; skips (77) when promtool is missing.
# usage: promtool_check.sh config|rules|test DIR
#   config: promtool check config on prometheus.yml and lab-prometheus.yml
#   rules:  promtool check rules on tumen-rules.yml
#   test:   promtool test rules on tumen-rules.test.yml (every alert firing and not firing)
set -euo pipefail
mode="${1:?config|rules|test}"
dir="${2:?deploy/prometheus directory}"
if ! command -v promtool >/dev/null 2>&1; then
  echo "SKIP: promtool not installed (Debian package prometheus)"
  exit 77
fi
cd "$dir"
case "$mode" in
  config) promtool check config prometheus.yml && promtool check config lab-prometheus.yml ;;
  rules)
    promtool check rules tumen-rules.yml
    # Every alert the deployment documents is defined.
    for alert in BorderPathChanged AgentSilent PathRttUp LossUp ControllerConfigReloadFailed; do
      grep -q "alert: $alert\$" tumen-rules.yml || { echo "FAIL: alert $alert missing"; exit 1; }
    done
    ;;
  test) promtool test rules tumen-rules.test.yml ;;
  *) echo "unknown mode $mode" >&2; exit 2 ;;
esac
