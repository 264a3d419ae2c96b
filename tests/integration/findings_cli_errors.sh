#!/usr/bin/env bash
# findings_cli_errors.sh - every error of `mamori findings` (issue 14 item 7: CLI errors
# bilingual like its help) is written Japanese first, then English after " / ", and exits
# non-zero: operand errors, the library's refusals (unknown filter values naming the allowed ones, too long a search, a
# missing finding, triage without a change or with a past expiry). The options come from the
# option table: `findings --help` lists them with their help lines, and its own errors (unknown
# option, bad number, missing argument) exit 2 naming the option; their wording is the option
# table's (src/cli/options.c, tests/integration/cli_options.sh).
set -uo pipefail
M=${MAMORI:?set MAMORI to the mamori binary}
SRC=${MAMORI_SOURCE_DIR:?set MAMORI_SOURCE_DIR}
. "$SRC/tests/support/check.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export MAMORI_DB=$T/m.db
export MAMORI_NOW=2026-11-23T03:00:00Z
"$M" -q init && "$M" -q inventory import "$SRC/examples/inventory.yaml" >/dev/null ||
	{ echo "FAIL - setup"; exit 1; }
sqlite3 "$MAMORI_DB" "INSERT INTO findings (org_slug, asset, issue_key, kind, source, state, severity, title, first_seen, last_seen)
  VALUES ('kanto-rail', '192.0.2.1:3389/tcp', 'risky:rdp', 'risky_service', 'network', 'open', 'high', 'RDP / リモートデスクトップ', 1, 1)" ||
	{ echo "FAIL - setup rows"; exit 1; }

# The first line of stderr without "mamori: findings VERB: ": Japanese first (its first
# character outside ASCII), then " / " and English (ASCII letters).
bilingual() {
	python3 - "$1" <<'PY'
import re, sys
line = open(sys.argv[1], encoding="utf-8").read().splitlines()[0]
msg = re.sub(r"^mamori: findings[^:]*: ", "", line)
ja, sep, en = msg.partition(" / ")
ok = bool(msg) and ord(msg[0]) > 127 and sep and re.search(r"[A-Za-z]{3,}", en)
sys.exit(0 if ok else 1)
PY
}
LONG=$(printf 'x%.0s' $(seq 300))
while IFS='|' read -r name want args; do
	eval "set -- $args"
	"$M" findings "$@" >"$T/out" 2>"$T/err"
	rc=$?
	check "$name: exit $want (got $rc)" "[ $rc -eq $want ]"
	check "$name: Japanese first, then English: $(head -1 "$T/err" | cut -c1-150)" "bilingual $T/err"
done <<EOF
unknown kind|3|list --kind bogus
unknown severity|3|list --severity urgent
unknown sort key|3|list --sort title
too long a search|3|list --search $LONG
unexpected operand|2|list extra
show without an id|2|show
show with a bad id|2|show x1
show a missing finding|4|show 999
update without an org|2|update
update with an org and --all|2|update kanto-rail --all
triage without ids|2|triage --state in_progress
triage with bad ids|2|triage 1,x --state in_progress
triage with a bad date|2|triage 1 --state accepted --until tomorrow
triage with nothing to change|2|triage 1
triage with an unknown state|2|triage 1 --state fixed
triage accepted in the past|2|triage 1 --state accepted --until 2020-01-01
triage of a missing finding|4|triage 999 --state in_progress
EOF

"$M" findings --help >"$T/help" 2>&1
check "help lists the options from the table, with their help lines" \
	"grep -q -- '--search TEXT' $T/help && grep -q 'text in title, asset, issue or org / 文字列検索' $T/help && grep -q -- '--until DATE' $T/help"
for args in "list --limit 0" "list --limit ten" "list --bogus" "list --org" "list --kev=1"; do
	eval "set -- $args"
	"$M" findings "$@" >"$T/out" 2>"$T/err"
	rc=$?
	opt=$(sed 's/^list //; s/[ =].*//' <<<"$args")
	check "option error '$args': exit 2 naming $opt" "[ $rc -eq 2 ] && grep -qF -- \"'$opt\" $T/err"
done
check "a correct call still works (exit 0, the row)" \
	"'$M' findings list --search 'リモート' --json | grep -q 'risky:rdp'"
check "triage on the option table still changes the finding" \
	"'$M' -q findings triage 1 --state in_progress --assignee 山田 && '$M' findings show 1 --json | grep -q '山田'"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
