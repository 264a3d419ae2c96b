#!/usr/bin/env bash
# incident_cli.sh - `mamori incident|case|audit` end to end: a 初報 and a 続報 (YAML and JSON),
# the NIS2 clock of an incident aware at 09:00 JST (early warning due 09:00 JST the next day),
# a reminder delivered to the operator's mailbox before it and an overdue alert after it (a
# python3 SMTP receiver on 127.0.0.1 writes one file per recipient and message), moving the
# awareness time, bad input (FILE:LINE, nothing stored), assessments, STIX export with TLP,
# cases, and `audit verify` naming a row edited with sqlite3.
set -uo pipefail

M=${MAMORI:?set MAMORI to the mamori binary}
SRC=${MAMORI_SOURCE_DIR:?set MAMORI_SOURCE_DIR}
T=$(mktemp -d)
SPID=
trap '[ -n "$SPID" ] && kill "$SPID" 2>/dev/null; rm -rf "$T"' EXIT
export MAMORI_DB=$T/m.db
# `incident pdf` leaves cairo/fontconfig caches at exit (asan builds): the project's suppressions
export LSAN_OPTIONS="suppressions=$SRC/tests/support/lsan-cairo.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
. "$(dirname "$0")/../support/check.sh"
q() { sqlite3 "$MAMORI_DB" "$1"; }
at() { MAMORI_NOW=$1 "$M" "${@:2}"; }

. "$(dirname "$0")/../support/smtp_sink.sh"
smtp_sink_start --maildir "$T/mail" || exit 1
# subjects (decoded) of the messages in one mailbox
subjects() {
	python3 - "$T/mail/$1" <<'PY'
import email, email.header, glob, os, sys
for f in sorted(glob.glob(os.path.join(sys.argv[1], "*.eml"))):
    m = email.message_from_bytes(open(f, "rb").read())
    body = m.get_payload(decode=True) or b""
    text = str(email.header.make_header(email.header.decode_header(m["Subject"])))
    print(text + " | " + body.decode("utf-8", "replace").replace("\n", " "))
PY
}
jq_() { python3 -c "import json,sys; o=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }

"$M" init >/dev/null
"$M" inventory import "$SRC/examples/inventory.yaml" >/dev/null || { echo "inventory import failed"; exit 1; }

# --- filing: the 初報 opens incident 1 ----------------------------------------------------
check "initial report filed" \
	"at 2026-12-01T00:30:00Z incident report kanto-rail '$SRC/examples/incident-initial.yaml' | grep -q 'incident 1: initial'"
at 2026-12-01T01:00:00Z incident show 1 --json >"$T/show.json"
check "NIS2 early warning due 09:00 JST next day (00:00Z)" \
	"[ \"\$(jq_ '[c[\"due\"] for c in o[\"clocks\"] if c[\"regime\"]==\"nis2\" and c[\"report\"]==\"early_warning\"][0]' <'$T/show.json')\" = 2026-12-02T00:00:00Z ]"
check "the 初報 met the ministry's initial clock" \
	"[ \"\$(jq_ '[c[\"state\"] for c in o[\"clocks\"] if c[\"regime\"]==\"ministry\" and c[\"report\"]==\"initial\"][0]' <'$T/show.json')\" = met ]"
check "human show: due in JST with countdown" \
	"at 2026-12-01T01:00:00Z incident show 1 | grep early_warning | grep -q '2026-12-02 09:00 JST.*残り 23時間 / 23 h left'"
check "affected system linked to the inventory asset" \
	"[ \"\$(jq_ 'o[\"affected\"][0][\"asset_id\"] is not None' <'$T/show.json')\" = True ]"
sed 's/^title: .*/title: "<script>alert(1)<\/script>"/; s/^regimes:.*//' "$SRC/examples/incident-initial.yaml" >"$T/html.yaml"
check "HTML in free text stored verbatim" \
	"at 2026-12-01T00:40:00Z incident report kanto-rail '$T/html.yaml' >/dev/null && [ \"\$(q 'SELECT title FROM incidents WHERE id = 2')\" = '<script>alert(1)</script>' ]"

# --- reminder before the due time, overdue alert after it -----------------------------------
check "reminder queued 4 h before (remind_before 6 h)" \
	"[ \"\$(at 2026-12-01T20:00:00Z incident remind --json | jq_ 'o[\"reminders\"]')\" -ge 1 ]"
at 2026-12-01T20:00:01Z alert run --smtp "$SMTP" --attempts 1 --timeout 5 >/dev/null
check "reminder delivered to the operator's mailbox" \
	"subjects csirt@kanto-rail.test | grep -q 'インシデント #1「.*」の報告期限が近づいています.*制度: EU NIS2 指令 第23条.*報告: 早期警告'"
check "no overdue alert before the due time" \
	"! subjects csirt@kanto-rail.test | grep -q 'インシデント #1「.*」の報告期限を過ぎました.*制度: EU NIS2 指令 第23条.*報告: 早期警告'"
check "overdue alert queued after the due time" \
	"[ \"\$(at 2026-12-02T00:30:00Z incident remind --json | jq_ 'o[\"overdue\"]')\" -ge 1 ]"
at 2026-12-02T00:30:01Z alert run --smtp "$SMTP" --attempts 1 --timeout 5 >/dev/null
check "overdue alert delivered to the mailbox" \
	"subjects csirt@kanto-rail.test | grep -q 'インシデント #1「.*」の報告期限を過ぎました.*制度: EU NIS2 指令 第23条.*報告: 早期警告'"
check "once per clock and due time" \
	"[ \"\$(at 2026-12-02T00:40:00Z incident remind --json | jq_ 'o[\"overdue\"]+o[\"reminders\"]')\" = 0 ]"
check "overdue filter lists it" \
	"at 2026-12-02T00:40:00Z incident list --overdue --json | jq_ '[i[\"id\"] for i in o]' | grep -q '1'"

# --- moving the awareness time -------------------------------------------------------------
check "awareness moved" "at 2026-12-02T01:00:00Z incident aware 1 2026-12-01T12:00:00+09:00 >/dev/null"
at 2026-12-02T01:00:00Z incident show 1 --json >"$T/show2.json"
check "early warning recomputed to 12:00 JST next day" \
	"[ \"\$(jq_ '[c[\"due\"] for c in o[\"clocks\"] if c[\"regime\"]==\"nis2\" and c[\"report\"]==\"early_warning\"][0]' <'$T/show2.json')\" = 2026-12-02T03:00:00Z ]"
check "clock history kept (old and new due)" \
	"[ \"\$(jq_ 'len([h for h in o[\"clock_history\"] if h[\"report\"]==\"early_warning\" and h[\"old_due\"]==\"2026-12-02T00:00:00Z\" and h[\"new_due\"]==\"2026-12-02T03:00:00Z\"])' <'$T/show2.json')\" = 1 ]"

# --- 続報 in JSON, versions kept --------------------------------------------------------------
check "follow-up (JSON) filed as version 2" \
	"at 2026-12-02T10:00:00Z incident report kanto-rail '$SRC/examples/incident-followup.json' | grep -q 'version 2'"
check "both versions kept" "[ \"\$(q 'SELECT count(*) FROM incident_versions WHERE incident_id = 1')\" = 2 ]"

# --- bad input: FILE:LINE, nothing stored -----------------------------------------------------
n0=$(q 'SELECT count(*) FROM incidents')
cat >"$T/bad.yaml" <<'Y'
report: initial
title: t
type: ddos
occurred_at: 2026-12-01T10:00:00+09:00
aware_at: 2026-12-01T09:00:00+09:00
contact: {name: a}
Y
check "awareness before occurrence refused with FILE:LINE: field" \
	"! \"$M\" incident report kanto-rail '$T/bad.yaml' 2>'$T/err' && grep -q 'bad.yaml:5: aware_at' '$T/err'"
check "nothing stored" "[ \"\$(q 'SELECT count(*) FROM incidents')\" = '$n0' ]"
printf 'report: initial\n\0binary' >"$T/bin.yaml"
check "binary file refused" "! \"$M\" incident report kanto-rail '$T/bin.yaml' 2>/dev/null"
check "unknown org refused" "! \"$M\" incident report nobody '$SRC/examples/incident-initial.yaml' 2>/dev/null"

# --- severity ---------------------------------------------------------------------------------
check "predicted assessment" \
	"at 2026-12-01T02:00:00Z incident assess 1 --continuity 2 --safety 0 --trust 1 --reason-continuity '予約停止' | grep -q 'レベル2（中）'"
check "final assessment with NCISS beside it" \
	"at 2026-12-03T00:00:00Z incident assess 1 --continuity 3 --safety 1 --trust 2 --final --nciss cross_sector=transportation_systems | grep -q 'レベル3（高）.*NCISS'"
"$M" incident show 1 --json >"$T/show3.json"
check "predicted and final both kept" \
	"[ \"\$(jq_ '(o[\"severity\"][\"predicted\"][\"level\"], o[\"severity\"][\"final\"][\"level\"], o[\"level\"])' <'$T/show3.json')\" = '(2, 3, 3)' ]"
check "axis out of range refused" "! \"$M\" incident assess 1 --continuity 5 --safety 0 --trust 0 2>/dev/null"

# --- incident report HTML + PDF ------------------------------------------------------------------
at 2026-12-03T01:00:00Z incident assess 1 --continuity 1 --safety 0 --trust 0 --reason-trust '<script>alert(1)</script>' >/dev/null
check "incident report written (HTML and PDF)" \
	"at 2026-12-03T02:00:00Z incident pdf 1 --out '$T/rep' >/dev/null && head -c 5 '$T/rep/incident-1.pdf' | grep -q '%PDF-' && [ -s '$T/rep/incident-1.html' ]"
check "report HTML escapes free text" \
	"grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' '$T/rep/incident-1.html' && ! grep -q '<script>alert' '$T/rep/incident-1.html'"
check "report shows the level and the clocks met or missed" \
	"grep -q 'レベル3（高）' '$T/rep/incident-1.html' && grep -q '期限内に報告' '$T/rep/incident-1.html' && grep -q '期限超過' '$T/rep/incident-1.html'"

# --- STIX export --------------------------------------------------------------------------------
check "STIX export at TLP:GREEN" "\"$M\" incident export 1 --stix '$T/s.json' --tlp green >/dev/null"
check "bundle: incident, indicator, observed-data, relationship, marking" \
	"[ \"\$(jq_ 'sorted(set(x[\"type\"] for x in o[\"objects\"]) & {\"incident\",\"indicator\",\"observed-data\",\"relationship\",\"marking-definition\"})' <'$T/s.json')\" = \"['incident', 'indicator', 'marking-definition', 'observed-data', 'relationship']\" ]"
check "amber IoC left out of a green export" "! grep -q 203.0.113.45 '$T/s.json'"
check "green IoC in it" "grep -q 'pay-now.example' '$T/s.json'"
# into a sharing collection (share module's API), the TLP the analyst chose
"$M" share collection add inc-share --title 'インシデント共有' --tlp amber >/dev/null
check "published into the collection" \
	"\"$M\" incident export 1 --collection inc-share --tlp green | grep -q 'published [0-9]* STIX objects to inc-share'"
"$M" share export --collection inc-share >"$T/coll.json"
check "the collection lists the incident and its green indicator" \
	"[ \"\$(jq_ 'sorted(set(x[\"type\"] for x in o[\"objects\"]) & {\"incident\",\"indicator\"})' <'$T/coll.json')\" = \"['incident', 'indicator']\" ] && grep -q 'pay-now.example' '$T/coll.json'"
check "no amber IoC in the collection at green" "! grep -q 203.0.113.45 '$T/coll.json'"
check "publishing is on the incident's timeline" \
	"\"$M\" incident show 1 --json | jq_ '[t[\"kind\"] for t in o[\"timeline\"]]' | grep -q publish"
check "unknown collection refused, names it" \
	"! \"$M\" incident export 1 --collection nosuch 2>'$T/err' && grep -q 'collection.*nosuch' '$T/err'"
check "export without a target refused (usage)" \
	"\"$M\" incident export 1 2>/dev/null; [ \$? = 2 ]"
check "option table: bad level named, bilingual" \
	"! \"$M\" incident list --level 9 2>'$T/err' && grep -q -- \"'--level'.*範囲外\" '$T/err'"
check "option table: case update unknown option named" \
	"! \"$M\" case update 1 --bogus x 2>'$T/err' && grep -q -- \"'--bogus'\" '$T/err'"

# --- cases ----------------------------------------------------------------------------------------
check "rush-support case opened" \
	"at 2026-12-01T01:00:00Z case open kanto-rail --kind rush --title '初動対応の支援' --message '現地支援を希望' | grep -q 'case 1 opened'"
check "analyst takes it, with an internal note" \
	"at 2026-12-01T02:00:00Z case update 1 --state in_progress --assignee analyst1 --note '内部: 要注意' --message '14時に伺います' --link incident:1 >/dev/null"
check "first response within the 2 h SLA" \
	"[ \"\$(at 2026-12-01T03:00:00Z case show 1 --json | jq_ 'o[\"sla\"][\"first_response\"]')\" = met ]"
MAMORI_ACTOR=analyst2 at 2026-12-01T01:00:00Z case open kanto-rail --kind consult --title '放置された相談' >/dev/null
check "the CLI's actor: cli:UID, or \$MAMORI_ACTOR (cli_actor)" \
	"[ \"\$(q 'SELECT opened_by FROM cases ORDER BY id')\" = \"\$(printf 'cli:%s\nanalyst2' \"\$(id -u)\")\" ]"
check "case past its first-response SLA: one alert for the analysts" \
	"at 2026-12-02T02:00:00Z incident remind >/dev/null && [ \"\$(q \"SELECT count(*) FROM alerts WHERE org_slug = '_cases' AND issue_key LIKE 'case:2:first_response:%'\")\" = 1 ] && [ \"\$(q \"SELECT count(*) FROM alerts WHERE org_slug = '_cases' AND issue_key LIKE 'case:1:%'\")\" = 0 ]"
check "case SLA alert once" \
	"at 2026-12-02T03:00:00Z incident remind >/dev/null && [ \"\$(q \"SELECT count(*) FROM alerts WHERE org_slug = '_cases'\")\" = 1 ]"
check "forged case id refused" "! \"$M\" case update 999 --message x 2>/dev/null"
check "an id operand is a whole number 1 to 2^63-1 (cli_parse_id): others are usage errors" \
	"(for a in 1x 0 -3 99999999999999999999; do \"$M\" case show \"\$a\" >/dev/null 2>&1; [ \$? = 2 ] || exit 1; \"$M\" incident show \"\$a\" >/dev/null 2>&1; [ \$? = 2 ] || exit 1; done)"
check "bad state refused" "! \"$M\" case update 1 --state done 2>/dev/null"

# --- stats: names in the output language, never codes ----------------------------------------------
check "stats in Japanese: sector, level and type by name" \
	"\"$M\" incident stats >'$T/st' && grep -q '^2026Q4 *鉄道 ' '$T/st' && grep -q '四半期' '$T/st' && ! grep -Eq 'railways|ransomware|ddos|QUARTER' '$T/st'"
check "stats --lang en: English names" \
	"\"$M\" incident stats --lang en >'$T/st' && grep -q '^2026Q4 *Railways ' '$T/st' && ! grep -Eq 'railways|鉄道|ランサムウェア|四半期|未評価' '$T/st'"

# --- exercise rows never listed -------------------------------------------------------------------
q 'UPDATE incidents SET exercise_run = 1 WHERE id = 2'
check "exercise incident left out of the list" "[ \"\$(\"$M\" incident list --json | jq_ 'len(o)')\" = 1 ]"

# --- audit verify ---------------------------------------------------------------------------------
check "audit verify passes on a normal store" "\"$M\" audit verify >/dev/null"
q "UPDATE audit_log SET actor = 'mallory' WHERE id = 3"
check "audit verify names the edited audit row" \
	"! \"$M\" audit verify >'$T/v' && grep -q 'audit_log: .*BROKEN at row 3' '$T/v'"
q "UPDATE incident_events SET detail = '{}' WHERE id = 4"
check "audit verify names the edited timeline row" \
	"! \"$M\" audit verify --json >'$T/v.json'; [ \"\$(jq_ '[c.get(\"broken_id\") for c in o]' <'$T/v.json')\" = '[3, 4]' ]"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
