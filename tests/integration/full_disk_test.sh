#!/usr/bin/env bash
# The agent on a full disk (issue 12, defect 5): runs tests/integration/full_disk_test.cpp in
# a private mount namespace with the spool on a 256 KiB tmpfs, so that filling it touches no
# real disk. Needs root (unshare -m, mount); exits 77 (skipped, visibly) otherwise.
#   full_disk_test.sh PROGRAM
set -euo pipefail
program="${1:?usage: full_disk_test.sh PROGRAM}"
if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: full_disk_test needs root (unshare -m, mount -t tmpfs)" >&2
  exit 77
fi
for tool in unshare mount; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "SKIP: $tool not found" >&2
    exit 77
  fi
done
disk="$(mktemp -d)"
trap 'rmdir "$disk" 2>/dev/null || true' EXIT
# In the namespace: a private tmpfs over $disk, gone with the namespace.
exec_in_ns='mount --make-rprivate / && mount -t tmpfs -o size=256k,mode=0700 tumen-full-disk "$0" &&
  TUMEN_FULL_DISK_DIR="$0" "$1"'
unshare -m sh -c "$exec_in_ns" "$disk" "$program"
