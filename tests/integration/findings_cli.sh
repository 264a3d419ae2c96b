#!/usr/bin/env bash
# findings_cli.sh - findings, rating and schedule commands on a store whose services rows are
# written as the identify module writes them (no lab, no root): KEV finding with deadline and
# reasons, JSON output, the explanation summing to 100 - score, a service gone in a later
# complete identify run fixed and the grade rising, a partial run fixing nothing.
set -uo pipefail

M=${MAMORI:?set MAMORI to the mamori binary}
SRC=${MAMORI_SOURCE_DIR:?set MAMORI_SOURCE_DIR}
DATA=${MAMORI_DATA_DIR:?set MAMORI_DATA_DIR}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export MAMORI_DB=$T/m.db
. "$(dirname "$0")/../support/check.sh"
q() { sqlite3 "$MAMORI_DB" "$1"; }
sums() {
	"$M" rating show "$1" --json | python3 -c "import json,sys
o=json.load(sys.stdin)
s=sum(round(d['points']*10) for d in o['deductions'])
sys.exit(0 if s == round((100-o['score'])*10) else 1)"
}

"$M" init >/dev/null
"$M" inventory import "$SRC/examples/inventory.yaml" >/dev/null || { echo "inventory import failed"; exit 1; }
"$M" feeds import "$DATA"/nvd/*.json.* "$DATA"/kev/known_exploited_vulnerabilities.json \
	"$DATA"/epss/*.csv.xz >/dev/null 2>&1 || { echo "feeds import failed"; exit 1; }

# Two identify runs' worth of services for minato-bus (no declared products), as identify writes them.
q "INSERT INTO identify_runs (org_slug, started_at, finished_at, state, targets, identified, complete)
   VALUES ('minato-bus', 1000, 1001, 'done', 3, 3, 1);
   INSERT INTO services (org_slug, ip, port, proto, service, tls, vendor, product, version, cpe, banner,
     state, identify_run, first_seen, last_seen) VALUES
   ('minato-bus', '127.0.12.1', 25, 'tcp', 'smtp', 0, 'Exim', 'exim', '4.89',
    'cpe:2.3:a:exim:exim:4.89:*:*:*:*:*:*:*', '220 mx ESMTP Exim 4.89', 'identified', 1, 1000, 1000),
   ('minato-bus', '127.0.12.2', 3389, 'tcp', 'rdp', 0, NULL, NULL, NULL, NULL, NULL, 'unidentified', 1, 1000, 1000),
   ('minato-bus', '127.0.12.3', 443, 'tcp', 'https', 1, 'nginx', 'nginx', '1.22.1',
    'cpe:2.3:a:f5:nginx:1.22.1:*:*:*:*:*:*:*', 'nginx/1.22.1', 'identified', 1, 1000, 1000);
   UPDATE services SET tls_info = '{\"version\":\"TLSv1.3\",\"old_versions_accepted\":[\"TLSv1.0\"],\"chain\":[],\"self_signed\":false,\"expired\":true,\"hostname_mismatch\":false,\"hostname\":\"www.minato-bus.test\"}' WHERE port = 443;" ||
	{ echo "services table not as the contract says"; exit 1; }

"$M" findings update minato-bus >"$T/u1" 2>&1
check "findings update exits 0" "[ $? -eq 0 ]"
check "update reports new findings" "grep -q '新規 [1-9]' $T/u1"
check "Exim 4.89 -> CVE-2019-10149 KEV with deadline and KEV due date" \
	"[ \"\$(q \"SELECT urgency, deadline = first_seen + 3 * 86400 OR deadline = first_seen + 14 * 86400, kev_due_date IS NOT NULL FROM findings WHERE cve_id = 'CVE-2019-10149'\")\" = 'KEV|1|1' ]"
check "RDP is a risky-service finding" "[ \$(q \"SELECT count(*) FROM findings WHERE issue_key = 'risky:rdp'\") -eq 1 ]"
check "expired certificate and TLS 1.0 are TLS findings" \
	"[ \$(q \"SELECT count(*) FROM findings WHERE issue_key IN ('tls:expired', 'tls:tls1.0')\") -eq 2 ]"
check "findings list --kev --json lists the KEV finding" \
	"\"$M\" findings list --org minato-bus --kev --json | python3 -c 'import json,sys; a=json.load(sys.stdin); sys.exit(0 if any(x[\"cve\"] == \"CVE-2019-10149\" and x[\"urgency\"] == \"KEV\" for x in a) else 1)'"
id=$(q "SELECT id FROM findings WHERE cve_id = 'CVE-2019-10149'")
check "findings show: reasons with sources, BOD 26-04 row, history" \
	"\"$M\" findings show $id | grep -q 'cisa_bod_26_04_1_0_0.csv row' && \"$M\" findings show $id | grep -q 'opened'"
check "findings show of an unknown id fails" "! \"$M\" findings show 999999 >/dev/null 2>&1"
"$M" rating compute minato-bus >"$T/r1" 2>&1
check "rating compute exits 0" "[ $? -eq 0 ]"
check "explanation sums to 100 - score" "sums minato-bus"
s1=$("$M" rating show minato-bus --json | python3 -c 'import json,sys; o=json.load(sys.stdin); print(o["score"], o["grade"])')
check "schedule lists the KEV host as kev-critical" \
	"\"$M\" schedule --json | python3 -c 'import json,sys; a=json.load(sys.stdin); sys.exit(0 if any(x[\"ip\"] == \"127.0.12.1\" and x[\"level\"] == \"kev-critical\" for x in a) else 1)'"

# A partial identify run that did not see Exim: nothing may be closed.
q "INSERT INTO identify_runs (org_slug, started_at, finished_at, state, complete) VALUES ('minato-bus', 2000, 2001, 'interrupted', 0);
   UPDATE services SET last_seen = 2000, identify_run = 2 WHERE port != 25;"
"$M" findings update minato-bus >/dev/null 2>&1
check "a partial run fixes nothing" "[ \$(q \"SELECT count(*) FROM findings WHERE state = 'fixed'\") -eq 0 ]"
# A complete run without Exim: its findings are fixed, the others stay.
q "INSERT INTO identify_runs (org_slug, started_at, finished_at, state, complete) VALUES ('minato-bus', 3000, 3001, 'done', 1);
   UPDATE services SET last_seen = 3000, identify_run = 3 WHERE port != 25;"
"$M" findings update minato-bus >"$T/u3" 2>&1
check "a complete run without Exim fixes its findings" \
	"[ \$(q \"SELECT count(*) FROM findings WHERE asset = '127.0.12.1:25/tcp' AND state = 'open'\") -eq 0 ] && grep -q '修正 [1-9]' $T/u3"
check "the other findings stay open" "[ \$(q \"SELECT count(*) FROM findings WHERE issue_key = 'risky:rdp' AND state = 'open'\") -eq 1 ]"
"$M" rating compute minato-bus >/dev/null
s2=$("$M" rating show minato-bus --json | python3 -c 'import json,sys; o=json.load(sys.stdin); print(o["score"], o["grade"])')
echo "# minato-bus: $s1 -> $s2"
check "score and grade rise ($s1 -> $s2)" "awk -v a='$s1' -v b='$s2' 'BEGIN { split(a, x, \" \"); split(b, y, \" \"); exit !(y[1] > x[1] && y[2] < x[2]) }'"
check "explanation still sums to 100 - score" "sums minato-bus"
# Exim back in a later complete run: reopened, first_seen kept.
q "INSERT INTO identify_runs (org_slug, started_at, finished_at, state, complete) VALUES ('minato-bus', 4000, 4001, 'done', 1);
   UPDATE services SET last_seen = 4000, identify_run = 4;"
"$M" findings update minato-bus >/dev/null 2>&1
check "Exim back: reopened with its first_seen kept" \
	"[ \"\$(q \"SELECT state, first_seen, reopened FROM findings WHERE cve_id = 'CVE-2019-10149'\")\" = 'open|1000|1' ]"
check "no duplicate finding" "[ \$(q \"SELECT count(*) - count(DISTINCT asset || issue_key) FROM findings\") -eq 0 ]"
check "rating sector --json has the org's sector" "\"$M\" rating sector --json | grep -q '\"sector\"'"
check "asm run refuses an unknown mode" "! \"$M\" asm run minato-bus --mode udp >/dev/null 2>&1"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
