#!/usr/bin/env bash
# exercise_cli.sh - tabletop exercises end to end without a network: the shipped scenarios
# validate and broken ones give FILE:LINE: field; an accelerated run of every shipped scenario
# with a scripted participant (exercise_drive.py) delivers injects in order at the scaled times
# and is scored exactly as the rubric says; mail goes through the alert pipeline to a local
# SMTP receiver with 【訓練】 in every subject and body; the after-action PDF holds the
# timeline; exercise incidents stay out of real lists, reminders and statistics; a participant
# outside a run gets "not found"; the draft from an org's real exposure validates.
set -uo pipefail

M=${MAMORI:?set MAMORI to the mamori binary}
SRC=${MAMORI_SOURCE_DIR:?set MAMORI_SOURCE_DIR}
T=$(mktemp -d)
SPID=
trap '[ -n "$SPID" ] && kill "$SPID" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
export MAMORI_DB=$T/m.db
export MAMORI_EXERCISES=$SRC/data/exercises
. "$(dirname "$0")/../support/check.sh"
q() { sqlite3 "$MAMORI_DB" "$1"; }

"$M" init >/dev/null
"$M" inventory import "$SRC/examples/inventory.yaml" >/dev/null || { echo "inventory import failed"; exit 1; }

# --- the library
"$M" exercise scenarios --json >"$T/lib.json"
check "three or more shipped scenarios, each with sources and injects" "python3 -c '
import json,sys; d=json.load(open(sys.argv[1]))
ids={x[\"id\"] for x in d}
sys.exit(0 if {\"nagoya-port-ransomware\",\"metro-ddos-hacktivist\",\"airport-vpn-kev\"} <= ids and all(x[\"sources\"] and x[\"injects\"] > 0 for x in d) else 1)' '$T/lib.json'"
for f in "$SRC"/data/exercises/*.yaml; do
	check "shipped scenario validates: $(basename "$f")" "'$M' exercise validate '$f' >/dev/null"
done

# --- broken scenarios: FILE:LINE: field: message
bad() { # name, sed expression on the Nagoya scenario, expected "LINE: field" pattern
	sed "$2" "$SRC/data/exercises/nagoya-port-ransomware.yaml" >"$T/$1.yaml"
	"$M" exercise validate "$T/$1.yaml" >/dev/null 2>"$T/$1.err"
	local rc=$?
	check "broken scenario ($1) is refused with FILE:LINE: field" "[ $rc -ne 0 ] && grep -Eq '$T/$1.yaml:$3' '$T/$1.err'"
}
bad unknown-role 's/^roles: \[operator_csirt,/roles: [operator_csirt, hacker,/' '[0-9]+:( [0-9]+:)? roles: .*unknown role'
bad out-of-order 's/at: "T+40:00"/at: "T+01:00"/' '[0-9]+:( [0-9]+:)? injects.at: .*out of order'
bad missing-branch 's/branch: {inject: nuts-down/branch: {inject: no-such/' '[0-9]+:( [0-9]+:)? injects.branch.inject: '
bad role-not-in-scenario 's/to: ministry_analyst/to: vendor_soc/' '[0-9]+:( [0-9]+:)? injects.to: '
bad bad-time 's/at: "T+60:00"/at: "60 minutes"/' '[0-9]+:( [0-9]+:)? injects.at: '
bad unknown-action 's/action: share_iocs/action: hack_back/' '[0-9]+:( [0-9]+:)? expect.action: '
grep -n 'at: "T+01:00"' "$T/out-of-order.yaml" | cut -d: -f1 >"$T/line"
check "  ... the out-of-order error names the inject's line" "grep -q \"out-of-order.yaml:\$(( \$(cat $T/line) - 1 )):\" '$T/out-of-order.err'"

# --- a run of every shipped scenario with a scripted participant
for s in nagoya-port-ransomware metro-ddos-hacktivist airport-vpn-kev; do
	python3 "$SRC/tests/integration/exercise_drive.py" "$M" "$s" kanto-rail,kansai-rail \
		"$SRC/examples/incident-initial.yaml" "$T/$s.json" >"$T/$s.out" 2>&1
	[ -s "$T/$s.json" ] || { no "$s: the driver finished"; cat "$T/$s.out"; continue; }
	while IFS=$'\t' read -r tag r name; do
		[ "$tag" = CHECK ] || continue
		if [ "$r" = 1 ]; then ok "$name"; else no "$name"; fi
	done <"$T/$s.out"
	run=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["run"])' "$T/$s.json")
	nm=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["mailed"]))' "$T/$s.json")
	check "$s: one 【訓練】 mail per non-phone inject and org ($((nm * 2)))" "[ \"\$(q \"SELECT count(*) FROM alerts WHERE issue_key LIKE 'exercise:$run:%'\")\" = $((nm * 2)) ]"
	"$M" exercise report "$run" --out "$T/aar" >/dev/null
	pdftotext -layout "$T/aar/exercise-$run.pdf" "$T/aar-$run.txt"
	check "$s: after-action PDF holds the timeline with every delivered inject" "grep -q 'タイムライン' '$T/aar-$run.txt' && python3 -c '
import json,sys; t=open(sys.argv[2]).read(); d=json.load(open(sys.argv[1]))
sys.exit(0 if all(i in t for i in d[\"delivered\"]) and \"T+00:00\" in t else 1)' '$T/$s.json' '$T/aar-$run.txt'"
	check "$s: the PDF has the chart and scores" "grep -q '応答時間' '$T/aar-$run.txt' && grep -q '役割別得点' '$T/aar-$run.txt'"
	check "$s: script in participants' text and notes is escaped in the HTML" "! grep -q '<script>alert' '$T/aar/exercise-$run.html' && ! grep -q '<b>' '$T/aar/exercise-$run.html' && grep -q '&lt;b&gt;' '$T/aar/exercise-$run.html'"
done

# --- mail through the alert pipeline to a local SMTP receiver: 【訓練】 in subject and body
. "$(dirname "$0")/../support/smtp_sink.sh"
smtp_sink_start --log "$T/mail.log" || exit 1
# a real notice queued beside them: it goes in the operator's digest, the exercise mails apart
"$M" advisories send --products 'cpe:2.3:a:nginx:nginx:*:*:*:*:*:*:*:*' --title '本物の注意喚起' --body '実際の通知' >/dev/null
"$M" alert run --smtp "$SMTP" --attempts 1 --timeout 5 --json >"$T/run.json"
want=$(q "SELECT count(*) FROM alert_targets t JOIN alerts a ON a.id = t.alert_id WHERE a.issue_key LIKE 'exercise:%' AND t.channel = 'email'")
check "every exercise mail was delivered to the lab mailbox as its own mail ($want)" "[ '$want' -gt 0 ] && [ \"\$(grep -c '\"subject\": \"【訓練】' '$T/mail.log')\" = '$want' ]"
check "【訓練】 in every exercise subject and body; no real mail carries 【訓練】 or exercise content" "python3 -c '
import json,sys
m=[json.loads(l) for l in open(sys.argv[1])]
ex=[x for x in m if x[\"subject\"].startswith(\"【訓練】\")]
real=[x for x in m if not x[\"subject\"].startswith(\"【訓練】\")]
sys.exit(0 if ex and real and all(x[\"body\"].startswith(\"【訓練】\") and x[\"body\"].count(\"【訓練】\") >= 2 for x in ex)
 and all(\"【訓練】\" not in x[\"body\"] and \"実際の通知\" in x[\"body\"] for x in real) else 1)' '$T/mail.log'"
check "every exercise subject (decoded) has both halves: 【訓練】 Japanese title / [Exercise] English title" "python3 -c '
import json,re,sys
ex=[json.loads(l)[\"subject\"] for l in open(sys.argv[1]) if json.loads(l)[\"subject\"].startswith(\"【訓練】\")]
en=[x.split(\" / [Exercise] \")[1] for x in ex if \" / [Exercise] \" in x]
sys.exit(0 if ex and len(en) == len(ex) and all(not re.search(u\"[\\u3040-\\u30ff\\u4e00-\\u9fff]\", x) and len(x) > 20 for x in en)
 and any(\"ransomware\" in x.lower() for x in en) else 1)' '$T/mail.log'"
check "the mail carries the inject's content" "grep -q '5つのターミナルと集中管理ゲート' '$T/mail.log'"

# --- exercise incidents never appear in real lists, reminders or statistics
n_ex=$(q "SELECT count(*) FROM incidents WHERE exercise_run IS NOT NULL")
check "exercise incidents were filed with the real form ($n_ex)" "[ '$n_ex' -gt 0 ] && [ \"\$(q 'SELECT count(*) FROM incident_assessments')\" -gt 0 ]"
check "incident list shows none of them" "[ \"\$('$M' incident list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')\" = 0 ]"
check "incident show refuses an exercise incident" "! '$M' incident show \"\$(q 'SELECT min(id) FROM incidents')\" >/dev/null 2>&1"
check "incident stats count none of them" "! '$M' incident stats --json | grep -q '\"count\":[[:space:]]*[1-9]'"
before=$(q "SELECT count(*) FROM alerts")
MAMORI_NOW=2027-06-01T00:00:00Z "$M" incident remind >/dev/null 2>&1
check "no reminder or overdue alert for exercise incidents" "[ \"\$(q 'SELECT count(*) FROM alerts')\" = '$before' ]"
"$M" incident report kanto-rail "$SRC/examples/incident-initial.yaml" >/dev/null
check "a real incident filed next to them is listed alone" "[ \"\$('$M' incident list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')\" = 1 ]"

# --- a participant acting in a run they are not part of: not found (404)
"$M" exercise respond 1 --org haneda-air --role operator_csirt --action isolate >/dev/null 2>"$T/404.err"
rc=$?
check "an org outside the run gets not found" "[ $rc -ne 0 ] && grep -q '演習がありません' '$T/404.err'"
check "exercise list for that org shows no run" "[ \"\$('$M' exercise list --org haneda-air --json)\" = '[]' ]"

# --- facilitator controls on a fresh run: pause stops the clock, inject-now, skip
export MAMORI_NOW=2026-12-08T00:00:00Z
r=$("$M" exercise start airport-vpn-kev --orgs kanto-rail --speed 60 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["run"])')
MAMORI_NOW=2026-12-08T00:00:10Z "$M" exercise pause "$r" >/dev/null
check "paused clock stands still" "[ \"\$(MAMORI_NOW=2026-12-08T01:00:00Z '$M' exercise status $r --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"clock_s\"])')\" = 600 ]"
MAMORI_NOW=2026-12-08T01:00:00Z "$M" exercise resume "$r" >/dev/null
MAMORI_NOW=2026-12-08T01:00:01Z "$M" exercise inject-now "$r" lateral >/dev/null
MAMORI_NOW=2026-12-08T01:00:02Z "$M" exercise skip "$r" exploited >/dev/null
MAMORI_NOW=2026-12-08T01:00:03Z "$M" exercise status "$r" --json >"$T/ctl.json"
check "inject-now delivers at once, skip skips" "python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); s={i[\"id\"]:(i[\"state\"],i.get(\"scen_s\")) for i in d[\"injects\"]}
sys.exit(0 if s[\"lateral\"]==(\"delivered\",660) and s[\"exploited\"][0]==\"skipped\" and d[\"clock_s\"]==780 else 1)' '$T/ctl.json'"
check "a decision on an option the inject does not offer is refused" "! MAMORI_NOW=2026-12-08T01:00:04Z '$M' exercise decide $r asm-notice pay_ransom --org kanto-rail --role executive >/dev/null 2>&1"

# --- named participants: operator users tied to their org, named in the after-action report
export MAMORI_PASSWORD='correct horse battery'
"$M" user add taro --role operator --org kanto-rail --display '関東 太郎' >/dev/null
"$M" user add hanako --role operator --org kansai-rail --display '関西 花子' >/dev/null
"$M" user add ana --role analyst >/dev/null
export MAMORI_NOW=2026-12-09T00:00:00Z
out=$("$M" exercise start airport-vpn-kev --users taro:operator_csirt,hanako --speed 60 --json)
rp=$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["run"])')
check "start with named participants; their orgs join the run" "[ \"\$(q \"SELECT group_concat(o.slug) FROM exercise_run_orgs x JOIN orgs o ON o.id = x.org_id WHERE x.run_id = $rp ORDER BY o.slug\")\" = 'kanto-rail,kansai-rail' ] || [ \"\$(q \"SELECT count(*) FROM exercise_run_orgs WHERE run_id = $rp\")\" = 2 ]"
"$M" exercise invite "$rp" ana >/dev/null 2>"$T/inv1.err"; rc=$?
check "inviting an analyst is refused, in Japanese and English" "[ $rc -eq 2 ] && grep -q '事業者ユーザー' '$T/inv1.err' && grep -q 'not an operator' '$T/inv1.err'"
"$M" exercise invite "$rp" taro >/dev/null 2>&1; rc=$?
check "inviting a participant twice: exists" "[ $rc -eq 9 ]"
"$M" exercise invite "$rp" nobody >/dev/null 2>&1; rc=$?
check "inviting an unknown user: not found" "[ $rc -eq 4 ]"
MAMORI_NOW=2026-12-09T00:00:10Z "$M" exercise respond "$rp" --user taro --action patch --inject asm-notice >/dev/null
MAMORI_NOW=2026-12-09T00:00:20Z "$M" exercise decide "$rp" asm-notice mitigate_now --user hanako --role executive >/dev/null
MAMORI_NOW=2026-12-09T00:00:30Z "$M" exercise respond "$rp" --user taro --role executive --action decide --inject asm-notice >/dev/null 2>"$T/role.err"; rc=$?
check "a participant acting in another role than invited to is refused" "[ $rc -eq 2 ] && grep -q 'この演習での役割' '$T/role.err'"
MAMORI_NOW=2026-12-09T00:00:30Z "$M" exercise respond "$rp" --user nobody --role executive --action message >/dev/null 2>&1; rc=$?
check "a user not part of the run: not found (404)" "[ $rc -eq 4 ]"
MAMORI_NOW=2026-12-09T00:01:00Z "$M" exercise status "$rp" --json >"$T/people.json"
check "status names each participant with their responses and points" "python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); p={x[\"user\"]:x for x in d[\"participants\"]}
it={x[\"id\"]:x for x in d[\"score\"][\"items\"]}
sys.exit(0 if p[\"taro\"][\"display\"]==\"関東 太郎\" and p[\"taro\"][\"role\"]==\"operator_csirt\" and p[\"taro\"][\"actions\"]==1
 and p[\"taro\"][\"score\"]==15 and p[\"hanako\"][\"score\"]==5 and it[\"mitigate\"][\"by\"]==\"taro\" and it[\"exec-ok\"][\"by\"]==\"hanako\" else 1)' '$T/people.json'"
check "exercise list --user shows the run" "'$M' exercise list --user hanako --json | grep -q '\"run\":[[:space:]]*$rp'"
MAMORI_NOW=2026-12-09T00:01:00Z "$M" exercise report "$rp" --out "$T/aarp" >/dev/null
pdftotext -layout "$T/aarp/exercise-$rp.pdf" "$T/aarp.txt"
check "the after-action PDF has a per-participant section naming the users" "grep -q '参加者別' '$T/aarp.txt' && grep -q '関東 太郎' '$T/aarp.txt' && grep -q '関西 花子' '$T/aarp.txt'"
check "the PDF compares the mean response time with the earlier run of the scenario" "grep -Eq '平均応答 [0-9.]+ 分（今回 [0-9.]+ 分: (速くなった|遅くなった|同じ)' '$T/aarp.txt'"

# --- attachments: bytes in the store (cap, allow-list, SHA-256), read at start beside the scenario
want=$(sha256sum "$SRC/data/exercises/attachments/airport-vpn-kev/ict-result.txt" | cut -d' ' -f1)
check "the attachment's bytes and SHA-256 are stored with the run" "[ \"\$(q \"SELECT sha256 || ' ' || content_type FROM exercise_attachments WHERE run_id = $rp AND inject_id = 'exploited'\")\" = '$want text/plain; charset=utf-8' ]"
: >"$T/empty.txt"
head -c 2097153 /dev/zero | tr '\0' a >"$T/big.txt"
printf '\x7fELF\x02\x01' >"$T/elf.txt"
"$M" exercise attach "$rp" exploited "$T/empty.txt" >/dev/null 2>"$T/a1.err"; rc=$?
check "an empty attachment: a clear error" "[ $rc -eq 2 ] && grep -q '添付ファイルが空です' '$T/a1.err'"
"$M" exercise attach "$rp" exploited "$T/big.txt" >/dev/null 2>"$T/a2.err"; rc=$?
check "an attachment over 2 MiB: too big" "[ $rc -eq 10 ] && grep -q '上限' '$T/a2.err'"
"$M" exercise attach "$rp" exploited "$T/elf.txt" >/dev/null 2>"$T/a3.err"; rc=$?
check "bytes that are not what the name says: refused" "[ $rc -eq 2 ] && grep -q '一致しません' '$T/a3.err'"
"$M" exercise attach "$rp" asm-notice "$SRC/README.md" >/dev/null 2>&1; rc=$?
check "an inject without an attachment: not found" "[ $rc -eq 4 ]"
printf '【訓練】差し替え\n' >"$T/new.txt"
"$M" exercise attach "$rp" exploited "$T/new.txt" >/dev/null
check "a replacement is stored with its SHA-256" "[ \"\$(q \"SELECT sha256 FROM exercise_attachments WHERE run_id = $rp AND inject_id = 'exploited'\")\" = \"\$(sha256sum '$T/new.txt' | cut -d' ' -f1)\" ]"
mkdir -p "$T/noatt"
cp "$SRC/data/exercises/airport-vpn-kev.yaml" "$T/noatt/"
"$M" exercise start "$T/noatt/airport-vpn-kev.yaml" --orgs kanto-rail >/dev/null 2>"$T/noatt.err"; rc=$?
check "a scenario whose attachment file is missing does not start (FILE:LINE: field)" "[ $rc -ne 0 ] && grep -Eq 'noatt/airport-vpn-kev.yaml:[0-9]+:( [0-9]+:)? injects.attachment: ' '$T/noatt.err'"
sed 's/attachment: ict-result.txt/attachment: ..\/..\/etc\/passwd/' "$SRC/data/exercises/airport-vpn-kev.yaml" >"$T/trav.yaml"
check "an attachment name with a path is refused by validate" "! '$M' exercise validate '$T/trav.yaml' 2>&1 | grep -q OK && '$M' exercise validate '$T/trav.yaml' 2>&1 | grep -q 'injects.attachment'"

# --- the option table: bilingual usage errors, generated help
"$M" exercise start airport-vpn-kev --orgs kanto-rail --speed 9999 >/dev/null 2>"$T/o1.err"; rc=$?
check "--speed out of range: usage error naming the option" "[ $rc -eq 2 ] && grep -q \"option '--speed'\" '$T/o1.err' && grep -q '範囲外' '$T/o1.err'"
"$M" exercise respond 1 --orgg x >/dev/null 2>"$T/o2.err"; rc=$?
check "an unknown option: usage error" "[ $rc -eq 2 ] && grep -q '不明なオプション' '$T/o2.err'"
check "help lists each verb's options from the table" "'$M' exercise --help | grep -q 'mamori exercise invite' && '$M' exercise --help | grep -q -- '--users NAME\[:ROLE\]'"

# --- draft from an org's real exposure
unset MAMORI_NOW
"$M" exercise draft kanto-rail --out "$T/draft.yaml" >/dev/null
check "the draft validates as it is" "'$M' exercise validate '$T/draft.yaml' >/dev/null"
check "the draft names the org and its contact" "grep -q 'csirt@kanto-rail.test' '$T/draft.yaml'"
check "draft for an unknown org fails" "! '$M' exercise draft no-such-org --out '$T/x.yaml' >/dev/null 2>&1"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
