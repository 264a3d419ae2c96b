#!/usr/bin/env bash
# sns_cli.sh - SNS monitoring end to end through the binary: the real DDoSia lists (every line
# parsed, one ddos-target alert per transport operator and wave, none for the others), the
# synthetic outage fixture (burst -> one alert within 10 minutes; the same volume spread over
# a day -> none), DDoS/leak/exploit waves, standard input, bad input reported with file, line
# and field while the good posts are stored, watch terms, confirm/dismiss. Nothing is probed.
set -uo pipefail

M=${MAMORI:?set MAMORI to the mamori binary}
SRC=${MAMORI_SOURCE_DIR:?set MAMORI_SOURCE_DIR}
DATA=${MAMORI_DATA_DIR:?set MAMORI_DATA_DIR}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
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
	"grep -q '保存 0 重複 1967' $T/dd2.out && grep -q 'アラート新規 0' $T/dd2.out"

# ---- outage: burst vs the same volume spread over the day
fresh burst "$SRC/examples/inventory.yaml"
"$M" sns import "$T/outage_burst.x.jsonl" >/dev/null 2>&1
B=$(cat "$T/burst.txt")
check "burst: exactly one outage alert, for kansai-rail, within 10 minutes of the burst" \
	"\"$M\" sns alerts --class outage --json | python3 -c 'import json,sys,datetime
a=json.load(sys.stdin)
t=int(datetime.datetime.strptime(a[0][\"first_evidence\"],\"%Y-%m-%dT%H:%M:%SZ\").replace(tzinfo=datetime.timezone.utc).timestamp()) if a else 0
exit(0 if len(a)==1 and a[0][\"org\"]==\"kansai-rail\" and 0 <= t-$B <= 600 and a[0][\"reasons\"][\"burst\"][\"posts_in_window\"]>=5 else 1)'"
check "no other class alerted by the chatter" "[ \$(jq_n) -eq 1 ]"
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
check "escalate an alert" "\"$M\" sns alert escalate 2 >/dev/null && \"$M\" sns alerts --json | grep -q '\"escalated\"'"

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
check "a second rematch matches nothing new" "grep -q '新たな照合 0 アラート新規 0' $T/rematch2.out"

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
