#!/usr/bin/env python3
"""Reads the controller's and Prometheus' JSON answers (stdin) for deploy/lab/demo_pipeline.sh
and tests/e2e: prints readable tables and checks expectations (exit 0 = as expected,
1 = not (yet), 2 = malformed input). The controller's formats are in docs/api.md.

  count-verdicts --min N              verdicts (agent x target) with a path >= N
  paths-table                         verdict table of GET /api/v1/paths
  expect-paths --path P [--except AGENT:TARGET=PATH,...]
                                      every verdict is P, apart from the listed exceptions
  max-seq                             the highest change sequence number (0: none)
  count-changes [--after SEQ] [--not-agent A]    prints the number of change events
  expect-changes --after SEQ --agent A --to P --targets T1,T2
                                      every listed target has a change of A to P after SEQ
  unexpected-changes --after SEQ --allow A:T1,T2 lists changes after SEQ not allowed
  changes-table [--after SEQ] [--flip T] [--seen A:T=EPOCH,...]
                                      change events with their detection delay
  prom-table [--value-format ms]      an instant-query answer of Prometheus as a table
  prom-expect-changes --agent A --to P --targets T1,T2
                                      tumen_path_changes_total has those series (>= 1) and
                                      no series for another agent
  alerts-table                        GET /api/v1/alerts of Prometheus
"""
import argparse
import datetime as dt
import json
import re
import statistics
import sys


def fail_input(msg):
    print(f"pipeline_json: {msg}", file=sys.stderr)
    sys.exit(2)


def load():
    text = sys.stdin.read()
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        fail_input(f"stdin is not JSON ({e}): {text[:200]!r}")


def items(doc, *keys):
    """The list of objects in `doc`: the document itself or the first list under `keys`."""
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        for k in keys:
            if isinstance(doc.get(k), list):
                return doc[k]
    fail_input(f"expected a list or an object with one of {keys}")


def field(obj, *names, default=None):
    for n in names:
        if n in obj and obj[n] is not None:
            return obj[n]
    return default


def to_epoch(v):
    """UNIX seconds from a number, a numeric string or an RFC 3339 time."""
    if v is None:
        return None
    if isinstance(v, (int, float)):
        return float(v) / 1000.0 if v > 1e11 else float(v)
    s = str(v)
    try:
        return float(s)
    except ValueError:
        pass
    s = s.replace("Z", "+00:00")
    try:
        t = dt.datetime.fromisoformat(s)
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.timezone.utc)
    return t.timestamp()


def hhmmss(epoch):
    if epoch is None:
        return "-"
    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc).strftime("%H:%M:%S.%f")[:-3]


def verdicts(doc):
    out = []
    for v in items(doc, "paths", "verdicts", "items"):
        agent = field(v, "agent", "agent_id")
        target = field(v, "target", "prefix", "target_prefix")
        path = field(v, "path", "border_path", "verdict", "class")
        if agent is None or target is None:
            fail_input(f"verdict without agent/target: {v}")
        out.append((agent, target, path, v))
    return out


def changes(doc, after=None):
    """Change events with a sequence number above `after` (the last one seen before a flip).
    Not a time filter: `time` is the start of the first trace on the new path, and a trace
    that started before a flip can already see the new path."""
    out = []
    for c in items(doc, "changes", "events", "items"):
        ev = c.get("evidence") if isinstance(c.get("evidence"), dict) else {}
        first = to_epoch(field(c, "time", "first_new_time", default=ev.get("first_new_time")))
        seq = c.get("seq")
        if not isinstance(seq, int):
            fail_input(f"change event without an integer seq: {c}")
        if after is not None and seq <= after:
            continue
        out.append({
            "agent": field(c, "agent", "agent_id"),
            "target": field(c, "target", "prefix", "target_prefix"),
            "from": field(c, "from", "from_path"),
            "to": field(c, "to", "to_path"),
            "first": first,
            "last_old": to_epoch(ev.get("last_old_time")),
            "traces": ev.get("trace_ids") or [],
            "seq": seq,
            "raw": c,
        })
    return out


def table(rows, header):
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)] if rows else [len(h) for h in header]
    line = "   " + "  ".join(f"{{:<{w}}}" for w in widths)
    print(line.format(*header))
    print(line.format(*("-" * w for w in widths)))
    for r in rows:
        print(line.format(*(str(x) for x in r)))


def rtt_of(v):
    """RTT to the target of the verdict's latest trace (evidence.end_rtt_ms), else to the
    border hop."""
    ev = v.get("evidence") if isinstance(v.get("evidence"), dict) else {}
    ms = ev.get("end_rtt_ms")
    if not isinstance(ms, (int, float)):
        border = ev.get("border") if isinstance(ev.get("border"), dict) else {}
        ms = border.get("rtt_ms")
    return f"{ms:.1f} ms" if isinstance(ms, (int, float)) else "-"


def border_of(v):
    ev = v.get("evidence") if isinstance(v.get("evidence"), dict) else {}
    border = ev.get("border") if isinstance(ev.get("border"), dict) else {}
    return border.get("addr") or "-"


def state_of(v):
    """reachable / UNREACHABLE (a run of traces that stopped before the target) / stale."""
    if v.get("stale") is True:
        return "stale"
    return "UNREACHABLE" if v.get("reachable") is False else "reachable"


def cmd_paths_table(a):
    rows = sorted((ag, t, p or "(none)", state_of(v), border_of(v), rtt_of(v))
                  for ag, t, p, v in verdicts(load()))
    table(rows, ("agent", "target", "border path", "state", "border hop", "RTT (last trace)"))


def cmd_expect_reachable(a):
    """Exit 0 when every verdict (of --agent, if given) is reachable (--value true) or
    unreachable (--value false)."""
    want = a.value == "true"
    vs = [v for ag, _, _, v in verdicts(load()) if a.agent is None or ag == a.agent]
    return 0 if vs and all((v.get("reachable") is not False) == want for v in vs) else 1


def cmd_count_verdicts(a):
    n = sum(1 for _, _, p, _ in verdicts(load()) if p not in (None, "", "none"))
    return 0 if n >= a.min else 1


def cmd_expect_paths(a):
    exceptions = {}
    for e in filter(None, (a.except_ or "").split(",")):
        key, path = e.split("=")
        exceptions[key] = path
    bad = []
    for ag, t, p, _ in verdicts(load()):
        want = exceptions.get(f"{ag}:{t}", a.path)
        if p != want:
            bad.append(f"{ag} {t}: {p} (expected {want})")
    for b in bad:
        print("   unexpected verdict:", b, file=sys.stderr)
    return 1 if bad else 0


def cmd_max_seq(a):
    print(max([c["seq"] for c in changes(load())], default=0))


def cmd_count_changes(a):
    cs = changes(load(), a.after)
    if a.not_agent:
        cs = [c for c in cs if c["agent"] != a.not_agent]
    print(len(cs))


def cmd_expect_changes(a):
    cs = changes(load(), a.after)
    targets = set(filter(None, a.targets.split(",")))
    seen = {c["target"] for c in cs if c["agent"] == a.agent and c["to"] == a.to}
    return 0 if targets <= seen else 1


def cmd_unexpected_changes(a):
    agent, _, ts = a.allow.partition(":")
    allowed = set(filter(None, ts.split(",")))
    bad = [c for c in changes(load(), a.after) if not (c["agent"] == agent and c["target"] in allowed)]
    for c in bad:
        print(f"   {c['agent']} {c['target']}: {c['from']} -> {c['to']}, first new trace at {hhmmss(c['first'])}")
    return 1 if bad else 0


def cmd_changes_table(a):
    """Change events after --after with: the first trace on the new path (its start, whole
    seconds) and, when --seen gives it, when the change was first seen in the API."""
    cs = changes(load(), a.after)
    flip = a.flip
    seen = {}
    for item in filter(None, (a.seen or "").split(",")):
        key, _, t = item.partition("=")
        seen[key] = float(t)
    rows = []
    for c in sorted(cs, key=lambda c: (c["first"] or 0, c["agent"] or "", c["target"] or "")):
        s = seen.get(f"{c['agent']}:{c['target']}")
        rows.append((c["agent"], c["target"], f"{c['from']} -> {c['to']}",
                     c["raw"].get("detected_by") or "-",
                     hhmmss(c["first"])[:8],
                     f"{c['first'] - int(flip):+.0f} s" if c["first"] is not None and flip is not None else "-",
                     hhmmss(s)[:10] if s else "-",
                     f"{s - flip:+.1f} s" if s and flip is not None else "-"))
    if not rows:
        print("   (no change events)")
        return 0
    table(rows, ("agent", "target", "change", "found by", "first trace on new path", "- flip",
                 "seen in API", "detection delay"))
    return 0


def cmd_count_detected_by(a):
    """The number of change events after --after found by --by (watch or round)."""
    print(sum(1 for c in changes(load(), a.after) if c["raw"].get("detected_by") == a.by))


def metric_value(text, name, labels):
    """The value of the series NAME of Prometheus text whose labels include LABELS."""
    for line in text.splitlines():
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)$", line.strip())
        if not m or m.group(1) != name:
            continue
        have = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2)))
        if all(have.get(k) == v for k, v in labels.items()):
            return float(m.group(3))
    return None


def cmd_rtt_vs_ping(a):
    """One line: the controller's median RTT of a path (tumen_rtt_window_seconds, from its
    /metrics on stdin) next to the median of `ping` measured in the same run (--ping-file, ping's
    output) and the delay line's nominal round trip (--nominal-ms)."""
    text = sys.stdin.read()
    labels = {"agent": a.agent, "target": a.target, "path": a.path}
    med = metric_value(text, "tumen_rtt_window_seconds", dict(labels, quantile="0.5"))
    n = metric_value(text, "tumen_rtt_window_seconds_count", labels)
    with open(a.ping_file, encoding="utf-8", errors="replace") as f:
        pings = [float(x) for x in re.findall(r"time=([0-9.]+) ms", f.read())]
    ref = statistics.median(pings) if pings else None
    if med is None or med != med or ref is None:
        print(f"   {a.agent:<4} {a.path:<13} controller: {'-' if med is None else 'no samples'}, "
              f"ping: {len(pings)} replies")
        return 1
    med *= 1000
    print(f"   {a.agent:<4} {a.path:<13} controller median {med:7.2f} ms ({int(n or 0)} samples)   "
          f"ping median {ref:7.2f} ms ({len(pings)} pings)   difference {100 * (med - ref) / ref:+.1f} %   "
          f"delay line {a.nominal_ms:g} ms + links")
    return 0


def prom_result(doc):
    if not isinstance(doc, dict) or doc.get("status") != "success":
        fail_input(f"Prometheus answered {str(doc)[:200]}")
    return doc.get("data", {}).get("result", [])


def cmd_prom_table(a):
    res = prom_result(load())
    if not res:
        print("   (empty result)")
        return 0
    rows = []
    for r in res:
        m = dict(r.get("metric", {}))
        name = m.pop("__name__", "")
        for k in ("instance", "job"):
            m.pop(k, None)
        labels = ",".join(f'{k}="{v}"' for k, v in sorted(m.items()))
        value = r.get("value", [None, "?"])[1]
        if a.value_format == "ms":
            try:
                value = f"{float(value) * 1000:.1f} ms"
            except ValueError:
                pass
        rows.append((f"{name}{{{labels}}}", value))
    table(sorted(rows), ("series", "value"))
    return 0


def cmd_prom_expect_changes(a):
    res = prom_result(load())
    targets = set(filter(None, a.targets.split(",")))
    seen, other = set(), []
    for r in res:
        m = r.get("metric", {})
        try:
            v = float(r.get("value", [0, "0"])[1])
        except ValueError:
            v = 0
        if m.get("agent") == a.agent and m.get("to") == a.to and v >= 1:
            seen.add(m.get("target"))
        elif m.get("agent") != a.agent and v > 0:
            other.append(m)
    if other:
        print(f"   unexpected change series: {other}", file=sys.stderr)
    return 0 if targets <= seen and not other else 1


def cmd_alerts_table(a):
    doc = load()
    alerts = doc.get("data", {}).get("alerts", []) if isinstance(doc, dict) else []
    rows = []
    for al in alerts:
        lab = al.get("labels", {})
        rows.append((lab.get("alertname", "?"), al.get("state", "?"),
                     al.get("annotations", {}).get("summary", "")))
    if not rows:
        print("   (no alerts)")
        return 0
    table(sorted(rows), ("alert", "state", "summary"))
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("count-verdicts"); s.add_argument("--min", type=int, required=True)
    sub.add_parser("paths-table")
    s = sub.add_parser("expect-reachable"); s.add_argument("--value", choices=("true", "false"), required=True)
    s.add_argument("--agent")
    s = sub.add_parser("count-detected-by"); s.add_argument("--after", type=int); s.add_argument("--by", required=True)
    s = sub.add_parser("rtt-vs-ping"); s.add_argument("--agent", required=True); s.add_argument("--target", required=True)
    s.add_argument("--path", required=True); s.add_argument("--ping-file", required=True)
    s.add_argument("--nominal-ms", type=float, required=True)
    s = sub.add_parser("expect-paths"); s.add_argument("--path", required=True)
    s.add_argument("--except", dest="except_")
    s = sub.add_parser("count-changes"); s.add_argument("--after", type=int); s.add_argument("--not-agent")
    sub.add_parser("max-seq")
    s = sub.add_parser("expect-changes")
    for k in ("--agent", "--to", "--targets"):
        s.add_argument(k, required=True)
    s.add_argument("--after", type=int, required=True)
    s = sub.add_parser("unexpected-changes"); s.add_argument("--after", type=int, required=True)
    s.add_argument("--allow", required=True)
    s = sub.add_parser("changes-table"); s.add_argument("--after", type=int); s.add_argument("--flip", type=float)
    s.add_argument("--seen", help="AGENT:TARGET=EPOCH,... when each change was first seen")
    s = sub.add_parser("prom-table"); s.add_argument("--value-format")
    s = sub.add_parser("prom-expect-changes")
    for k in ("--agent", "--to", "--targets"):
        s.add_argument(k, required=True)
    sub.add_parser("alerts-table")
    a = p.parse_args()
    fn = globals()["cmd_" + a.cmd.replace("-", "_")]
    sys.exit(fn(a) or 0)


if __name__ == "__main__":
    main()
