#!/usr/bin/env bash
# Installs, as root, exactly the Debian 12 packages tumen needs to build, test and run the lab.
# Idempotent: does nothing (not even apt-get update) when everything is already there.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev libfuzzer-14-dev
  # libraries
  libtins-dev libpcap-dev libboost-dev libyaml-cpp-dev prometheus-cpp-dev doctest-dev
  libsqlite3-dev nlohmann-json3-dev libssl-dev libcli11-dev libspdlog-dev zlib1g-dev libjemalloc-dev
  libpqxx-dev libpq-dev
  robin-map-dev libsimdjson-dev
  # lab, reference tools and monitoring
  iproute2 iptables procps psmisc iputils-ping scamper traceroute prometheus curl python3 sqlite3
  time libcap2-bin dpkg-dev file util-linux systemd
  # the probe benchmarks: system calls per probe (bench/probe/run.sh BENCH_SYSCALLS=1) and
  # the RSS breakdown at exit (bench/probe/rss_breakdown.sh)
  strace
  # Graphviz: the tests check that `dot -Tsvg` accepts the path graphs (--format dot)
  graphviz
  # a throw-away PostgreSQL cluster for the store tests and the two-replica test
  postgresql-15
  # the controller's page: the JavaScript libraries it serves, and the browser its tests drive
  libjs-d3 libjs-chart.js chromium
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}; run this script as root" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
# Debian's prometheus package starts a system service; tumen runs its own inside the lab.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
  systemctl stop prometheus || true
fi
