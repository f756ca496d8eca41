#!/usr/bin/env bash
# Builds the Debian packages with CPack (deploy/packaging.cmake) into a temporary directory
# and checks their content, dependencies and maintainer scripts.
# usage: check_packages.sh BUILD_DIR
# Skips (77) when cpack/dpkg-deb are missing or the three binaries are not built yet.
set -euo pipefail
build="${1:?build dir}"
for tool in cpack dpkg-deb; do
  command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool not installed"; exit 77; }
done
[ -f "$build/CPackConfig.cmake" ] || { echo "SKIP: $build has no CPackConfig.cmake"; exit 77; }
for bin in tumen-probe tumen-agent tumen-controller; do
  if [ -z "$(find "$build" -maxdepth 4 -type f -name "$bin" -perm -u+x 2>/dev/null | head -n1)" ]; then
    echo "SKIP: $bin is not built in $build (cmake --build $build --target $bin)"
    exit 77
  fi
done

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { # check DESCRIPTION COMMAND...
  local what="$1"
  shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; fail=1; fi
}

(cd "$tmp" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/out" >"$tmp/cpack.log" 2>&1) || {
  cat "$tmp/cpack.log"
  echo "FAIL: cpack -G DEB"
  exit 1
}
mapfile -t debs < <(find "$tmp/out" -maxdepth 1 -name '*.deb' -printf '%f\n' | sort)
echo "packages: ${debs[*]}"
check "exactly two packages" test "${#debs[@]}" -eq 2
agent="$(find "$tmp/out" -maxdepth 1 -name 'tumen-agent_*.deb' | head -n1)"
controller="$(find "$tmp/out" -maxdepth 1 -name 'tumen-controller_*.deb' | head -n1)"
[ -n "$agent" ] && [ -n "$controller" ] || { echo "FAIL: tumen-agent or tumen-controller .deb missing"; exit 1; }

dpkg-deb -c "$agent" | awk '{print $NF}' >"$tmp/agent.list"
dpkg-deb -c "$controller" | awk '{print $NF}' >"$tmp/controller.list"
has() { grep -qxF "$2" "$tmp/$1.list"; }
lacks() { ! grep -q "$2" "$tmp/$1.list"; }
check "agent has /usr/bin/tumen-probe" has agent ./usr/bin/tumen-probe
check "agent has /usr/bin/tumen-agent" has agent ./usr/bin/tumen-agent
check "agent has tumen-agent.service" has agent ./usr/lib/systemd/system/tumen-agent.service
check "agent has example agent.yaml" has agent ./usr/share/doc/tumen-agent/examples/agent.yaml
check "agent lacks the controller" lacks agent tumen-controller
check "controller has /usr/bin/tumen-controller" has controller ./usr/bin/tumen-controller
check "controller has tumen-controller.service" has controller ./usr/lib/systemd/system/tumen-controller.service
check "controller has example controller.yaml" has controller ./usr/share/doc/tumen-controller/examples/controller.yaml
check "controller has schedules/nk-border.yaml" has controller ./usr/share/tumen/schedules/nk-border.yaml
check "controller has the alert rules" has controller ./usr/share/tumen/prometheus/tumen-rules.yml
check "controller has the dashboard" has controller ./usr/share/tumen/grafana/tumen-border.json
check "controller lacks the probe" lacks controller tumen-probe
check "controller lacks the agent binary" lacks controller /usr/bin/tumen-agent

agent_depends="$(dpkg-deb -f "$agent" Depends)"
controller_depends="$(dpkg-deb -f "$controller" Depends)"
echo "tumen-agent Depends: $agent_depends"
echo "tumen-controller Depends: $controller_depends"
check "agent depends on libcap2-bin (setcap)" grep -q 'libcap2-bin' <<<"$agent_depends"
check "agent depends on libpcap" grep -q 'libpcap0.8' <<<"$agent_depends"
check "controller depends on libsqlite3" grep -q 'libsqlite3-0' <<<"$controller_depends"

dpkg-deb -e "$agent" "$tmp/agent.ctl"
dpkg-deb -e "$controller" "$tmp/controller.ctl"
check "controller postinst runs init-tls once" grep -q '/usr/bin/tumen-controller init-tls /etc/tumen/tls \$hosts' "$tmp/controller.ctl/postinst"
check "agent postinst runs setcap cap_net_raw+ep" grep -q 'setcap cap_net_raw+ep /usr/bin/tumen-probe' "$tmp/agent.ctl/postinst"
for c in agent controller; do
  for s in postinst prerm postrm; do
    check "$c $s is an executable, valid sh script" sh -n "$tmp/$c.ctl/$s"
    check "$c $s mode 755" test -x "$tmp/$c.ctl/$s"
  done
done
exit "$fail"
