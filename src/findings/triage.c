/* triage.c - what people decided about a finding: confirmed, false positive, risk accepted until
 * a date, in progress, fixed awaiting a rescan; an assignee and comments. Every change is a
 * finding_triage_log row; the decisions survive rescans (finding_triage_after_apply). */
#include "base/compat.h"

#include "base/mem.h"
#include "base/mtime.h"
#include "findings/findings.h"

const char *const finding_triage_states[] = {
    "confirmed", "false_positive", "accepted", "in_progress", "fixed_pending", "none", NULL};

static bool valid_state(const char *v)
{
	for (int i = 0; finding_triage_states[i]; i++)
		if (!strcmp(v, finding_triage_states[i]))
			return true;
	return false;
}

/* Printable UTF-8 text without control bytes other than newline and tab. */
static bool text_ok(const char *t, size_t max, bool multiline)
{
	size_t n = strlen(t);

	if (n > max)
		return false;
	for (const unsigned char *p = (const unsigned char *)t; *p; p++)
		if ((*p < 0x20 && !(multiline && (*p == '\n' || *p == '\t'))) || *p == 0x7f)
			return false;
	return true;
}

static int log_change(struct store *s, int64_t id, int64_t now, const char *actor,
		      const char *field, const char *old, const char *new_, const char *note,
		      struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(s,
			       "INSERT INTO finding_triage_log (finding_id, at, actor, field, old, "
			       "new, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
			       &st, e);

	if (rc)
		return rc;
	stmt_bind_int64(st, 1, id);
	stmt_bind_int64(st, 2, now);
	stmt_bind_text(st, 3, actor);
	stmt_bind_text(st, 4, field);
	stmt_bind_text(st, 5, old);
	stmt_bind_text(st, 6, new_);
	stmt_bind_text(st, 7, note);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

/* The current triage and assignee of id within the row rule; M_ENOTFOUND otherwise. */
static int current(struct store *s, const struct finding_triage_req *q, int64_t id, char *triage,
		   char *assignee, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(
	    s,
	    "SELECT coalesce(f.triage, ''), coalesce(f.assignee, '') FROM findings f WHERE f.id = "
	    "?1 AND (CAST(?2 AS TEXT) IS NULL OR f.org_slug = ?2) AND (CAST(?3 AS TEXT) IS NULL OR "
	    "f.org_slug IN (SELECT slug "
	    "FROM orgs WHERE sector = ?3))",
	    &st, e);

	if (rc)
		return rc;
	stmt_bind_int64(st, 1, id);
	stmt_bind_text(st, 2, q->org);
	stmt_bind_text(st, 3, q->sector);
	rc = stmt_step(st, e);
	if (rc == 1) {
		snprintf(triage, 32, "%s", stmt_text(st, 0));
		snprintf(assignee, FINDING_ASSIGNEE_MAX + 1, "%s", stmt_text(st, 1));
		rc = 0;
	} else if (rc == 0) {
		rc = merr_set(e, M_ENOTFOUND, "指摘 %lld はありません / no finding %lld",
			      (long long)id, (long long)id);
	}
	stmt_finalize(st);
	return rc;
}

static int set_triage(struct store *s, const struct finding_triage_req *q, int64_t id,
		      struct merr *e)
{
	struct store_stmt *st = NULL;
	bool none = !strcmp(q->state, "none");
	int rc = store_prepare(
	    s,
	    "UPDATE findings SET triage = ?2, triage_until = ?3, triage_evidence = CASE WHEN ?2 = "
	    "'false_positive' THEN coalesce(evidence, '') END WHERE id = ?1",
	    &st, e);

	if (rc)
		return rc;
	stmt_bind_int64(st, 1, id);
	if (none)
		stmt_bind_null(st, 2);
	else
		stmt_bind_text(st, 2, q->state);
	if (!strcmp(q->state, "accepted"))
		stmt_bind_int64(st, 3, q->until);
	else
		stmt_bind_null(st, 3);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	if (rc < 0 || strcmp(q->state, "confirmed"))
		return rc < 0 ? rc : 0;
	/* a confirmed candidate takes the severity it would have had */
	return finding_triage_after_apply_one(s, id, q->now, e);
}

static int set_assignee(struct store *s, int64_t id, const char *who, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(s, "UPDATE findings SET assignee = ? WHERE id = ?", &st, e);

	if (rc)
		return rc;
	if (who[0])
		stmt_bind_text(st, 1, who);
	else
		stmt_bind_null(st, 1);
	stmt_bind_int64(st, 2, id);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

static int add_comment(struct store *s, int64_t id, int64_t now, const char *actor,
		       const char *body, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(s,
			       "INSERT INTO finding_comments (finding_id, at, author, body) VALUES "
			       "(?, ?, ?, ?)",
			       &st, e);

	if (rc)
		return rc;
	stmt_bind_int64(st, 1, id);
	stmt_bind_int64(st, 2, now);
	stmt_bind_text(st, 3, actor);
	stmt_bind_text(st, 4, body);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

static int check_req(const struct finding_triage_req *q, struct merr *e)
{
	if (!q->n || q->n > FINDING_TRIAGE_BULK_MAX)
		return merr_at(e, M_EINVAL, NULL, -1, -1, "ids",
			       "1〜%d 件を指定してください / 1 to %d findings",
			       FINDING_TRIAGE_BULK_MAX, FINDING_TRIAGE_BULK_MAX);
	if (!q->actor || !q->actor[0] || !text_ok(q->actor, 160, false))
		return merr_at(e, M_EINVAL, NULL, -1, -1, "actor", "操作者がありません / no actor");
	if (!q->state && !q->assignee && !q->comment)
		return merr_at(e, M_EINVAL, NULL, -1, -1, "state",
			       "変更内容がありません / nothing to change");
	if (q->state && !valid_state(q->state))
		return merr_at(
		    e, M_EINVAL, NULL, -1, -1, "state",
		    "不明な値 '%.40s' です (指定できる値: confirmed, false_positive, "
		    "accepted, in_progress, fixed_pending, none) / unknown value '%.40s' "
		    "(allowed: the same)",
		    q->state, q->state);
	if (q->state && !strcmp(q->state, "accepted") && q->until <= q->now)
		return merr_at(
		    e, M_EINVAL, NULL, -1, -1, "until",
		    "リスク受容には将来の期限が必要です / risk acceptance needs an expiry in "
		    "the future");
	if (q->assignee && !text_ok(q->assignee, FINDING_ASSIGNEE_MAX, false))
		return merr_at(
		    e, M_EINVAL, NULL, -1, -1, "assignee",
		    "%d バイト以内、制御文字なし / at most %d bytes, no control characters",
		    FINDING_ASSIGNEE_MAX, FINDING_ASSIGNEE_MAX);
	if (q->comment && (!q->comment[0] || !text_ok(q->comment, FINDING_COMMENT_MAX, true)))
		return merr_at(e, M_EINVAL, NULL, -1, -1, "comment",
			       "1〜%d バイト、制御文字なし / 1 to %d bytes, no control characters",
			       FINDING_COMMENT_MAX, FINDING_COMMENT_MAX);
	return 0;
}

int finding_triage(struct store *s, const struct finding_triage_req *q, struct merr *e)
{
	char until[64] = "";
	int rc = check_req(q, e);

	if (rc)
		return rc;
	if ((rc = store_begin_immediate(s, e)))
		return rc;
	if (q->state && !strcmp(q->state, "accepted")) {
		char d[TIME_STR_MAX];
		time_fmt_jst_date(q->until, d);
		snprintf(until, sizeof(until), "期限 / until %s", d);
	}
	for (size_t i = 0; rc == 0 && i < q->n; i++) {
		char old[32], who[FINDING_ASSIGNEE_MAX + 1];
		int64_t id = q->ids[i];
		if ((rc = current(s, q, id, old, who, e)))
			break;
		if (q->state) {
			const char *nw = strcmp(q->state, "none") ? q->state : NULL;
			rc = set_triage(s, q, id, e);
			if (rc == 0)
				rc =
				    log_change(s, id, q->now, q->actor, "triage",
					       old[0] ? old : NULL, nw, until[0] ? until : NULL, e);
		}
		if (rc == 0 && q->assignee) {
			rc = set_assignee(s, id, q->assignee, e);
			if (rc == 0)
				rc = log_change(s, id, q->now, q->actor, "assignee",
						who[0] ? who : NULL,
						q->assignee[0] ? q->assignee : NULL, NULL, e);
		}
		if (rc == 0 && q->comment) {
			rc = add_comment(s, id, q->now, q->actor, q->comment, e);
			if (rc == 0)
				rc = log_change(s, id, q->now, q->actor, "comment", NULL, NULL,
						NULL, e);
		}
	}
	if (rc) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, e);
}

/* ---------------------------------------------------------------- after a rescan */

/* A confirmed candidate: needs_confirmation 0, its candidate severity, and a deadline by the
 * one rule when it has none. */
int finding_triage_after_apply_one(struct store *s, int64_t id, int64_t now, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(
	    s,
	    "UPDATE findings SET needs_confirmation = 0, severity = CASE WHEN severity = 'info' "
	    "THEN coalesce(json_extract(reasons, '$.candidate_severity.value'), 'medium') ELSE "
	    "severity END, urgency = CASE WHEN urgency = 'KEV?' THEN 'KEV' ELSE urgency END "
	    "WHERE id = ? AND triage = 'confirmed' RETURNING kev, severity, source, first_seen, "
	    "deadline IS NULL",
	    &st, e);
	struct finding_deadline_in di = {0};
	int64_t first = 0;
	bool no_deadline = false;
	char sev[16] = "";

	(void)now;
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, id);
	if ((rc = stmt_step(st, e)) == 1) {
		di.kev = stmt_int64(st, 0) != 0;
		snprintf(sev, sizeof(sev), "%s", stmt_text(st, 1));
		di.exposed = !strcmp(stmt_text(st, 2), "network");
		first = stmt_int64(st, 3);
		no_deadline = stmt_int64(st, 4) != 0;
	}
	stmt_finalize(st);
	if (rc <= 0 || !no_deadline)
		return rc < 0 ? rc : 0;
	di.bod_days = -1;
	di.severity = sev;
	di.vuln = true;
	int days = finding_deadline_days(&di, NULL);
	if (days < 0)
		return 0;
	if ((rc = store_prepare(s, "UPDATE findings SET deadline = ? WHERE id = ?", &st, e)))
		return rc;
	stmt_bind_int64(st, 1, first + (int64_t)days * 86400);
	stmt_bind_int64(st, 2, id);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

/* Runs sql (org ?1, now ?2) returning id, old triage; logs each with note. */
static int sweep(struct store *s, const char *org, int64_t now, const char *sql, const char *note,
		 struct merr *e)
{
	struct store_stmt *st = NULL;
	int64_t ids[256];
	char old[256][16];
	size_t n = 0;
	int rc;

	do {
		n = 0;
		if ((rc = store_prepare(s, sql, &st, e)))
			return rc;
		stmt_bind_text(st, 1, org);
		stmt_bind_int64(st, 2, now);
		while (n < ARRAY_SIZE(ids) && (rc = stmt_step(st, e)) == 1) {
			ids[n] = stmt_int64(st, 0);
			snprintf(old[n], sizeof(old[0]), "%s",
				 stmt_text(st, 1) ? stmt_text(st, 1) : "");
			n++;
		}
		stmt_finalize(st);
		if (rc < 0)
			return rc;
		for (size_t i = 0; rc >= 0 && i < n; i++)
			rc = log_change(s, ids[i], now, "mamori", "triage", old[i], NULL, note, e);
	} while (rc >= 0 && n == ARRAY_SIZE(ids));
	return rc < 0 ? rc : 0;
}

int finding_triage_after_apply(struct store *s, const char *org, int64_t now, struct merr *e)
{
	struct store_stmt *st = NULL;
	int64_t ids[512];
	size_t n = 0;
	int rc;

	if ((rc =
		 sweep(s, org, now,
		       "UPDATE findings SET triage = NULL, triage_until = NULL WHERE org_slug = ?1 "
		       "AND triage = 'accepted' AND triage_until <= ?2 RETURNING id, 'accepted'",
		       "リスク受容の期限切れ / risk acceptance expired", e)) ||
	    (rc =
		 sweep(s, org, now,
		       "UPDATE findings SET triage = NULL, triage_evidence = NULL WHERE org_slug = "
		       "?1 AND CAST(?2 AS TEXT) IS NOT NULL AND triage = 'false_positive' AND "
		       "coalesce(evidence, "
		       "'') <> coalesce(triage_evidence, '') RETURNING id, 'false_positive'",
		       "証跡が変わったため再評価 / evidence changed: open again", e)) ||
	    (rc = sweep(s, org, now,
			"UPDATE findings SET triage = NULL WHERE org_slug = ?1 AND CAST(?2 AS "
			"TEXT) IS NOT NULL AND "
			"state = 'fixed' AND triage IN ('in_progress', 'fixed_pending') RETURNING "
			"id, triage",
			"再診断で修正を確認 / fixed, confirmed by a rescan", e)))
		return rc;
	/* confirmed candidates: the collector wrote them back as candidates */
	if ((rc = store_prepare(
		 s,
		 "SELECT id FROM findings WHERE org_slug = ? AND triage = 'confirmed' "
		 "AND (needs_confirmation = 1 OR severity = 'info' OR deadline IS NULL) "
		 "LIMIT 512",
		 &st, e)))
		return rc;
	stmt_bind_text(st, 1, org);
	while ((rc = stmt_step(st, e)) == 1)
		ids[n++] = stmt_int64(st, 0);
	stmt_finalize(st);
	for (size_t i = 0; rc >= 0 && i < n; i++)
		rc = finding_triage_after_apply_one(s, ids[i], now, e);
	return rc < 0 ? rc : 0;
}
