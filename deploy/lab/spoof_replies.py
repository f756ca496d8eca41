#!/usr/bin/env python3
"""Blind spoofer for the lab (tests/probe/lab/spoof_replies.sh): forges replies to a vantage
point's probes from a namespace on its path, with the right addresses and ports but guessed
identities, and prints a JSON summary of what it sent.

It knows what a blind attacker knows: the agent's and the target's addresses, the source
port / ICMP identifier of flow 0 and the destination ports. It guesses the rest two ways:
  - "counter" guesses: ident = IP id = k for k = 1..64 (the sequential scheme of builds
    before keyed identities, where the first probes of a run had idents 1, 2, 3...);
  - random guesses: ident, IP id, tag and TCP sequence drawn at random.
Forged ICMP errors come from the given router addresses (e.g. the silent cu2 and an
address on no path) and quote the probe's header and 8 bytes, or the whole probe; direct
replies (echo reply, SYN-ACK, RST) come from the target. One in four ICMP messages has a
wrong ICMP checksum (counter and random guesses alike). Packets are sent with a raw socket (IP_HDRINCL); run it inside a lab
namespace only (`ip netns exec`), with lab addresses (deploy/lab/lab.env).

Usage: spoof_replies.py --vp ADDR --target ADDR --routers ADDR[,ADDR...] --method M
                        [--count N] [--delay S] [--duration S] [--sport P] [--seed N]
"""
import argparse
import ipaddress
import json
import random
import socket
import struct
import sys
import time

UDP_DPORT = 33435  # codec::default_udp_dst_port
TCP_DPORT = 80  # codec::default_tcp_dst_port
LAB_NETS = [ipaddress.ip_network(n) for n in
            ("198.18.0.0/15", "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")]


def csum(data: bytes) -> int:
    """RFC 1071 checksum."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ip_header(src: bytes, dst: bytes, proto: int, length: int, ttl: int, ident: int) -> bytes:
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, length, ident, 0, ttl, proto, 0, src, dst)
    return h[:10] + struct.pack("!H", csum(h)) + h[12:]


def pseudo(src: bytes, dst: bytes, proto: int, length: int) -> bytes:
    return src + dst + struct.pack("!BBH", 0, proto, length)


class Forger:
    def __init__(self, a, rng):
        self.a = a
        self.rng = rng
        self.vp = socket.inet_aton(a.vp)
        self.target = socket.inet_aton(a.target)
        self.routers = [socket.inet_aton(r) for r in a.routers.split(",")]
        self.counts = {}

    def guess(self, i):
        """(ident, ip_id, tag, tcp_seq) for packet i: counter guesses, then random ones."""
        if i % 2 == 0:
            k = (i // 2) % 64 + 1
            return k, k, 0, k
        r = self.rng.getrandbits
        return r(16), r(16), r(32), r(32)

    def payload(self, tag):
        """16 bytes of probe payload: compensation word, tag, zeros."""
        return struct.pack("!HI", self.rng.getrandbits(16), tag) + bytes(10)

    def quoted_probe(self, ident, ip_id, tag, seq):
        m = self.a.method
        if m in ("udp-paris", "udp"):
            dport = UDP_DPORT + ident if m == "udp" else UDP_DPORT
            ck = (ident + 1) & 0xFFFF if m == "udp-paris" else self.rng.getrandbits(16)
            l4 = struct.pack("!HHHH", self.a.sport, dport & 0xFFFF, 24, ck) + self.payload(tag)
            proto = 17
        elif m == "icmp-paris":
            l4 = struct.pack("!BBHHH", 8, 0, self.rng.getrandbits(16), self.a.sport, ident)
            l4 += self.payload(tag)
            proto = 1
        else:
            l4 = struct.pack("!HHIIHHHH", self.a.sport, TCP_DPORT, seq, 0, 0x5002, 0xFFFF,
                             self.rng.getrandbits(16), 0)
            proto = 6
        return ip_header(self.vp, self.target, proto, 20 + len(l4), 1, ip_id) + l4

    def icmp(self, src, type_, code, body, bad):
        msg = struct.pack("!BBH", type_, code, 0) + body
        ck = csum(msg)
        if bad:
            ck ^= 0x5555
        msg = msg[:2] + struct.pack("!H", ck) + msg[4:]
        return ip_header(src, self.vp, 1, 20 + len(msg), 60, 0) + msg

    def packet(self, i):
        ident, ip_id, tag, seq = self.guess(i)
        bad = i % 8 in (3, 6)  # one in four, counter and random guesses alike
        m = self.a.method
        kind = (i // 2) % 3
        if kind < 2:
            # ICMP error from a router (time exceeded) or from the target (unreachable).
            quote = self.quoted_probe(ident, ip_id, tag, seq)
            if self.rng.random() < 0.5:
                quote = quote[:28]
            if kind == 0:
                src = self.routers[(i // 6) % len(self.routers)]
                name, pkt = "time_exceeded", self.icmp(src, 11, 0, bytes(4) + quote, bad)
            else:
                code = 3 if m in ("udp-paris", "udp") else 10
                name, pkt = "unreachable", self.icmp(self.target, 3, code, bytes(4) + quote, bad)
        elif m in ("icmp-paris",):
            body = struct.pack("!HH", self.a.sport, ident) + self.payload(tag)
            name, pkt = "echo_reply", self.icmp(self.target, 0, 0, body, bad)
        elif m == "tcp-syn":
            flags = 0x12 if (i // 6) % 2 else 0x14
            tcp = struct.pack("!HHIIBBHHH", TCP_DPORT, self.a.sport, self.rng.getrandbits(32),
                              (seq + 1) & 0xFFFFFFFF, 0x50, flags, 0xFFFF, 0, 0)
            ck = csum(pseudo(self.target, self.vp, 6, len(tcp)) + tcp)
            tcp = tcp[:16] + struct.pack("!H", ck) + tcp[18:]
            name = "synack" if flags == 0x12 else "rst"
            pkt = ip_header(self.target, self.vp, 6, 20 + len(tcp), 60, 0) + tcp
        else:
            # UDP probes get no direct reply: another port unreachable from the target.
            quote = self.quoted_probe(ident, ip_id, tag, seq)
            name, pkt = "unreachable", self.icmp(self.target, 3, 3, bytes(4) + quote, bad)
        key = name + ("_bad_checksum" if bad and name not in ("synack", "rst") else "")
        self.counts[key] = self.counts.get(key, 0) + 1
        return pkt


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--vp", required=True)
    p.add_argument("--target", required=True)
    p.add_argument("--routers", required=True)
    p.add_argument("--method", required=True, choices=["udp-paris", "udp", "icmp-paris", "tcp-syn"])
    p.add_argument("--count", type=int, default=2500)
    p.add_argument("--delay", type=float, default=0.0, help="seconds to wait before the first")
    p.add_argument("--duration", type=float, default=1.0, help="spread the packets over this")
    p.add_argument("--sport", type=int, default=33434, help="flow 0's source port / ICMP id")
    p.add_argument("--seed", type=int, default=None)
    a = p.parse_args()
    for addr in [a.vp, a.target] + a.routers.split(","):
        if not any(ipaddress.ip_address(addr) in n for n in LAB_NETS):
            sys.exit("spoof_replies.py: %s is not a lab address (198.18.0.0/15, RFC 5737)" % addr)
    rng = random.Random(a.seed)
    f = Forger(a, rng)
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    time.sleep(a.delay)
    start = time.monotonic()
    sent = errors = 0
    for i in range(a.count):
        due = start + a.duration * i / max(a.count, 1)
        now = time.monotonic()
        if due > now:
            time.sleep(due - now)
        try:
            s.sendto(f.packet(i), (a.vp, 0))
            sent += 1
        except OSError:
            errors += 1
    print(json.dumps({"method": a.method, "sent": sent, "send_errors": errors,
                      "seconds": round(time.monotonic() - start, 3), "kinds": f.counts}))


if __name__ == "__main__":
    main()
