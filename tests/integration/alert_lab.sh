#!/usr/bin/env bash
# alert_lab.sh - urgent alerts end to end in a private network namespace: a real Postfix
# (Debian) delivering to Maildirs this test reads, a python3 http.server webhook receiver that
# verifies the HMAC; dry run records nothing, MTA down -> queued, MTA up -> delivered once,
# a third run sends nothing, bad webhook URLs and CR/LF header values are refused.
set -uo pipefail

M=${MAMORI:?set MAMORI to the mamori binary}
SRC=${MAMORI_SOURCE_DIR:?set MAMORI_SOURCE_DIR}
[ "$(id -u)" = 0 ] || { echo "needs root (network namespace, postfix)"; exit 77; }
NS=malert$$
T=$(mktemp -d)
chmod 755 "$T"
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	sleep 0.3
	ip netns del "$NS" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
export MAMORI_DB=$T/m.db
. "$(dirname "$0")/../support/check.sh"
q() { sqlite3 "$MAMORI_DB" "$1"; }
nx() { ip netns exec "$NS" "$@"; }
mcount() { find "$T/mail/$1/new" -type f 2>/dev/null | wc -l; }

ip netns add "$NS" || { echo "cannot create namespace"; exit 1; }
ip -n "$NS" link set lo up

# --- a private Postfix: virtual mailboxes for the two operators' domains, under $T/mail.
PF=$T/pf
PU=$(id -u postfix)
PG=$(id -g postfix)
mkdir -p "$PF/etc" "$T/mail"
chown "$PU:$PG" "$T/mail"
cat >"$PF/etc/main.cf" <<CF
compatibility_level = 3.6
config_directory = $PF/etc
queue_directory = $PF/spool
data_directory = $PF/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = mail.alert.test
mydomain = alert.test
mydestination = localhost
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost =
default_transport = error:no outside world
relay_transport = error:no outside world
alias_maps =
alias_database =
virtual_mailbox_domains = kanto-rail.test haneda-air.test
virtual_mailbox_base = $T/mail
virtual_mailbox_maps = texthash:$PF/etc/vmailbox
virtual_uid_maps = static:$PU
virtual_gid_maps = static:$PG
maillog_file_prefixes = /dev/stdout
maillog_file = /dev/stdout
CF
cat >"$PF/etc/vmailbox" <<VM
csirt@kanto-rail.test csirt/
it-security@kanto-rail.test itsec/
psirt@haneda-air.test psirt/
VM
sed -n '/^\t*smtp *inet/,/^\t*postlog/p' "$SRC/tests/lab/lab" | sed 's/^\t*//' >"$PF/etc/master.cf"
echo "virtual   unix  -       n       n       -       -       virtual" >>"$PF/etc/master.cf"
install -d -m 755 "$PF/spool" "$PF/spool/pid"
install -d -o postfix -g postfix -m 700 "$PF/data"
for d in active bounce corrupt defer deferred flush hold incoming private saved trace; do
	install -d -o postfix -g postfix -m 700 "$PF/spool/$d"
done
install -d -o postfix -g postdrop -m 730 "$PF/spool/maildrop"
install -d -o postfix -g postdrop -m 710 "$PF/spool/public"

# --- the store: two operators with KEV / critical findings, one high finding (no alert).
"$M" init >/dev/null
"$M" inventory import "$SRC/examples/inventory.yaml" >/dev/null || { echo "inventory import failed"; exit 1; }
q "INSERT INTO findings (org_slug, asset, issue_key, kind, source, ip, port, proto, state, severity,
     title, cve_id, kev, deadline, first_seen, last_seen) VALUES
   ('kanto-rail', 'www.kanto-rail.test', 'vuln:CVE-2021-41773', 'vulnerability', 'network', '127.0.20.3',
    80, 'tcp', 'open', 'high', 'Apache HTTP Server のパストラバーサル / Apache path traversal',
    'CVE-2021-41773', 1, 1790000000, 1000, 1000),
   ('kanto-rail', 'www.kanto-rail.test', 'tls:expired', 'tls', 'network', '127.0.10.1', 443, 'tcp',
    'open', 'high', '証明書の期限切れ / expired certificate', NULL, 0, NULL, 1000, 1000),
   ('haneda-air', 'mail.haneda-air.test', 'risky:telnet', 'risky_service', 'network', '127.0.21.1', 23,
    'tcp', 'open', 'critical', 'Telnet の公開 / Telnet exposed', NULL, 0, NULL, 1000, 1000);"

# --- webhook URLs are checked when entered.
for bad in 'ftp://127.0.0.1/x' 'http://' 'javascript:alert(1)' $'http://127.0.0.1:8099/\r\nX: y' 'http://127.0.0.1 /x'; do
	check "webhook URL refused: $(printf %q "$bad")" "! '$M' alert webhook add kanto-rail $(printf %q "$bad") --secret s3cret-key >/dev/null 2>&1"
done
check "webhook for an unknown org refused" "! '$M' alert webhook add nosuch http://127.0.0.1:8099/hook --secret s3cret-key >/dev/null 2>&1"
check "webhook added" "'$M' alert webhook add kanto-rail http://127.0.0.1:8099/hook --secret s3cret-key >/dev/null"
check "header injection in --from refused" "! '$M' alert run --dry-run --from $'a@b.test\r\nBcc: x@y.test' >/dev/null 2>&1"

# --- dry run: recipients and text, nothing recorded.
nx "$M" alert run --dry-run --json >"$T/dry.json"
check "dry run shows 2 alerts (KEV and critical, not the high TLS one)" \
	"python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); sys.exit(0 if len(o[\"alerts\"])==2 else 1)' '$T/dry.json'"
check "dry run lists the org's contacts and webhook" "grep -q 'csirt@kanto-rail.test, it-security@kanto-rail.test, webhook http://127.0.0.1:8099/hook' '$T/dry.json'"
check "dry run records nothing" "[ \"\$(q 'SELECT count(*) FROM alerts')\" = 0 ]"

RUN=(nx "$M" alert run --json --smtp smtp://127.0.0.1:25 --from mamori@alert.test --attempts 2 --backoff-ms 50 --timeout 5
	--console-url http://127.0.0.1:8088/console/)
# --- MTA and receiver down: queued, attempts logged.
out=$("${RUN[@]}")
check "first run (MTA down): 2 alerts created, nothing delivered" "echo '$out' | grep -q '\"created\":[[:space:]]*2' && echo '$out' | grep -q '\"delivered\":[[:space:]]*0'"
check "all 4 targets queued" "[ \"\$(q \"SELECT count(*) FROM alert_targets WHERE state = 'pending'\")\" = 4 ]"
check "failed attempts logged with error (2 per target)" "[ \"\$(q \"SELECT count(*) FROM alert_deliveries WHERE status = 'error' AND error LIKE '%connect%'\")\" = 8 ]"

# --- start Postfix and the webhook receiver.
(exec ip netns exec "$NS" /usr/lib/postfix/sbin/master -s -c "$PF/etc" </dev/null >"$T/postfix.log" 2>&1) &
PIDS+=($!)
cat >"$T/hook.py" <<'PY'
import hashlib, hmac, http.server, sys
log = open(sys.argv[1], "a", buffering=1)
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(min(n, 1 << 20))
        want = "sha256=" + hmac.new(b"s3cret-key", body, hashlib.sha256).hexdigest()
        good = hmac.compare_digest(want, self.headers.get("X-Mamori-Signature", ""))
        log.write(("good " if good else "bad ") + body.decode("utf-8") + "\n")
        self.send_response(204 if good else 401)
        self.end_headers()
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 8099), H)
s.timeout = 1
import time
end = time.time() + 120
while time.time() < end:
    s.handle_request()
PY
(exec ip netns exec "$NS" python3 "$T/hook.py" "$T/hook.log" </dev/null >"$T/hook.out" 2>&1) &
PIDS+=($!)
for _ in $(seq 50); do
	nx bash -c 'exec 3<>/dev/tcp/127.0.0.1/25 && exec 3<>/dev/tcp/127.0.0.1/8099' 2>/dev/null && break
	sleep 0.2
done

out=$("${RUN[@]}")
check "second run (MTA up): 4 delivered, nothing created" "echo '$out' | grep -q '\"delivered\":[[:space:]]*4' && echo '$out' | grep -q '\"created\":[[:space:]]*0'"
for _ in $(seq 50); do
	[ "$(mcount csirt)" -ge 1 ] && [ "$(mcount itsec)" -ge 1 ] && [ "$(mcount psirt)" -ge 1 ] && break
	sleep 0.2
done
check "each contact got exactly one mail" "[ \"\$(mcount csirt)\$(mcount itsec)\$(mcount psirt)\" = 111 ]"
f=$(find "$T/mail/csirt/new" -type f | head -1)
check "Japanese subject and body decode (python3 email)" "python3 -c '
import email, email.header, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], \"rb\"), policy=email.policy.default)
s = str(m[\"subject\"]); b = m.get_content()
# one digest per operator (issue 14): company, worst item (product, host), nearest deadline
ok = s.startswith(\"[mamori] 関東旅客鉄道\") and \"CVE-2021-41773 Apache HTTP Server のパストラバーサル (www.kanto-rail.test)\" in s
ok = ok and \"期限 2026-09-21\" in s and \"vuln:\" not in s and \"=?UTF-8?B?\" in open(sys.argv[1]).read()
# both halves, Japanese first: the English one names company, CVE, host and deadline, no Japanese
ja, _, en = s.partition(\" / \")
ok = ok and \"関東旅客鉄道\" in ja and en.startswith(\"Kanto Passenger Railway\") and \"due 2026-09-21\" in en
ok = ok and \"first: CVE-2021-41773 Apache path traversal (www.kanto-rail.test)\" in en
ok = ok and not any(0x3040 <= ord(c) <= 0x9fff for c in en)
ok = ok and \"【緊急】\" in b and \"What to do:\" in b and \"期限: 2026-09-21\" in b
# the English item names its CVE as the Japanese one does
ok = ok and \"[Urgent] CVE-2021-41773 Apache path traversal\" in b and \"Where: www.kanto-rail.test\" in b
ok = ok and \"mamori advisories\" not in b and \"最優先で対応すべき指摘\" in b
ok = ok and m[\"Message-ID\"] and m[\"Date\"] and m.get_content_charset() == \"utf-8\"
sys.exit(0 if ok else 1)' '$f'"
check "webhook received once with a valid HMAC" "[ \"\$(grep -c '^good ' '$T/hook.log')\" = 1 ] && ! grep -q '^bad ' '$T/hook.log'"
link=$(python3 -c '
import email, email.policy, re, sys
b = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default).get_content()
m = re.search(r"確認はこちら: (http://127\.0\.0\.1:8088/console/ack/[0-9a-f]{32})$", b, re.M)
print(m.group(1) if m else "")' "$f")
check "the mail carries the ack link <console-url>/ack/<token> ($link)" "[ -n '$link' ]"
check "  ... the webhook body carries the same link" "grep -qF '${link:-none}' '$T/hook.log'"
check "  ... its token acknowledges the alert" "'$M' advisories ack '${link##*/}' >/dev/null && [ \"\$(q \"SELECT count(*) FROM alerts WHERE acked_by = 'token' AND issue_key = 'vuln:CVE-2021-41773'\")\" = 1 ]"

out=$("${RUN[@]}")
sleep 1
check "third run: nothing created or sent" "echo '$out' | grep -q '\"created\":[[:space:]]*0' && echo '$out' | grep -q '\"delivered\":[[:space:]]*0'"
check "still one mail each, one webhook" "[ \"\$(mcount csirt)\$(mcount itsec)\$(mcount psirt)\" = 111 ] && [ \"\$(wc -l <'$T/hook.log')\" = 1 ]"

# --- a CR/LF in a stored address (bypassing inventory validation) is refused, not sent.
q "UPDATE contacts SET email = 'psirt@haneda-air.test' || char(13, 10) || 'Bcc: evil@kanto-rail.test'
   WHERE email = 'psirt@haneda-air.test';
   INSERT INTO findings (org_slug, asset, issue_key, kind, source, state, severity, title, kev, first_seen, last_seen)
   VALUES ('haneda-air', 'haneda-air.test', 'risky:rdp', 'risky_service', 'network', 'open', 'critical', 'RDP', 0, 1000, 1000);"
out=$("${RUN[@]}")
check "header injection refused and logged" "[ \"\$(q \"SELECT count(*) FROM alert_deliveries WHERE status = 'refused' AND error LIKE 'refused%'\")\" = 1 ]"
sleep 1
check "no injected message delivered" "[ \"\$(mcount psirt)\" = 1 ] && [ \"\$(mcount csirt)\" = 1 ]"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
