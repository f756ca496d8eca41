#!/bin/sh
# Golden test of `tumen-controller classify` on the real public data: runs every case of
# tests/fixtures/classify/cases.txt from the data folder and compares exit status, stdout and
# stderr byte for byte with <case>.golden.gz. Exit 77 (skipped) when the data is absent.
#   classify_golden.sh TUMEN_CONTROLLER SOURCE_DIR [--record]
# The data folder is $TUMEN_SHARED_DIR/data/real, else SOURCE_DIR/../shared/data/real.
# --record rewrites the golden files (only when the output is meant to change).
set -u
export LC_ALL=C
exe=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$(cd "$2" && pwd)
mode=${3:-check}
fixtures=$src/tests/fixtures/classify
data=${TUMEN_SHARED_DIR:-$src/../shared}/data/real
if [ ! -d "$data" ]; then
    echo "SKIP: real data folder $data is absent (set TUMEN_SHARED_DIR)"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The campaigns over the data: one per destination AS of the result files (RouteViews pfx2as
# 2017-03-29), each destination's /24 as a target, classes for a few large transit networks;
# drafted from the data by the product itself, so that no real prefix sits in the tests.
# Star JV (AS131279) is left out: schedules/nk-border.yaml covers it.
(cd "$data" && "$exe" draft-campaigns --pfx2as pfx2as/routeviews-rv2-20170329-0200.pfx2as.gz \
    --class tata=6453 --class ntt=2914 --class level3=3356,3549 --class cogent=174 \
    --class telia=1299 --class gtt=3257 --class he=6939 --class ttk=20485 \
    --method udp-paris --method icmp-paris --method ping --exclude-asn 131279 \
    atlas/* scamper/*/*.jsonl scamper/*/malformed/*.jsonl traceroute_text/*/* \
    >"$tmp/real-campaigns.yaml" 2>"$tmp/draft.err")
rc=$?
# Exit 1: malformed records were skipped (the data holds deliberately malformed files).
if [ "$rc" -gt 1 ] || ! grep -q '^  - name: as' "$tmp/real-campaigns.yaml"; then
    echo "FAIL: draft-campaigns exited $rc:"
    tail -5 "$tmp/draft.err"
    exit 1
fi
campaigns="--campaign $tmp/real-campaigns.yaml --campaign $src/schedules/nk-border.yaml"
failed=0
count=0
while read -r name args; do
    case $name in '#'* | '') continue ;; esac
    count=$((count + 1))
    args=$(printf '%s' "$args" | sed "s|@CAMPAIGNS@|$campaigns|")
    # Globs expand inside the data folder, in the shell's (sorted) order.
    (cd "$data" && eval "\"$exe\" classify $args" >"$tmp/out" 2>"$tmp/err")
    rc=$?
    {
        echo "== exit $rc"
        echo "== stdout"
        cat "$tmp/out"
        echo "== stderr"
        sed "s|$src|@SOURCE@|g" "$tmp/err"
    } >"$tmp/$name"
    if [ "$mode" = --record ]; then
        gzip -9n <"$tmp/$name" >"$fixtures/$name.golden.gz"
        echo "recorded $name (exit $rc)"
    elif ! gzip -dc "$fixtures/$name.golden.gz" | cmp -s - "$tmp/$name"; then
        echo "FAIL: $name differs from $name.golden.gz:"
        gzip -dc "$fixtures/$name.golden.gz" | diff - "$tmp/$name" | head -20
        failed=$((failed + 1))
    else
        echo "ok: $name (exit $rc)"
    fi
done <"$fixtures/cases.txt"
[ "$count" -gt 0 ] || { echo "FAIL: no case in $fixtures/cases.txt"; exit 1; }
[ "$failed" -eq 0 ] || { echo "$failed of $count cases differ"; exit 1; }
echo "all $count cases identical"
