/*
 * evidence.c - an alert's evidence posts as text, oldest first and bounded (the first N,
 * then "他 M 件 / and M more"), for the alert mail and the incident an alert is escalated
 * to. Times in JST; post texts on one line, cut on a character boundary.
 */
#include "base/compat.h"

#include "base/mem.h"
#include "base/mtime.h"
#include "sns/sns_int.h"

const char *sns_class_title_ja(enum sns_class c)
{
	switch (c) {
	case SNS_C_DDOS: return "DDoS攻撃の標的";
	case SNS_C_LEAK: return "情報漏えい・身代金の主張";
	case SNS_C_OUTAGE: return "障害の投稿急増";
	default: return "脆弱性悪用の話題";
	}
}

const char *sns_class_title_en(enum sns_class c)
{
	switch (c) {
	case SNS_C_DDOS: return "DDoS target";
	case SNS_C_LEAK: return "leak or ransom claim";
	case SNS_C_OUTAGE: return "outage wave";
	default: return "exploit chatter";
	}
}

/* Appends s as one line of at most max bytes: control characters (newlines included) become
 * spaces, runs of spaces one, the cut on a UTF-8 character boundary with "…". */
int sns_text_line(struct buf *out, const char *s, size_t max)
{
	size_t n = 0;
	bool space = false;
	int rc = 0;
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p && !rc; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == ' ') {
			space = n > 0;
			continue;
		}
		size_t cl = *p < 0x80 ? 1 : *p < 0xE0 ? 2 : *p < 0xF0 ? 3 : 4;
		for (size_t k = 1; k < cl; k++)
			if (!p[k]) {
				cl = k;
				break;
			}
		if (n + cl + (space ? 1 : 0) > max) {
			rc = buf_adds(out, "…");
			break;
		}
		if (space) {
			rc = buf_addc(out, ' ');
			n++;
			space = false;
		}
		if (!rc)
			rc = buf_add(out, p, cl);
		n += cl;
		p += cl - 1;
	}
	return rc;
}

int sns_evidence_text(struct store *s, int64_t alert, long max, const char *indent, struct buf *out,
		      long *shown, long *total, struct merr *e)
{
	struct store_stmt *st = NULL;
	long n = 0, all = 0;
	int rc = store_prepare(s, "SELECT count(*) FROM sns_alert_posts WHERE alert = ?", &st, e);
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, alert);
	rc = stmt_step(st, e);
	all = rc == 1 ? (long)stmt_int64(st, 0) : 0;
	stmt_finalize(st);
	if (rc < 0)
		return rc;
	rc = store_prepare(
	    s,
	    "SELECT p.created_at, p.platform, p.post_id, coalesce(p.author_name, p.author_id,"
	    " p.channel_name, p.channel_id), p.url, p.text"
	    " FROM sns_alert_posts ap JOIN sns_posts p ON p.id = ap.post WHERE ap.alert = ?"
	    " ORDER BY p.created_at, p.id LIMIT ?",
	    &st, e);
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, alert);
	stmt_bind_int64(st, 2, max);
	while ((rc = stmt_step(st, e)) == 1) {
		char jst[TIME_STR_MAX];
		time_fmt_jst(stmt_int64(st, 0), jst);
		const char *who = stmt_text(st, 3), *url = stmt_text(st, 4);
		rc = buf_addf(out, "%s- %s %s:", indent, jst, stmt_text(st, 1));
		if (!rc)
			rc = sns_text_line(out, stmt_text(st, 2), 64);
		if (!rc && who && *who) {
			rc = buf_adds(out, " ");
			if (!rc)
				rc = sns_text_line(out, who, 64);
		}
		if (!rc)
			rc = buf_adds(out, ": ");
		if (!rc)
			rc = sns_text_line(out, stmt_text(st, 5), 240);
		if (!rc && url && (!strncmp(url, "https://", 8) || !strncmp(url, "http://", 7))) {
			rc = buf_adds(out, " <");
			if (!rc)
				rc = sns_text_line(out, url, 200);
			if (!rc)
				rc = buf_adds(out, ">");
		}
		if (!rc)
			rc = buf_addc(out, '\n');
		if (rc)
			break;
		n++;
	}
	stmt_finalize(st);
	if (rc < 0 || rc > 1)
		return rc;
	if (all > n &&
	    (rc = buf_addf(out, "%s他 %ld 件 / and %ld more\n", indent, all - n, all - n)))
		return rc;
	if (shown)
		*shown = n;
	if (total)
		*total = all;
	return 0;
}
