#!/usr/bin/env bash
# identify_lab.sh - service identification against the lab: the real Debian daemons with their
# Debian versions, TLS flags on the self-signed and expired certificates, the silent port
# called silent within its budget, the replayed banners of vulnerable products named with
# version and CPE, read-only OT answers (and OT skipped where the org has not allowed it), every
# hostile server bounded in time and bytes, redirects out of scope recorded and not followed, and
# an excluded address refused without a single connection.
# Needs root (namespaces). Exit 77 = skipped when not root.
set -uo pipefail

M=${MAMORI:?set MAMORI to the mamori binary}
SRC=${MAMORI_SOURCE_DIR:?set MAMORI_SOURCE_DIR}
if [ "$(id -u)" -ne 0 ]; then
	echo "identify_lab: needs root (network namespaces); skipped"
	exit 77
fi
NS=idl$$
T=$(mktemp -d)
chmod 755 "$T"
export MAMORI_DB=$T/m.db
. "$(dirname "$0")/../support/check.sh"
cleanup() {
	timeout 60 "$SRC/tests/lab/lab" down --ns "$NS" --dir "$T/lab" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT

inns() { timeout 300 ip netns exec "$NS" "$@"; }
# svc FILE IP PORT: the JSON line of that service
svc() { grep "\"ip\":\"$2\",\"port\":$3," "$1" | head -1; }
# field FILE IP PORT EXPR: a Python expression over the service object o
field() {
	svc "$1" "$2" "$3" | python3 -c "import json,sys
l=sys.stdin.read()
o=json.loads(l) if l.strip() else {}
ev=o.get('evidence') or {}
ti=o.get('tls_info') or {}
print($4)"
}

for try in 1 2; do
	timeout 120 "$SRC/tests/lab/lab" up --ns "$NS" --dir "$T/lab" >"$T/lab.log" 2>&1 && break
	[ $try = 2 ] && { cat "$T/lab.log"; echo "lab did not come up"; exit 1; }
done
. "$T/lab/lab.env"
"$M" init >/dev/null
"$M" inventory import "$SRC/examples/inventory.yaml" >/dev/null || { echo "inventory import failed"; exit 1; }
# The lab's DNS server sits outside every example scope: a small org of our own covers it.
cat >"$T/dns.yaml" <<'EOF'
version: 1
organisations:
  - id: lab-dns
    name: { ja: 試験DNS, en: Lab DNS }
    sector: railways
    assets:
      - ipv4: 127.0.10.53
    scope:
      - cidr: 127.0.10.53/32
        authorised_by: 試験担当 / tester
        from: 2026-01-01
        until: 2099-12-31
EOF
"$M" inventory import "$T/dns.yaml" >/dev/null || { echo "lab-dns import failed"; exit 1; }

PORTS=21,22,25,53,80,110,143,443,502,3306,8001,8002,8003,8080,44818

# ---- 1. scan --identify: the combined command
inns "$M" scan kanto-rail --ports $PORTS --identify >"$T/scan-k.txt" 2>&1
check "scan kanto-rail --identify exits 0" "[ $? -eq 0 ]"
check "scan --identify stored kanto-rail's services" \
	"[ \$(\"$M\" services list --org kanto-rail --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))') -ge 6 ]"
for o in tohoku-freight kyushu-port lab-dns; do
	inns "$M" scan "$o" --ports $PORTS >/dev/null 2>&1 || no "scan $o"
done

# ---- 2. identify everything, timed
ot_before=$(grep -c 'conn 127.0.21.137:502' "$LAB_REPLAY_LOG")
start=$(date +%s.%N)
inns "$M" identify --all --host www.haneda-air.test=127.0.10.2 --out "$T/all.jsonl" --json \
	>"$T/sum.json" 2>"$T/id.err"
rc=$?
wall=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
check "identify --all exits 0 (no crash, no hang)" "[ $rc -eq 0 ]"
echo "# identify --all: ${wall}s wall, $(wc -l <"$T/all.jsonl") lines"
check "the whole run (31 ports, 8 hostile) ends within 12 s" "awk -v w=$wall 'BEGIN { exit !(w < 12) }'"
F=$T/all.jsonl

# ---- 3. the real Debian daemons
check "nginx 1.22.1 on :80" "[ \"\$(field $F 127.0.10.1 80 \"o.get('product'),o.get('version')\")\" = \"nginx 1.22.1\" ]"
check "nginx 1.22.1 over TLS on :443" "[ \"\$(field $F 127.0.10.1 443 \"o.get('product'),o.get('version'),o.get('tls')\")\" = \"nginx 1.22.1 True\" ]"
check "HTTP title recorded" "[ \"\$(field $F 127.0.10.1 80 \"ev['http']['title']\")\" = 'Kanto Rail' ]"
check "OpenSSH 9.2p1 with its Debian revision" "field $F 127.0.10.3 22 \"o['product'],o['version'],o['banner']\" | grep -q '^OpenSSH 9.2p1 SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u'"
check "OpenSSH CPE 2.3" "[ \"\$(field $F 127.0.10.3 22 \"o['cpe']\")\" = 'cpe:2.3:a:openbsd:openssh:9.2p1:*:*:*:*:*:*:*' ]"
check "Postfix, Debian, EHLO recorded with STARTTLS" "[ \"\$(field $F 127.0.10.4 25 \"o['product'],'Debian' in o['os'],ev['smtp_ehlo']['starttls']\")\" = 'Postfix True True' ]"
check "vsftpd 3.0.3" "[ \"\$(field $F 127.0.10.5 21 \"o['product'],o['version'],o['cpe']\")\" = 'vsFTPd 3.0.3 cpe:2.3:a:vsftpd_project:vsftpd:3.0.3:*:*:*:*:*:*:*' ]"
check "BIND 9.18 via version.bind (named answers it)" "field $F 127.0.10.53 53 \"o['product'],o['version'],ev['dns']['version_bind']\" | grep -q '^BIND 9\.18\.[0-9]* 9\.18\.[0-9]*-.*Debian'"

# ---- 4. TLS flags
check "self-signed cert: self_signed, not expired, name matches www.kanto-rail.test" \
	"[ \"\$(field $F 127.0.10.1 443 \"ti['self_signed'],ti['expired'],ti['hostname_mismatch'],ti['hostname']\")\" = 'True False False www.kanto-rail.test' ]"
check "expired cert: expired, self-signed, name matches www.haneda-air.test" \
	"[ \"\$(field $F 127.0.10.2 443 \"ti['self_signed'],ti['expired'],ti['hostname_mismatch'],ti['hostname']\")\" = 'True True False www.haneda-air.test' ]"
check "TLS version, cipher, chain (RSA 2048, SHA-256 hashes)" \
	"[ \"\$(field $F 127.0.10.1 443 \"ti['version'],ti['chain'][0]['key_type'],ti['chain'][0]['key_bits'],len(ti['chain'][0]['sha256']),len(ti['chain'][0]['spki_sha256']),bool(ti['cipher'])\")\" = 'TLSv1.3 RSA 2048 64 64 True' ]"
check "nginx (TLSv1.2+ only) accepts no old version" "[ \"\$(field $F 127.0.10.1 443 \"ti['old_versions_accepted']\")\" = '[]' ]"

# ---- 5. the silent port: silent, early
check "silent port is 'silent'" "[ \"\$(field $F 127.0.10.6 8080 \"o['state']\")\" = silent ]"
check "silent verdict in parallel, under 2 s (budget 0.48 s, the rest is a loaded machine; the serial plan took 3.2 s+)" "[ \$(field $F 127.0.10.6 8080 \"o['elapsed_ms']\") -lt 2000 ]"

# ---- 6. replayed banners: product, version, CPE
while read -r ip port want; do
	got=$(field "$F" "$ip" "$port" "o.get('cpe')")
	check "replayed $ip:$port -> $want" "[ '$got' = '$want' ]"
done <<'EOF'
127.0.20.1 22 cpe:2.3:a:openbsd:openssh:7.2p2:*:*:*:*:*:*:*
127.0.20.2 22 cpe:2.3:a:openbsd:openssh:4.3p2:*:*:*:*:*:*:*
127.0.20.3 80 cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*
127.0.20.4 80 cpe:2.3:a:microsoft:iis:7.5:*:*:*:*:*:*:*
127.0.20.5 80 cpe:2.3:a:microsoft:iis:8.5:*:*:*:*:*:*:*
127.0.20.6 25 cpe:2.3:a:exim:exim:4.89:*:*:*:*:*:*:*
127.0.20.7 21 cpe:2.3:a:vsftpd_project:vsftpd:2.3.4:*:*:*:*:*:*:*
127.0.20.8 21 cpe:2.3:a:proftpd:proftpd:1.3.5:*:*:*:*:*:*:*
127.0.20.9 53 cpe:2.3:a:isc:bind:9.3.6-p1:*:*:*:*:*:*:*
127.0.20.13 3306 cpe:2.3:a:oracle:mysql:5.5.30-1.1:*:*:*:*:*:*:*
127.0.20.14 110 cpe:2.3:a:dovecot:dovecot:*:*:*:*:*:*:*:*
127.0.20.15 143 cpe:2.3:a:dovecot:dovecot:*:*:*:*:*:*:*:*
EOF
check "MySQL, POP3 and IMAP named by the greeting's protocol" \
	"[ \"\$(field $F 127.0.20.13 3306 \"o['service']\") \$(field $F 127.0.20.14 110 \"o['service']\") \$(field $F 127.0.20.15 143 \"o['service']\")\" = 'mysql pop3 imap' ]"
check "FortiGate admin page: FortiOS over TLS, Fortinet cert subject matched" \
	"[ \"\$(field $F 127.0.20.12 443 \"o['product'],o['tls'],any(m['database']=='x509_subjects' for m in ev.get('matches',[]))\")\" = 'FortiOS True True' ]"

# ---- 7. OT: read-only identification where allowed, skipped where not
check "Modbus device id (tohoku-freight allows OT)" \
	"[ \"\$(field $F 127.0.20.10 502 \"o['state'],o['vendor'],o['version']\")\" = 'identified Schneider Electric v2.7' ]"
check "EtherNet/IP List Identity" \
	"[ \"\$(field $F 127.0.20.11 44818 \"o['state'],o['vendor'],o['product']\")\" = 'identified Rockwell Automation 1756-L61/B LOGIX5561' ]"
check "kyushu-port (ot_probes false): Modbus not probed, recorded" \
	"[ \"\$(field $F 127.0.21.137 502 \"o['note'],o['bytes_read']\")\" = 'OT probe not enabled 0' ]"
check "no connection reached the kyushu-port Modbus device during identify" "[ $ot_before -eq \$(grep -c 'conn 127.0.21.137:502' $LAB_REPLAY_LOG) ]"

# ---- 8. hostile servers: recorded, bounded in time (budget 4 s + slack) and bytes (3 probes x 64 KiB)
for hp in 127.0.21.130:8001 127.0.21.131:8002 127.0.21.132:443 127.0.21.133:8003 127.0.21.134:80 127.0.21.135:80 127.0.21.136:80; do
	ip=${hp%:*} port=${hp#*:}
	check "hostile $hp recorded" "[ -n \"\$(svc $F $ip $port)\" ]"
	check "hostile $hp bounded (<= 4.5 s, <= 196608 bytes)" \
		"[ \"\$(field $F $ip $port \"o['elapsed_ms'] <= 4500 and o['bytes_read'] <= 3*65536\")\" = True ]"
done
check "endless banner cut at the 64 KiB read cap" "field $F 127.0.21.130 8001 \"ev['probes'][0]['detail']\" | grep -q 'read cap reached'"
check "redirect loop stops at 3" "[ \"\$(field $F 127.0.21.135 80 \"len(ev['redirects']),ev['redirects'][-1]['reason']\")\" = '4 redirect limit (3) reached' ]"
check "out-of-scope redirect recorded, not followed" \
	"[ \"\$(field $F 127.0.21.136 80 \"ev['redirects'][0]['location'],ev['redirects'][0]['followed']\")\" = 'http://127.0.99.1/admin False' ]"
check "the excluded canary 127.0.99.1 never saw a connection" "! grep -q 'conn 127.0.99.1:' $LAB_REPLAY_LOG"

# ---- 9. scope is law: an exclusion added after the scan refuses the address
"$M" scope exclude add 127.0.20.8/32 --reason "試験除外 / test exclusion" --by tester >/dev/null ||
	no "scope exclude add"
before=$(grep -c 'conn 127.0.20.8:' "$LAB_REPLAY_LOG")
inns "$M" identify tohoku-freight --out "$T/tf.jsonl" --json >"$T/tf.json" 2>"$T/tf.err"
after=$(grep -c 'conn 127.0.20.8:' "$LAB_REPLAY_LOG")
check "excluded address refused with a reason" "grep -q '\"ip\":\"127.0.20.8\",\"port\":21,\"proto\":\"tcp\",\"state\":\"refused\",\"reason\":\".*' $T/tf.jsonl"
check "refusal shown on stderr" "grep -q '127.0.20.8:21' $T/tf.err"
check "no connection to the refused address ($before before, $after after)" "[ $before -eq $after ]"
check "run with a refusal is not complete" "python3 -c 'import json,sys; r=json.load(open(\"$T/tf.json\"))[\"runs\"][0]; sys.exit(r[\"complete\"])'"
check "refusal stored" "[ \$(sqlite3 $MAMORI_DB 'SELECT COUNT(*) FROM identify_refusals WHERE ip=\"127.0.20.8\"') -ge 1 ]"

# ---- 10. store: one row per port, first_seen kept, complete runs
check "services rows == distinct ports probed" \
	"[ \$(sqlite3 $MAMORI_DB 'SELECT COUNT(*) FROM services') -eq \$(sort -u <(grep -v refused $F | sed 's/.*\"ip\":\"\([^\"]*\)\",\"port\":\([0-9]*\).*/\1:\2/') | wc -l) ]"
check "re-identified services keep first_seen" "[ \$(sqlite3 $MAMORI_DB 'SELECT COUNT(*) FROM services WHERE first_seen > last_seen') -eq 0 ]"
check "kanto-rail has a complete run" "[ \$(sqlite3 $MAMORI_DB \"SELECT MAX(complete) FROM identify_runs WHERE org_slug='kanto-rail'\") -eq 1 ]"
check "services list shows Japanese header and rows" "\"$M\" services list --org tohoku-freight | grep -q 'ProFTPD'"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
