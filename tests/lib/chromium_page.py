#!/usr/bin/env python3
"""Drives Debian's headless chromium over its DevTools protocol (standard library only) to
check and time the controller's page.

  chromium_page.py check URL --out DIR [--agent A --target T]
      loads URL, waits until the page is usable (body[data-ready]) and its details are drawn
      (body[data-details]), prints a JSON summary of the DOM (matrix cells, legend, the path of
      the (A, T) cell, the timeline rows, the path graph's panels and nodes) and saves
      DIR/page.png, DIR/matrix.png, DIR/timeline.png, DIR/graph.png.
  chromium_page.py time URL [--runs N]
      prints the time from navigation until the page is usable, against the time to load
      about:blank measured in the same run (median of N each).
  chromium_page.py shot URL --out FILE [--selector CSS] [--wait JS]
      saves a PNG of the element (or the page) once the JS expression is true.

Exit status 77 when chromium is missing (a skipped test)."""
import argparse
import base64
import json
import os
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(name)
        if p:
            return p
    return None


class WebSocket:
    """A minimal RFC 6455 client: text frames, masked sends, fragmented receives."""

    def __init__(self, url):
        assert url.startswith("ws://")
        hostport, path = url[5:].split("/", 1)
        host, port = hostport.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        req = (f"GET /{path} HTTP/1.1\r\nHost: {hostport}\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
        self.sock.sendall(req.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise RuntimeError("DevTools closed the WebSocket handshake")
            head += chunk
        status = head.split(b"\r\n", 1)[0]
        if b" 101 " not in status:
            raise RuntimeError(f"DevTools WebSocket handshake failed: {status!r}")
        self.buf = head.split(b"\r\n\r\n", 1)[1]

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise RuntimeError("DevTools closed the WebSocket")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def send(self, text):
        data = text.encode()
        header = bytearray([0x81])
        n = len(data)
        if n < 126:
            header.append(0x80 | n)
        elif n < 65536:
            header.append(0x80 | 126)
            header += struct.pack(">H", n)
        else:
            header.append(0x80 | 127)
            header += struct.pack(">Q", n)
        mask = os.urandom(4)
        header += mask
        self.sock.sendall(bytes(header) + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def recv(self):
        message = b""
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            if b1 & 0x80:
                mask = self._read(4)
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(self._read(n)))
            else:
                payload = self._read(n)
            opcode = b0 & 0x0F
            if opcode == 0x8:
                raise RuntimeError("DevTools closed the WebSocket")
            if opcode in (0x9, 0xA):
                continue
            message += payload
            if b0 & 0x80:
                return message.decode()


class Browser:
    """One headless chromium with one page, driven over DevTools."""

    def __init__(self, width=1400, height=1000, ignore_cert=False):
        exe = find_chromium()
        if exe is None:
            print("SKIP: chromium is not installed (Debian package chromium)", file=sys.stderr)
            sys.exit(77)
        self.profile = tempfile.mkdtemp(prefix="tumen-chromium-")
        args = [exe, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--no-default-browser-check", "--disable-extensions", "--disable-sync",
                "--disable-background-networking", "--disable-component-update",
                "--hide-scrollbars", "--mute-audio", f"--window-size={width},{height}",
                f"--user-data-dir={self.profile}", "--remote-debugging-port=0",
                "--remote-allow-origins=*", "about:blank"]
        if ignore_cert:
            args.insert(1, "--ignore-certificate-errors")
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.time() + 30
        while not os.path.exists(port_file) or os.path.getsize(port_file) == 0:
            if time.time() > deadline or self.proc.poll() is not None:
                self.close()
                raise RuntimeError("chromium did not start its DevTools endpoint")
            time.sleep(0.05)
        port = int(open(port_file).read().split()[0])
        pages = []
        while not pages:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
                pages = [p for p in json.load(r) if p.get("type") == "page"]
            if not pages:
                time.sleep(0.05)
        self.ws = WebSocket(pages[0]["webSocketDebuggerUrl"])
        self.next_id = 0
        self.call("Page.enable")
        self.call("Runtime.enable")
        self.events = []

    def call(self, method, **params):
        self.next_id += 1
        mid = self.next_id
        self.ws.send(json.dumps({"id": mid, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == mid:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if msg.get("method") == "Runtime.exceptionThrown":
                d = msg["params"]["exceptionDetails"]
                self.events.append("exception: " + d.get("exception", {}).get("description", d.get("text", "")))
            elif msg.get("method") == "Runtime.consoleAPICalled" and msg["params"]["type"] == "error":
                self.events.append("console.error: " + " ".join(str(a.get("value", a.get("description", ""))) for a in msg["params"]["args"]))

    def eval(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError(f"evaluating {expr[:60]}...: {r['exceptionDetails'].get('text')}")
        return r["result"].get("value")

    def navigate(self, url):
        self.call("Page.navigate", url=url)

    def wait(self, expr, timeout=30.0, poll=0.005):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.eval(expr):
                    return True
            except RuntimeError:
                pass
            time.sleep(poll)
        return False

    def screenshot(self, path, selector=None):
        params = {"format": "png", "captureBeyondViewport": True}
        if selector:
            rect = self.eval(
                "(function(){var e=document.querySelector(%s); if(!e) return null;"
                "var r=e.getBoundingClientRect(); return {x:r.left+window.scrollX,y:r.top+window.scrollY,"
                "width:Math.max(1,Math.min(r.width,4000)),height:Math.max(1,Math.min(r.height,4000))};})()"
                % json.dumps(selector))
            if rect is None:
                raise RuntimeError(f"no element {selector} to screenshot")
            params["clip"] = dict(rect, scale=1)
        data = self.call("Page.captureScreenshot", **params)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        return path

    def close(self):
        try:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


SUMMARY_JS = r"""
(function(agent, target) {
  var m = document.getElementById('matrix');
  var rows = m.querySelectorAll('.r[data-agent]');
  var cells = m.querySelectorAll('.r[data-agent] i');
  var legend = {};
  (tumen.matrix ? tumen.matrix.paths : []).forEach(function(p, k) { legend['p' + k] = p.name; });
  var cell = null;
  if (agent && target) {
    var el = tumen.cellElement(agent, target);
    if (el) {
      var cls = Array.prototype.filter.call(el.classList, function(c) { return /^p\d+$/.test(c); })[0];
      cell = {classes: el.className, path: legend[cls] || null,
              colour: getComputedStyle(el).backgroundColor};
    }
  }
  var timeline = Array.prototype.map.call(document.querySelectorAll('#timeline tr.ev'), function(tr) {
    return {agent: tr.dataset.agent, target: tr.dataset.target, from: tr.dataset.from, to: tr.dataset.to};
  });
  var panels = Array.prototype.map.call(document.querySelectorAll('#graph .panel'), function(p) {
    return {path: p.dataset.path,
            nodes: Array.prototype.map.call(p.querySelectorAll('g.node'), function(g) {
              return {id: g.dataset.id, asn: g.dataset.asn, border: g.classList.contains('border')}; })};
  });
  return {agents: rows.length, cells: cells.length,
          targets: +m.getAttribute('data-targets'),
          legend: Array.prototype.map.call(document.querySelectorAll('#legend li[data-path]'), function(li) { return li.dataset.path; }),
          cell: cell, timeline: timeline, graph: panels,
          graph_note: document.getElementById('graph-note').textContent,
          latency_points: +(document.getElementById('latency-box').getAttribute('data-points') || 0),
          latency_paths: +(document.getElementById('latency-box').getAttribute('data-paths') || 0),
          ready_ms: +document.body.getAttribute('data-ready-ms'),
          url: location.href};
})(%s, %s)
"""


def cmd_check(a):
    os.makedirs(a.out, exist_ok=True)
    b = Browser(ignore_cert=a.insecure)
    try:
        b.navigate(a.url)
        if not b.wait("document.body && document.body.getAttribute('data-details') === '1'", a.timeout):
            print(json.dumps({"error": "the page did not finish loading", "events": b.events,
                              "body": b.eval("document.body ? document.body.innerText.slice(0, 500) : ''")}))
            return 1
        time.sleep(0.3)  # let the chart and graph paint
        summary = b.eval(SUMMARY_JS % (json.dumps(a.agent), json.dumps(a.target)))
        summary["events"] = b.events
        shots = {}
        shots["page"] = b.screenshot(os.path.join(a.out, "page.png"))
        shots["matrix"] = b.screenshot(os.path.join(a.out, "matrix.png"), "#matrix-section")
        shots["timeline"] = b.screenshot(os.path.join(a.out, "timeline.png"), "#timeline-section")
        shots["latency"] = b.screenshot(os.path.join(a.out, "latency.png"), "#latency-section")
        shots["graph"] = b.screenshot(os.path.join(a.out, "graph.png"), "#graph-section")
        summary["screenshots"] = shots
        print(json.dumps(summary))
        return 0
    finally:
        b.close()


def cmd_shot(a):
    b = Browser(ignore_cert=a.insecure)
    try:
        b.navigate(a.url)
        if not b.wait(a.wait, a.timeout):
            print(f"chromium_page: {a.wait} never became true on {a.url}", file=sys.stderr)
            return 1
        time.sleep(0.3)
        print(b.screenshot(a.out, a.selector))
        return 0
    finally:
        b.close()


def cmd_time(a):
    b = Browser(ignore_cert=a.insecure)
    try:
        blank, page, inside, ref = [], [], [], []
        ready = "document.readyState === 'complete' && document.body && document.body.getAttribute('data-ready') === '1'"
        for i in range(a.runs + 1):  # the first round warms chromium's caches and is not counted
            b.navigate("about:blank")
            b.wait("document.readyState === 'complete' && location.href === 'about:blank'", 10)
            t0 = time.monotonic()
            b.navigate("about:blank#" + str(i))
            b.wait("location.hash === '#%d' && document.readyState === 'complete'" % i, 10)
            t_blank = time.monotonic() - t0
            t0 = time.monotonic()
            b.navigate(a.url)
            if not b.wait(ready, a.timeout, poll=0.02):
                print(json.dumps({"error": "the page never became usable", "events": b.events}))
                return 1
            t_page = time.monotonic() - t0
            t_ref = None
            page_inside = b.eval("+document.body.getAttribute('data-ready-ms')")
            # Let the page finish its other requests (timeline, ...) before the next load.
            b.wait("document.body.getAttribute('data-details') === '1'", a.timeout)
            cells = b.eval("document.querySelectorAll('#matrix .r[data-agent] i').length")
            timing = b.eval("JSON.stringify(tumen.timing)")
            if a.reference:
                b.navigate("about:blank")
                b.wait("location.href === 'about:blank'", 10)
                t0 = time.monotonic()
                b.navigate(a.reference)
                b.wait("location.href === %s && document.readyState === 'complete'" % json.dumps(a.reference), 10, poll=0.002)
                t_ref = time.monotonic() - t0
            if i > 0:
                if t_ref is not None:
                    ref.append(t_ref)
                blank.append(t_blank)
                page.append(t_page)
                inside.append(page_inside)
        out = {"url": a.url, "runs": a.runs, "cells": cells,
               "usable_ms_median": round(statistics.median(page) * 1000, 1),
               "usable_ms_max": round(max(page) * 1000, 1),
               "page_ready_ms_median": round(statistics.median(inside), 1),
               "reference_about_blank_ms_median": round(statistics.median(blank) * 1000, 1),
               "last_load_ms": json.loads(timing or "{}")}
        if ref:
            out["reference_url"] = a.reference
            out["reference_url_ms_median"] = round(statistics.median(ref) * 1000, 1)
        print(json.dumps(out))
        return 0
    finally:
        b.close()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("check")
    c.add_argument("url")
    c.add_argument("--out", required=True)
    c.add_argument("--agent", default="")
    c.add_argument("--target", default="")
    c.add_argument("--timeout", type=float, default=30)
    c.add_argument("--insecure", action="store_true", help="accept the controller's own CA")
    s = sub.add_parser("shot")
    s.add_argument("url")
    s.add_argument("--out", required=True)
    s.add_argument("--selector")
    s.add_argument("--wait", default="document.body && document.body.getAttribute('data-details') === '1'")
    s.add_argument("--timeout", type=float, default=30)
    s.add_argument("--insecure", action="store_true")
    t = sub.add_parser("time")
    t.add_argument("url")
    t.add_argument("--runs", type=int, default=5)
    t.add_argument("--reference", help="also time loading this URL (e.g. a small document of the same server)")
    t.add_argument("--timeout", type=float, default=60)
    t.add_argument("--insecure", action="store_true")
    a = p.parse_args()
    return {"check": cmd_check, "shot": cmd_shot, "time": cmd_time}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
