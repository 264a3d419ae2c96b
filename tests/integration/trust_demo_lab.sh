#!/usr/bin/env bash
# trust_demo_lab.sh - issue 14 on the real demo store (scripts/demo-asm: the lab's daemons, the
# real feeds, the lab Postfix): for every operator that got a mail, the dashboard, its page,
# page 1 of its quarterly PDF (pdftotext) and its mail name the same first item; no urgent mail
# is about a 要確認 candidate or an SSVC track/track* finding; one mail per operator; an
# operator never scanned has no grade anywhere. Needs root (namespace); loopback only.
set -uo pipefail
M=${MAMORI:?set MAMORI to the mamori binary}
SRC=${MAMORI_SOURCE_DIR:?set MAMORI_SOURCE_DIR}
export MAMORI_DATA_DIR=${MAMORI_DATA_DIR:?set MAMORI_DATA_DIR}
[ "$(id -u)" = 0 ] || { echo "needs root (network namespace, postfix)"; exit 77; }
T=$(mktemp -d)
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/../support/check.sh"
export LSAN_OPTIONS="suppressions=$SRC/tests/support/lsan-cairo.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

(cd "$SRC" && DEMO_OUT="$T/demo" DEMO_NS="mtd$$" timeout 900 scripts/demo-asm "$M") \
	>"$T/demo.log" 2>&1 || { echo "demo-asm failed"; tail -20 "$T/demo.log"; exit 1; }
export MAMORI_DB=$T/demo/asm.db
"$M" report quarterly --all --out "$T/reports" >/dev/null 2>&1 || { echo "reports failed"; exit 1; }
python3 "$SRC/tests/integration/trust_demo.py" "$T" || fail=$((fail + 1))
q() { sqlite3 "$MAMORI_DB" "$1"; }
check "no urgent alert for a 要確認, candidate or track* finding" "[ \"\$(q \"SELECT count(*) FROM alerts a JOIN findings f
   ON f.org_slug = a.org_slug AND f.issue_key = a.issue_key WHERE a.urgent = 1 AND (f.needs_confirmation = 1
   OR f.severity = 'info' OR f.urgency IN ('TRACK', 'TRACK*'))\")\" = 0 ]"
check "every urgent alert is for a confirmed KEV or critical finding" "[ \"\$(q \"SELECT count(*) FROM alerts a WHERE a.urgent = 1
   AND a.issue_key NOT LIKE 'notice:%' AND NOT EXISTS (SELECT 1 FROM findings f WHERE f.org_slug = a.org_slug
   AND f.issue_key = a.issue_key AND f.needs_confirmation = 0 AND (f.kev = 1 OR f.severity = 'critical'))\")\" = 0 ]"
check "every open KEV or critical finding has a deadline" "[ \"\$(q \"SELECT count(*) FROM findings WHERE state = 'open'
   AND (kev = 1 OR severity = 'critical') AND deadline IS NULL\")\" = 0 ]"
check "no product-only / unknown-version / all-versions match above info" "[ \"\$(q \"SELECT count(*) FROM findings WHERE state = 'open'
   AND severity <> 'info' AND json_extract(evidence, '$.matcher.basis') IN ('version-unknown',
   'version-not-applicable', 'all-versions', 'cve5-default-status')\")\" = 0 ]"
check "hokkaido-water (never scanned): no rating stored" "[ \"\$(q \"SELECT count(*) FROM ratings WHERE org_slug = 'hokkaido-water'\")\" = 0 ]"
check "  ... rating compute says not assessed" "'$M' rating compute hokkaido-water --json | python3 -c 'import json,sys; o=json.load(sys.stdin); o=o[0] if isinstance(o,list) else o; sys.exit(0 if o[\"assessed\"] is False and o[\"grade\"] is None else 1)'"
check "  ... the water mean leaves it out and lists it" "'$M' rating sector water --json | python3 -c 'import json,sys; s=json.load(sys.stdin)[\"sectors\"][0]; sys.exit(0 if \"hokkaido-water\" in s[\"not_assessed_orgs\"] and all(p[\"orgs\"] == 1 for p in s[\"periods\"]) else 1)'"
pdftotext -l 1 "$T/reports/hokkaido-water-"*.pdf "$T/hw.txt"
check "  ... its PDF page 1 says 未診断 and shows no score" "grep -q '未診断' '$T/hw.txt' && ! grep -q '評点 [0-9]' '$T/hw.txt'"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
