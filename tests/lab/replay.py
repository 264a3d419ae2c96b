#!/usr/bin/env python3
"""Replay responder for the mamori lab (run inside the lab namespace only).

  replay.py [--cert PEM --key KEY] [--log FILE] [--lifetime S]

Serves recorded real-world banners and headers of products with known CVEs, one address per
service on 127.0.20.x, and hostile servers (endless banner, slow drip, invalid TLS, binary
garbage, 1 MB of headers, a redirect loop, a redirect out of scope) on 127.0.21.128/25, plus
a canary on 127.0.99.1:80 (inside the global exclusion: a probe must never reach it).

Every banner below cites the Rapid7 Recog example (file:line in shared/data/recog, commit
14fa1a7) it is taken from; where the vulnerable version is not itself an example, the text is
the example's with the version changed, and the comment says so. The OT answers are built from
the protocol specifications (Recog has no OT databases).

Only 127.0.0.0/8 addresses are bound. Every connection is bounded: a handler ends after
--conn-time seconds (default 30) or 2 MB sent, and the process exits after --lifetime seconds
(default 6 h). Each accepted connection is logged as "conn ADDR:PORT" to --log (for the
scope tests: the refused address must gain no line).
"""
import argparse
import asyncio
import ipaddress
import os
import ssl
import struct
import sys
import time

CONN_TIME = 30.0
MAX_SEND = 2 * 1024 * 1024


def http_response(server, extra=(), body=b"", status="200 OK"):
    head = [f"HTTP/1.1 {status}", f"Server: {server}", "Content-Type: text/html",
            f"Content-Length: {len(body)}", "Connection: close"]
    head += list(extra)
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


# ---- recorded services (127.0.20.x) ---------------------------------------------------
# (addr, port, kind, payload)
#   kind "banner": payload sent on connect (then read whatever comes, answer QUIT politely)
#   kind "http":   payload sent after a request arrives
#   kind "https":  as http, over TLS with the lab's FortiGate-style certificate
#   kind "dns":    payload is the version.bind TXT string (TCP and UDP)
#   kind "modbus", "enip": payload is a dict for the identity answer
SERVICES = [
    # ssh_banners.xml:991 <example>OpenSSH_7.2p2 Ubuntu-4ubuntu2.7</example> (CVE-2016-6210 ...)
    ("127.0.20.1", 22, "banner", b"SSH-2.0-OpenSSH_7.2p2 Ubuntu-4ubuntu2.7\r\n"),
    # ssh_banners.xml:1222 <example>OpenSSH_4.3p2 Debian-9</example>
    ("127.0.20.2", 22, "banner", b"SSH-2.0-OpenSSH_4.3p2 Debian-9\r\n"),
    # http_servers.xml:198 <example>Apache/2.2.3 (Red Hat)</example>, version changed to 2.4.49
    # (CVE-2021-41773, in KEV)
    ("127.0.20.3", 80, "http", http_response("Apache/2.4.49 (Unix)", body=b"<html><body>It works!</body></html>")),
    # http_servers.xml:334 <example>Microsoft-IIS/7.5</example>;
    # http_xpoweredby.xml ASP.NET
    ("127.0.20.4", 80, "http", http_response("Microsoft-IIS/7.5", ["X-Powered-By: ASP.NET"],
                                             b"<html><head><title>IIS7</title></head></html>")),
    # http_servers.xml:362 <example>Microsoft-IIS/8.5</example>
    ("127.0.20.5", 80, "http", http_response("Microsoft-IIS/8.5", ["X-Powered-By: ASP.NET"],
                                             b"<html><head><title>IIS Windows Server</title></head></html>")),
    # smtp_banners.xml:351 <example>foo.bar ESMTP Exim 4.89 "</example> form, Exim 4.89
    # (CVE-2019-10149, in KEV: 4.87-4.91)
    ("127.0.20.6", 25, "banner",
     b"220 mail.tohoku-freight.test ESMTP Exim 4.89 Mon, 23 Nov 2026 12:00:00 +0900\r\n"),
    # ftp_banners.xml:455 <example>(vsFTPd 2.0.5)</example>, version 2.3.4 (CVE-2011-2523)
    ("127.0.20.7", 21, "banner", b"220 (vsFTPd 2.3.4)\r\n"),
    # ftp_banners.xml:250 <example>ProFTPD 1.2.10rc3 Server (ProFTPD Default Installation) [host]</example>,
    # version 1.3.5 (CVE-2015-3306, in KEV)
    ("127.0.20.8", 21, "banner",
     b"220 ProFTPD 1.3.5 Server (ProFTPD Default Installation) [127.0.20.8]\r\n"),
    # dns_versionbind.xml:68 <example>9.3.6-P1-RedHat-9.3.6-25.P1.el5_11.12</example>
    ("127.0.20.9", 53, "dns", b"9.3.6-P1-RedHat-9.3.6-25.P1.el5_11.12"),
    # Modbus/TCP Read Device Identification (Modbus Application Protocol V1.1b3, 6.21)
    ("127.0.20.10", 502, "modbus", {"vendor": b"Schneider Electric", "product": b"BMX P34 2020",
                                    "revision": b"v2.7"}),
    # EtherNet/IP List Identity (ODVA Vol. 2, 2-4.3): vendor 1 = Rockwell Automation
    ("127.0.20.11", 44818, "enip", {"vendor": 1, "device_type": 14, "product_code": 55,
                                    "rev": (20, 11), "serial": 0x6068A2C1,
                                    "name": b"1756-L61/B LOGIX5561"}),
    # html_title.xml:506 <example>FortiGate</example> (a FortiGate admin page over HTTPS)
    ("127.0.20.12", 443, "https", http_response("xxxxxxxx-xxxxx", [],
                                                b"<html><head><title>FortiGate</title></head></html>")),
]

# ---- hostile servers (127.0.21.128/25) and the canary ----------------------------------
HOSTILE = [
    ("127.0.21.130", 8001, "endless", None),    # banner that never ends
    ("127.0.21.131", 8002, "drip", None),       # one byte per second
    ("127.0.21.132", 443, "badtls", None),      # garbage after the ClientHello
    ("127.0.21.133", 8003, "garbage", None),    # binary garbage on connect
    ("127.0.21.134", 80, "hugeheaders", None),  # 1 MB of headers
    ("127.0.21.135", 80, "loop", None),         # redirect to itself forever
    ("127.0.21.136", 80, "outredirect", None),  # Location: http://127.0.99.1/ (excluded)
    ("127.0.21.137", 502, "modbus", {"vendor": b"Mitsubishi Electric", "product": b"QJ71MT91",
                                     "revision": b"1.0"}),  # for an org without ot_probes
    ("127.0.99.1", 80, "canary", None),         # must never see a connection
]

LOG = None


def log(line):
    if LOG:
        LOG.write(line + "\n")
        LOG.flush()


async def read_some(reader, n=65536, timeout=5.0):
    try:
        return await asyncio.wait_for(reader.read(n), timeout)
    except (asyncio.TimeoutError, ConnectionError):
        return b""


async def read_request(reader, timeout=5.0):
    """Reads an HTTP request head (bounded)."""
    data = b""
    end = time.monotonic() + timeout
    while b"\r\n\r\n" not in data and len(data) < 65536:
        left = end - time.monotonic()
        if left <= 0:
            break
        chunk = await read_some(reader, 65536, left)
        if not chunk:
            break
        data += chunk
    return data


def modbus_answer(req, ident):
    if len(req) < 11 or req[7] != 0x2B or req[8] != 0x0E:
        return None
    objs = [ident["vendor"], ident["product"], ident["revision"]]
    pdu = bytes([0x2B, 0x0E, req[9], 0x01, 0x00, 0x00, len(objs)])
    for i, v in enumerate(objs):
        pdu += bytes([i, len(v)]) + v
    return req[0:2] + b"\x00\x00" + struct.pack(">H", len(pdu) + 1) + req[6:7] + pdu


def enip_answer(req, ident):
    if len(req) < 24 or struct.unpack("<H", req[0:2])[0] != 0x63:
        return None
    name = ident["name"]
    item = struct.pack("<H", 1) + struct.pack(">HHI", 2, 44818, 0x7F00140B) + b"\x00" * 8
    item += struct.pack("<HHHBBHI", ident["vendor"], ident["device_type"], ident["product_code"],
                        ident["rev"][0], ident["rev"][1], 0x0030, ident["serial"])
    item += bytes([len(name)]) + name + b"\x03"
    data = struct.pack("<HHH", 1, 0x0C, len(item)) + item
    return struct.pack("<HHII", 0x63, len(data), 0, 0) + req[12:20] + b"\x00\x00\x00\x00" + data


def dns_answer(query, text, tcp):
    """A CHAOS TXT answer to a version.bind query (RFC 1035 4.1)."""
    if tcp:
        if len(query) < 2:
            return None
        query = query[2:]
    if len(query) < 12:
        return None
    qid = query[0:2]
    qsec = query[12:]
    # question section: name + type + class
    i = 0
    while i < len(qsec) and qsec[i] != 0:
        i += qsec[i] + 1
    qsec = qsec[:i + 5]
    rdata = bytes([len(text)]) + text
    answer = b"\xc0\x0c" + struct.pack(">HHIH", 16, 3, 0, len(rdata)) + rdata
    msg = qid + b"\x84\x00" + struct.pack(">HHHH", 1, 1, 0, 0) + qsec + answer
    return struct.pack(">H", len(msg)) + msg if tcp else msg


async def send_capped(writer, data, sent):
    if sent + len(data) > MAX_SEND:
        return sent + len(data)
    writer.write(data)
    await writer.drain()
    return sent + len(data)


async def handle(kind, payload, reader, writer):
    sent = 0
    if kind == "banner":
        sent = await send_capped(writer, payload, sent)
        data = await read_some(reader, 4096, 5.0)
        if data.startswith(b"EHLO") or data.startswith(b"HELO"):
            await send_capped(writer, b"250-mail.tohoku-freight.test Hello\r\n250-SIZE 52428800\r\n"
                                      b"250-PIPELINING\r\n250 HELP\r\n", sent)
            data = await read_some(reader, 4096, 5.0)
        if data.startswith(b"QUIT"):
            await send_capped(writer, b"221 Bye\r\n", sent)
    elif kind in ("http", "https"):
        req = await read_request(reader)
        if req.startswith(b"GET /favicon.ico"):
            await send_capped(writer, http_response(payload.split(b"\r\n")[1][8:].decode(), [],
                                                    b"", "404 Not Found"), sent)
        elif req:
            await send_capped(writer, payload, sent)
    elif kind == "dns":
        data = await read_some(reader, 512, 5.0)
        ans = dns_answer(data, payload, True)
        if ans:
            await send_capped(writer, ans, sent)
    elif kind == "modbus":
        ans = modbus_answer(await read_some(reader, 260, 5.0), payload)
        if ans:
            await send_capped(writer, ans, sent)
    elif kind == "enip":
        ans = enip_answer(await read_some(reader, 600, 5.0), payload)
        if ans:
            await send_capped(writer, ans, sent)
    elif kind == "endless":
        chunk = b"220 " + b"A" * 4092
        while sent < MAX_SEND:
            sent = await send_capped(writer, chunk, sent)
    elif kind == "drip":
        for b in b"220 slow service ready\r\n" * 4:
            sent = await send_capped(writer, bytes([b]), sent)
            await asyncio.sleep(1.0)
    elif kind == "badtls":
        await read_some(reader, 4096, 5.0)  # the ClientHello
        sent = await send_capped(writer, os.urandom(512), sent)
        await read_some(reader, 4096, 5.0)
    elif kind == "garbage":
        sent = await send_capped(writer, bytes(range(256)) * 8, sent)
        await read_some(reader, 4096, 5.0)
    elif kind == "hugeheaders":
        if await read_request(reader):
            head = b"HTTP/1.1 200 OK\r\nServer: hostile\r\n"
            sent = await send_capped(writer, head, sent)
            line = b"X-Filler: " + b"x" * 1000 + b"\r\n"
            for _ in range(1024):  # ~1 MB of headers, never ended
                sent = await send_capped(writer, line, sent)
    elif kind == "loop":
        if await read_request(reader):
            await send_capped(writer, http_response("loop", ["Location: http://127.0.21.135/"],
                                                    b"", "302 Found"), sent)
    elif kind == "outredirect":
        if await read_request(reader):
            await send_capped(writer, http_response("nginx", ["Location: http://127.0.99.1/admin"],
                                                    b"", "301 Moved Permanently"), sent)
    elif kind == "canary":
        await read_request(reader)
        await send_capped(writer, http_response("canary", [], b"canary"), sent)


def make_handler(addr, port, kind, payload):
    async def on_conn(reader, writer):
        log(f"conn {addr}:{port} {kind}")
        try:
            await asyncio.wait_for(handle(kind, payload, reader, writer), CONN_TIME)
        except (asyncio.TimeoutError, ConnectionError, ssl.SSLError, OSError):
            pass
        finally:
            try:
                writer.close()
            except Exception:
                pass
    return on_conn


class DnsUdp(asyncio.DatagramProtocol):
    def __init__(self, text):
        self.text = text
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, peer):
        log(f"conn udp {peer[0]}->dns")
        ans = dns_answer(data, self.text, False)
        if ans:
            self.transport.sendto(ans, peer)


def check_loopback(addr):
    if not ipaddress.ip_address(addr).is_loopback:
        raise SystemExit(f"replay.py: refusing non-loopback address {addr}")


async def main_async(args):
    tls = None
    if args.cert:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(args.cert, args.key)
    servers = []
    for addr, port, kind, payload in SERVICES + HOSTILE:
        check_loopback(addr)
        if kind == "https" and not tls:
            continue
        srv = await asyncio.start_server(make_handler(addr, port, kind, payload), addr, port,
                                         ssl=tls if kind == "https" else None,
                                         reuse_address=True, backlog=256)
        servers.append(srv)
        if kind == "dns":
            await asyncio.get_running_loop().create_datagram_endpoint(
                lambda p=payload: DnsUdp(p), local_addr=(addr, port))
    print(f"replay.py: {len(servers)} listeners up", flush=True)
    await asyncio.sleep(args.lifetime)
    print("replay.py: lifetime over, exiting", flush=True)


def main():
    global LOG, CONN_TIME
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--log")
    ap.add_argument("--lifetime", type=float, default=6 * 3600.0)
    ap.add_argument("--conn-time", type=float, default=30.0)
    ap.add_argument("--list", action="store_true", help="print ADDR:PORT of every listener")
    args = ap.parse_args()
    CONN_TIME = args.conn_time
    if args.list:
        for addr, port, kind, _ in SERVICES + HOSTILE:
            print(f"{addr} {port} {kind}")
        return 0
    if args.log:
        LOG = open(args.log, "a", buffering=1)
    asyncio.run(main_async(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
