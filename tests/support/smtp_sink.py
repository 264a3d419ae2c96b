"""A loopback SMTP receiver for the integration tests (no TLS, no AUTH).

usage: smtp_sink.py --maildir DIR PORTFILE   each message as DIR/<recipient>/NNNN.eml
       smtp_sink.py --log FILE PORTFILE      one JSON line {"subject", "body"} a message
It listens on 127.0.0.1 at a free port, writes the port to PORTFILE and exits after
--lifetime seconds (300) so a test that dies never leaves it running.
"""
import argparse, asyncio, email, email.header, json, os

ap = argparse.ArgumentParser()
mode = ap.add_mutually_exclusive_group(required=True)
mode.add_argument("--maildir")
mode.add_argument("--log")
ap.add_argument("--lifetime", type=float, default=300)
ap.add_argument("portfile")
args = ap.parse_args()
out = open(args.log, "a", buffering=1) if args.log else None
count = 0


def store(rcpts, data):
    global count
    if out:
        m = email.message_from_bytes(data)
        subj = str(email.header.make_header(email.header.decode_header(m["Subject"])))
        body = m.get_payload(decode=True).decode("utf-8")
        out.write(json.dumps({"subject": subj, "body": body}, ensure_ascii=False) + "\n")
        return
    for rc in rcpts:
        d = os.path.join(args.maildir, rc)
        os.makedirs(d, exist_ok=True)
        count += 1
        with open(os.path.join(d, "%04d.eml" % count), "wb") as f:
            f.write(data)


async def session(r, w):
    rcpts = []

    async def say(s):
        w.write((s + "\r\n").encode())
        await w.drain()

    await say("220 localhost ESMTP test")
    while True:
        line = await asyncio.wait_for(r.readline(), 10)
        if not line:
            return
        cmd = line.decode().strip()
        up = cmd.upper()
        if up.startswith(("EHLO", "HELO")):
            await say("250-localhost")
            await say("250 8BITMIME")
        elif up.startswith("MAIL"):
            rcpts = []
            await say("250 ok")
        elif up.startswith("RCPT"):
            rcpts.append(cmd.split("<", 1)[1].split(">", 1)[0])
            await say("250 ok")
        elif up.startswith(("RSET", "NOOP")):
            await say("250 ok")
        elif up == "DATA":
            await say("354 end with .")
            data = b""
            while True:
                l = await r.readline()
                if l.rstrip(b"\r\n") == b".":
                    break
                data += l[1:] if l.startswith(b"..") else l
            store(rcpts, data)
            await say("250 queued")
        elif up == "QUIT":
            await say("221 bye")
            w.close()
            return
        else:
            await say("502 no")


async def main():
    srv = await asyncio.start_server(session, "127.0.0.1", 0)
    with open(args.portfile, "w") as f:
        f.write(str(srv.sockets[0].getsockname()[1]))
    async with srv:
        await asyncio.sleep(args.lifetime)


asyncio.run(main())
