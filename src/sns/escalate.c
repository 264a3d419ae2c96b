/*
 * escalate.c - an analyst escalates an SNS precursor alert to an incident: a 初報 is filed for
 * the alert's operator through the incident module's public API (inc_report_parse + inc_file,
 * as `mamori incident report` does), with a title and summary built from the alert's class,
 * rule, score and evidence posts, a timeline event naming the alert (sns_alert:ID), and the
 * alert records the incident id. One transaction: incident and alert change together or not
 * at all. Escalating an escalated alert returns its incident (never a second one).
 */
#include "base/compat.h"

#include <cjson/cJSON.h>

#include "auth/auth.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/mtime.h"
#include "incident/incident.h"
#include "sns/sns_int.h"

/* The incident type of a class (docs/INCIDENTS.md). */
static const char *inc_type_of(enum sns_class c, const char *rule)
{
	switch (c) {
	case SNS_C_DDOS: return "ddos";
	case SNS_C_LEAK:
		return rule && !strcmp(rule, "leak-site-post") ? "ransomware" : "data_leak";
	case SNS_C_OUTAGE: return "outage_unknown";
	default: return "other";
	}
}

struct arow {
	char org[128], cls[32], rule[64], state[16];
	double score;
	int64_t first_at, last_at, incident;
	cJSON *reasons;
};

static int read_alert(struct store *s, int64_t id, struct arow *a, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(s,
			       "SELECT org_slug, class, rule, state, score, first_at, last_at,"
			       " coalesce(incident_id, 0), reasons FROM sns_alerts WHERE id = ?",
			       &st, e);
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, id);
	if ((rc = stmt_step(st, e)) == 1) {
		snprintf(a->org, sizeof a->org, "%s", stmt_text(st, 0));
		snprintf(a->cls, sizeof a->cls, "%s", stmt_text(st, 1));
		snprintf(a->rule, sizeof a->rule, "%s", stmt_text(st, 2));
		snprintf(a->state, sizeof a->state, "%s", stmt_text(st, 3));
		a->score = stmt_double(st, 4);
		a->first_at = stmt_int64(st, 5);
		a->last_at = stmt_int64(st, 6);
		a->incident = stmt_int64(st, 7);
		a->reasons = cJSON_Parse(stmt_text(st, 8) ? stmt_text(st, 8) : "{}");
	}
	stmt_finalize(st);
	if (rc == 0)
		return merr_set(e, M_ENOTFOUND,
				"SNS 予兆検知 %lld はありません / no SNS alert %lld", (long long)id,
				(long long)id);
	return rc < 0 ? rc : 0;
}

/* The 初報 as JSON text (the incident module parses and checks it like any report). */
static int build_report(struct store *s, int64_t id, const struct arow *a, enum sns_class cls,
			const char *actor, const char *note, const char *console, int64_t now,
			char **out, struct merr *e)
{
	struct buf sum, ev, title;
	char fa[TIME_STR_MAX], la[TIME_STR_MAX], fu[TIME_STR_MAX], au[TIME_STR_MAX];
	long shown = 0, total = 0;
	int rc;

	buf_init(&sum, INC_TEXT_MAX);
	buf_init(&ev, INC_TEXT_MAX);
	buf_init(&title, 0);
	time_fmt_jst(a->first_at, fa);
	time_fmt_jst(a->last_at, la);
	time_fmt_utc(a->first_at, fu);
	time_fmt_utc(now > a->first_at ? now : a->first_at, au);
	rc = buf_addf(&title, "SNS予兆: %s %s (予兆検知 #%lld) / SNS precursor: %s", a->org,
		      sns_class_title_ja(cls), (long long)id, sns_class_title_en(cls));
	if (!rc)
		rc = sns_evidence_text(s, id, 5, "", &ev, &shown, &total, e);
	if (!rc)
		rc = buf_addf(&sum,
			      "SNS モニタリングの予兆検知 #%lld から %s が起票。\n"
			      "分類: %s (%s)、規則: %s、スコア: %.2f\n"
			      "証拠: %ld 件 (%s 〜 %s)\n証拠投稿 (時刻順、最初の %ld 件):\n%s",
			      (long long)id, actor, sns_class_title_ja(cls), a->cls, a->rule,
			      a->score, total, fa, la, shown, buf_str(&ev));
	cJSON *hosts = cJSON_GetObjectItemCaseSensitive(a->reasons, "hosts"), *h;
	if (!rc && cJSON_GetArraySize(hosts))
		rc = buf_adds(&sum, "名指しされたホスト / hosts named:");
	cJSON_ArrayForEach(h, hosts)
	{
		const char *host =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(h, "host"));
		if (!rc && host)
			rc = buf_addf(&sum, " %s", host);
	}
	if (!rc && cJSON_GetArraySize(hosts))
		rc = buf_addc(&sum, '\n');
	if (!rc && note && *note) {
		rc = buf_adds(&sum, "備考 / note: ");
		if (!rc)
			rc = sns_text_line(&sum, note, 2000);
		if (!rc)
			rc = buf_addc(&sum, '\n');
	}
	if (!rc && console)
		rc = buf_addf(&sum, "予兆検知 / SNS alert: %s/sns/alerts/%lld\n", console,
			      (long long)id);
	else if (!rc)
		rc = buf_addf(&sum,
			      "予兆検知 / SNS alert: sns_alert:%lld (mamori sns posts "
			      "--alert %lld)\n",
			      (long long)id, (long long)id);
	if (!rc)
		rc = buf_addf(
		    &sum,
		    "\nEscalated by %s from SNS precursor alert #%lld: %s, rule %s, score "
		    "%.2f, %ld evidence posts (times above in JST).\n",
		    actor, (long long)id, sns_class_title_en(cls), a->rule, a->score, total);
	if (rc) {
		if (rc == M_ETOOBIG)
			rc = merr_set(e, M_ETOOBIG, "summary: too long");
		goto out;
	}
	cJSON *r = cJSON_CreateObject();
	cJSON_AddNumberToObject(r, "format", 1);
	cJSON_AddStringToObject(r, "report", "initial");
	cJSON_AddStringToObject(r, "title", buf_str(&title));
	cJSON_AddStringToObject(r, "type", inc_type_of(cls, a->rule));
	cJSON_AddStringToObject(r, "occurred_at", fu);
	cJSON_AddStringToObject(r, "aware_at", au);
	cJSON_AddStringToObject(r, "summary", buf_str(&sum));
	cJSON *aff = cJSON_AddArrayToObject(r, "affected");
	int n_aff = 0;
	cJSON_ArrayForEach(h, hosts)
	{
		const char *host =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(h, "host"));
		if (!host || n_aff >= 20)
			continue;
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", host);
		cJSON_AddStringToObject(o, "note",
					"SNS・標的リストで名指し / named on SNS or a target list");
		cJSON_AddItemToArray(aff, o);
		n_aff++;
	}
	if (!n_aff)
		cJSON_DeleteItemFromObject(r, "affected");
	cJSON *c = cJSON_AddObjectToObject(r, "contact");
	cJSON_AddStringToObject(c, "name", actor);
	cJSON_AddStringToObject(c, "unit", "SNS モニタリング / SNS monitoring");
	*out = cJSON_PrintUnformatted(r);
	cJSON_Delete(r);
	if (!*out)
		rc = M_ENOMEM;
out:
	buf_release(&sum);
	buf_release(&ev);
	buf_release(&title);
	return rc;
}

int sns_alert_escalate(const struct inc_ctx *c, int64_t id, const char *note, const char *console,
		       int64_t *incident, struct merr *e)
{
	struct arow a = {0};
	enum sns_class cls;
	char *json = NULL, text[160], ref[24];
	struct inc_report rep;
	bool parsed = false;
	int64_t inc = 0;
	int seq = 0, rc;

	*incident = 0;
	if (note && strlen(note) > 2000)
		return merr_at(e, M_EINVAL, NULL, -1, -1, "note",
			       "2000 バイトを超えています / longer than 2000 bytes");
	if ((rc = store_begin(c->s, e)))
		return rc;
	if ((rc = read_alert(c->s, id, &a, e)))
		goto out;
	if (a.incident) { /* escalated before: the same incident */
		*incident = a.incident;
		goto out;
	}
	if (sns_class_parse(a.cls, &cls)) {
		rc = merr_set(e, M_EINVAL, "class: %s", a.cls);
		goto out;
	}
	if ((rc = build_report(c->s, id, &a, cls, c->actor ? c->actor : "mamori", note, console,
			       c->now, &json, e)))
		goto out;
	char file[64];
	snprintf(file, sizeof file, "sns-alert-%lld", (long long)id);
	if ((rc = inc_report_parse(json, strlen(json), file, &rep, e)))
		goto out;
	parsed = true;
	if ((rc = inc_file(c, a.org, &rep, &inc, &seq, e)))
		goto out;
	snprintf(text, sizeof text,
		 "SNS 予兆検知 #%lld から起票 / escalated from SNS precursor alert #%lld",
		 (long long)id, (long long)id);
	snprintf(ref, sizeof ref, "%lld", (long long)id);
	cJSON *dj = cJSON_CreateObject();
	cJSON_AddStringToObject(dj, "text", text);
	cJSON_AddStringToObject(dj, "link_kind", "sns_alert");
	cJSON_AddStringToObject(dj, "ref", ref);
	char *detail = cJSON_PrintUnformatted(dj);
	cJSON_Delete(dj);
	if (!detail) {
		rc = M_ENOMEM;
		goto out;
	}
	rc = inc_event(c, inc, 0, "link", false, detail, e);
	cJSON_free(detail);
	if (rc)
		goto out;
	struct store_stmt *st = NULL;
	if ((rc = store_prepare(
		 c->s,
		 "UPDATE sns_alerts SET state = 'escalated', state_by = ?, state_at = ?,"
		 " state_note = coalesce(?, state_note), incident_id = ? WHERE id = ?",
		 &st, e)))
		goto out;
	stmt_bind_text(st, 1, c->actor);
	stmt_bind_int64(st, 2, c->now);
	stmt_bind_text(st, 3, note && *note ? note : NULL);
	stmt_bind_int64(st, 4, inc);
	stmt_bind_int64(st, 5, id);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	rc = rc < 0 ? rc : 0;
	if (!rc) {
		char obj[48], det[64];
		snprintf(obj, sizeof obj, "sns_alert:%lld", (long long)id);
		snprintf(det, sizeof det, "{\"incident\":%lld}", (long long)inc);
		rc = auth_audit(c->s, c->actor ? c->actor : "unknown", "sns.alert.escalate", obj,
				det, c->now, e);
	}
	if (!rc)
		*incident = inc;
out:
	if (parsed)
		inc_report_free(&rep);
	cJSON_free(json);
	cJSON_Delete(a.reasons);
	if (rc) {
		store_rollback(c->s);
		*incident = 0;
		return rc;
	}
	return store_commit(c->s, e);
}
