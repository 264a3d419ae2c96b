#!/usr/bin/env bash
# report_cli.sh - quarterly and sector reports on a store built without a lab (declared
# products -> KEV findings, ratings in three quarters): PDF text holds the Japanese name,
# heading, grade and an open CVE; page 1 renders; --lang en; HTML escaped and self-contained.
set -uo pipefail

M=${MAMORI:?set MAMORI to the mamori binary}
SRC=${MAMORI_SOURCE_DIR:?set MAMORI_SOURCE_DIR}
DATA=${MAMORI_DATA_DIR:?set MAMORI_DATA_DIR}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export MAMORI_DB=$T/m.db
# Only libcairo's own static caches are suppressed under asan (see the file).
export LSAN_OPTIONS="suppressions=$SRC/tests/support/lsan-cairo.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
. "$(dirname "$0")/../support/check.sh"
q() { sqlite3 "$MAMORI_DB" "$1"; }

"$M" init >/dev/null
"$M" inventory import "$SRC/examples/inventory.yaml" >/dev/null || { echo "inventory import failed"; exit 1; }
"$M" feeds import "$DATA"/nvd/*.json.* "$DATA"/kev/known_exploited_vulnerabilities.json \
	"$DATA"/epss/*.csv.xz >/dev/null 2>&1 || { echo "feeds import failed"; exit 1; }
export MAMORI_NOW=2026-11-20T03:00:00Z
# haneda-air and kanto-rail were scanned (a finished scan); every other operator never was:
# 未診断, no grade anywhere (issue 14).
q "INSERT INTO scans (org_slug, mode, ports, started_at, finished_at, state, params) VALUES
   ('haneda-air', 'connect', '80', 1770000000, 1770000100, 'done', '{\"targets\":[\"127.0.11.0/28\"]}'),
   ('kanto-rail', 'connect', '80', 1770000000, 1770000100, 'done', '{\"targets\":[\"127.0.10.0/28\"]}')"
"$M" findings update --all >/dev/null 2>&1 || { echo "findings update failed"; exit 1; }
MAMORI_NOW=2026-05-15T00:00:00Z "$M" rating compute --all >/dev/null
MAMORI_NOW=2026-08-15T00:00:00Z "$M" rating compute --all >/dev/null
"$M" rating compute --all >/dev/null
# A hostile banner: must come out escaped in the annex.
q "INSERT INTO services (org_slug, ip, port, proto, service, banner, state, first_seen, last_seen)
   VALUES ('haneda-air', '127.0.20.1', 80, 'tcp', 'http<script>alert(1)</script>', '<script>x</script>',
   'identified', 1, 1)" || { echo "services insert failed"; exit 1; }
# A MySQL-like binary banner in a finding's JSON evidence (issue 14): the annex shows
# "key: value" lines, the bytes as \xNN, severity and matcher state in Japanese.
ev=$(printf '{"matcher":"nvd-range","service":{"banner":"J\\n5.7.44' | xxd -p | tr -d '\n')
ev="${ev}01fffe$(printf 'mysql_native_password"}}' | xxd -p | tr -d '\n')"
q "UPDATE findings SET evidence = CAST(X'$ev' AS TEXT), severity = 'critical',
   confidence = 'affected' WHERE id = (SELECT min(id) FROM findings WHERE org_slug = 'haneda-air'
   AND state = 'open')" || { echo "evidence update failed"; exit 1; }
"$M" report quarterly --all --period 2026Q4 --out "$T/out" >"$T/log" 2>&1
check "report quarterly --all exits 0" "[ $? -eq 0 ]"
n_orgs=$(q "SELECT count(*) FROM orgs")
check "one HTML and one PDF per organisation" \
	"[ \$(ls $T/out/*-2026Q4.pdf | wc -l) -eq $n_orgs ] && [ \$(ls $T/out/*-2026Q4.html | wc -l) -eq $n_orgs ]"
cve=$(q "SELECT cve_id FROM findings WHERE org_slug = 'haneda-air' AND state = 'open' AND kev = 1 LIMIT 1")
grade=$(q "SELECT grade FROM ratings WHERE org_slug = 'haneda-air' AND period = '2026Q4' ORDER BY computed_at DESC LIMIT 1")
name=$(q "SELECT name_ja FROM orgs WHERE slug = 'haneda-air'")
check "haneda-air has an open KEV CVE and a grade" "[ -n '$cve' ] && [ -n '$grade' ]"
pdftotext "$T/out/haneda-air-2026Q4.pdf" "$T/h.txt"
check "PDF text holds the Japanese org name" "grep -qF '$name' $T/h.txt"
check "PDF text holds the executive heading 経営層" "grep -qF '経営層' $T/h.txt"
check "PDF text holds the grade letter" "grep -qx '$grade' $T/h.txt"
check "PDF text holds the open CVE" "grep -qF '$cve' $T/h.txt"
check "PDF text holds the annex heading 技術付録" "grep -qF '技術付録' $T/h.txt"
tr -d '\n' <"$T/h.txt" >"$T/h1.txt" # cells wrap: match across line breaks
check "annex evidence as key/value lines, not raw JSON" \
	"grep -qF 'matcher: nvd-range' $T/h.txt && grep -qF 'banner: J' $T/h.txt && ! grep -qF '{\"' $T/h.txt"
check "binary banner bytes as \\xNN, never U+FFFD" \
	"grep -qF '\\x01\\xff\\xfe' $T/h.txt && ! grep -q \$'\\xef\\xbf\\xbd' $T/h.txt"
check "severity and matcher state in Japanese on the Japanese report" \
	"grep -qF '[緊急]' $T/h1.txt && grep -qF '影響あり' $T/h.txt && ! grep -qF '[critical]' $T/h.txt && ! grep -qE '^affected( |\$)' $T/h.txt"
check "a declared product's asset reads as its name, not CPE tokens" \
	"grep -qF '申告製品 FortiOS 7.0.12 [' $T/h1.txt && ! grep -q '^declared:cpe' $T/h.txt"
tr -d '\n ' <"$T/h.txt" >"$T/h2.txt"
check "page 1: a declared product's slot is the asset it was declared on, not the product again" \
	"grep -qF 'FortiOS7.0.12の脆弱性(vpn.haneda' $T/h2.txt && ! grep -qF '(申告製品' $T/h2.txt"
pdftoppm -r 50 -png -f 1 -l 1 "$T/out/haneda-air-2026Q4.pdf" "$T/p"
png=$(ls "$T"/p*.png 2>/dev/null | head -1)
check "page 1 renders to a non-trivial PNG" "[ -n '$png' ] && [ \$(stat -c %s '$png') -gt 10000 ]"
H=$T/out/haneda-air-2026Q4.html
check "HTML holds the same CVE" "grep -qF '$cve' $H"
check "HTML has no unescaped <script" "! grep -qi '<script' $H"
check "HTML shows the hostile service escaped" "grep -qF '&lt;script&gt;' $H"
check "HTML is self-contained (inline SVG, no external src/href)" \
	"grep -q '<svg' $H && ! grep -qE '(src|href)=\"(https?:|//)' $H"
"$M" report quarterly haneda-air --lang en --period 2026Q4 --out "$T/en" >/dev/null 2>&1
check "--lang en exits 0" "[ $? -eq 0 ]"
check "--lang en writes its own file name (-en)" "[ -f '$T/en/haneda-air-2026Q4-en.pdf' ] && [ ! -f '$T/en/haneda-air-2026Q4.pdf' ]"
pdftotext "$T/en/haneda-air-2026Q4-en.pdf" "$T/en.txt"
check "--lang en gives English headings" \
	"grep -qF 'Executive summary' $T/en.txt && grep -qF 'Technical annex' $T/en.txt && ! grep -qF '経営層' $T/en.txt"
"$M" report sector 鉄道 --period 2026Q4 --out "$T/out" >/dev/null 2>&1
check "report sector 鉄道 exits 0" "[ $? -eq 0 ]"
pdftotext "$T/out/sectors/railways-2026Q4.pdf" "$T/s.txt"
check "sector report names its operators" "grep -qF '$(q "SELECT name_ja FROM orgs WHERE slug = 'kanto-rail'")' $T/s.txt"
check "sector report has common weaknesses and the comparison" \
	"grep -qF '共通する弱点' $T/s.txt && grep -qF '前期との比較' $T/s.txt"
check "an unknown org fails" "! \"$M\" report quarterly no-such-org --out $T/x >/dev/null 2>&1"
check "an unknown sector fails" "! \"$M\" report sector nowhere --out $T/x >/dev/null 2>&1"
check "a bad period fails" "! \"$M\" report quarterly haneda-air --period 2026Q9 --out $T/x >/dev/null 2>&1"

# Honest coverage (issue 14): a never-scanned operator has no grade on page 1, says 未診断, and
# page 1 carries the last scan, coverage and the feeds' data age.
pdftotext -l 1 "$T/out/hokkaido-water-2026Q4.pdf" "$T/hw.txt"
check "never-scanned operator: page 1 says 未診断 and shows no score" "grep -q '未診断' '$T/hw.txt' && ! grep -q '評点 [0-9]' '$T/hw.txt' && ! grep -q '未対応の指摘はありません' '$T/hw.txt'"
check "  ... and no rating is stored for it" "[ \"\$(q \"SELECT count(*) FROM ratings WHERE org_slug = 'hokkaido-water'\")\" = 0 ]"
check "page 1 shows last scan, coverage and feed data age" "grep -q '最終診断: 2026' '$T/h.txt' && grep -q '診断範囲: 16 / 16' '$T/h.txt' && grep -q 'kev 20' '$T/h.txt'"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
