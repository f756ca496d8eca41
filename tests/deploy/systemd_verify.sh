#!/usr/bin/env bash
# Checks the systemd units in deploy/systemd with `systemd-analyze verify` and checks that the
# hardening the deployment relies on is present. Skips (77) when systemd-analyze is missing.
# usage: systemd_verify.sh SOURCE_DIR [BUILD_DIR]
set -euo pipefail
src="${1:?source dir}"
build="${2:-}"
if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "SKIP: systemd-analyze not installed (package systemd)"
  exit 77
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fail=0

# systemd-analyze verify insists the ExecStart binary exists: use the built binary when there
# is one, a stand-in executable otherwise (the unit text is otherwise verified unchanged).
binary_for() {
  local name="$1" found=""
  if [ -n "$build" ]; then
    found="$(find "$build" -maxdepth 4 -type f -name "$name" -perm -u+x 2>/dev/null | head -n1)"
  fi
  if [ -z "$found" ]; then
    found="$tmp/bin/$name"
    mkdir -p "$tmp/bin"
    printf '#!/bin/sh\nexit 0\n' >"$found"
    chmod +x "$found"
  fi
  echo "$found"
}

for unit in tumen-agent tumen-controller; do
  file="$src/deploy/systemd/$unit.service"
  if [ ! -f "$file" ]; then
    echo "FAIL: $file missing"
    fail=1
    continue
  fi
  bin_name="tumen-agent"
  [ "$unit" = tumen-controller ] && bin_name="tumen-controller"
  bin="$(binary_for "$bin_name")"
  sed "s#/usr/bin/$bin_name#$bin#g" "$file" >"$tmp/$unit.service"
  if out="$(cd "$tmp" && systemd-analyze verify "$tmp/$unit.service" 2>&1)" && [ -z "$out" ]; then
    echo "ok: systemd-analyze verify $unit.service"
  else
    echo "FAIL: systemd-analyze verify $unit.service:"
    echo "$out"
    fail=1
  fi
done

# The directives the deployment depends on (docs/deploy.md).
require() {
  local unit="$1" line="$2"
  if grep -qxF -- "$line" "$src/deploy/systemd/$unit.service"; then
    echo "ok: $unit has $line"
  else
    echo "FAIL: $unit.service lacks '$line'"
    fail=1
  fi
}
for line in "DynamicUser=yes" "LoadCredential=token:/etc/tumen/agent.token" "AmbientCapabilities=CAP_NET_RAW" "CapabilityBoundingSet=CAP_NET_RAW" \
  "NoNewPrivileges=yes" "ProtectSystem=strict" "ProtectHome=yes" "PrivateTmp=yes" \
  "StateDirectory=tumen-agent" "SystemCallFilter=@system-service" "Restart=on-failure" \
  "RestrictAddressFamilies=AF_INET AF_INET6 AF_PACKET AF_NETLINK AF_UNIX" \
  'ExecReload=/bin/kill -HUP $MAINPID' \
  "ExecStart=/usr/bin/tumen-agent run --config /etc/tumen/agent.yaml"; do
  require tumen-agent "$line"
done
for line in "DynamicUser=yes" "LoadCredential=tls.key:/etc/tumen/tls/controller.key" \
  "CapabilityBoundingSet=" "NoNewPrivileges=yes" "ProtectSystem=strict" \
  "ProtectHome=yes" "PrivateTmp=yes" "StateDirectory=tumen-controller" \
  "SystemCallFilter=@system-service" "Restart=on-failure" 'ExecReload=/bin/kill -HUP $MAINPID' \
  "ExecStart=/usr/bin/tumen-controller serve --config /etc/tumen/controller.yaml"; do
  require tumen-controller "$line"
done
# No capability other than CAP_NET_RAW anywhere.
if grep -hE '^(Ambient|CapabilityBounding)[A-Za-z]*=' "$src"/deploy/systemd/*.service |
  grep -vE '=(CAP_NET_RAW)?$' >/dev/null; then
  echo "FAIL: a unit grants a capability other than CAP_NET_RAW"
  fail=1
fi
exit "$fail"
