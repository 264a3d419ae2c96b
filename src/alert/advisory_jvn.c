/*
 * advisory_jvn.c - the JVN side of the advisory sync: records no sync covered, to the operators
 * running their CPEs' products, with the Japanese title, JVN severity and CVEs.
 */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <string.h>

#include "alert/advisory_int.h"
#include "base/buf.h"
#include "base/mem.h"
#include "base/utf8.h"

struct jvn_rec {
	char id[40], sev[16], url[256], title[400];
	char cves[ADV_MAX_JVN_CVES][32];
	const char *cvep[ADV_MAX_JVN_CVES];
	size_t ncve;
	char vps[32][2][96]; /* folded vendor, product of each CPE */
	size_t nvp;
};

/* A header-safe copy: control bytes become spaces, cut on a UTF-8 boundary. */
static void safe_text(const char *in, char *out, size_t cap)
{
	size_t n = 0;
	for (; in && *in && n + 1 < cap; in++)
		out[n++] = ((unsigned char)*in < 0x20 || *in == 0x7f) ? ' ' : *in;
	/* Cut inside a character (the next input byte continues it): drop its partial bytes. */
	if (in && ((unsigned char)*in & 0xc0) == 0x80) {
		while (n > 0 && ((unsigned char)out[n - 1] & 0xc0) == 0x80)
			n--;
		if (n > 0)
			n--;
	}
	out[n] = 0;
	if (!utf8_valid(out, n, NULL))
		snprintf(out, cap, "(title not valid UTF-8)");
}

static int jvn_load(struct store *s, struct store_stmt *j, struct jvn_rec *r, struct merr *e)
{
	struct store_stmt *st = NULL;
	cJSON *a;
	int rc;

	memset(r, 0, sizeof *r);
	snprintf(r->id, sizeof r->id, "%s", stmt_text(j, 0));
	safe_text(stmt_text(j, 1), r->title, sizeof r->title);
	safe_text(stmt_text(j, 2), r->sev, sizeof r->sev);
	safe_text(stmt_text(j, 3), r->url, sizeof r->url);
	a = cJSON_Parse(stmt_text(j, 4));
	for (cJSON *c = a ? a->child : NULL; c && r->nvp < ARRAY_SIZE(r->vps); c = c->next) {
		if (!cJSON_IsString(c))
			continue;
		advisory_cpe_vp(c->valuestring, r->vps[r->nvp][0], r->vps[r->nvp][1], 96);
		if (r->vps[r->nvp][1][0])
			r->nvp++;
	}
	cJSON_Delete(a);
	rc = store_prepare(s, "SELECT cve_id FROM jvn_cves WHERE jvn_id = ? ORDER BY cve_id", &st,
			   e);
	if (rc)
		return rc;
	stmt_bind_text(st, 1, r->id);
	while (r->ncve < ADV_MAX_JVN_CVES && (rc = stmt_step(st, e)) == 1) {
		snprintf(r->cves[r->ncve], sizeof r->cves[0], "%s", stmt_text(st, 0));
		r->cvep[r->ncve] = r->cves[r->ncve];
		r->ncve++;
	}
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

static bool jvn_urgent(const char *sev)
{
	return strcmp(sev, "緊急") == 0 || strcmp(sev, "重要") == 0;
}

static int jvn_notice(struct advisory_ctx *x, const char *org, const struct jvn_rec *r,
		      const struct advisory_hit *hit, int64_t *id)
{
	struct buf sb, ja, en, cl;
	char issue[160];
	bool c = hit->v == V_CONFIRM;
	const char *sev = r->sev[0] ? r->sev : "未評価";
	int rc = 0;

	buf_init(&sb, 4096);
	buf_init(&ja, 65536);
	buf_init(&en, 65536);
	buf_init(&cl, 8192);
	for (size_t i = 0; i < r->ncve && rc == 0; i++)
		rc = buf_addf(&cl, "%s%s", i ? ", " : "", r->cves[i]);
	if (!rc && r->ncve == 0)
		rc = buf_addf(&cl, "なし / none");
	snprintf(issue, sizeof issue, "notice:jvn:%s", r->id);
	if (!rc)
		rc = buf_addf(&sb, "[mamori] %s脆弱性情報 (JVN %s): %s %s / Advisory%s",
			      c ? advisory_confirm_ja : "", sev, r->id, r->title,
			      c ? " (needs confirmation)" : "");
	if (!rc)
		rc = buf_addf(&ja,
			      "貴組織で利用中の製品に関する脆弱性情報が JVN に公開されました。\n"
			      "%s: %s\n深刻度 (JVN): %s\nCVE: %s\n詳細: %s\n"
			      "該当する申告・検出製品: %s\n%s",
			      r->id, r->title, sev, buf_str(&cl), r->url, hit->what,
			      c ? advisory_confirm_ja_body : "");
	if (!rc)
		rc = buf_addf(&en,
			      "JVN published an advisory for a product you run.\n%s: %s\n"
			      "JVN severity: %s\nCVE: %s\nDetails: %s\nYour product: %s\n%s",
			      r->id, r->title, sev, buf_str(&cl), r->url, hit->what,
			      c ? advisory_confirm_en_body : "");
	rc = rc ? merr_set(x->e, rc, "notice too big")
		: advisory_queue_notice(x->s, org, issue, buf_str(&sb), buf_str(&ja), buf_str(&en),
					jvn_urgent(r->sev), x->ack_base, x->now, id, x->e);
	buf_release(&sb);
	buf_release(&ja);
	buf_release(&en);
	buf_release(&cl);
	return rc;
}

/* Every CVE of r already noticed to org (by KEV or another JVN entry): nothing new to say. */
static int jvn_told(struct advisory_ctx *x, const char *org, const struct jvn_rec *r, bool *all)
{
	int rc = 0;
	*all = r->ncve > 0;
	for (size_t i = 0; i < r->ncve && rc == 0 && *all; i++)
		rc = advisory_cve_noticed(x->s, org, r->cves[i], all, x->e);
	return rc;
}

static int sync_jvn_one(struct advisory_ctx *x, const struct jvn_rec *r)
{
	int rc = 0;
	for (size_t i = 0; i < x->np && rc == 0;) {
		size_t j = i;
		struct advisory_hit hit = {V_NO, ""};
		bool all = false;
		int64_t id = 0;
		while (j < x->np && strcmp(x->pv[j].org, x->pv[i].org) == 0)
			j++;
		for (size_t k = 0; k < r->nvp && rc == 0 && hit.v != V_AFFECTED; k++)
			rc = advisory_org_verdict(x->m, x->pv, i, j, r->vps[k][0], r->vps[k][1],
						  r->cvep, r->ncve, &hit, x->e);
		if (rc == 0 && hit.what[0] && hit.v == V_NO)
			x->st->cleared++;
		if (rc == 0 && hit.v != V_NO)
			rc = jvn_told(x, x->pv[i].org, r, &all);
		if (rc == 0 && hit.v != V_NO && all)
			x->st->duplicates++;
		if (rc == 0 && hit.v != V_NO && !all) {
			rc = jvn_notice(x, x->pv[i].org, r, &hit, &id);
			if (rc == 1) {
				x->st->notices++;
				x->st->confirm += hit.v == V_CONFIRM;
				for (size_t c = 0; c < r->ncve && rc >= 0; c++)
					rc = advisory_note_cve(x->s, x->pv[i].org, r->cves[c], id,
							       x->e);
			}
			rc = rc < 0 ? rc : 0;
		}
		i = j;
	}
	return rc;
}

int advisory_sync_jvn(struct advisory_ctx *x)
{
	struct store_stmt *j = NULL;
	struct jvn_rec *r = m_malloc(sizeof *r);
	int rc = r ? 0 : merr_set(x->e, M_ENOMEM, "out of memory");

	if (rc == 0)
		rc = store_prepare(
		    x->s,
		    "SELECT id, coalesce(title_ja, ''), coalesce(severity_ja, ''),"
		    " coalesce(url, ''), coalesce(cpes, '[]') FROM jvn WHERE id NOT IN"
		    " (SELECT jvn_id FROM alert_synced_jvn) ORDER BY id",
		    &j, x->e);
	while (rc == 0 && (rc = stmt_step(j, x->e)) == 1) {
		x->st->new_jvn++;
		rc = jvn_load(x->s, j, r, x->e);
		if (rc == 0)
			rc = sync_jvn_one(x, r);
	}
	stmt_finalize(j);
	m_free(r);
	return rc < 0 ? rc : 0;
}
