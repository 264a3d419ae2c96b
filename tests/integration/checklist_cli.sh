#!/usr/bin/env bash
# checklist_cli.sh - `mamori checklist` end to end: the catalogue per business type, answers
# from YAML and CSV, scores, and the contradiction on real data: a listener on 3389 in the
# org's scope, found by `mamori scan --identify`, turned into a risky:rdp finding by
# `mamori findings update`, makes the answer "no remote desktop exposed" 要確認. Bad answer
# files (unknown id, wrong version, bad value, duplicate, oversized comment, na without reason,
# incomplete) fail with FILE:LINE and store nothing; script in comments is escaped in the
# sheet; history, diff, trend, reminders through the alert pipeline; k-anonymity in the sector view.
set -uo pipefail

M=${MAMORI:?set MAMORI to the mamori binary}
T=$(mktemp -d)
export MAMORI_DB=$T/m.db
. "$(dirname "$0")/../support/check.sh"
PIDS=()
cleanup() {
	for p in "${PIDS[@]+"${PIDS[@]}"}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
q() { sqlite3 "$MAMORI_DB" "$1"; }
sets() { q "SELECT count(*) FROM checklist_sets"; }
at() { date -u -d "@$(( $(date +%s) + $1 * 86400 ))" +%Y-%m-%dT%H:%M:%SZ; }
jq_py() { python3 -c "import json,sys; o=json.load(sys.stdin); $1"; }

B=127.$((100 + RANDOM % 100)).$((RANDOM % 250))
{
	cat <<Y
version: 1
organisations:
  - id: cl-bus
    name: { ja: チェック観光バス }
    business_type: bus
    size: small
    contacts:
      - { name: 担当, email: it@cl-bus.test }
    assets:
      - ipv4: $B.1
    scope:
      - cidr: $B.0/29
        authorised_by: 担当
        from: 2026-01-01
        until: 2099-12-31
  - id: cl-water
    name: { ja: チェック水道 }
    sector: water
    business_type: water_utility
    size: large
Y
	for i in 1 2 3 4 5 6; do printf '  - { id: bus-%d, name: { ja: バス%d }, business_type: bus, size: small }\n' $i $i; done
	for i in 1 2 3; do printf '  - { id: taxi-%d, name: { ja: タクシー%d }, business_type: taxi, size: small }\n' $i $i; done
} >"$T/inv.yaml"
"$M" init >/dev/null
"$M" inventory import "$T/inv.yaml" >/dev/null || { echo "inventory import failed"; exit 1; }

# --- the catalogue per business type
"$M" checklist items --json >"$T/all.json"
check "catalogue has at least 80 items" "[ \$(jq_py 'print(len(o))' <$T/all.json) -ge 80 ]"
"$M" checklist items --business-type taxi --size small --json >"$T/taxi.json"
"$M" checklist items --business-type water_utility --size large --json >"$T/water.json"
check "a taxi company is not asked about control systems (CRT-03)" \
	"! jq_py 'sys.exit(0 if any(x[\"id\"] == \"CRT-03\" for x in o) else 1)' <$T/taxi.json"
check "a water utility is (CRT-03, CRT-14)" \
	"jq_py 'ids={x[\"id\"] for x in o}; sys.exit(0 if {\"CRT-03\", \"CRT-14\"} <= ids else 1)' <$T/water.json"
check "items --tier basic lists only basic items" \
	"\"$M\" checklist items --tier basic --json | jq_py 'sys.exit(0 if o and all(x[\"tier\"] == \"basic\" for x in o) else 1)'"
check "an unknown business type is a usage error" "! \"$M\" checklist items --business-type spaceline >/dev/null 2>&1"

# --- real data: a listener on 3389 in cl-bus's scope, scan + identify + findings
cat >"$T/listen.py" <<'PY'
import socket, sys, time, select
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 3389)); s.listen(64)
open(sys.argv[2], "w").close()
end = time.time() + 120
while time.time() < end:
    r, _, _ = select.select([s], [], [], 0.2)
    if r:
        c, _ = s.accept(); time.sleep(0.05); c.close()
PY
python3 "$T/listen.py" "$B.1" "$T/ready" &
PIDS+=($!)
for _ in $(seq 50); do [ -e "$T/ready" ] && break; sleep 0.1; done
"$M" scan cl-bus --ports 3389 --identify >"$T/scan.out" 2>&1; src=$?; cat "$T/scan.out" >&2; (exit $src)
check "scan --identify of cl-bus exits 0" "[ $? -eq 0 ]"
"$M" findings update cl-bus >/dev/null 2>&1
RDP=$(q "SELECT id FROM findings WHERE org_slug = 'cl-bus' AND issue_key = 'risky:rdp' AND state = 'open'")
check "the listener on 3389 became an open risky:rdp finding" "[ -n \"$RDP\" ]"

# --- answers: everything done (YAML), NET-01 says no remote desktop exposed
mk_yaml() { # $1 org business size, $2 answer for all, $3 output; NET-04 na with reason
	"$M" checklist items --business-type "$2" --size "$3" --json | python3 -c "
import json,sys
o=json.load(sys.stdin)
print('catalogue: \"%s\"' % o[0]['catalogue'])
print('answers:')
for x in o:
    a='$4'
    if x['id'] == 'NET-04': print('  NET-04: { answer: 該当しない, comment: 車内 Wi-Fi はありません }')
    else: print('  %s: %s' % (x['id'], a))
" >"$5"
}
mk_yaml cl-bus bus small 実施している "$T/done.yaml"
"$M" checklist answer cl-bus "$T/done.yaml" >"$T/a1" 2>&1
check "answer cl-bus (all done) exits 0" "[ $? -eq 0 ]"
"$M" checklist score cl-bus --json >"$T/s1.json"
check "score: total 100, basic 100" \
	"jq_py 'sys.exit(0 if o[\"total\"][\"score\"] == 100 and o[\"tiers\"][\"basic\"][\"score\"] == 100 else 1)' <$T/s1.json"
check "NET-01 answered done is 要確認 with the RDP finding $RDP as evidence" \
	"jq_py 'c=[x for x in o[\"contradictions\"] if x[\"item\"] == \"NET-01\"]; sys.exit(0 if c and any(f[\"finding\"] == $RDP and f[\"issue\"] == \"risky:rdp\" for f in c[0][\"findings\"]) else 1)' <$T/s1.json"
check "VEN-03 (remote maintenance) is 要確認 too" \
	"jq_py 'sys.exit(0 if any(x[\"item\"] == \"VEN-03\" for x in o[\"contradictions\"]) else 1)' <$T/s1.json"
check "a basic item 要確認: basic_done is false" "jq_py 'sys.exit(0 if o[\"basic_done\"] is False else 1)' <$T/s1.json"
check "advice starts with the 要確認 items" \
	"jq_py 'sys.exit(0 if o[\"advice\"][0][\"contradicted\"] else 1)' <$T/s1.json"
check "the text score shows 要確認 and the finding" \
	"\"$M\" checklist score cl-bus | grep -q \"要確認 NET-01\" && \"$M\" checklist score cl-bus | grep -q \"#$RDP\""

# --- bad input: FILE:LINE: field, nothing stored
n0=$(sets)
bad() { # name, file content, expected text
	printf '%s' "$2" >"$T/$1"
	"$M" checklist answer cl-bus "$T/$1" >"$T/err" 2>&1
	local rc=$?
	check "$1: refused with '$3'" "[ $rc -ne 0 ] && grep -q -- \"$3\" $T/err"
	check "$1: nothing stored" "[ \$(sets) -eq $n0 ]"
}
bad unknown.yaml $'catalogue: "2025.1"\nanswers:\n  ORG-01: done\n  ZZZ-99: done\n' "unknown.yaml:4: item: unknown item id 'ZZZ-99'"
bad version.yaml $'catalogue: "1999.1"\nanswers:\n  ORG-01: done\n' "unknown catalogue version '1999.1'"
bad value.yaml $'catalogue: "2025.1"\nanswers:\n  ORG-01: maybe\n' "value.yaml:3: answer: 'maybe' is not an answer"
bad dup.yaml $'catalogue: "2025.1"\nanswers:\n  ORG-01: done\n  ORG-02: done\n  ORG-01: partial\n' "dup.yaml:5: item: ORG-01 answered twice (first on line 3)"
bad na.yaml $'catalogue: "2025.1"\nanswers:\n  ORG-01: 該当しない\n' "na.yaml:3: comment: 該当しない (na) needs the reason"
bad notapplic.yaml $'catalogue: "2025.1"\nanswers:\n  CRT-03: done\n' "CRT-03 does not apply to bus/small"
bad incomplete.yaml $'catalogue: "2025.1"\nanswers:\n  ORG-01: done\n' "unanswered"
long=$(python3 -c "print('あ' * 700)")
bad long.yaml "catalogue: \"2025.1\""$'\nanswers:\n  ORG-01: { answer: done, comment: '"$long"$' }\n' "long.yaml:3: comment: too long"
bad dup.csv $'catalogue,item,answer,comment\n2025.1,ORG-01,done,\n2025.1,ORG-01,done,\n' "dup.csv:3: item: ORG-01 answered twice"
bad ver.csv $'catalogue,item,answer,comment\n2025.1,ORG-01,done,\n2024.1,ORG-02,done,\n' "ver.csv:3: catalogue: version 2024.1 differs"
bad alias.yaml $'catalogue: "2025.1"\nanswers:\n  ORG-01: &a done\n  ORG-02: *a\n' "aliases"
check "a draft may be incomplete" "\"$M\" checklist answer cl-bus $T/incomplete.yaml --draft >/dev/null"
check "the incomplete draft cannot be submitted" "! \"$M\" checklist submit cl-bus >/dev/null 2>&1"

# --- CSV: script in a comment, round trip, escaped in the sheet
"$M" checklist export cl-bus --csv >"$T/e1.csv"
python3 - "$T/e1.csv" "$T/x.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8")))
for r in rows[1:]:
    if r[1] == "NET-01": r[2] = "未実施"; r[3] = '<script>alert("x")</script>, RDP は 3389 で公開中'
    if r[1] == "ORG-03": r[2] = "わからない"
w = csv.writer(open(sys.argv[2], "w", encoding="utf-8", newline=""), lineterminator="\n")
w.writerows(rows)
PY
"$M" checklist answer cl-bus "$T/x.csv" >/dev/null 2>&1
check "CSV answers with a comma, quotes and script in a comment are stored" "[ $? -eq 0 ]"
"$M" checklist export cl-bus --csv >"$T/e2.csv"
check "export --csv reads back the same answers" "cmp -s $T/x.csv $T/e2.csv"
"$M" checklist export cl-bus >"$T/e2.yaml"
"$M" checklist answer cl-bus "$T/e2.yaml" --draft >/dev/null 2>&1
check "export (YAML) reads back as a draft identical to the set" \
	"[ \"\$(\"$M\" checklist export cl-bus --draft --csv)\" = \"\$(cat $T/e2.csv)\" ]"
"$M" checklist score cl-bus --json >"$T/s2.json"
check "わからない scores -1: basic below 100, NET-01 no longer 要確認" \
	"jq_py 'sys.exit(0 if o[\"tiers\"][\"basic\"][\"score\"] < 100 and not any(x[\"item\"] == \"NET-01\" for x in o[\"contradictions\"]) else 1)' <$T/s2.json"
mkdir -p "$T/sheet"
"$M" checklist sheet cl-bus --out "$T/sheet" >/dev/null 2>&1
check "result sheet HTML and PDF written" "[ -s $T/sheet/checklist-cl-bus-\$(q \"SELECT max(id) FROM checklist_sets WHERE state='submitted'\").pdf ]"
check "script in a comment is escaped in the sheet" \
	"grep -q '&lt;script&gt;' $T/sheet/*.html && ! grep -q '<script>alert' $T/sheet/*.html"
# the English result sheet from the CLI, as the console offers it (issue 14)
mkdir -p "$T/sheet-en"
"$M" checklist sheet cl-bus --lang en --out "$T/sheet-en" >"$T/sheet-en.out" 2>&1
check "checklist sheet --lang en writes the -en files it names" \
	"grep -q 'checklist-cl-bus-[0-9]*-en.pdf' $T/sheet-en.out && [ -s \"\$(grep -- '-en.pdf' $T/sheet-en.out)\" ]"
check "the English sheet is in English" \
	"grep -q 'Self-assessment checklist: result sheet' $T/sheet-en/*-en.html && ! grep -q '結果票' $T/sheet-en/*-en.html"
check "checklist sheet --lang fr is refused" \
	"! \"$M\" checklist sheet cl-bus --lang fr --out $T/sheet-en >/dev/null 2>&1"

# --- history: diff and trend per quarter
"$M" checklist history cl-bus --json >"$T/h.json"
check "history keeps both submitted sets and the draft" \
	"jq_py 'sys.exit(0 if sum(1 for s in o[\"sets\"] if s[\"state\"] == \"submitted\") == 2 and any(s[\"state\"] == \"draft\" for s in o[\"sets\"]) else 1)' <$T/h.json"
check "diff: NET-01 and ORG-03 worsened" \
	"jq_py 'w={x[\"item\"] for x in o[\"diff\"][\"worsened\"]}; sys.exit(0 if w == {\"NET-01\", \"ORG-03\"} else 1)' <$T/h.json"
MAMORI_NOW=$(at 100) "$M" checklist answer cl-bus "$T/done.yaml" >/dev/null
MAMORI_NOW=$(at 100) "$M" checklist history cl-bus --json >"$T/h2.json"
check "trend has two quarters, the later one improved" \
	"jq_py 't=o[\"trend\"]; sys.exit(0 if len(t) == 2 and t[1][\"total\"] > t[0][\"total\"] else 1)' <$T/h2.json"

# --- reminders through the alert pipeline
MAMORI_NOW=$(at 400) "$M" checklist remind --interval-days 90 >"$T/r1"
check "a reminder is queued for cl-bus" \
	"[ \$(q \"SELECT count(*) FROM alerts WHERE org_slug = 'cl-bus' AND issue_key LIKE 'checklist:recheck:%'\") -eq 1 ]"
MAMORI_NOW=$(at 400) "$M" checklist remind --interval-days 90 >/dev/null
check "and only once per quarter" \
	"[ \$(q \"SELECT count(*) FROM alerts WHERE issue_key LIKE 'checklist:recheck:%'\") -eq 1 ]"
check "not yet due with a long interval" \
	"MAMORI_NOW=$(at 400) \"$M\" checklist remind --interval-days 3000 --dry-run | grep -q ': 0'"

# --- sector comparison: 6 bus/small shown, 3 taxi/small never
for i in 1 2 3 4 5 6; do mk_yaml x bus small 一部実施 "$T/p.yaml"; "$M" checklist answer bus-$i "$T/p.yaml" >/dev/null; done
for i in 1 2 3; do mk_yaml x taxi small 実施している "$T/t.yaml"; "$M" checklist answer taxi-$i "$T/t.yaml" >/dev/null; done
"$M" checklist sector --json >"$T/sec.json"
check "bus/small (7 operators) is shown with per-item rates" \
	"jq_py 'g=[x for x in o[\"groups\"] if x[\"business_type\"] == \"bus\" and x[\"size\"] == \"small\"][0]; sys.exit(0 if g[\"shown\"] and g[\"operators\"] == 7 and any(i[\"rate\"] is not None for i in g[\"items\"]) else 1)' <$T/sec.json"
check "taxi/small (3 operators) is withheld: no count, no rates" \
	"jq_py 'g=[x for x in o[\"groups\"] if x[\"business_type\"] == \"taxi\"][0]; sys.exit(0 if not g[\"shown\"] and \"operators\" not in g and not g[\"items\"] and all(\"operators\" not in q for q in g[\"quarters\"]) else 1)' <$T/sec.json"
check "the overall total is withheld: 10 - 7 (bus) would reveal the 3 taxis" \
	"jq_py 'sys.exit(0 if not o[\"overall\"][\"shown\"] else 1)' <$T/sec.json"
check "no shown group anywhere has fewer than 5 operators" \
	"jq_py 'a=o[\"groups\"]+o[\"business_types\"]+[o[\"overall\"]]; sys.exit(0 if all(q[\"operators\"] >= 5 for g in a for q in g[\"quarters\"] if q[\"shown\"]) else 1)' <$T/sec.json"
check "sector by business type name (バス) works" "\"$M\" checklist sector バス --json | jq_py 'sys.exit(0 if o[\"business_type\"] == \"bus\" else 1)'"
check "an unknown sector is an error" "! \"$M\" checklist sector nowhere >/dev/null 2>&1"

# --- catalogue versions are kept: answers name theirs
mkdir -p "$T/cat"
cp "$(dirname "$0")/../../data/checklist/catalogue-2025.yaml" "$T/cat/"
sed 's/^version: "2025.1"/version: "2025.2"/' "$T/cat/catalogue-2025.yaml" >"$T/cat/catalogue-2025b.yaml"
check "two versions listed newest first" \
	"MAMORI_CHECKLIST_DIR=$T/cat \"$M\" checklist items --json | jq_py 'sys.exit(0 if o[0][\"catalogue\"] == \"2025.2\" else 1)'"
check "answers against the older 2025.1 still accepted" \
	"MAMORI_CHECKLIST_DIR=$T/cat \"$M\" checklist answer cl-bus $T/done.yaml >/dev/null"
check "and scored against 2025.1" \
	"MAMORI_CHECKLIST_DIR=$T/cat \"$M\" checklist score cl-bus --json | jq_py 'sys.exit(0 if o[\"catalogue\"] == \"2025.1\" else 1)'"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
