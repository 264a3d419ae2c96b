#!/usr/bin/env bash
# alert_advisories.sh - the advisory sync on real feeds: KEV and JVN records new since the last
# sync reach the operators that run the product, version-aware (a fixed version gets nothing,
# an unknown version gets a 要確認 notice), with the JVN Japanese title and severity, never
# twice, and one notice per (operator, CVE) when KEV and JVN name the same CVE.
set -uo pipefail

M=${MAMORI:?set MAMORI to the mamori binary}
DATA=${MAMORI_DATA_DIR:?set MAMORI_DATA_DIR}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export MAMORI_DB=$T/m.db
. "$(dirname "$0")/../support/check.sh"
q() { sqlite3 "$MAMORI_DB" "$1"; }
jget() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }
n_alerts() { q "SELECT count(*) FROM alerts WHERE org_slug = '$1' AND issue_key = '$2'"; }
subj() { q "SELECT subject FROM alerts WHERE org_slug = '$1' AND issue_key = '$2'"; }
body() { q "SELECT body FROM alerts WHERE org_slug = '$1' AND issue_key = '$2'"; }

org() { # id, product line (YAML flow mapping)
	cat <<YAML
  - id: $1
    name: { ja: 試験事業者 $1 }
    sector: railways
    business_type: railway
    contacts:
      - { name: 担当, email: soc@$1.test }
    products:
      - $2
YAML
}
{
	echo "version: 1"
	echo "organisations:"
	org tomcat-vuln '{ vendor: apache, product: tomcat, version: 9.0.116 }'
	org tomcat-fixed '{ vendor: apache, product: tomcat, version: 9.0.117 }'
	org tomcat-nover '{ vendor: apache, product: tomcat }'
	org fortiweb-op '{ cpe: "cpe:2.3:a:fortinet:fortiweb:*:*:*:*:*:*:*:*" }'
	org aterm-op '{ vendor: nec, product: aterm_wx3000hp_firmware }'
} >"$T/inv.yaml"

"$M" init >/dev/null
"$M" inventory import "$T/inv.yaml" >/dev/null || { echo "inventory import failed"; exit 1; }
"$M" feeds import "$DATA/nvd/nvdcve-2.0-kev-edge-2017plus.json.xz" >/dev/null || { echo "NVD import failed"; exit 1; }
"$M" feeds import "$DATA/kev/known_exploited_vulnerabilities-2025.08.25.json" >/dev/null || { echo "old KEV import failed"; exit 1; }
"$M" feeds import "$DATA/jvn/examples/oka/getVulnDetailInfo_oka_JVNDB-2017-009608.json" >/dev/null || { echo "JVN import failed"; exit 1; }
"$M" advisories sync --json >"$T/s1.json"
check "first sync sets both cursors and sends nothing" "[ \"\$(jget '$T/s1.json' baseline)\" = True ] && [ \"\$(jget '$T/s1.json' jvn_baseline)\" = True ] && [ \"\$(q 'SELECT count(*) FROM alerts')\" = 0 ]"
check "the JVN cursor covers the imported record" "[ \"\$(q 'SELECT count(*) FROM alert_synced_jvn')\" = 1 ]"

# Newer KEV catalog (adds CVE-2026-34486, Apache Tomcat 9.0.116/10.1.53/11.0.20 in NVD), the JVN
# detail feed, and one JVN record derived from a real one that names the same CVE as KEV.
"$M" feeds import "$DATA/kev/known_exploited_vulnerabilities.json" >/dev/null || { echo "KEV import failed"; exit 1; }
"$M" feeds import "$DATA/jvn/examples/hnd/dataFeed_jvndb_detail_hnd.xml" >/dev/null || { echo "JVN feed import failed"; exit 1; }
mkdir -p "$T/jvn"
sed -e 's/JVNDB-2021-002774/JVNDB-2026-990001/g' -e 's/CVE-2021-36745/CVE-2026-34486/g' \
	-e 's#cpe:/a:trendmicro:serverprotect#cpe:/a:apache:tomcat#' \
	"$DATA/jvn/examples/hnd/getVulnDetailInfo_hnd_JVNDB-2021-002774.xml" >"$T/jvn/getVulnDetailInfo_hnd_JVNDB-2026-990001.xml"
"$M" feeds import "$T/jvn/getVulnDetailInfo_hnd_JVNDB-2026-990001.xml" >/dev/null || { echo "derived JVN import failed"; exit 1; }
# and one with a very long Japanese title (cut on a character boundary in the subject)
long=$(python3 -c 'print("非常に長い表題の脆弱性" * 40)')
sed -e 's/JVNDB-2021-002774/JVNDB-2026-990002/g' -e 's/CVE-2021-36745/CVE-2026-99002/g' \
	-e 's#cpe:/a:trendmicro:serverprotect#cpe:/a:fortinet:fortiweb#' -e "s#<Title>[^<]*</Title>#<Title>$long</Title>#" \
	"$DATA/jvn/examples/hnd/getVulnDetailInfo_hnd_JVNDB-2021-002774.xml" >"$T/jvn/getVulnDetailInfo_hnd_JVNDB-2026-990002.xml"
"$M" feeds import "$T/jvn/getVulnDetailInfo_hnd_JVNDB-2026-990002.xml" >/dev/null || { echo "long-title JVN import failed"; exit 1; }
check "the derived JVN record names the KEV CVE" "[ \"\$(q \"SELECT count(*) FROM jvn_cves WHERE jvn_id = 'JVNDB-2026-990001' AND cve_id = 'CVE-2026-34486'\")\" = 1 ]"
"$M" advisories sync --json >"$T/s2.json"
cat "$T/s2.json"
k=notice:kev:CVE-2026-34486
check "vulnerable version (tomcat 9.0.116) gets the KEV notice" "[ \"\$(n_alerts tomcat-vuln $k)\" = 1 ]"
check "  ... not marked 要確認" "! subj tomcat-vuln $k | grep -q 要確認"
check "fixed version (tomcat 9.0.117) gets no notice" "[ \"\$(q \"SELECT count(*) FROM alerts WHERE org_slug = 'tomcat-fixed'\")\" = 0 ]"
check "unknown version gets the notice marked 要確認 (subject and body)" "[ \"\$(n_alerts tomcat-nover $k)\" = 1 ] && subj tomcat-nover $k | grep -q '【要確認】' && body tomcat-nover $k | grep -q '(要確認)'"
check "sync counts the fixed version as not affected" "[ \"\$(jget '$T/s2.json' not_affected)\" -ge 1 ]"
j=notice:jvn:JVNDB-2025-000003
check "JVN notice to the FortiWeb operator with the Japanese title and severity" "subj fortiweb-op $j | grep -q 'FortiWebにおけるSQLインジェクションの脆弱性' && subj fortiweb-op $j | grep -q '注意'"
check "  ... body carries the CVE and JVN severity" "body fortiweb-op $j | grep -q 'CVE: CVE-2024-55593' && body fortiweb-op $j | grep -q '深刻度 (JVN): 注意'"
check "  ... 注意 is not urgent" "[ \"\$(q \"SELECT urgent FROM alerts WHERE issue_key = '$j'\")\" = 0 ]"
j2=notice:jvn:JVNDB-2025-000002
check "JVN 重要 notice is urgent and lists its three CVEs" "[ \"\$(q \"SELECT urgent FROM alerts WHERE org_slug = 'aterm-op' AND issue_key = '$j2'\")\" = 1 ] && body aterm-op $j2 | grep -q 'CVE-2025-0354, CVE-2025-0355, CVE-2025-0356'"
check "JVN notices only to operators running the JVN products" "[ \"\$(q \"SELECT count(*) FROM alerts WHERE issue_key LIKE 'notice:jvn:%'\")\" = 3 ]"
check "a very long JVN title is cut on a character boundary" "subj fortiweb-op notice:jvn:JVNDB-2026-990002 | python3 -c 'import sys; s = sys.stdin.buffer.read().decode(\"utf-8\"); sys.exit(0 if \"非常に長い表題\" in s and len(s.encode()) < 600 else 1)'"
check "KEV and JVN on the same CVE: one notice per operator" "[ \"\$(q \"SELECT count(*) FROM alerts WHERE issue_key = 'notice:jvn:JVNDB-2026-990001'\")\" = 0 ] && [ \"\$(jget '$T/s2.json' duplicates)\" = 2 ]"
check "every notice has a token hash and the CVE record" "[ \"\$(q \"SELECT count(*) FROM alerts WHERE ack_token_sha256 IS NULL\")\" = 0 ] && [ \"\$(q \"SELECT count(*) FROM alert_notice_cves WHERE cve_id = 'CVE-2026-34486'\")\" = 2 ]"
before=$(q "SELECT count(*) FROM alerts")
"$M" advisories sync --json >"$T/s3.json"
check "a third sync sends nothing ($before notices stay)" "[ \"\$(jget '$T/s3.json' new_cves)\" = 0 ] && [ \"\$(jget '$T/s3.json' new_jvn)\" = 0 ] && [ \"\$(q 'SELECT count(*) FROM alerts')\" = '$before' ]"
check "--console-url must be http(s)" "! '$M' advisories sync --console-url 'javascript:x' >/dev/null 2>&1"

# --- a manual advisory with a versioned CPE is judged by the same configuration evaluator.
"$M" advisories send --products 'cpe:2.3:a:apache:tomcat:9.0.116:*:*:*:*:*:*:*' --title 'Tomcat 9.0.116 の注意喚起' --body '更新してください' >/dev/null
ms() { q "SELECT subject FROM alerts WHERE org_slug = '$1' AND subject LIKE '%Tomcat 9.0.116 の注意喚起'"; }
check "send: the declared vulnerable version gets it" "[ -n \"\$(ms tomcat-vuln)\" ] && ! ms tomcat-vuln | grep -q 要確認"
check "send: another version does not" "[ -z \"\$(ms tomcat-fixed)\" ]"
check "send: an unknown version gets it marked 要確認" "ms tomcat-nover | grep -q '【要確認】'"
"$M" advisories send --products 'cpe:2.3:a:apache:tomcat:*:*:*:*:*:*:*:*' --title 'Tomcat 全版の注意喚起' --body '確認してください' >/dev/null
check "send: a CPE without version reaches every Tomcat operator, none 要確認" "[ \"\$(q \"SELECT count(*) FROM alerts WHERE subject LIKE '%Tomcat 全版の注意喚起' AND subject NOT LIKE '%要確認%'\")\" = 3 ]"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
