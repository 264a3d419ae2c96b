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
. "$(dirname "$0")/../support/smtp_sink.sh"
smtp_sink_start --log "$T/mail.log" || exit 1
"$M" alert run --smtp "$SMTP" --attempts 1 --timeout 5 --json >"$T/run.json"
check "one digest mail for kanto-rail's contact" "[ \"\$(wc -l <'$T/mail.log')\" = 1 ]"
check "subject: both halves, Japanese first, company, fix-first CVE, host and its deadline, then the nearest" "python3 -c '
import json, sys
m = json.loads(open(sys.argv[1]).readline())
ja, _, en = m[\"subject\"].partition(\" / \")
ok = ja.startswith(\"[mamori] 関東旅客鉄道\") and \"最優先 CVE-2021-41773 Apache HTTP Server のパストラバーサル (www.kanto-rail.test)\" in ja
ok = ok and \"期限 2026-09-21、最短 2026-05-29\" in ja and en.startswith(\"Kanto Passenger Railway\")
ok = ok and \"first: CVE-2021-41773 Apache path traversal (www.kanto-rail.test) due 2026-09-21, nearest 2026-05-29\" in en
ok = ok and not any(0x3040 <= ord(c) <= 0x9fff for c in en)
sys.exit(0 if ok else 1)' '$T/mail.log'"
check "items in the one fix-first order (KEV before a critical item due earlier), in both parts" "python3 -c '
import json, sys
b = json.loads(open(sys.argv[1]).readline())[\"body\"]
ja, _, en = b.partition(\"---- English ----\")
ok = ja.index(\"[1] 【緊急】CVE-2021-41773 Apache HTTP Server\") < ja.index(\"[2] 【緊急】CVE-2023-0001 テスト製品\")
ok = ok and en.index(\"[1] [Urgent] CVE-2021-41773 Apache path traversal\") < en.index(\"[2] [Urgent] CVE-2023-0001 test product flaw\")
sys.exit(0 if ok else 1)' '$T/mail.log'"
check "subject and body name the same host: the hostname, its address beside it in the body" "python3 -c '
import json, sys
b = json.loads(open(sys.argv[1]).readline())[\"body\"]
ja, _, en = b.partition(\"---- English ----\")
ok = \"最優先で対応すべき指摘: CVE-2021-41773 Apache HTTP Server のパストラバーサル（www.kanto-rail.test、127.0.20.3:80/tcp） 期限 2026-09-21\" in ja
ok = ok and \"Fix first: CVE-2021-41773 Apache path traversal (www.kanto-rail.test, 127.0.20.3:80/tcp), due 2026-09-21\" in en
ok = ok and \"\\n\\n    (acknowledge\" not in en
sys.exit(0 if ok else 1)' '$T/mail.log'"
check "the alert's own subject names the hostname too" \
	"[ \"\$(q \"SELECT count(*) FROM alerts WHERE org_slug = 'kanto-rail' AND subject LIKE '%CVE-2021-41773 Apache HTTP Server のパストラバーサル (www.kanto-rail.test) 期限%'\")\" = 1 ]"

# A declared product's "(host)" slot (issue 14): the asset it was declared on
# (haneda-air's FortiOS on vpn.haneda-air.test), or no slot at all (tohoku-freight's Apache,
# declared without an asset); never the product repeated.
q "INSERT INTO contacts (org_id, email) SELECT id, 'csirt@' || slug || '.test' FROM orgs
     WHERE slug IN ('haneda-air', 'tohoku-freight');
   INSERT INTO findings (org_slug, asset, issue_key, kind, source, state, severity, title, cve_id,
     kev, deadline, first_seen, last_seen) VALUES
   ('haneda-air', 'declared:cpe:2.3:o:fortinet:fortios:7.0.12:*:*:*:*:*:*:*',
    'vuln:CVE-2026-24858', 'declared', 'declared', 'open', 'critical',
    'CVE-2026-24858 FortiOS 7.0.12 の脆弱性 / vulnerability in FortiOS 7.0.12', 'CVE-2026-24858',
    1, 1790000000, 1000, 1000),
   ('tohoku-freight', 'declared:cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*',
    'vuln:CVE-2021-41773', 'declared', 'declared', 'open', 'critical',
    'CVE-2021-41773 Apache HTTP Server 2.4.49 の脆弱性 / vulnerability in Apache HTTP Server 2.4.49',
    'CVE-2021-41773', 1, 1790000000, 1000, 1000);"
"$M" alert run --smtp "$SMTP" --attempts 1 --timeout 5 --json >"$T/run2.json"
check "declared: digest subject names the asset it was declared on, or has no host slot" "python3 -c '
import json, sys
subj = [json.loads(l)[\"subject\"] for l in open(sys.argv[1])]
h = [x for x in subj if \"FortiOS\" in x]
t = [x for x in subj if \"2.4.49\" in x]
ok = len(h) == 1 and \"最優先 CVE-2026-24858 FortiOS 7.0.12 の脆弱性 (vpn.haneda-air.test) 期限\" in h[0]
ok = ok and \"first: CVE-2026-24858 vulnerability in FortiOS 7.0.12 (vpn.haneda-air.test) due\" in h[0]
ok = ok and len(t) == 1 and \"Apache HTTP Server 2.4.49 の脆弱性 期限\" in t[0]
ok = ok and \"vulnerability in Apache HTTP Server 2.4.49 due\" in t[0]
ok = ok and not any(\"declared:\" in x or \"(fortios\" in x.lower() or \"(apache\" in x.lower() for x in subj)
sys.exit(0 if ok else 1)' '$T/mail.log'"
check "declared: the alert's own subject has the same host slot" \
	"[ \"\$(q \"SELECT count(*) FROM alerts WHERE org_slug = 'haneda-air' AND subject LIKE '%FortiOS 7.0.12 の脆弱性 (vpn.haneda-air.test) 期限%'\")\" = 1 ] &&
	 [ \"\$(q \"SELECT count(*) FROM alerts WHERE org_slug = 'tohoku-freight' AND subject LIKE '%2.4.49 の脆弱性 期限%'\")\" = 1 ]"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
