#!/usr/bin/env bash
# The README's main command: as root on Debian 12, installs what is missing, builds tumen,
# then tells the story of 1 Oct 2017 in the namespace lab with tumen's own agents and
# controller and a real Prometheus (deploy/lab/demo_pipeline.sh): all vantage points on
# China Unicom, msk's traffic to three of the four /24s flipped to TTK, the change detected,
# the flip back, teardown. Exits 0 only if the change was detected; leaves no namespace.
# It prints the URL of the controller's page and saves screenshots of it (with chromium):
# the path graph before the flip, the matrix, change events, RTT and path graphs after it,
# under $TUMEN_BUILD_DIR/artifacts/demo (TUMEN_DEMO_SHOTS), each path printed.
#
# Environment: TUMEN_BUILD_DIR (default build/), TUMEN_LAB (default tl),
# TUMEN_DEMO_SKIP_BUILD=1 to use an existing build, TUMEN_DEMO_INTERVAL (default 5s),
# TUMEN_LAB_PLAIN_HTTP=1 for a controller without TLS (the default is https with a CA made by
# `tumen-controller init-tls` in the run's work directory).
# deploy/lab/demo_scamper.sh shows the same lab with Debian's scamper only.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"

if [ "$(id -u)" -ne 0 ]; then
  echo "demo: run as root: the lab needs network namespaces" >&2
  exit 1
fi

echo "==> Dependencies"
"$here/install-deps.sh"

if [ "${TUMEN_DEMO_SKIP_BUILD:-0}" != 1 ]; then
  echo "==> Build"
  if [ -n "${TUMEN_BUILD_DIR:-}" ]; then
    cmake -S "$root" -B "$TUMEN_BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$TUMEN_BUILD_DIR" -j "$(nproc)" --target tumen-probe tumen-agent tumen-controller tumen-delayline
  else
    cmake --preset default >/dev/null
    cmake --build --preset default -j "$(nproc)" --target tumen-probe tumen-agent tumen-controller tumen-delayline
  fi
fi
export TUMEN_BUILD_DIR="${TUMEN_BUILD_DIR:-$root/build}"

exec "$here/lab/demo_pipeline.sh"
