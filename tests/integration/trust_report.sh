#!/usr/bin/env bash
# trust_report.sh - issue 14, what the reports tell people: the sector report compares the
# quarter with the one before in words (critical, KEV and OT exposures counted at each
# quarter's end from first_seen / fixed_at), names weaknesses by title (never an issue key),
# in both languages; an organisation never assessed has no grade even with a stored row; the
# English report is its own file. PDFs are rendered (pdftoppm) and read (pdftotext).
set -uo pipefail

M=${MAMORI:?set MAMORI to the mamori binary}
SRC=${MAMORI_SOURCE_DIR:?set MAMORI_SOURCE_DIR}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export MAMORI_DB=$T/m.db
export LSAN_OPTIONS="suppressions=$SRC/tests/support/lsan-cairo.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
. "$(dirname "$0")/../support/check.sh"
q() { sqlite3 "$MAMORI_DB" "$1"; }
# whitespace folded: pdftotext breaks lines where the layout did
txt() { pdftotext -layout "$1" - | tr -s ' \n' '  '; }

"$M" init >/dev/null
"$M" inventory import "$SRC/examples/inventory.yaml" >/dev/null || { echo "inventory import failed"; exit 1; }
export MAMORI_NOW=2026-11-20T03:00:00Z
d() { date -u -d "$1" +%s; }
# railways: kanto-rail and kansai-rail. At the end of 2026Q3: 3 critical (one KEV), no OT;
# now: 2 critical (the KEV one still open, a new Modbus exposure), 1 KEV, 1 OT.
q "INSERT INTO findings (org_slug, asset, issue_key, kind, source, state, severity, title, cve_id, kev,
     deadline, first_seen, last_seen, fixed_at) VALUES
 ('kanto-rail', '192.0.2.10:443/tcp', 'vuln:CVE-2021-41773', 'vulnerability', 'network', 'fixed', 'critical',
  'CVE-2021-41773 Apache HTTP Server 2.4.49 の脆弱性 / vulnerability in Apache HTTP Server 2.4.49',
  'CVE-2021-41773', 0, NULL, $(d 2026-08-01), $(d 2026-10-15), $(d 2026-10-15)),
 ('kanto-rail', '192.0.2.11:22/tcp', 'vuln:CVE-2023-38408', 'vulnerability', 'network', 'fixed', 'critical',
  'CVE-2023-38408 OpenSSH 9.2 の脆弱性 / vulnerability in OpenSSH 9.2',
  'CVE-2023-38408', 0, NULL, $(d 2026-08-05), $(d 2026-11-01), $(d 2026-11-01)),
 ('kanto-rail', '192.0.2.12:25/tcp', 'vuln:CVE-2019-10149', 'vulnerability', 'network', 'open', 'critical',
  'CVE-2019-10149 Exim 4.87 の脆弱性 / vulnerability in Exim 4.87',
  'CVE-2019-10149', 1, $(d 2026-09-15), $(d 2026-09-01), $(d 2026-11-19), NULL),
 ('kanto-rail', '192.0.2.10:443/tcp', 'vuln:CVE-2021-42013', 'vulnerability', 'network', 'open', 'high',
  'Apache HTTP Server パストラバーサル', 'CVE-2021-42013', 0, NULL, $(d 2026-11-02), $(d 2026-11-19), NULL),
 ('kanto-rail', '192.0.2.11:22/tcp', 'vuln:CVE-2020-15778', 'vulnerability', 'network', 'open', 'medium',
  'CVE-2020-15778 OpenSSH 9.2p1 の脆弱性 / vulnerability in OpenSSH 9.2p1 (要確認 / needs confirmation)',
  'CVE-2020-15778', 0, NULL, $(d 2026-11-02), $(d 2026-11-19), NULL),
 ('kansai-rail', '198.51.100.7:502/tcp', 'risky:modbus', 'risky_service', 'network', 'open', 'critical',
  '制御系プロトコル Modbus/TCP が公開されています / OT protocol Modbus/TCP exposed',
  NULL, 0, $(d 2026-11-15), $(d 2026-11-01), $(d 2026-11-19), NULL)" || { echo "seed failed"; exit 1; }
# kanto-rail was scanned; kansai-rail was not, yet a grade row was written for it by hand
q "INSERT INTO scans (org_slug, mode, ports, started_at, finished_at, state, params) VALUES
   ('kanto-rail', 'connect', '80', $(d 2026-11-19), $(d 2026-11-19), 'done', '{\"targets\":[\"127.0.10.0/28\"]}')"
"$M" rating compute --all >/dev/null 2>&1 || { echo "rating compute failed"; exit 1; }
q "INSERT INTO ratings (org_slug, period, score, raw_grade, grade, method, computed_at, explanation)
   VALUES ('kansai-rail', '2026Q4', 100, 'A', 'A', 'v1', $(d 2026-11-19), '{\"grade\":\"A\",\"score\":100}')"

for lang in ja en; do
	"$M" report sector railways --period 2026Q4 --lang $lang --out "$T/out" >/dev/null 2>&1
	check "sector report ($lang) exits 0" "[ $? -eq 0 ]"
done
ja=$T/out/sectors/railways-2026Q4.pdf
en=$T/out/sectors/railways-2026Q4-en.pdf
check "the English report is its own file" "[ -s '$ja' ] && [ -s '$en' ] && ! cmp -s '$ja' '$en'"
pdftoppm -r 60 -f 1 -l 1 -png "$ja" "$T/ja" && pdftoppm -r 60 -f 1 -l 1 -png "$en" "$T/en"
check "page 1 renders in both languages" \
	"[ \$(stat -c %s $T/ja-1.png) -gt 5000 ] && [ \$(stat -c %s $T/en-1.png) -gt 5000 ]"
J=$(txt "$ja")
E=$(txt "$en")
check "ja: critical findings fell by 1 (3 → 2)" \
	"grep -q '前四半期より緊急の指摘が 1 件減少しました (3 件 → 2 件)' <<<\"\$J\""
check "ja: KEV the same (1)" "grep -q 'KEV (悪用確認済み) の脆弱性の指摘は前四半期と同じ 1 件でした' <<<\"\$J\""
check "ja: OT exposures rose (0 → 1)" \
	"grep -q '前四半期よりインターネットに公開された制御系プロトコルが 1 件増加しました (0 件 → 1 件)' <<<\"\$J\""
check "en: critical findings fell" \
	"grep -q 'Critical findings: 1 fewer than last quarter (3 → 2)' <<<\"\$E\""
check "en: KEV the same" \
	"grep -q 'Findings of known exploited (KEV) vulnerabilities: as many as last quarter (1)' <<<\"\$E\""
check "en: OT exposures rose" \
	"grep -q 'OT protocols exposed to the internet: 1 more than last quarter (0 → 1)' <<<\"\$E\""
# a sector mamori had not observed by last quarter's end: no "same as last quarter (0)"
"$M" report sector water --period 2026Q4 --lang ja --out "$T/out" >/dev/null 2>&1
"$M" report sector water --period 2026Q4 --lang en --out "$T/out" >/dev/null 2>&1
W=$(txt "$T/out/sectors/water-2026Q4.pdf")
WE=$(txt "$T/out/sectors/water-2026Q4-en.pdf")
check "a sector not observed last quarter: no comparison claimed (ja)" \
	"grep -q '前四半期末までに観測がないため比較できません' <<<\"\$W\" && ! grep -q '前四半期と同じ' <<<\"\$W\""
check "... nor in English" \
	"grep -q 'No comparison: mamori had not observed the sector' <<<\"\$WE\" && ! grep -q 'as many as last quarter' <<<\"\$WE\""
check "weaknesses named in words, KEV and OT marked (ja)" \
	"grep -q '\[KEV\] CVE-2019-10149 Exim 4.87 の脆弱性' <<<\"\$J\" && grep -q '\[制御系\] 制御系プロトコル Modbus/TCP' <<<\"\$J\""
check "weaknesses in English in the English report" \
	"grep -q '\[OT\] OT protocol Modbus/TCP exposed' <<<\"\$E\" && grep -q '\[KEV\] CVE-2019-10149 vulnerability in Exim 4.87' <<<\"\$E\""
check "no issue key and no Japanese title in the English report" \
	"! grep -q 'risky:modbus\|vuln:CVE' <<<\"\$E\$J\" && ! grep -q '脆弱性\|制御系\|パストラバーサル\|要確認' <<<\"\$E\""
S=$(sqlite3 "$MAMORI_DB" "SELECT printf('%.1f', score) FROM ratings WHERE org_slug = 'kanto-rail' ORDER BY id DESC LIMIT 1")
check "sector report: kansai-rail 未診断, out of the mean (kanto-rail's $S alone)" \
	"grep -q '関西高速鉄道株式会社 未診断' <<<\"\$J\" && grep -q '平均評点 $S' <<<\"\$J\" && ! grep -q '100.0' <<<\"\$J\""
check "sector report (en): Not assessed" "grep -q 'Kansai Rapid Railway Co., Ltd. Not assessed' <<<\"\$E\""
# the operator's English quarterly report: titles in English only (a Japanese-only title gives
# its product words), its own file
"$M" report quarterly kanto-rail --period 2026Q4 --lang en --out "$T/out" >/dev/null 2>&1
check "quarterly report (en) exits 0" "[ $? -eq 0 ] && [ -s '$T/out/kanto-rail-2026Q4-en.pdf' ]"
Q=$(txt "$T/out/kanto-rail-2026Q4-en.pdf")
check "quarterly (en): no Japanese title, the English halves and product words instead" \
	"! grep -q 'パストラバーサル\|の脆弱性\|要確認' <<<\"\$Q\" && grep -q 'vulnerability in Exim 4.87' <<<\"\$Q\" &&
	 grep -q 'Apache HTTP Server' <<<\"\$Q\" && grep -q 'needs confirmation' <<<\"\$Q\""
# 未診断: kansai-rail's hand-written "A" is no grade anywhere
out=$("$M" rating show kansai-rail 2>&1)
check "CLI: kansai-rail is 未診断, no grade" "grep -q '未診断 / not assessed' <<<\"\$out\" && ! grep -q 'grade A' <<<\"\$out\""
out=$("$M" --json rating show kansai-rail 2>&1)
check "CLI JSON: assessed false, grade null" \
	"[ \"\$(jq -r '.assessed, .grade' <<<\"\$out\" | tr '\n' ' ')\" = 'false null ' ]"
out=$("$M" --json rating show kanto-rail 2>&1)
check "CLI JSON: kanto-rail (scanned) keeps its grade" "[ \"\$(jq -r .assessed <<<\"\$out\")\" = true ] && [ \"\$(jq -r .grade <<<\"\$out\")\" != null ]"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
