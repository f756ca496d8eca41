#!/bin/sh
# Runs a test binary under one simdjson kernel: run_with_kernel.sh KERNEL CPU_FLAG EXE. Skips
# (exit 77) when the CPU lacks the kernel's instruction set (CPU_FLAG of /proc/cpuinfo, "-" for
# none): a forced kernel is not checked by simdjson before it runs.
set -eu
kernel=$1 flag=$2 exe=$3
if [ "$flag" != - ] && ! grep -qw "$flag" /proc/cpuinfo; then
    echo "skipped: this CPU has no $flag for simdjson's $kernel kernel"
    exit 77
fi
SIMDJSON_FORCE_IMPLEMENTATION=$kernel exec "$exe"
