#!/usr/bin/env bash
# alert_digest.sh - one digest mail per operator (issue 14) read as its recipient reads it, from
# a local SMTP receiver on 127.0.0.1: the subject (RFC 2047, decoded here) has both halves,
# Japanese first, each with the company, the fix-first item's CVE, host and own deadline and
# the nearest deadline of another item;
# the items are listed in the one fix-first order (a KEV finding before a critical one that is
# due earlier), each English item names its CVE, a declared product is named, not its raw key.
set -uo pipefail

M=${MAMORI:?set MAMORI to the mamori binary}
SRC=${MAMORI_SOURCE_DIR:?set MAMORI_SOURCE_DIR}
T=$(mktemp -d)
SPID=
trap '[ -n "$SPID" ] && kill "$SPID" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
export MAMORI_DB=$T/m.db
. "$(dirname "$0")/../support/check.sh"
q() { sqlite3 "$MAMORI_DB" "$1"; }

"$M" init >/dev/null
"$M" inventory import "$SRC/examples/inventory.yaml" >/dev/null || { echo "inventory import failed"; exit 1; }
q "DELETE FROM contacts WHERE email <> 'csirt@kanto-rail.test';"
q "INSERT INTO findings (org_slug, asset, issue_key, kind, source, ip, port, proto, state, severity,
     title, cve_id, kev, deadline, first_seen, last_seen) VALUES
   ('kanto-rail', 'www.kanto-rail.test', 'vuln:CVE-2021-41773', 'vulnerability', 'network', '127.0.20.3',
    80, 'tcp', 'open', 'high', 'Apache HTTP Server のパストラバーサル / Apache path traversal',
    'CVE-2021-41773', 1, 1790000000, 1000, 1000),
   ('kanto-rail', 'www.kanto-rail.test', 'vuln:CVE-2023-0001', 'vulnerability', 'network', '127.0.20.3',
    8080, 'tcp', 'open', 'critical', 'テスト製品の脆弱性 / test product flaw', 'CVE-2023-0001', 0,
    1780000000, 1000, 1000);"
cat >"$T/smtp.py" <<'PY'
import asyncio, email, email.header, json, sys
log, portfile = sys.argv[1:3]
out = open(log, "a", buffering=1)
async def session(r, w):
    async def say(s):
        w.write((s + "\r\n").encode()); await w.drain()
    await say("220 localhost ESMTP test")
    while True:
        line = await asyncio.wait_for(r.readline(), 10)
        if not line:
            return
        up = line.decode().strip().upper()
        if up.startswith(("EHLO", "HELO")):
            await say("250 localhost")
        elif up.startswith(("MAIL", "RCPT", "RSET", "NOOP")):
            await say("250 ok")
        elif up == "DATA":
            await say("354 end with .")
            data = b""
            while True:
                l = await r.readline()
                if l.rstrip(b"\r\n") == b".":
                    break
                data += l[1:] if l.startswith(b"..") else l
            m = email.message_from_bytes(data)
            subj = str(email.header.make_header(email.header.decode_header(m["Subject"])))
            body = m.get_payload(decode=True).decode("utf-8")
            out.write(json.dumps({"subject": subj, "body": body}, ensure_ascii=False) + "\n")
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
python3 "$T/smtp.py" "$T/mail.log" "$T/port" &
SPID=$!
for _ in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
"$M" alert run --smtp "smtp://127.0.0.1:$(cat "$T/port")" --attempts 1 --timeout 5 --json >"$T/run.json"
check "one digest mail for kanto-rail's contact" "[ \"\$(wc -l <'$T/mail.log')\" = 1 ]"
check "subject: both halves, Japanese first, company, fix-first CVE, host and its deadline, then the nearest" "python3 -c '
import json, sys
m = json.loads(open(sys.argv[1]).readline())
ja, _, en = m[\"subject\"].partition(\" / \")
ok = ja.startswith(\"[mamori] 関東旅客鉄道\") and \"最優先 Apache HTTP Server のパストラバーサル (127.0.20.3)\" in ja
ok = ok and \"期限 2026-09-21、最短 2026-05-29\" in ja and en.startswith(\"Kanto Passenger Railway\")
ok = ok and \"first: CVE-2021-41773 Apache path traversal (127.0.20.3) due 2026-09-21, nearest 2026-05-29\" in en
ok = ok and not any(0x3040 <= ord(c) <= 0x9fff for c in en)
sys.exit(0 if ok else 1)' '$T/mail.log'"
check "items in the one fix-first order (KEV before a critical item due earlier), in both parts" "python3 -c '
import json, sys
b = json.loads(open(sys.argv[1]).readline())[\"body\"]
ja, _, en = b.partition(\"---- English ----\")
ok = ja.index(\"[1] 【緊急】Apache HTTP Server\") < ja.index(\"[2] 【緊急】テスト製品\")
ok = ok and en.index(\"[1] [Urgent] CVE-2021-41773 Apache path traversal\") < en.index(\"[2] [Urgent] CVE-2023-0001 test product flaw\")
sys.exit(0 if ok else 1)' '$T/mail.log'"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
