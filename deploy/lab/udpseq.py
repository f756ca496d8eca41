#!/usr/bin/env python3
"""Numbered UDP datagrams for checking a lab link: loss, reordering, duplicates.

Run each side inside a lab namespace (`lab.sh exec NODE python3 udpseq.py ...`):

  udpseq.py recv --bind ADDR --port P --count N [--timeout S] [--idle S]
      prints one JSON object: expected, received, unique, lost, reordered, duplicates, ...
  udpseq.py send --dst ADDR --port P --count N --rate PPS [--size BYTES]
      sends datagrams 0..N-1 paced at PPS (in bursts once per millisecond)

A datagram is "reordered" when its number is lower than one already received.
"""
import argparse
import json
import socket
import struct
import sys
import time

HEADER = struct.Struct("!4sQ")
MAGIC = b"TUSQ"


def cmd_send(args):
    size = max(args.size, HEADER.size)
    pad = b"\0" * (size - HEADER.size)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if args.bind:
        s.bind((args.bind, 0))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    dst = (args.dst, args.port)
    start = time.monotonic()
    sent = 0
    errors = 0
    while sent < args.count:
        # How many should have been sent by now; send the difference as one burst.
        due = min(args.count, int((time.monotonic() - start) * args.rate) + 1)
        while sent < due:
            try:
                s.sendto(HEADER.pack(MAGIC, sent) + pad, dst)
            except OSError:
                errors += 1  # e.g. ENOBUFS: counted, the receiver sees the gap
            sent += 1
        if sent < args.count:
            time.sleep(0.001)
    elapsed = time.monotonic() - start
    print(json.dumps({"sent": sent, "send_errors": errors, "seconds": round(elapsed, 3),
                      "pps": round(sent / elapsed, 1) if elapsed > 0 else None}))
    return 0


def cmd_recv(args):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:  # root may exceed net.core.rmem_max
        s.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)  # SO_RCVBUFFORCE
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 << 20)
    s.bind((args.bind, args.port))
    if args.ready:
        open(args.ready, "w").close()
    seen = bytearray(args.count)
    received = unique = reordered = duplicates = foreign = 0
    highest = -1
    s.settimeout(args.timeout)
    first = last = None
    while True:
        try:
            data = s.recv(65535)
        except socket.timeout:
            break
        now = time.monotonic()
        if first is None:
            first = now
            s.settimeout(args.idle)
        last = now
        if len(data) < HEADER.size or data[:4] != MAGIC:
            foreign += 1
            continue
        _, seq = HEADER.unpack_from(data)
        if seq >= args.count:
            foreign += 1
            continue
        received += 1
        if seen[seq]:
            duplicates += 1
        else:
            seen[seq] = 1
            unique += 1
        if seq < highest:
            reordered += 1
        highest = max(highest, seq)
        if unique == args.count:
            break
    print(json.dumps({
        "expected": args.count, "received": received, "unique": unique,
        "lost": args.count - unique, "reordered": reordered, "duplicates": duplicates,
        "foreign": foreign, "highest": highest,
        "seconds": round(last - first, 3) if first is not None else 0.0,
    }))
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("recv")
    r.add_argument("--bind", default="0.0.0.0")
    r.add_argument("--port", type=int, required=True)
    r.add_argument("--count", type=int, required=True)
    r.add_argument("--timeout", type=float, default=10.0, help="wait for the first datagram")
    r.add_argument("--idle", type=float, default=1.0, help="stop after this long without one")
    r.add_argument("--ready", help="file created once the socket is bound")
    s = sub.add_parser("send")
    s.add_argument("--dst", required=True)
    s.add_argument("--bind")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--count", type=int, required=True)
    s.add_argument("--rate", type=float, required=True)
    s.add_argument("--size", type=int, default=64)
    args = p.parse_args()
    if args.count <= 0:
        p.error("--count must be positive")
    return cmd_recv(args) if args.cmd == "recv" else cmd_send(args)


if __name__ == "__main__":
    sys.exit(main())
