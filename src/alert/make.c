/*
 * make.c - turns open KEV or critical findings into alerts, one per (operator, issue); the
 * UNIQUE key in alerts and the NOT EXISTS here make a second run create nothing.
 */
#include "base/compat.h"

#include <string.h>

#include "alert/alert.h"
#include "base/mem.h"
#include "base/mtime.h"

#define MAKE_MAX 10000 /* alerts per run: bounded */

static const char q_due[] =
    "SELECT f.org_slug, f.issue_key, min(f.title), max(f.kev), min(f.deadline),"
    " group_concat(DISTINCT f.asset || coalesce(' ' || f.ip || ':' || f.port, '')),"
    " max(f.severity = 'critical'), max(f.cve_id)"
    " FROM findings f WHERE f.state = 'open' AND (f.kev = 1 OR f.severity = 'critical')"
    " AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.org_slug = f.org_slug"
    "                 AND a.issue_key = f.issue_key)"
    " GROUP BY f.org_slug, f.issue_key ORDER BY f.org_slug, f.issue_key";

static const char q_rcpt[] =
    "SELECT group_concat(x, ', ') FROM ("
    " SELECT c.email AS x FROM contacts c JOIN orgs o ON o.id = c.org_id"
    " WHERE o.slug = ?1 AND c.email IS NOT NULL"
    " UNION ALL SELECT 'webhook ' || w.url FROM alert_webhooks w WHERE w.org_slug = ?1)";

static int compose(struct store_stmt *st, struct alert_msg *m)
{
	struct buf s, b;
	char dl[TIME_STR_MAX] = "なし / none";
	const char *title = stmt_text(st, 2), *where = stmt_text(st, 5);
	bool kev = stmt_int64(st, 3) != 0;
	int rc;

	if (!stmt_is_null(st, 4))
		time_fmt_jst(stmt_int64(st, 4), dl);
	buf_init(&s, 4096);
	buf_init(&b, 65536);
	rc = buf_addf(&s, "[mamori] 緊急: %s / Urgent: %s", m->issue_key, m->org);
	if (!rc)
		rc = buf_addf(
		    &b,
		    "【緊急アラート】%s\n\n"
		    "何が: %s (%s)\n"
		    "どこで: %s\n"
		    "なぜ緊急か: %s\n"
		    "対応: "
		    "修正版へ更新するか、提供元の緩和策を直ちに適用し、侵害の痕跡を確認してください"
		    "。\n"
		    "期限: %s\n\n"
		    "---- English ----\n"
		    "Urgent alert for %s\n\n"
		    "What: %s (%s)\n"
		    "Where: %s\n"
		    "Why urgent: %s\n"
		    "What to do: update to a fixed version or apply the vendor's mitigation now, "
		    "and check for signs of compromise.\n"
		    "Deadline: %s\n",
		    m->org, title, m->issue_key, where,
		    kev ? "CISA KEV に掲載 (実際に悪用されている脆弱性)" : "深刻度 critical の指摘",
		    dl, m->org, title, m->issue_key, where,
		    kev ? "listed in CISA KEV (exploited in the wild)"
			: "critical severity finding",
		    dl);
	if (rc) {
		buf_release(&s);
		buf_release(&b);
		return rc;
	}
	m->subject = buf_detach(&s, NULL);
	m->body = buf_detach(&b, NULL);
	return (m->subject && m->body) ? 0 : M_ENOMEM;
}

static void msgs_free(struct alert_msg *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		m_free(v[i].subject);
		m_free(v[i].body);
	}
	m_free(v);
}

static int collect(struct store *s, struct alert_msg **out, size_t *n, struct merr *e)
{
	struct store_stmt *st = NULL;
	struct alert_msg *v = NULL;
	size_t cap = 0;
	int rc = store_prepare(s, q_due, &st, e);

	*n = 0;
	while (rc == 0 && *n < MAKE_MAX && (rc = stmt_step(st, e)) == 1) {
		rc = 0;
		if (*n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct alert_msg *nv = m_realloc(v, nc * sizeof *nv);
			if (!nv) {
				rc = merr_set(e, M_ENOMEM, "out of memory");
				break;
			}
			v = nv;
			cap = nc;
		}
		struct alert_msg *m = &v[(*n)++];
		memset(m, 0, sizeof *m);
		snprintf(m->org, sizeof m->org, "%s", stmt_text(st, 0));
		snprintf(m->issue_key, sizeof m->issue_key, "%s", stmt_text(st, 1));
		rc = compose(st, m);
		if (rc)
			merr_set(e, rc, "composing alert");
	}
	stmt_finalize(st);
	if (rc < 0) {
		msgs_free(v, *n);
		return rc;
	}
	*out = v;
	return 0;
}

/* The stored body: the text, then how to acknowledge (link when a console is configured). */
static char *with_ack_footer(const struct alert_msg *m)
{
	struct buf b;
	int rc;

	buf_init(&b, 1 << 20);
	rc = buf_addf(&b, "%s\n---- 確認 / Acknowledge ----\n", m->body);
	if (!rc && m->ack_base)
		rc =
		    buf_addf(&b, "確認はこちら / Acknowledge here: %.*s/ack/%s\n",
			     (int)(strlen(m->ack_base) -
				   (m->ack_base[0] && m->ack_base[strlen(m->ack_base) - 1] == '/')),
			     m->ack_base, m->token);
	if (!rc)
		rc = buf_addf(&b, "Acknowledge: mamori advisories ack %s\n", m->token);
	if (rc) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

static int insert_row(struct store *s, struct alert_msg *m, int64_t now, struct merr *e)
{
	struct store_stmt *st = NULL;
	char hash[65], *body;
	int rc;

	if ((rc = alert_token_new(m->token, hash, e)))
		return rc;
	if (!(body = with_ack_footer(m)))
		return merr_set(e, M_ENOMEM, "alert body too big");
	rc = store_prepare(s,
			   "INSERT INTO alerts (org_slug, issue_key, subject, body, created_at,"
			   " urgent, ack_token_sha256) VALUES (?, ?, ?, ?, ?, ?, ?)"
			   " ON CONFLICT DO NOTHING RETURNING id",
			   &st, e);
	if (rc == 0) {
		stmt_bind_text(st, 1, m->org);
		stmt_bind_text(st, 2, m->issue_key);
		stmt_bind_text(st, 3, m->subject);
		stmt_bind_text(st, 4, body);
		stmt_bind_int64(st, 5, now);
		stmt_bind_int64(st, 6, m->urgent ? 1 : 0);
		stmt_bind_text(st, 7, hash);
		rc = stmt_step(st, e);
		m->id = rc == 1 ? stmt_int64(st, 0) : 0;
	}
	stmt_finalize(st);
	m_free(body);
	if (m->id == 0)
		m->token[0] = 0;
	return rc < 0 ? rc : 0;
}

int alert_insert(struct store *s, struct alert_msg *m, int64_t now, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = insert_row(s, m, now, e);

	if (rc < 0 || m->id == 0)
		return rc;
	rc = store_prepare(
	    s,
	    "INSERT OR IGNORE INTO alert_targets (alert_id, channel, target, state)"
	    " SELECT ?1, 'email', c.email, 'pending' FROM contacts c"
	    " JOIN orgs o ON o.id = c.org_id WHERE o.slug = ?2 AND c.email IS NOT NULL"
	    " UNION ALL SELECT ?1, 'webhook', CAST(w.id AS TEXT), 'pending'"
	    " FROM alert_webhooks w WHERE w.org_slug = ?2",
	    &st, e);
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, m->id);
	stmt_bind_text(st, 2, m->org);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	return rc < 0 ? rc : 1;
}

static void recipients(struct store *s, const char *org, char *out, size_t len)
{
	struct store_stmt *st = NULL;
	out[0] = 0;
	if (store_prepare(s, q_rcpt, &st, NULL))
		return;
	stmt_bind_text(st, 1, org);
	if (stmt_step(st, NULL) == 1 && !stmt_is_null(st, 0))
		snprintf(out, len, "%s", stmt_text(st, 0));
	stmt_finalize(st);
}

int alert_make(struct store *s, int64_t now, bool dry_run, const char *ack_base,
	       void (*fn)(const struct alert_msg *m, const char *recipients, void *arg), void *arg,
	       long *created, struct merr *e)
{
	struct alert_msg *v = NULL;
	size_t n = 0;
	char rc_list[4096];
	int rc;

	*created = 0;
	if ((rc = alert_ack_base_check(ack_base, e)))
		return rc;
	if ((rc = collect(s, &v, &n, e)))
		return rc;
	if (!dry_run && (rc = store_begin(s, e))) {
		msgs_free(v, n);
		return rc;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		v[i].urgent = true; /* KEV or critical: always urgent */
		v[i].ack_base = ack_base;
		if (!dry_run) {
			rc = alert_insert(s, &v[i], now, e);
			if (rc == 1)
				(*created)++;
			rc = rc < 0 ? rc : 0;
		} else {
			(*created)++;
		}
		if (rc == 0 && fn) {
			recipients(s, v[i].org, rc_list, sizeof rc_list);
			fn(&v[i], rc_list, arg);
		}
	}
	if (!dry_run) {
		if (rc)
			store_rollback(s);
		else
			rc = store_commit(s, e);
	}
	msgs_free(v, n);
	return rc;
}
