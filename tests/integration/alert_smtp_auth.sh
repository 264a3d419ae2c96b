#!/usr/bin/env bash
# alert_smtp_auth.sh - SMTP AUTH: the user from --smtp-user, the password only from
# $MAMORI_SMTP_PASSWORD, sent only after STARTTLS (verified with --ca-file). The server is a
# small python3 asyncio SMTP receiver on 127.0.0.1 (STARTTLS, AUTH PLAIN), written here.
set -uo pipefail

M=${MAMORI:?set MAMORI to the mamori binary}
SRC=${MAMORI_SOURCE_DIR:?set MAMORI_SOURCE_DIR}
T=$(mktemp -d)
SPID=
trap '[ -n "$SPID" ] && kill "$SPID" 2>/dev/null; rm -rf "$T"' EXIT
export MAMORI_DB=$T/m.db
. "$(dirname "$0")/../support/check.sh"
q() { sqlite3 "$MAMORI_DB" "$1"; }
jget() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -keyout "$T/key.pem" -out "$T/cert.pem" \
	-subj "/CN=localhost" -addext "subjectAltName=DNS:localhost" 2>/dev/null || { echo "openssl failed"; exit 1; }
cat >"$T/smtp.py" <<'PY'
import asyncio, base64, ssl, sys
cert, key, log, portfile = sys.argv[1:5]
out = open(log, "a", buffering=1)
async def session(r, w):
    tls = False
    async def say(s):
        w.write((s + "\r\n").encode()); await w.drain()
    await say("220 localhost ESMTP test")
    while True:
        line = await asyncio.wait_for(r.readline(), 10)
        if not line:
            return
        cmd = line.decode().strip()
        up = cmd.upper()
        if up.startswith("EHLO"):
            await say("250-localhost")
            await say("250-AUTH PLAIN" if tls else "250-STARTTLS")
            await say("250 8BITMIME")
        elif up == "STARTTLS":
            await say("220 go ahead")
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(cert, key)
            await w.start_tls(ctx)
            tls = True
        elif up.startswith("AUTH PLAIN"):
            arg = cmd[10:].strip()
            if not arg:
                await say("334 ")
                arg = (await r.readline()).decode().strip()
            _, user, pw = base64.b64decode(arg).decode().split("\0")
            out.write("auth %s %s tls=%s\n" % (user, pw, tls))
            await say("235 ok" if (user, pw) == ("alice", "s3cret pass") else "535 bad credentials")
        elif up.startswith(("MAIL", "RCPT")):
            out.write("cmd %s tls=%s\n" % (cmd, tls))
            await say("250 ok")
        elif up == "DATA":
            await say("354 end with .")
            while (await r.readline()).rstrip(b"\r\n") != b".":
                pass
            out.write("message tls=%s\n" % tls)
            await say("250 queued")
        elif up == "QUIT":
            await say("221 bye"); w.close(); return
        else:
            await say("502 no")
async def main():
    srv = await asyncio.start_server(session, "127.0.0.1", 0)
    open(portfile, "w").write(str(srv.sockets[0].getsockname()[1]))
    async with srv:
        await asyncio.sleep(120)
asyncio.run(main())
PY
python3 "$T/smtp.py" "$T/cert.pem" "$T/key.pem" "$T/smtp.log" "$T/port" &
SPID=$!
for _ in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
P=$(cat "$T/port")

"$M" init >/dev/null
"$M" inventory import "$SRC/examples/inventory.yaml" >/dev/null || { echo "inventory import failed"; exit 1; }
q "INSERT INTO findings (org_slug, asset, issue_key, kind, source, state, severity, title, kev, first_seen, last_seen)
   VALUES ('haneda-air', 'haneda-air.test', 'risky:rdp', 'risky_service', 'network', 'open', 'critical', 'RDP', 0, 1000, 1000);"
RUN=("$M" alert run --json --smtp "smtp://localhost:$P" --ca-file "$T/cert.pem" --smtp-user alice --attempts 1 --timeout 5)

check "--smtp-user without \$MAMORI_SMTP_PASSWORD is refused" "! env -u MAMORI_SMTP_PASSWORD \"\${RUN[@]}\" >/dev/null 2>&1"
check "there is no option to give the password on the command line" "! MAMORI_SMTP_PASSWORD=x '$M' alert run --smtp-password x --dry-run >/dev/null 2>&1"
MAMORI_SMTP_PASSWORD='wrong' "${RUN[@]}" >"$T/r1.json"
check "a wrong password: not delivered, stays queued" "[ \"\$(jget '$T/r1.json' delivered)\" = 0 ] && [ \"\$(q \"SELECT count(*) FROM alert_targets WHERE state = 'pending'\")\" = 1 ]"
check "  ... the error is logged" "[ \"\$(q \"SELECT count(*) FROM alert_deliveries WHERE status = 'error' AND error LIKE 'smtp:%'\")\" = 1 ]"
MAMORI_SMTP_PASSWORD='s3cret pass' "${RUN[@]}" >"$T/r2.json"
check "the right password: delivered" "[ \"\$(jget '$T/r2.json' delivered)\" = 1 ]"
check "AUTH happened only inside TLS" "grep -q '^auth alice s3cret pass tls=True' '$T/smtp.log' && ! grep -q 'tls=False' '$T/smtp.log'"
check "the message was accepted after AUTH" "[ \"\$(grep -c '^message tls=True' '$T/smtp.log')\" = 1 ]"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
