#!/usr/bin/env python3
"""Tiny TCP listeners for the mamori lab (run inside the lab namespace only).

  listener.py --mode silent ADDR:PORT ...   accept, never send a byte, close after --hold s
  listener.py --mode close  ADDR:PORT ...   accept and close at once (benchmark targets)

Only 127.0.0.0/8 and ::1 addresses are accepted. The process exits by itself after
--lifetime seconds (default 6 h) so a forgotten lab never listens forever.
"""
import argparse
import ipaddress
import selectors
import socket
import sys
import time


def parse_target(text):
    addr, _, port = text.rpartition(":")
    addr = addr.strip("[]")
    ip = ipaddress.ip_address(addr)
    if not ip.is_loopback:
        raise SystemExit(f"listener.py: refusing non-loopback address {addr}")
    return ip, int(port)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=("silent", "close"), default="silent")
    ap.add_argument("--hold", type=float, default=60.0, help="silent mode: seconds to keep a connection")
    ap.add_argument("--lifetime", type=float, default=6 * 3600.0, help="exit after this many seconds")
    ap.add_argument("--max-conns", type=int, default=512, help="silent mode: connections held at once")
    ap.add_argument("targets", nargs="+", metavar="ADDR:PORT")
    args = ap.parse_args()

    sel = selectors.DefaultSelector()
    for text in args.targets:
        ip, port = parse_target(text)
        fam = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((str(ip), port))
        s.listen(1024)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, "listen")
    print(f"listener.py: mode={args.mode} listening on {' '.join(args.targets)}", flush=True)

    held = []  # (deadline, socket), oldest first
    end = time.monotonic() + args.lifetime
    while True:
        now = time.monotonic()
        if now >= end:
            break
        while held and held[0][0] <= now:
            _, c = held.pop(0)
            sel.unregister(c)
            c.close()
        timeout = min(end - now, 1.0)
        if held:
            timeout = min(timeout, max(0.0, held[0][0] - now))
        for key, _ in sel.select(timeout):
            if key.data == "listen":
                try:
                    c, _ = key.fileobj.accept()
                except (BlockingIOError, InterruptedError, ConnectionAbortedError):
                    continue
                if args.mode == "close":
                    c.close()
                    continue
                if len(held) >= args.max_conns:
                    _, old = held.pop(0)
                    sel.unregister(old)
                    old.close()
                c.setblocking(False)
                sel.register(c, selectors.EVENT_READ, "conn")
                held.append((time.monotonic() + args.hold, c))
            else:
                # Client sent data or closed: read and discard, never answer.
                c = key.fileobj
                try:
                    data = c.recv(4096)
                except OSError:
                    data = b""
                if not data:
                    sel.unregister(c)
                    held[:] = [h for h in held if h[1] is not c]
                    c.close()
    print("listener.py: lifetime over, exiting", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
