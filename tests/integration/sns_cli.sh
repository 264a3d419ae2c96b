#!/usr/bin/env bash
# sns_cli.sh - SNS monitoring end to end through the binary: the real DDoSia lists (every line
# parsed, one ddos-target alert per transport operator and wave, none for the others), the
# synthetic outage fixture (burst -> one alert within 10 minutes; the same volume spread over
# a day -> none), DDoS/leak/exploit waves, standard input, bad input reported with file, line
# and field while the good posts are stored, watch terms, confirm/dismiss, escalation to an
# incident, negated complaints (no alert), the alert mail with the wave's evidence (decoded from
# a loopback SMTP receiver), the option table's bilingual errors. Nothing is probed.
set -uo pipefail

M=${MAMORI:?set MAMORI to the mamori binary}
SRC=${MAMORI_SOURCE_DIR:?set MAMORI_SOURCE_DIR}
DATA=${MAMORI_DATA_DIR:?set MAMORI_DATA_DIR}
T=$(mktemp -d)
SPID=
trap '[ -n "$SPID" ] && kill "$SPID" 2>/dev/null; rm -rf "$T"' EXIT
. "$(dirname "$0")/../support/check.sh"
DDOSIA=$DATA/sns/ddosia/ddosia-targets-2023-06-to-2024-10-13.jsonl.xz
fresh() {
	export MAMORI_DB=$T/$1.db
	"$M" init >/dev/null && "$M" inventory import "$2" >/dev/null || { echo "setup failed"; exit 1; }
}
jq_n() { "$M" sns alerts --json "$@" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

python3 "$SRC/bench/sns_fixtures.py" "$T" || { echo "fixtures failed"; exit 1; }

# ---- DDoSia replay against the evaluation inventory (names and domains only)
fresh ddosia "$SRC/bench/sns_eval_inventory.yaml"
"$M" sns import --json "$DDOSIA" >"$T/dd.json" 2>"$T/dd.err"
check "DDoSia import exits 0" "[ $? -eq 0 ]"
check "all 1,967 snapshots parsed, none in error (null targets, 951 KB lines)" \
	"python3 -c 'import json; a=json.load(open(\"$T/dd.json\"))[0]; exit(0 if a[\"posts\"]==1967 and a[\"errors\"]==0 and a[\"format\"]==\"ddosia\" else 1)'"
"$M" sns alerts --json >"$T/dda.json"
check "one ddos-target alert per operator and wave: 12 (JR East twice)" \
	"python3 - <<EOF
import json
a = json.load(open('$T/dda.json'))
got = sorted((x['org'], x['first_evidence'][:10]) for x in a)
want = sorted([('hakata-port','2023-06-09'),('jr-central','2023-06-09'),('jr-east','2023-06-09'),
  ('new-chitose-airport','2024-02-21'),('jr-east','2024-07-16'),('aomori-airport','2024-07-18'),
  ('seikan-ferry','2024-07-18'),('tsugaru-kaikyo-ferry','2024-07-18'),('jr-bus-tohoku','2024-07-19'),
  ('nexco-east','2024-07-19'),('towada-kanko','2024-07-19'),('fukuoka-airport','2024-07-19')])
assert all(x['class'] == 'ddos-target' and x['rule'] == 'ddosia-list' for x in a)
exit(0 if got == want else 1)
EOF"
check "no alert for operators whose hosts are not listed" \
	"[ \$(jq_n --org tokyo-metro) -eq 0 ] && [ \$(jq_n --org osaka-metro) -eq 0 ] && [ \$(jq_n --org nagoya-port) -eq 0 ]"
check "every named host is under the operator's domain, alerted at its first appearance" \
	"python3 - <<EOF
import json
a = json.load(open('$T/dda.json'))
for x in a:
    for h in x['reasons']['hosts']:
        assert h['host'] == h['under'] or h['host'].endswith('.' + h['under']), h
        assert h['registered'] in ('under-domain', 'asset'), h
hosts = {h['host'] for x in a for h in x['reasons']['hosts']}
assert 'jreastfaq.jreast.co.jp' in hosts and 'reserve.seikan-ferry.jp' in hosts, hosts
EOF"
"$M" sns import "$DDOSIA" >"$T/dd2.out" 2>&1
check "importing the lists again stores nothing twice, alerts nothing new" \
	"grep -q '保存 0 重複 1967' $T/dd2.out && grep -q '予兆検知 新規 0' $T/dd2.out"

# ---- outage: burst vs the same volume spread over the day
fresh burst "$SRC/examples/inventory.yaml"
"$M" sns import --console-url http://127.0.0.1:8089 "$T/outage_burst.x.jsonl" >/dev/null 2>&1
B=$(cat "$T/burst.txt")
check "burst: exactly one outage alert, for kansai-rail, within 10 minutes of the burst" \
	"\"$M\" sns alerts --class outage --json | python3 -c 'import json,sys,datetime
a=json.load(sys.stdin)
t=int(datetime.datetime.strptime(a[0][\"first_evidence\"],\"%Y-%m-%dT%H:%M:%SZ\").replace(tzinfo=datetime.timezone.utc).timestamp()) if a else 0
exit(0 if len(a)==1 and a[0][\"org\"]==\"kansai-rail\" and 0 <= t-$B <= 600 and a[0][\"reasons\"][\"burst\"][\"posts_in_window\"]>=5 else 1)'"
check "no other class alerted by the chatter" "[ \$(jq_n) -eq 1 ]"
# the wave's mail: every evidence post up to 10 (oldest first, JST), how many more, the console
# link; Japanese first, then English. Delivered to a loopback SMTP receiver and decoded.
. "$(dirname "$0")/../support/smtp_sink.sh"
smtp_sink_start --maildir "$T/mail" || exit 1
"$M" alert run --smtp "$SMTP" --attempts 1 --timeout 5 >/dev/null 2>&1
AID=$("$M" sns alerts --class outage --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
N=$(sqlite3 "$MAMORI_DB" "SELECT count(*) FROM sns_alert_posts WHERE alert = $AID")
check "the mail to kansai-rail's contact lists the wave's first 10 evidence posts, JST, then how many more, Japanese first" \
	"python3 - '$T/mail/security@kansai-rail.test' $AID $N <<'EOF'
import email, glob, re, sys
box, aid, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
msgs = [email.message_from_binary_file(open(f, 'rb')) for f in sorted(glob.glob(box + '/*.eml'))]
body = ''
for m in msgs:
    for part in m.walk():
        if part.get_content_type() == 'text/plain':
            body += part.get_payload(decode=True).decode('utf-8')
assert 'SNS モニタリングが予兆を検知しました' in body, body[:300]
ev = re.findall(r'^- 2024-07-18 1[7-9]:[0-5][0-9] JST x:[0-9]+ ', body, re.M)
assert len(ev) == 10, (len(ev), body[:2000])
assert n > 10 and ('他 %d 件 / and %d more' % (n - 10, n - 10)) in body, (n, body[:3000])
assert ('http://127.0.0.1:8089/sns/alerts/' + aid) in body
assert body.index('SNS モニタリング') < body.index('---- English ----') < body.index('SNS monitoring detected')
assert ('and %d more.' % (n - 10)) in body.split('---- English ----')[1]
assert 'mamori sns' not in body  # the recipient has the console, not the command line
times = re.findall(r'^- (2024-07-18 [0-9:]+) JST', body, re.M)
assert times == sorted(times), times  # oldest first
EOF"

# negated complaints: the same burst shape of denials raises nothing
fresh negated "$SRC/examples/inventory.yaml"
"$M" sns import "$T/outage_negated.x.jsonl" >/dev/null 2>&1
check "a burst of negated complaints (落ちてない, 繋がらないことはない, 障害なし) raises no alert" "[ \$(jq_n) -eq 0 ]"
check "the negated rule is kept on the match (not:<rule>)" \
	"[ \$(sqlite3 \$MAMORI_DB \"SELECT count(*) FROM sns_matches WHERE org_slug = 'kansai-rail' AND rules LIKE '%not:%' AND (classes & 4) = 0\") -ge 60 ]"

fresh spread "$SRC/examples/inventory.yaml"
"$M" sns import "$T/outage_spread.x.jsonl" >/dev/null 2>&1
check "spread over a day: no alert" "[ \$(jq_n) -eq 0 ]"

# ---- DDoS / leak / exploit waves from Telegram and X, X read from standard input
fresh classes "$SRC/examples/inventory.yaml"
"$M" sns import "$T/classes.tg.jsonl" >/dev/null 2>&1
cat "$T/classes.x.jsonl" | "$M" sns import --format x-stream - >"$T/stdin.out" 2>&1
check "standard input imported" "grep -q '^- (x-stream): 投稿 323' $T/stdin.out"
check "alerts are exactly the expected (org, class) waves" \
	"\"$M\" sns alerts --json | python3 -c 'import json,sys
a=json.load(sys.stdin)
got=sorted((x[\"org\"],x[\"class\"]) for x in a)
want=sorted(tuple(l.split()) for l in open(\"$T/truth.tsv\"))
exit(0 if got==want else 1)'"
check "alert JSON: id, org, class, first/last evidence, score, rule, evidence posts, state" \
	"\"$M\" sns alerts --json --class leak | python3 -c 'import json,sys
a=json.load(sys.stdin)
k={\"id\",\"org\",\"class\",\"first_evidence\",\"last_evidence\",\"score\",\"rule\",\"evidence_posts\",\"state\"}
exit(0 if a and all(k <= set(x) and x[\"evidence_posts\"] for x in a) else 1)'"
check "the alert went through the alert pipeline to the operator's contacts" \
	"[ \$(sqlite3 \$MAMORI_DB \"SELECT count(*) FROM alerts a JOIN alert_targets t ON t.alert_id = a.id WHERE a.issue_key LIKE 'sns:ddos-target:%' AND a.org_slug = 'kanto-rail'\") -ge 1 ]"
check "posts --org lists the operator's matched posts" \
	"\"$M\" sns posts --org tohoku-freight --json | python3 -c 'import json,sys; a=json.load(sys.stdin); exit(0 if len(a)>=6 and all(\"tohoku-freight\" in x[\"orgs\"] for x in a) else 1)'"
"$M" sns alert dismiss 1 --note "test FP" >/dev/null
check "dismissed alert kept with its state" "\"$M\" sns alerts --json | grep -q '\"dismissed\"'"
# escalation: a 初報 for the alert's operator through the incident module, linked both ways
MAMORI_ACTOR=analyst-a "$M" sns alert escalate 2 --note "要対応 / act" --json >"$T/esc.json" 2>"$T/esc.err"
check "escalate opens an incident" "[ $? -eq 0 ] && python3 -c 'import json; o=json.load(open(\"$T/esc.json\")); exit(0 if o[\"incident_id\"]>0 and o[\"state\"]==\"escalated\" else 1)'"
INC=$(python3 -c "import json; print(json.load(open('$T/esc.json'))['incident_id'])" 2>/dev/null || echo 0)
ORG2=$("$M" sns alerts --json | python3 -c 'import json,sys; print([a for a in json.load(sys.stdin) if a["id"]==2][0]["org"])')
check "the alert records its incident and state" \
	"\"$M\" sns alerts --json | python3 -c 'import json,sys; a=[x for x in json.load(sys.stdin) if x[\"id\"]==2][0]; exit(0 if a[\"state\"]==\"escalated\" and a[\"incident_id\"]==$INC else 1)'"
"$M" incident show "$INC" --json >"$T/inc.json"
check "the incident: the alert's operator, title from the class, summary with the evidence, the link back, the analyst" \
	"python3 - '$T/inc.json' '$ORG2' <<'EOF'
import json, sys
o = json.load(open(sys.argv[1])); s = json.dumps(o, ensure_ascii=False)
assert o['org'] == sys.argv[2] or o.get('org_slug') == sys.argv[2], (o.get('org'), sys.argv[2])
assert '予兆検知 #2' in o['title'] and 'SNS precursor' in o['title'], o['title']
v = o['versions'][0]['report']
assert v['report'] in ('initial', '初報') or o['versions'][0]['kind'] == 'initial'
assert '証拠投稿' in v['summary'] and 'JST' in v['summary'] and '要対応 / act' in v['summary']
assert v['contact']['name'] == 'analyst-a'
assert any(e['kind'] == 'link' and e['detail'].get('link_kind') == 'sns_alert' and e['detail'].get('ref') == '2' for e in o['timeline'])
EOF"
check "escalating again gives the same incident, not a second one" \
	"\"$M\" sns alert escalate 2 --json | grep -q \"\\\"incident_id\\\":[[:space:]]*$INC\" && [ \$(sqlite3 \$MAMORI_DB 'SELECT count(*) FROM incidents') -eq 1 ]"
check "escalation audited with the analyst" \
	"[ \$(sqlite3 \$MAMORI_DB \"SELECT count(*) FROM audit_log WHERE action = 'sns.alert.escalate' AND actor = 'analyst-a' AND object = 'sns_alert:2'\") -eq 1 ]"
"$M" sns alert escalate 999 >/dev/null 2>"$T/e999.err"
check "escalating an unknown alert: not found, nothing filed" "[ $? -ne 0 ] && grep -q 'no SNS alert 999' $T/e999.err && [ \$(sqlite3 \$MAMORI_DB 'SELECT count(*) FROM incidents') -eq 1 ]"

# the option table: bilingual errors (Japanese first), exit 2, names kept
"$M" sns alert escalate x1 >/dev/null 2>"$T/bad1.err"
check "a bad ID: usage error, Japanese then English" "[ $? -eq 2 ] && grep -q '番号が不正です.* / not an ID' $T/bad1.err"
"$M" sns alerts --class bogus >/dev/null 2>"$T/bad2.err"
check "a bad --class is named, Japanese first" "[ $? -eq 2 ] && grep -q -- '--class' $T/bad2.err && grep -q 'のいずれか / ddos-target' $T/bad2.err"
"$M" sns posts --limit 0 >/dev/null 2>"$T/bad3.err"
check "--limit out of range refused" "[ $? -eq 2 ] && grep -q -- '--limit' $T/bad3.err"
"$M" sns import >/dev/null 2>"$T/bad4.err"
check "import without FILE: Japanese first" "[ $? -eq 2 ] && grep -q 'ファイルを指定してください.* / give FILE' $T/bad4.err"
"$M" sns help >"$T/help.txt" 2>&1
check "help lists every verb's options from the tables" \
	"grep -q 'mamori sns import \\[--format F\\]' $T/help.txt && grep -q -- '--console-url URL' $T/help.txt && grep -q 'mamori sns posts' $T/help.txt && grep -q 'escalate' $T/help.txt"

# ---- watch terms
"$M" sns watch add kansai-rail 'ｶﾝｻｲ高速' --kind name >/dev/null
check "watch add; list shows inventory and analyst terms" \
	"\"$M\" sns watch list kansai-rail | grep -q 'analyst' && \"$M\" sns watch list kansai-rail | grep -q 'inventory'"
"$M" sns watch add kansai-rail '(a+)\1' --kind regex >/dev/null 2>"$T/re.err"
check "a back-reference regex is refused with its reason" "[ $? -ne 0 ] && grep -q 'regex refused' $T/re.err"
"$M" sns watch add kansai-rail 'a{1,9999}' --kind regex >/dev/null 2>"$T/re2.err"
check "an unbounded repeat is refused" "[ $? -ne 0 ] && grep -q 'repeat bound' $T/re2.err"

# ---- terms follow the inventory and the watch list: rematch stored posts
fresh rematch "$SRC/examples/inventory.yaml"
printf '%s\n' '{"platform":"telegram","post_id":"r/1","created_at":"2024-07-20T01:00:00Z","text":"#OpJapan みなと急行 に DDoS 攻撃予告 check-host.net/check-report/9"}' >"$T/r.jsonl"
"$M" -q sns import "$T/r.jsonl" 2>/dev/null
check "an unknown name raises nothing" "[ \$(jq_n) -eq 0 ]"
"$M" sns watch add minato-bus 'ミナト急行' --kind name >/dev/null
"$M" sns rematch >"$T/rematch.out"
check "after watch add, rematch finds the stored post (kana folded) and alerts minato-bus" \
	"grep -q '新たな照合 1' $T/rematch.out && [ \$(jq_n --org minato-bus --class ddos-target) -eq 1 ]"
"$M" sns rematch >"$T/rematch2.out"
check "a second rematch matches nothing new" "grep -q '新たな照合 0 予兆検知 新規 0' $T/rematch2.out"

# ---- terms follow the inventory by themselves: an inventory change re-matches at the next import
fresh follow "$SRC/examples/inventory.yaml"
"$M" -q sns import "$T/r.jsonl" 2>/dev/null
check "follow: the unknown name raises nothing" "[ \$(jq_n) -eq 0 ]"
sed 's/^    name: { ja: みなと交通バス株式会社, en: "Minato Kotsu Bus Co., Ltd." }$/&\n    aliases: [みなと急行]/' \
	"$SRC/examples/inventory.yaml" >"$T/inv2.yaml"
"$M" inventory import "$T/inv2.yaml" >/dev/null
printf '%s\n' '{"platform":"x","post_id":"f/1","created_at":"2024-07-21T01:00:00Z","text":"今日は晴れ"}' >"$T/f.jsonl"
"$M" sns import --json "$T/f.jsonl" >"$T/follow.json"
check "after an inventory change, the next import re-matches the stored post and alerts minato-bus" \
	"python3 -c 'import json; a=json.load(open(\"$T/follow.json\"))[0]; exit(0 if a[\"rematched\"]==1 and a[\"alerts_new\"]==1 else 1)' && [ \$(jq_n --org minato-bus --class ddos-target) -eq 1 ]"
"$M" sns import --json "$T/f.jsonl" >"$T/follow2.json"
check "an unchanged inventory re-matches nothing" \
	"python3 -c 'import json; a=json.load(open(\"$T/follow2.json\"))[0]; exit(0 if a[\"rematched\"]==0 and a[\"alerts_new\"]==0 else 1)'"

# ---- bad input: named file, line and field; the good posts of the same file stored
{
	echo '{"platform":"x","post_id":"g1","created_at":"2024-07-18T08:00:00Z","text":"関西高速 ok"}'
	echo '{"platform":"x","post_id":"b2","created_at":"2024-07-18T08:00:00Z","text":'
	echo '{"platform":"x","post_id":"b3","created_at":"yesterday","text":"x"}'
	printf '{"platform":"x","post_id":"b4","created_at":"2024-07-18T08:00:00Z","text":"\xff\xfe"}\n'
	echo '{"platform":"x","post_id":"b5","created_at":"2024-07-18T08:00:00Z","text":"t","urls":"no"}'
	echo '{"platform":"x","post_id":"g6","created_at":"2024-07-18T08:01:00Z","text":"関西高速 ok 2"}'
} >"$T/bad.jsonl"
python3 -c "import json; print(json.dumps({'platform':'x','post_id':'big','created_at':'2024-07-18T08:00:00Z','text':'あ'*3500000}, ensure_ascii=False))" >>"$T/bad.jsonl"
"$M" sns import --json "$T/bad.jsonl" >"$T/bad.json" 2>"$T/bad.err"
check "bad records: non-zero exit" "[ $? -ne 0 ]"
check "error names file, line and field" "grep -q 'bad.jsonl:3: created_at:' $T/bad.json || grep -q 'bad.jsonl:2:' $T/bad.err"
check "good posts of the same file stored (3 of 7), 4 errors" \
	"python3 -c 'import json; a=json.load(open(\"$T/bad.json\"))[0]; exit(0 if a[\"stored\"]==3 and a[\"errors\"]==4 else 1)'"
check "a 10 MB post is stored cut at 1 MiB" \
	"[ \$(sqlite3 \$MAMORI_DB \"SELECT length(CAST(text AS BLOB)) <= 1048576 FROM sns_posts WHERE post_id = 'big'\") = 1 ]"
printf '{"name":"ch","type":"public_channel","id":9,"messages":[{"id":1,"type":"message","date":"2024-07-18T17:00:00","date_unixtime":"1721289600","text":["関西高速 \\x07 障害",{"type":"bold","text":"!"}]}]}' >"$T/result.json"
"$M" sns import "$T/result.json" >"$T/tgx.out" 2>&1
check "Telegram Desktop export with \\xNN escapes imported" "grep -q '(telegram-export): 投稿 1 件 保存 1' $T/tgx.out"
printf '{"data":[{"id":"1"' | xz >"$T/trunc.json.xz"
"$M" sns import --format x "$T/trunc.json.xz" >/dev/null 2>"$T/trunc.err"
check "a truncated file is an error, not a crash" "[ $? -ne 0 ] && [ -s $T/trunc.err ]"
echo 'plain text' >"$T/what.txt"
"$M" sns import "$T/what.txt" >/dev/null 2>"$T/what.err"
check "an unknown format asks for --format" "[ $? -ne 0 ] && grep -q -- '--format' $T/what.err"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
