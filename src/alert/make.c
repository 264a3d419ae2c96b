/*
 * make.c - turns open KEV or critical findings into alerts, one per (operator, issue); the
 * UNIQUE key in alerts and the NOT EXISTS here make a second run create nothing.
 */
#include "base/compat.h"

#include <string.h>

#include "alert/alert.h"
#include "base/mem.h"
#include "base/mtime.h"
#include "findings/findings.h"

#include <time.h>

#define MAKE_MAX 10000 /* alerts per run: bounded */

/* The evidence gate (docs/ALERTS.md): open, confirmed (a declared product only when it
 * version-matched: needs_confirmation = 0), not a candidate, KEV or critical, and an urgency
 * that calls for action (not SSVC track / track*). One alert per (operator, issue). */
#define GATE                                                                     \
	FINDING_ACTIVE_SQL("f.")                                                 \
	" AND f.needs_confirmation = 0 AND f.severity <> 'info' AND (f.kev = 1 " \
	"OR f.severity = 'critical') AND coalesce(f.urgency, '') NOT IN ('TRACK', 'TRACK*')"

static const char q_due[] =
    "SELECT f.org_slug, f.issue_key, min(f.title), max(f.kev), min(f.deadline),"
    " group_concat(DISTINCT f.asset), max(f.severity = 'critical'), max(f.cve_id),"
    " min(" FINDING_TIER_SQL(
	"f.") "), min(coalesce(f.ip, f.asset)), max(f.kind),"
	      " max(f.kev_due_date), coalesce(max(o.name_ja), f.org_slug), "
	      "coalesce(max(o.name_en), "
	      "f.org_slug),"
	      " max(f.urgency), count(DISTINCT f.asset)"
	      " FROM findings f LEFT JOIN orgs o ON o.slug = f.org_slug WHERE " GATE
	      " AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.org_slug = f.org_slug"
	      "                 AND a.issue_key = f.issue_key)"
	      " GROUP BY f.org_slug, f.issue_key ORDER BY f.org_slug, 9, 5, f.issue_key";

/* 要確認 candidates that would matter once confirmed, per operator, for the weekly review. */
static const char q_review[] =
    "SELECT f.org_slug, count(*), coalesce(max(o.name_ja), f.org_slug), coalesce(max(o.name_en),"
    " f.org_slug), sum(f.kev) FROM findings f LEFT JOIN orgs o ON o.slug = f.org_slug"
    " WHERE " FINDING_ACTIVE_SQL(
	"f.") " AND (f.needs_confirmation = 1 OR f.severity = 'info') AND"
	      " (f.kev = 1 OR f.severity IN ('critical', 'high') OR json_extract(f.reasons,"
	      " '$.candidate_severity.value') IN ('critical', 'high'))"
	      " GROUP BY f.org_slug ORDER BY f.org_slug";

static const char q_rcpt[] =
    "SELECT group_concat(x, ', ') FROM ("
    " SELECT c.email AS x FROM contacts c JOIN orgs o ON o.id = c.org_id"
    " WHERE o.slug = ?1 AND c.email IS NOT NULL"
    " UNION ALL SELECT 'webhook ' || w.url FROM alert_webhooks w WHERE w.org_slug = ?1)";

/* The Japanese half of a bilingual "日本語 / English" title (or all of it). */
static void half(const char *t, bool en, char *out, size_t n)
{
	const char *sep = t ? strstr(t, " / ") : NULL;

	if (!t)
		t = "";
	if (!sep)
		snprintf(out, n, "%s", t);
	else if (en)
		snprintf(out, n, "%s", sep + 3);
	else
		snprintf(out, n, "%.*s", (int)(sep - t), t);
}

/* What to do, by kind of finding, in both languages. */
static void action_of(const char *kind, const char *issue, const char **ja, const char **en)
{
	if (!strcmp(kind, "risky_service")) {
		*ja =
		    "インターネットからこのサービスへの接続を直ちに遮断し（ファイアウォールや VPN "
		    "経由に限定）、不正なアクセスの痕跡がないか確認してください。";
		*en = "block access to this service from the internet now (firewall, or VPN only) "
		      "and check for signs of unauthorised access.";
	} else if (!strcmp(kind, "tls")) {
		*ja = "証明書と TLS の設定を直ちに修正してください。";
		*en = "fix the certificate and TLS configuration now.";
	} else if (!strncmp(issue, "mail:", 5)) {
		*ja = "メールドメインの SPF・DMARC の設定を直ちに修正してください。";
		*en = "fix the domain's SPF and DMARC records now.";
	} else {
		*ja = "修正版へ更新するか、提供元の緩和策を直ちに適用し、侵害の痕跡がないか確認して"
		      "ください。";
		*en = "update to a fixed version or apply the vendor's mitigation now, and check "
		      "for signs of compromise.";
	}
}

/* Where, as a reader names it: a declared product "declared:cpe:2.3:o:fortinet:fortios:7.0.12:…"
 * becomes "申告製品 fortios 7.0.12" / "declared product fortios 7.0.12"; other assets as stored. */
static void where_label(const char *where, bool en, char *out, size_t n)
{
	char name[300];

	if (!where || strncmp(where, "declared:cpe:2.3:", 17)) {
		snprintf(out, n, "%s", where ? where : "");
		return;
	}
	finding_product_label(where + 9, NULL, NULL, name, sizeof name);
	snprintf(out, n, "%s %s", en ? "declared product" : "申告製品", name);
}

static int compose(struct store *db, struct store_stmt *st, struct alert_msg *m)
{
	struct buf s, b;
	char dl[TIME_STR_MAX] = "なし", dl_en[TIME_STR_MAX] = "none", what_ja[400], what_en[400];
	char where_ja[320], where_en[320], on[300]; /* a label and a 300-byte name */
	const char *title = stmt_text(st, 2), *where = stmt_text(st, 5), *kind = stmt_text(st, 10);
	const char *kev_due = stmt_text(st, 11), *name_ja = stmt_text(st, 12),
		   *name_en = stmt_text(st, 13), *host = stmt_text(st, 9);
	const char *act_ja, *act_en;
	bool kev = stmt_int64(st, 3) != 0;
	long n_assets = (long)stmt_int64(st, 15);
	char kev_ja[96] = "", kev_en[96] = "";
	int rc;

	if (!stmt_is_null(st, 4)) {
		time_fmt_jst_date(stmt_int64(st, 4), dl);
		snprintf(dl_en, sizeof dl_en, "%s", dl);
		m->deadline = stmt_int64(st, 4);
	}
	if (kev && kev_due) {
		snprintf(kev_ja, sizeof kev_ja, "（KEV 期日 (CISA、米連邦機関向け): %s）", kev_due);
		snprintf(kev_en, sizeof kev_en,
			 " (KEV due date, CISA, for US federal agencies: %s)", kev_due);
	}
	half(title, false, what_ja, sizeof what_ja);
	half(title, true, what_en, sizeof what_en);
	/* the English half names the CVE the Japanese one does: several items of one product
	 * ("vulnerability in fortios 7.0.12") are otherwise the same line */
	{
		const char *cve = strstr(m->issue_key, "CVE-");
		size_t cl = cve ? strspn(cve + 4, "0123456789-") + 4 : 0;
		for (int h = 0; cve && cl > 8 && h < 2; h++) {
			char *w = h ? what_en : what_ja; /* both halves: the id a reader looks up */
			char t[sizeof what_en + 32];
			int k;
			size_t len;
			if (strstr(w, "CVE-"))
				continue;
			k = snprintf(t, sizeof t, "%.*s %s", (int)cl, cve, w);
			len = k < 0			   ? 0
			      : (size_t)k < sizeof what_en ? (size_t)k
							   : sizeof what_en - 1;
			memcpy(w, t, len);
			w[len] = '\0';
		}
	}
	/* a declared product's "(host)" is the asset it was declared on, or no slot at all: the
	 * title names the product already */
	if (host && !strncmp(host, "declared:", 9)) {
		struct merr e2;
		merr_init(&e2);
		finding_declared_on(db, m->org, host, on, sizeof on, &e2);
		host = on;
	} else if (n_assets == 1 && where) { /* the hostname the body's 対象 names, if any */
		bool is_name = false;
		finding_asset_name(where, host, on, sizeof on, &is_name);
		if (is_name)
			host = on;
	}
	where_label(where, false, where_ja, sizeof where_ja);
	where_label(where, true, where_en, sizeof where_en);
	action_of(kind ? kind : "", m->issue_key, &act_ja, &act_en);
	m->prio = (int)stmt_int64(st, 8);
	buf_init(&s, 4096);
	buf_init(&b, 65536);
	rc = buf_addf(&s, "[mamori] 緊急 %s: %s%s%s%s 期限 %s / Urgent %s: %s%s%s%s due %s",
		      name_ja, what_ja, host && *host ? " (" : "", host ? host : "",
		      host && *host ? ")" : "", dl, name_en, what_en, host && *host ? " (" : "",
		      host ? host : "", host && *host ? ")" : "", dl_en);
	if (!rc)
		rc = buf_addf(&b,
			      "【緊急】%s\n"
			      "対象: %s%s\n"
			      "理由: %s\n"
			      "対応: %s\n"
			      "期限: %s%s\n"
			      "---- English ----\n"
			      "[Urgent] %s\n"
			      "Where: %s%s\n"
			      "Why: %s\n"
			      "What to do: %s\n"
			      "Deadline: %s%s\n",
			      what_ja, where_ja, n_assets > 1 ? "（複数）" : "",
			      kev ? "CISA KEV に掲載（実際に悪用されている脆弱性）"
			      : !strcmp(kind ? kind : "", "risky_service")
				  ? "インターネットから到達できる緊急度の高いサービス"
				  : "深刻度「緊急」の指摘",
			      act_ja, dl, kev_ja, what_en, where_en,
			      n_assets > 1 ? " (several)" : "",
			      kev ? "listed in CISA KEV (exploited in the wild)"
			      : !strcmp(kind ? kind : "", "risky_service")
				  ? "a critical service reachable from the internet"
				  : "critical severity finding",
			      act_en, dl_en, kev_en);
	if (rc) {
		buf_release(&s);
		buf_release(&b);
		return rc;
	}
	m->subject = buf_detach(&s, NULL);
	m->body = buf_detach(&b, NULL);
	m->what = m_strdup(what_ja);
	m->host = m_strdup(host ? host : "");
	return (m->subject && m->body && m->what && m->host) ? 0 : M_ENOMEM;
}

/* The weekly review item of one operator (issue key review:YYYY-Www in JST). */
static int compose_review(struct store_stmt *st, int64_t now, struct alert_msg *m)
{
	struct buf s, b;
	long n = (long)stmt_int64(st, 1), kev = (long)stmt_int64(st, 4);
	const char *name_ja = stmt_text(st, 2), *name_en = stmt_text(st, 3);
	char what[160];
	int rc;

	(void)now;
	buf_init(&s, 1024);
	buf_init(&b, 4096);
	snprintf(what, sizeof what, "要確認の候補 %ld 件", n);
	rc = buf_addf(&s,
		      "[mamori] 週次確認 %s: 要確認の候補 %ld 件 / Weekly review %s: %ld to "
		      "confirm",
		      name_ja, n, name_en, n);
	if (!rc)
		rc = buf_addf(
		    &b,
		    "【週次の確認依頼】要確認の候補 %ld 件（うち KEV %ld 件）\n"
		    "対象: "
		    "版数を照合できなかった、または申告製品の版数が一致しなかった脆弱性の候補\n"
		    "理由: "
		    "製品名は一致しましたが、影響の有無は未確認です。緊急の対応を求めるものでは"
		    "ありません。\n"
		    "対応: 利用中の版数をご確認のうえ、コンソールの検出事項一覧（要確認のみ）で確定"
		    "または誤検知として登録してください。\n"
		    "---- English ----\n"
		    "[Weekly review] %ld candidates to confirm (%ld in KEV)\n"
		    "Where: CVEs whose version could not be compared, or declared products whose "
		    "version did not match\n"
		    "Why: the product matched but whether it is affected is not known; this is not "
		    "a "
		    "request for urgent action.\n"
		    "What to do: check the version you run and confirm or dismiss each candidate "
		    "in "
		    "the console's findings list (to confirm only).\n",
		    n, kev, n, kev);
	if (rc) {
		buf_release(&s);
		buf_release(&b);
		return rc;
	}
	m->subject = buf_detach(&s, NULL);
	m->body = buf_detach(&b, NULL);
	m->what = m_strdup(what);
	m->host = m_strdup("");
	m->prio = 3;
	return (m->subject && m->body && m->what && m->host) ? 0 : M_ENOMEM;
}

static void msgs_free(struct alert_msg *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		m_free(v[i].subject);
		m_free(v[i].body);
		m_free((char *)v[i].what);
		m_free((char *)v[i].host);
	}
	m_free(v);
}

/* "2026-W49" of now in JST (ISO week). */
static void iso_week_jst(int64_t now, char out[16])
{
	time_t t = (time_t)(now + 9 * 3600);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 16, "%G-W%V", &tm);
}

static struct alert_msg *grow(struct alert_msg **v, size_t *n, size_t *cap)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct alert_msg *nv = m_realloc(*v, nc * sizeof *nv);
		if (!nv)
			return NULL;
		*v = nv;
		*cap = nc;
	}
	struct alert_msg *m = &(*v)[(*n)++];
	memset(m, 0, sizeof *m);
	return m;
}

static int collect(struct store *s, int64_t now, struct alert_msg **out, size_t *n, struct merr *e)
{
	struct store_stmt *st = NULL;
	struct alert_msg *v = NULL, *m;
	size_t cap = 0;
	char week[16];
	int rc = store_prepare(s, q_due, &st, e);

	*n = 0;
	while (rc == 0 && *n < MAKE_MAX && (rc = stmt_step(st, e)) == 1) {
		rc = 0;
		if (!(m = grow(&v, n, &cap))) {
			rc = merr_set(e, M_ENOMEM, "out of memory");
			break;
		}
		m->urgent = true;
		snprintf(m->org, sizeof m->org, "%s", stmt_text(st, 0));
		snprintf(m->issue_key, sizeof m->issue_key, "%s", stmt_text(st, 1));
		if ((rc = compose(s, st, m)))
			merr_set(e, rc, "composing alert");
	}
	stmt_finalize(st);
	iso_week_jst(now, week);
	if (rc == 0 && (rc = store_prepare(s, q_review, &st, e)) == 0) {
		while (*n < MAKE_MAX && (rc = stmt_step(st, e)) == 1) {
			rc = 0;
			if (!(m = grow(&v, n, &cap))) {
				rc = merr_set(e, M_ENOMEM, "out of memory");
				break;
			}
			m->urgent = false;
			snprintf(m->org, sizeof m->org, "%s", stmt_text(st, 0));
			snprintf(m->issue_key, sizeof m->issue_key, "review:%s", week);
			if ((rc = compose_review(st, now, m))) {
				merr_set(e, rc, "composing review");
				break;
			}
		}
		stmt_finalize(st);
	}
	if (rc < 0) {
		msgs_free(v, *n);
		return rc;
	}
	*out = v;
	return 0;
}

/* The stored body: the text, then how to acknowledge: the console link when a console URL is
 * configured, else where in the console. Never a command line (the recipient has none). */
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
	else if (!rc)
		rc = buf_addf(&b, "確認はコンソールの「警報・注意喚起」から / Acknowledge in the "
				  "console (Alerts)\n");
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
			   " urgent, ack_token_sha256, what, host, deadline, prio)"
			   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
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
		stmt_bind_text(st, 8, m->what);
		stmt_bind_text(st, 9, m->host);
		if (m->deadline)
			stmt_bind_int64(st, 10, m->deadline);
		else
			stmt_bind_null(st, 10);
		if (m->prio >= 0 && (m->what || m->deadline))
			stmt_bind_int64(st, 11, m->prio);
		else
			stmt_bind_null(st, 11);
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
	    " SELECT CAST(?1 AS INTEGER), 'email', c.email, 'pending' FROM contacts c"
	    " JOIN orgs o ON o.id = c.org_id WHERE o.slug = ?2 AND c.email IS NOT NULL"
	    " UNION ALL SELECT CAST(?1 AS INTEGER), 'webhook', CAST(w.id AS TEXT), 'pending'"
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
	if ((rc = collect(s, now, &v, &n, e)))
		return rc;
	if (!dry_run && (rc = store_begin(s, e))) {
		msgs_free(v, n);
		return rc;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
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
