/*
 * draft.c - a scenario drafted from an operator's real exposure in the store: its open KEV
 * finding (else its most severe open finding), its exposed services and its contacts, for
 * the facilitator to edit. The output validates as it is (ex_scenario_parse).
 */
#include "base/compat.h"

#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/mem.h"
#include "base/mtime.h"
#include "exercise/exercise.h"

/* a YAML double-quoted scalar */
static void yq(struct buf *b, const char *s)
{
	buf_addc(b, '"');
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_addf(b, "\\%c", *p);
		else if (*p == '\n')
			buf_adds(b, "\\n");
		else if (*p < 0x20 || *p == 0x7f)
			buf_addf(b, "\\x%02x", *p);
		else
			buf_addc(b, (char)*p);
	}
	buf_addc(b, '"');
}

int ex_draft(struct store *s, const char *org, int64_t now, char **yaml, struct merr *e)
{
	struct store_stmt *st = NULL;
	struct buf b, svc, tmp;
	char name[256] = "", cve[64] = "", title[512] = "", asset[256] = "", due[32] = "",
	     contact[256] = "";
	int64_t nsvc = 0;
	bool kev = false;
	int rc;

	*yaml = NULL;
	if ((rc = store_prepare(s, "SELECT name_ja FROM orgs WHERE slug = ?", &st, e)))
		return rc;
	stmt_bind_text(st, 1, org);
	if ((rc = stmt_step(st, e)) == 1)
		snprintf(name, sizeof(name), "%s", stmt_text(st, 0));
	stmt_finalize(st);
	if (rc <= 0)
		return rc < 0 ? rc
			      : merr_set(e, M_ENOTFOUND, "no organisation '%s' / 組織がありません",
					 org);
	if ((rc =
		 store_prepare(s,
			       "SELECT cve_id, title, asset, kev, kev_due_date FROM findings WHERE "
			       "org_slug = ? AND state = 'open' ORDER BY kev DESC, CASE severity "
			       "WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 "
			       "WHEN 'low' THEN 3 ELSE 4 END, cvss DESC, id LIMIT 1",
			       &st, e)))
		return rc;
	stmt_bind_text(st, 1, org);
	if ((rc = stmt_step(st, e)) == 1) {
		snprintf(cve, sizeof(cve), "%s", stmt_text(st, 0) ? stmt_text(st, 0) : "");
		snprintf(title, sizeof(title), "%s", stmt_text(st, 1));
		snprintf(asset, sizeof(asset), "%s", stmt_text(st, 2));
		kev = stmt_int64(st, 3) != 0;
		snprintf(due, sizeof(due), "%s", stmt_text(st, 4) ? stmt_text(st, 4) : "");
	}
	stmt_finalize(st);
	if (rc < 0)
		return rc;
	buf_init(&svc, 16 * 1024);
	if ((rc = store_prepare(
		 s,
		 "SELECT ip, port, proto, coalesce(service, '?'), coalesce(product, '') "
		 "FROM services WHERE org_slug = ? ORDER BY ip, port LIMIT 10",
		 &st, e))) {
		buf_release(&svc);
		return rc;
	}
	stmt_bind_text(st, 1, org);
	while ((rc = stmt_step(st, e)) == 1) {
		buf_addf(&svc, "%s%s:%lld/%s %s %s", nsvc ? "、" : "", stmt_text(st, 0),
			 (long long)stmt_int64(st, 1), stmt_text(st, 2), stmt_text(st, 3),
			 stmt_text(st, 4));
		nsvc++;
	}
	stmt_finalize(st);
	if (rc < 0) {
		buf_release(&svc);
		return rc;
	}
	if (!store_prepare(
		s,
		"SELECT coalesce(c.name, '') || ' <' || coalesce(c.email, '') || '>' FROM "
		"contacts c JOIN orgs o ON o.id = c.org_id WHERE o.slug = ? ORDER BY c.id "
		"LIMIT 1",
		&st, e)) {
		stmt_bind_text(st, 1, org);
		if (stmt_step(st, e) == 1)
			snprintf(contact, sizeof(contact), "%s", stmt_text(st, 0));
		stmt_finalize(st);
	}
	buf_init(&b, 256 * 1024);
	buf_init(&tmp, 64 * 1024);
	buf_adds(&b, "# 下書き: mamori exercise draft が組織の実際の露出から作成。編集してから\n"
		     "# `mamori exercise validate` で検証してください。\n");
	buf_addf(&b, "id: draft-");
	for (const char *p = org; *p; p++)
		buf_addc(&b, (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'
				 ? *p
				 : '-');
	buf_adds(&b, "\ntitle: ");
	buf_reset(&tmp);
	buf_addf(&tmp, "%s: %s%s の悪用を想定した演習（下書き）", name, kev ? "KEV 掲載の " : "",
		 cve[0]	    ? cve
		 : title[0] ? "公開サービスの脆弱性"
			    : "公開サービスへの攻撃");
	yq(&b, buf_str(&tmp));
	buf_adds(&b, "\ntitle_en: ");
	buf_reset(&tmp);
	buf_addf(&tmp, "%s: exercise on the exploitation of %s (draft)", org,
		 cve[0] ? cve : "an exposed service");
	yq(&b, buf_str(&tmp));
	buf_adds(&b, "\nbackground: ");
	buf_reset(&tmp);
	buf_addf(&tmp,
		 "mamori の ASM サイクルで確認された実際の露出に基づく。未対応の指摘: %s（資産 "
		 "%s%s%s）。"
		 "公開サービス %lld 件: %s。連絡先: %s。",
		 title[0] ? title : "なし", asset[0] ? asset : "—", due[0] ? "、KEV 対応期限 " : "",
		 due, (long long)nsvc, nsvc ? buf_str(&svc) : "なし",
		 contact[0] ? contact : "未登録");
	yq(&b, buf_str(&tmp));
	buf_adds(
	    &b, "\nobjectives:\n  - "
		"\"公開機器の既知の悪用された脆弱性への初動（隔離・初報・深刻度評価）を確認する\"\n"
		"  - \"所管省庁・ISAC への連絡と IoC 共有（TLP:AMBER）の手順を確認する\"\n");
	buf_adds(&b, "sources:\n  - ");
	buf_reset(&tmp);
	buf_addf(&tmp, "mamori の指摘（%s 時点の store）%s%s", "作成", cve[0] ? " " : "", cve);
	yq(&b, buf_str(&tmp));
	buf_adds(&b, "\n  - \"CISA Known Exploited Vulnerabilities Catalog "
		     "<https://www.cisa.gov/known-exploited-vulnerabilities-catalog>\"\n");
	buf_adds(&b, "roles: [operator_csirt, executive, ministry_analyst, isac]\n"
		     "scoring:\n  pass: 60\ninjects:\n");
	buf_adds(&b,
		 "  - id: detect\n    at: \"T+00:00\"\n    channel: mail\n    to: operator_csirt\n"
		 "    content_ja: ");
	buf_reset(&tmp);
	buf_addf(&tmp,
		 "ASM サイクルの通知: %s が資産 %s "
		 "で未対応です。外部からの不審な接続が記録されています。",
		 title[0] ? title : "公開サービスの脆弱性", asset[0] ? asset : "(資産)");
	yq(&b, buf_str(&tmp));
	buf_adds(&b, "\n    content_en: ");
	buf_reset(&tmp);
	buf_addf(&tmp, "ASM notice: %s is open on %s; suspicious connections were logged.",
		 cve[0] ? cve : "a vulnerability", asset[0] ? asset : "(asset)");
	yq(&b, buf_str(&tmp));
	buf_adds(&b, "\n    options: [isolate, keep_running]\n"
		     "    expect:\n"
		     "      - {id: isolate-now, who: operator_csirt, action: isolate, within: "
		     "\"30:00\", points: 20, late_points: 10}\n"
		     "      - {id: decide-isolate, who: executive, action: decide, option: "
		     "isolate, within: \"20:00\", points: 10, late_points: 5}\n"
		     "  - id: compromise\n    at: \"T+30:00\"\n    channel: console\n    to: "
		     "operator_csirt\n"
		     "    content_ja: "
		     "\"機器のログに不正なアカウント作成の痕跡。内部への横展開が疑われる。\"\n"
		     "    content_en: \"The device log shows a rogue account; lateral movement is "
		     "suspected.\"\n"
		     "    expect:\n"
		     "      - {id: initial-report, who: operator_csirt, action: file_initial, "
		     "within: \"30:00\", points: 20, late_points: 10}\n"
		     "      - {id: severity, who: ministry_analyst, action: assess_severity, "
		     "within: \"60:00\", points: 15, late_points: 5}\n"
		     "      - {id: iocs, who: isac, action: share_iocs, within: \"60:00\", points: "
		     "10, late_points: 5}\n");
	buf_release(&tmp);
	buf_release(&svc);
	(void)now;
	if (!buf_str(&b)) {
		buf_release(&b);
		return merr_set(e, M_ENOMEM, "out of memory");
	}
	*yaml = buf_detach(&b, NULL);
	return *yaml ? 0 : merr_set(e, M_ENOMEM, "out of memory");
}
