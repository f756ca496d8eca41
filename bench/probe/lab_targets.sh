# Sourced by the /22 benchmarks (bench/probe/run.sh, bench/probe/rss_breakdown.sh):
# brings the lab named $TUMEN_LAB up until the script exits, and sets
#   work      a temporary directory, removed at exit
#   ns        the fra vantage point's namespace
#   ntargets  the number of addresses of the lab's target /22, one a line in $work/targets
# Needs $lab (deploy/lab/lab.sh) and deploy/lab/lab.env sourced.
work="$(mktemp -d /tmp/tumen-bench.XXXXXX)"
trap '"$lab" down >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
"$lab" up >"$work/lab.log" 2>&1 || { cat "$work/lab.log" >&2; echo "$0: lab up failed" >&2; exit 1; }
ns="$("$lab" ns fra)"
python3 -c 'import ipaddress,sys
for a in ipaddress.ip_network(sys.argv[1]): print(a)' "$LAB_TARGET_PREFIX" >"$work/targets"
ntargets=$(wc -l <"$work/targets")
