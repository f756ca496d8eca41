#!/usr/bin/env bash
# tumen-probe (trace, ping, decode) must not load the agent daemon's libraries: they were
# 8-9 MB of its peak RSS on bench/probe/run.sh. The daemon is tumen-agent (probe/agent).
# Checks the ELF NEEDED entries of the binary; skips (77) without readelf.
# Usage: linkage.sh PATH/TO/tumen-probe PATH/TO/tumen-agent
set -u
probe="$1" agent="$2"
command -v readelf >/dev/null 2>&1 || { echo "SKIP: readelf (binutils) not installed"; exit 77; }
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
fail=0
probe_libs="$(needed "$probe")"
echo "tumen-probe NEEDED: $(echo $probe_libs)"
for lib in libssl libprometheus-cpp libcivetweb libspdlog libfmt libyaml-cpp libsqlite3 libz; do
  if grep -q "^$lib" <<<"$probe_libs"; then
    echo "FAIL: tumen-probe links $lib (an agent library; move the code to tumen-agent)"
    fail=1
  fi
done
for lib in libtins libpcap; do
  grep -q "^$lib" <<<"$probe_libs" || { echo "FAIL: tumen-probe does not link $lib"; fail=1; }
done
agent_libs="$(needed "$agent")"
echo "tumen-agent NEEDED: $(echo $agent_libs)"
for lib in libssl libprometheus-cpp-pull libtins libpcap; do
  grep -q "^$lib" <<<"$agent_libs" || { echo "FAIL: tumen-agent does not link $lib"; fail=1; }
done
[ "$fail" -eq 0 ] && echo "ok: tumen-probe loads no agent library"
exit "$fail"
