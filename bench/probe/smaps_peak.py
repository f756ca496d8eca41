#!/usr/bin/env python3
"""Peak RSS of one command, split by mapping (bench/probe/rss_breakdown.sh prints the table).

Usage: smaps_peak.py OUT.json [STDOUT_FILE] -- CMD...

Runs CMD under `strace --seccomp-bpf -e trace=exit_group` with a 0.3 s delay injected at
exit_group (only that call stops: the rest runs untraced), so that the program's last state,
all its libraries still mapped, can be read even when it lives a few milliseconds. While it
runs, /proc/PID/smaps_rollup is read every few milliseconds; whenever the resident set is
the largest seen so far, the whole /proc/PID/smaps is read and kept. OUT.json gets that
snapshot's Rss per category and per library, in kB, with VmHWM (the kernel's peak, what
/usr/bin/time's %M reports) read at the same moment and at exit. CMD's stdout goes to
STDOUT_FILE (default: discarded), its stderr to STDOUT_FILE.err.
"""
import json
import os
import re
import subprocess
import sys
import time


def children(pid):
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out += [int(c) for c in f.read().split()]
    except OSError:
        pass
    return out


def traced_child(strace_pid):
    """The first descendant of strace that is not strace (ip netns exec execs in place)."""
    todo = children(strace_pid)
    while todo:
        pid = todo.pop(0)
        try:
            exe = os.readlink(f"/proc/{pid}/exe")
        except OSError:
            continue
        if not exe.endswith("/strace"):
            return pid, exe
        todo += children(pid)
    return None, None


def rollup_rss(pid):
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Rss:"):
                return int(line.split()[1])
    return 0


def hwm(pid):
    with open(f"/proc/{pid}/status") as f:
        m = re.search(r"VmHWM:\s+(\d+)", f.read())
        return int(m.group(1)) if m else 0


def category(path, exe):
    if path == exe:
        return "own binary (code, data, relocations)", None
    if ".so" in path and path.startswith("/"):
        lib = os.path.basename(path)
        return "shared libraries", lib.split(".so")[0]
    if path == "[heap]":
        return "heap (brk)", None
    if path.startswith("[stack"):
        return "main stack", None
    if path == "":
        return "anonymous mmap (malloc, thread stacks, io-id index)", None
    if path.startswith("socket:") or "packet" in path:
        return "capture ring (packet mmap)", None
    return "other (" + path.split()[0] + ")", None


def breakdown(pid):
    with open(f"/proc/{pid}/smaps") as f:
        text = f.read()
    exe = os.readlink(f"/proc/{pid}/exe")
    cats, libs, lib_anon = {}, {}, {}
    path = ""
    for line in text.splitlines():
        head = line.split(None, 5)
        if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
            path = head[5].strip() if len(head) > 5 else ""
            continue
        if head[0] == "Rss:":
            cat, lib = category(path, exe)
            kb = int(head[1])
            cats[cat] = cats.get(cat, 0) + kb
            if lib:
                libs[lib] = libs.get(lib, 0) + kb
        elif head[0] == "Anonymous:":
            cat, lib = category(path, exe)
            if lib:
                lib_anon[lib] = lib_anon.get(lib, 0) + int(head[1])
    return cats, libs, lib_anon


def main():
    out_path = sys.argv[1]
    sep = sys.argv.index("--")
    stdout = open(sys.argv[2], "w") if sep > 2 else subprocess.DEVNULL
    cmd = sys.argv[sep + 1:]
    strace = ["strace", "-f", "-qq", "--seccomp-bpf", "-o", "/dev/null", "-e", "trace=exit_group",
              "-e", "inject=exit_group:delay_enter=300000"]
    # ip netns exec must stay outermost: strace runs in the namespace and traces CMD.
    if cmd[:3] == ["ip", "netns", "exec"]:
        full = cmd[:4] + strace + cmd[4:]
    else:
        full = strace + cmd
    stderr = open(sys.argv[2] + ".err", "w") if sep > 2 else subprocess.DEVNULL
    proc = subprocess.Popen(full, stdin=sys.stdin, stdout=stdout, stderr=stderr)
    pid = None
    best = {"rss_kb": -1}
    last_hwm = 0
    while proc.poll() is None:
        if pid is None:
            pid, _ = traced_child(proc.pid)
            if pid is None:
                time.sleep(0.001)
                continue
        try:
            rss = rollup_rss(pid)
            last_hwm = max(last_hwm, hwm(pid))
            if rss > best["rss_kb"]:
                cats, libs, lib_anon = breakdown(pid)
                best = {"rss_kb": sum(cats.values()), "hwm_kb": hwm(pid), "categories": cats,
                        "libraries": libs, "library_anonymous": lib_anon}
        except (OSError, ValueError):
            pass
        time.sleep(0.003)
    best["final_hwm_kb"] = last_hwm
    best["exit_code"] = proc.returncode
    with open(out_path, "w") as f:
        json.dump(best, f)


if __name__ == "__main__":
    main()
