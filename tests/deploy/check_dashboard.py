#!/usr/bin/env python3
"""Checks deploy/grafana/tumen-border.json: well-formed JSON, Prometheus data source variable,
the panels the deployment documents (docs/deploy.md), only the controller's metric names, a
sane grid, and (when promtool is installed) every PromQL expression parses.

usage: check_dashboard.py DASHBOARD.json
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

# The controller's metric names (docs/api.md); histograms appear as _bucket/_sum/_count.
KNOWN_METRICS = {
    "tumen_border_path", "tumen_path_changes_total", "tumen_rtt_seconds", "tumen_border_rtt_seconds",
    "tumen_loss_ratio", "tumen_path_share_ratio", "tumen_agent_last_seen_timestamp_seconds",
    "tumen_results_ingested_total", "tumen_target_reachable", "tumen_rtt_window_seconds",
    "tumen_border_rtt_window_seconds", "tumen_path_loss_ratio",
}

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg)


def metric_names(expr):
    names = set()
    for name in re.findall(r"\btumen_[a-z_]+", expr):
        base = re.sub(r"_(bucket|sum|count)$", "", name)
        names.add(base)
    return names


def main():
    path = sys.argv[1]
    try:
        with open(path, encoding="utf-8") as f:
            dash = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        print(f"FAIL: {path}: not readable JSON: {e}")
        return 1

    if not isinstance(dash.get("schemaVersion"), int) or not 30 <= dash["schemaVersion"] <= 39:
        fail(f"schemaVersion {dash.get('schemaVersion')!r} outside 30..39")
    for key in ("uid", "title"):
        if not dash.get(key):
            fail(f"dashboard has no {key}")

    variables = {v.get("name"): v for v in dash.get("templating", {}).get("list", [])}
    ds = variables.get("datasource")
    if not ds or ds.get("type") != "datasource" or ds.get("query") != "prometheus":
        fail("no templating variable `datasource` of type datasource/prometheus")
    for name in ("agent", "target"):
        v = variables.get(name)
        if not v or "tumen_" not in json.dumps(v.get("query", "")):
            fail(f"no query variable `{name}` over tumen metrics")

    def check_ds(where, obj):
        d = obj.get("datasource")
        if not isinstance(d, dict) or d.get("type") != "prometheus" or d.get("uid") != "${datasource}":
            fail(f"{where}: datasource is {d!r}, expected the ${{datasource}} variable")

    exprs = []  # (where, expr)
    panels = [p for p in dash.get("panels", []) if p.get("type") != "row"]
    ids = [p.get("id") for p in dash.get("panels", [])]
    if len(ids) != len(set(ids)) or None in ids:
        fail(f"panel ids missing or not unique: {ids}")

    cells = {}
    for p in dash.get("panels", []):
        g = p.get("gridPos", {})
        if not all(isinstance(g.get(k), int) for k in "hwxy") or g["x"] + g["w"] > 24:
            fail(f"panel {p.get('title')!r}: bad gridPos {g}")
            continue
        for x in range(g["x"], g["x"] + g["w"]):
            for y in range(g["y"], g["y"] + g["h"]):
                if (x, y) in cells:
                    fail(f"panel {p.get('title')!r} overlaps {cells[(x, y)]!r}")
                    break
                cells[(x, y)] = p.get("title")
            else:
                continue
            break

    for p in panels:
        where = f"panel {p.get('title')!r}"
        if not p.get("title"):
            fail(f"panel id {p.get('id')} has no title")
        check_ds(where, p)
        if not p.get("targets"):
            fail(f"{where}: no queries")
        for t in p.get("targets", []):
            check_ds(where + " target", t)
            if not t.get("expr"):
                fail(f"{where}: query {t.get('refId')} has no expr")
            exprs.append((where, t.get("expr", ""), p.get("type")))

    annotations = [a for a in dash.get("annotations", {}).get("list", []) if a.get("expr")]
    for a in annotations:
        check_ds(f"annotation {a.get('name')!r}", a)
        exprs.append((f"annotation {a.get('name')!r}", a["expr"], "annotation"))

    for where, expr, _ in exprs:
        unknown = metric_names(expr) - KNOWN_METRICS
        if unknown:
            fail(f"{where}: unknown metric(s) {sorted(unknown)} in {expr!r}")

    def has(pred, what):
        if not any(pred(ptype, expr) for _, expr, ptype in exprs):
            fail(f"missing: {what}")

    has(lambda t, e: t in ("state-timeline", "table") and "tumen_border_path" in e and "== 1" in e,
        "current path per agent and target (state timeline or table of tumen_border_path == 1)")
    has(lambda t, e: t == "annotation" and "tumen_path_changes_total" in e,
        "path changes as annotations (tumen_path_changes_total)")
    has(lambda t, e: t == "timeseries" and "histogram_quantile" in e and "tumen_rtt_seconds_bucket" in e,
        "RTT per path (histogram_quantile over tumen_rtt_seconds_bucket)")
    has(lambda t, e: "tumen_path_share_ratio" in e, "share of agents per path (tumen_path_share_ratio)")

    # Every expression must parse: promtool check rules parses recording-rule expressions.
    promtool = shutil.which("promtool")
    if promtool:
        subst = {"$__rate_interval": "1m", "$__interval": "1m", "$__range": "1h"}
        lines = ["groups:", "  - name: dashboard", "    rules:"]
        for i, (_, expr, _) in enumerate(exprs):
            e = expr
            for k, v in subst.items():
                e = e.replace(k, v)
            e = re.sub(r"\$\{?[a-z_]+\}?", ".*", e)
            lines.append(f"      - record: dashboard_expr_{i}")
            lines.append(f"        expr: {json.dumps(e)}")
        with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as f:
            f.write("\n".join(lines) + "\n")
            rules = f.name
        try:
            r = subprocess.run([promtool, "check", "rules", rules], capture_output=True, text=True)
            if r.returncode != 0:
                fail("a dashboard expression does not parse:\n" + r.stdout + r.stderr)
            else:
                print(f"ok: {len(exprs)} PromQL expressions parse (promtool)")
        finally:
            os.unlink(rules)
    else:
        print("note: promtool not installed, PromQL syntax not checked")

    print(f"{path}: {len(panels)} panels, {len(exprs)} queries, {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
