#!/usr/bin/env python3
"""Annotates scamper JSON traces with origin ASes and says which border AS was crossed.

  scamper -O json -c 'trace -P udp-paris' -i ADDR | trace_verdict.py --pfx2as pfx2as.txt --vp fra

For each trace: one line per hop (address, AS from the CAIDA pfx2as file by longest prefix
match, RTT), then a verdict such as "fra -> 198.19.177.1: China Unicom (AS4837)": the AS of
the last mapped hop before the first hop in the target's AS (the border AS). Exit status 1
when no trace could be read or the verdict is unknown.
"""
import argparse
import ipaddress
import json
import sys

AS_NAMES = {
    4837: "China Unicom",
    20485: "TransTelecom",
    131279: "Star JV",
    24940: "Hetzner",
    2516: "KDDI",
    8359: "MTS",
}


def load_pfx2as(path):
    table = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 3:
                sys.exit(f"{path}:{n}: expected 'prefix<TAB>length<TAB>AS', got {line!r}")
            try:
                net = ipaddress.ip_network(f"{parts[0]}/{parts[1]}")
                asn = int(parts[2].split("_")[0].split(",")[0])
            except ValueError as e:
                sys.exit(f"{path}:{n}: {e}")
            table.append((net, asn))
    table.sort(key=lambda t: t[0].prefixlen, reverse=True)
    return table


def lookup(table, addr):
    a = ipaddress.ip_address(addr)
    for net, asn in table:
        if a in net:
            return asn
    return None


def as_label(asn):
    if asn is None:
        return "unmapped"
    name = AS_NAMES.get(asn)
    return f"{name} (AS{asn})" if name else f"AS{asn}"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pfx2as", required=True)
    p.add_argument("--vp", default="", help="vantage point name for the verdict line")
    p.add_argument("--quiet", action="store_true", help="print only the verdict")
    args = p.parse_args()
    table = load_pfx2as(args.pfx2as)
    ok = False
    for n, line in enumerate(sys.stdin, 1):
        line = line.strip()
        if not line:
            continue
        try:
            o = json.loads(line)
        except json.JSONDecodeError as e:
            print(f"stdin:{n}: not JSON: {e}", file=sys.stderr)
            continue
        if o.get("type") != "trace":
            continue
        dst = o.get("dst", "?")
        target_as = lookup(table, dst) if dst != "?" else None
        hops = {}
        for h in o.get("hops", []):
            hops.setdefault(h.get("probe_ttl"), h)
        last = max([t for t in hops if isinstance(t, int)] or [0])
        border = None
        for ttl in range(1, last + 1):
            h = hops.get(ttl)
            if h is None:
                if not args.quiet:
                    print(f"    {ttl:2d}  *")
                continue
            asn = lookup(table, h["addr"])
            if not args.quiet:
                print(f"    {ttl:2d}  {h['addr']:<15}  {as_label(asn):<26}  {h.get('rtt', 0):7.2f} ms")
            if target_as is not None and asn == target_as:
                break
            if asn is not None:
                border = asn
        who = f"{args.vp} -> {dst}" if args.vp else dst
        reached = any(h.get("addr") == dst for h in hops.values())
        if border is None or not reached:
            print(f"  {who}: unknown (stop reason {o.get('stop_reason')})")
        else:
            print(f"  {who}: {as_label(border)}")
            ok = True
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
