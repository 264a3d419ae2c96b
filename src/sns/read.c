/*
 * read.c - precursor alerts, matched posts and the timeline as the CLI and the console show
 * them; the analyst's decision on an alert (confirm, dismiss — kept for tuning —, escalate).
 */
#include "base/compat.h"

#include "auth/auth.h"
#include "base/mem.h"
#include "sns/sns_int.h"

int sns_alerts_list(struct store *s, const struct sns_alert_filter *f, sns_alert_fn fn, void *arg,
		    struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(
	    s,
	    "SELECT a.id, a.org_slug, a.class, a.rule, a.score, a.reasons, a.first_at, a.last_at,"
	    " a.state, a.created_at, coalesce(a.alert_id, 0), coalesce(a.incident_id, 0),"
	    " (SELECT json_group_array(x.k) FROM (SELECT p.platform || ':' || p.post_id ||"
	    "   CASE WHEN p.version != '' THEN '@' || p.version ELSE '' END AS k"
	    "   FROM sns_alert_posts ap JOIN sns_posts p ON p.id = ap.post WHERE ap.alert = a.id"
	    "   ORDER BY p.created_at, p.id LIMIT 200) x),"
	    " (SELECT count(*) FROM sns_alert_posts ap WHERE ap.alert = a.id)"
	    " FROM sns_alerts a WHERE (CAST(?1 AS TEXT) IS NULL OR a.org_slug = ?1) AND (CAST(?2 "
	    "AS TEXT) IS NULL OR a.class = "
	    "?2)"
	    " AND (?3 = 0 OR a.id = ?3) ORDER BY a.first_at DESC, a.id DESC LIMIT ?4",
	    &st, e);
	if (rc)
		return rc;
	stmt_bind_text(st, 1, f ? f->org : NULL);
	stmt_bind_text(st, 2, f ? f->cls : NULL);
	stmt_bind_int64(st, 3, f ? f->id : 0);
	stmt_bind_int64(st, 4, f && f->limit > 0 ? f->limit : -1);
	while ((rc = stmt_step(st, e)) == 1) {
		const char *org = stmt_text(st, 1);
		if (f && f->orgs) {
			bool mine = false;
			for (size_t i = 0; i < f->n_orgs && !mine; i++)
				mine = !strcmp(f->orgs[i], org);
			if (!mine)
				continue;
		}
		struct sns_alert_row r = {.id = stmt_int64(st, 0),
					  .org = org,
					  .cls = stmt_text(st, 2),
					  .rule = stmt_text(st, 3),
					  .score = stmt_double(st, 4),
					  .reasons = stmt_text(st, 5),
					  .first_at = stmt_int64(st, 6),
					  .last_at = stmt_int64(st, 7),
					  .state = stmt_text(st, 8),
					  .created_at = stmt_int64(st, 9),
					  .alert_id = stmt_int64(st, 10),
					  .incident_id = stmt_int64(st, 11),
					  .post_ids = stmt_text(st, 12),
					  .n_posts = (long)stmt_int64(st, 13)};
		if ((rc = fn(&r, arg)))
			break;
	}
	stmt_finalize(st);
	return rc < 0 || rc > 1 ? rc : 0;
}

int sns_alert_set_state(struct store *s, int64_t id, const char *state, const char *by,
			const char *note, int64_t now, struct merr *e)
{
	static const char *const ok[] = {"confirmed", "dismissed", "new"};
	bool valid = false;
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++)
		valid |= state && !strcmp(state, ok[i]);
	if (!valid)
		return merr_at(e, M_EINVAL, NULL, -1, -1, "state",
			       "confirmed, dismissed, new のいずれか (インシデント化は escalate) / "
			       "not one of confirmed, dismissed, new (escalate opens an incident)");
	if (note && strlen(note) > 2000)
		return merr_at(e, M_EINVAL, NULL, -1, -1, "note", "longer than 2000 bytes");
	struct store_stmt *st = NULL;
	int rc = store_begin(s, e);
	if (rc)
		return rc;
	rc = store_prepare(
	    s,
	    "UPDATE sns_alerts SET state = ?, state_by = ?, state_at = ?, state_note = ?"
	    " WHERE id = ? RETURNING id",
	    &st, e);
	if (rc) {
		store_rollback(s);
		return rc;
	}
	stmt_bind_text(st, 1, state);
	stmt_bind_text(st, 2, by);
	stmt_bind_int64(st, 3, now);
	stmt_bind_text(st, 4, note);
	stmt_bind_int64(st, 5, id);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	if (rc == 0)
		rc = merr_set(e, M_ENOTFOUND, "SNS 予兆検知 %lld はありません / no SNS alert %lld",
			      (long long)id, (long long)id);
	if (rc == 1) { /* the decision in the audit log, whichever front end made it */
		char obj[48], detail[64];
		snprintf(obj, sizeof obj, "sns_alert:%lld", (long long)id);
		snprintf(detail, sizeof detail, "{\"state\":\"%s\"}", state);
		rc = auth_audit(s, by && *by ? by : "unknown", "sns.alert.state", obj, detail, now,
				e);
	}
	if (rc < 0) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, e);
}

int sns_posts_list(struct store *s, const char *org, int64_t alert_id, long limit,
		   sns_post_row_fn fn, void *arg, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(
	    s,
	    "SELECT p.id, p.platform, p.post_id, p.version, coalesce(p.channel_name, p.channel_id),"
	    " coalesce(p.author_name, p.author_id), p.text, p.url, p.created_at,"
	    " group_concat(DISTINCT m.org_slug), max(m.classes)"
	    " FROM sns_posts p JOIN sns_matches m ON m.post = p.id"
	    " WHERE (CAST(?1 AS TEXT) IS NULL OR m.org_slug = ?1)"
	    " AND (?2 = 0 OR p.id IN (SELECT post FROM sns_alert_posts WHERE alert = ?2))"
	    " GROUP BY p.id ORDER BY p.created_at DESC, p.id DESC LIMIT ?3",
	    &st, e);
	if (rc)
		return rc;
	stmt_bind_text(st, 1, org);
	stmt_bind_int64(st, 2, alert_id);
	stmt_bind_int64(st, 3, limit > 0 ? limit : -1);
	while ((rc = stmt_step(st, e)) == 1) {
		char cls[64] = "";
		unsigned c = (unsigned)stmt_int64(st, 10);
		size_t l = 0;
		for (int k = 0; k < SNS_C_N; k++)
			if (c & (1u << k))
				l += (size_t)snprintf(cls + l, sizeof cls - l, "%s%s", l ? "," : "",
						      sns_class_name((enum sns_class)k));
		struct sns_post_row r = {.id = stmt_int64(st, 0),
					 .platform = stmt_text(st, 1),
					 .post_id = stmt_text(st, 2),
					 .version = stmt_text(st, 3),
					 .channel = stmt_text(st, 4),
					 .author = stmt_text(st, 5),
					 .text = stmt_text(st, 6),
					 .url = stmt_text(st, 7),
					 .created_at = stmt_int64(st, 8),
					 .orgs = stmt_text(st, 9),
					 .classes = cls};
		if ((rc = fn(&r, arg)))
			break;
	}
	stmt_finalize(st);
	return rc < 0 || rc > 1 ? rc : 0;
}

int sns_timeline(struct store *s, const char *org, int64_t from, int64_t to, int64_t bin_s,
		 sns_bin_fn fn, void *arg, struct merr *e)
{
	struct store_stmt *st = NULL;
	if (bin_s <= 0)
		return M_EINVAL;
	int rc = store_prepare(
	    s,
	    "SELECT (created_at / ?4) * ?4 AS t, count(*), sum((classes & 4) != 0)"
	    " FROM sns_matches WHERE org_slug = ?1 AND created_at >= ?2 AND created_at < ?3"
	    " GROUP BY t ORDER BY t",
	    &st, e);
	if (rc)
		return rc;
	stmt_bind_text(st, 1, org);
	stmt_bind_int64(st, 2, from);
	stmt_bind_int64(st, 3, to);
	stmt_bind_int64(st, 4, bin_s);
	while ((rc = stmt_step(st, e)) == 1)
		if ((rc = fn(stmt_int64(st, 0), (long)stmt_int64(st, 1), (long)stmt_int64(st, 2),
			     arg)))
			break;
	stmt_finalize(st);
	return rc < 0 || rc > 1 ? rc : 0;
}
