#!/usr/bin/env python3
"""Compares a tumen-probe JSON trace with scamper's JSON trace of the same target.

Usage: compare_traces.py TUMEN.json SCAMPER.json [--rate-limited A,B,..] [--ecmp A,B] [--ecmp C,D]
        [--same-flow]

Rules (documented in docs/probe.md, "Agreement with scamper"):
  * both traces must reach the destination at the same hop count;
  * at every TTL where both got a reply the addresses must be equal, except that when the two
    tools used different flows (no --same-flow) addresses of one ECMP group may differ;
  * a hop may answer in one trace and not in the other only if its address is a
    rate-limited router (--rate-limited); a hop silent in both is fine (silent router).
Prints a hop table and exits 1 on disagreement.
"""
import json
import sys


def load_tumen(path):
    with open(path) as f:
        t = json.loads(f.readline())
    hops = {}
    for h in t["result"]:
        addrs = {r["from"] for r in h["result"] if "from" in r}
        hops[h["hop"]] = addrs
    return t["stop_reason"], hops


def load_scamper(path):
    with open(path) as f:
        for line in f:
            o = json.loads(line)
            if o.get("type") == "trace":
                hops = {}
                for h in o.get("hops", []):
                    hops.setdefault(h["probe_ttl"], set()).add(h["addr"])
                return o["stop_reason"], hops
    raise SystemExit("no trace object in " + path)


def main():
    args = sys.argv[1:]
    tumen_path, scamper_path = args[0], args[1]
    rate_limited, ecmp, same_flow = set(), [], False
    i = 2
    while i < len(args):
        if args[i] == "--rate-limited":
            rate_limited |= set(args[i + 1].split(","))
            i += 2
        elif args[i] == "--ecmp":
            ecmp.append(set(args[i + 1].split(",")))
            i += 2
        elif args[i] == "--same-flow":
            same_flow = True
            i += 1
        else:
            raise SystemExit("unknown argument " + args[i])
    t_stop, t_hops = load_tumen(tumen_path)
    s_stop, s_hops = load_scamper(scamper_path)
    ok = True
    notes = []
    if t_stop != "completed" or s_stop != "COMPLETED":
        ok = False
        notes.append(f"stop reasons: tumen {t_stop}, scamper {s_stop}")
    t_len = max(t_hops) if t_hops else 0
    s_len = max(s_hops) if s_hops else 0
    if t_len != s_len:
        ok = False
        notes.append(f"destination at hop {t_len} (tumen) vs {s_len} (scamper)")
    for ttl in range(1, max(t_len, s_len) + 1):
        a, b = t_hops.get(ttl, set()), s_hops.get(ttl, set())
        verdict = "same"
        if a and b and a != b:
            if not same_flow and any(a <= g and b <= g for g in ecmp):
                verdict = "ECMP (different flows)"
            else:
                verdict = "DIFFERENT"
                ok = False
        elif bool(a) != bool(b):
            if (a | b) <= rate_limited:
                verdict = "rate-limited hop answered one tool only"
            else:
                verdict = "DIFFERENT (answered one tool only)"
                ok = False
        elif not a:
            verdict = "silent in both"
        print(f"  {ttl:2d}  tumen {','.join(sorted(a)) or '*':32s} scamper {','.join(sorted(b)) or '*':32s} {verdict}")
    for n in notes:
        print("  " + n)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
