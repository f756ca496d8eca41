# Sourced by the probe lab tests: root check (exit 77 = skipped), paths, own lab up/down.
# Usage: TEST_LAB=name; . "$(dirname "$0")/common.sh"
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then
  echo "skipped: the lab needs root (network namespaces)"
  exit 77
fi
src_dir="${TUMEN_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}"
build_dir="${TUMEN_BUILD_DIR:-$src_dir/build}"
export TUMEN_BUILD_DIR="$build_dir"
probe="$build_dir/probe/tool/tumen-probe"
[ -x "$probe" ] || { echo "FAIL: $probe not built"; exit 1; }
lab="$src_dir/deploy/lab/lab.sh"
here="$src_dir/tests/probe/lab"
# shellcheck source=deploy/lab/lab.env
. "$src_dir/deploy/lab/lab.env"
export TUMEN_LAB="$TEST_LAB"
work="$(mktemp -d "/tmp/tumen-$TEST_LAB.XXXXXX")"
trap '"$lab" down >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
"$lab" up
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
# in_vp VP CMD...: run CMD in the VP's namespace.
in_vp() { local vp="$1"; shift; "$lab" exec "$vp" "$@"; }
