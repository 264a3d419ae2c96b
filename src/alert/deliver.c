/*
 * deliver.c - sends pending alert targets: e-mail via libcurl SMTP (STARTTLS opportunistic or
 * required), webhooks as signed JSON POSTs; bounded retries, every attempt logged, a target
 * marked delivered only after the server accepted it (so never lost, never sent twice).
 */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/curl_lazy.h"
#include "alert/alert.h"
#include "base/mem.h"
#include "base/mtime.h"
#include "findings/findings.h"

#define DELIVER_MAX 10000

struct reader {
	const char *p;
	size_t left;
};

static size_t read_cb(char *dst, size_t size, size_t nmemb, void *arg)
{
	struct reader *r = arg;
	size_t k = size * nmemb < r->left ? size * nmemb : r->left;
	memcpy(dst, r->p, k);
	r->p += k;
	r->left -= k;
	return k;
}

static size_t sink_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	return size * nmemb;
}

struct target {
	int64_t alert_id;
	char channel[16], target[256], org[128], issue[256];
	char *subject, *body, *url, *secret;
	int attempts;
	bool urgent;
	int64_t deadline;
	char *what, *host;
	int64_t rank; /* place in the org's fix-first order (finding_priority), INT64_MAX: none */
};

static int send_mail(const struct alert_conf *conf, const struct target *t, int64_t now, char *err,
		     size_t errlen, bool *refused)
{
	struct buf msg;
	struct merr e;
	struct reader r;
	struct curl_slist *rcpt = NULL;
	char mid[96];
	CURL *h;
	CURLcode cc;

	merr_init(&e);
	buf_init(&msg, 1 << 20);
	snprintf(mid, sizeof mid, "alert-%lld.%lld", (long long)t->alert_id, (long long)now);
	if (alert_mail_build(&msg, conf->from, t->target, t->subject, t->body, now, mid, &e)) {
		snprintf(err, errlen, "%s", e.msg);
		*refused = true;
		buf_release(&msg);
		return -1;
	}
	h = lazy_curl_global_init() == 0 ? curl_easy_init() : NULL;
	if (!h) {
		buf_release(&msg);
		snprintf(err, errlen, "curl init");
		return -1;
	}
	r.p = msg.ptr;
	r.left = msg.len;
	rcpt = curl_slist_append(NULL, t->target);
	curl_easy_setopt(h, CURLOPT_URL, conf->smtp_url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	/* Policy, whatever the front end asked: the SMTP AUTH password never travels in clear,
	 * so with a user STARTTLS is mandatory (smtps:// is TLS from the start). */
	curl_easy_setopt(h, CURLOPT_USE_SSL,
			 conf->require_tls || conf->smtp_user ? CURLUSESSL_ALL : CURLUSESSL_TRY);
	if (conf->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, conf->ca_file);
	if (conf->smtp_user) {
		curl_easy_setopt(h, CURLOPT_USERNAME, conf->smtp_user);
		curl_easy_setopt(h, CURLOPT_PASSWORD,
				 conf->smtp_password ? conf->smtp_password : "");
	}
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, conf->from);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(h, CURLOPT_READDATA, &r);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, conf->timeout_s);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, conf->timeout_s);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	cc = curl_easy_perform(h);
	if (cc != CURLE_OK)
		snprintf(err, errlen, "smtp: %s", curl_easy_strerror(cc));
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(h);
	buf_release(&msg);
	return cc == CURLE_OK ? 0 : -1;
}

static int send_hook(const struct alert_conf *conf, const struct target *t, char *err,
		     size_t errlen)
{
	cJSON *o = cJSON_CreateObject();
	char *json, sig[65], hdr[96];
	struct curl_slist *hs = NULL;
	long status = 0;
	CURL *h;
	CURLcode cc;

	cJSON_AddNumberToObject(o, "alert_id", (double)t->alert_id);
	cJSON_AddStringToObject(o, "org", t->org);
	cJSON_AddStringToObject(o, "issue", t->issue);
	cJSON_AddStringToObject(o, "subject", t->subject);
	cJSON_AddStringToObject(o, "body", t->body);
	json = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!json || alert_hmac_hex(t->secret, json, strlen(json), sig) ||
	    lazy_curl_global_init() || !(h = curl_easy_init())) {
		free(json);
		snprintf(err, errlen, "building webhook request");
		return -1;
	}
	snprintf(hdr, sizeof hdr, "X-Mamori-Signature: sha256=%s", sig);
	hs = curl_slist_append(hs, "Content-Type: application/json; charset=utf-8");
	hs = curl_slist_append(hs, hdr);
	curl_easy_setopt(h, CURLOPT_URL, t->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hs);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, json);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink_cb);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, conf->timeout_s);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, conf->timeout_s);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	cc = curl_easy_perform(h);
	if (cc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (cc != CURLE_OK)
		snprintf(err, errlen, "webhook: %s", curl_easy_strerror(cc));
	else if (status < 200 || status > 299)
		snprintf(err, errlen, "webhook: HTTP %ld", status);
	curl_slist_free_all(hs);
	curl_easy_cleanup(h);
	free(json);
	return (cc == CURLE_OK && status >= 200 && status <= 299) ? 0 : -1;
}

static int log_attempt(struct store *s, const struct target *t, int attempt, int64_t now,
		       const char *status, const char *err, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc =
	    store_prepare(s,
			  "INSERT INTO alert_deliveries (alert_id, channel, target, attempt, at,"
			  " status, error) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
			  &st, e);
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, t->alert_id);
	stmt_bind_text(st, 2, t->channel);
	stmt_bind_text(st, 3, t->target);
	stmt_bind_int64(st, 4, attempt);
	stmt_bind_int64(st, 5, now);
	stmt_bind_text(st, 6, status);
	if (err && *err)
		stmt_bind_text(st, 7, err);
	else
		stmt_bind_null(st, 7);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

static int set_state(struct store *s, const struct target *t, const char *state, int attempts,
		     int64_t now, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc =
	    store_prepare(s,
			  "UPDATE alert_targets SET state = ?, attempts = ?,"
			  " delivered_at = CASE WHEN ? = 'delivered' THEN CAST(? AS INTEGER) END"
			  " WHERE alert_id = ? AND channel = ? AND target = ?",
			  &st, e);
	if (rc)
		return rc;
	stmt_bind_text(st, 1, state);
	stmt_bind_int64(st, 2, attempts);
	stmt_bind_text(st, 3, state);
	stmt_bind_int64(st, 4, now);
	stmt_bind_int64(st, 5, t->alert_id);
	stmt_bind_text(st, 6, t->channel);
	stmt_bind_text(st, 7, t->target);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

/* A run that ended in failure: one more in the streak; past either limit the target is dead
 * (kept, never retried automatically; `mamori alert retry` revives it). */
static int fail_run(struct store *s, const struct alert_conf *conf, const struct target *t,
		    int64_t now, struct alert_run_stats *st, struct merr *e)
{
	struct store_stmt *q = NULL;
	int64_t runs = conf->dead_runs > 0 ? conf->dead_runs : ALERT_DEAD_RUNS;
	int64_t age = conf->dead_after_s > 0 ? conf->dead_after_s : ALERT_DEAD_AFTER_S;
	int rc = store_prepare(
	    s,
	    "UPDATE alert_targets SET attempts = ?1, failed_runs = failed_runs + 1,"
	    " first_failed_at = coalesce(first_failed_at, ?2),"
	    " state = CASE WHEN failed_runs + 1 >= ?3 OR ?2 - coalesce(first_failed_at, ?2) >= ?4"
	    "   THEN 'dead' ELSE 'pending' END,"
	    " dead_at = CASE WHEN failed_runs + 1 >= ?3 OR ?2 - coalesce(first_failed_at, ?2) >= ?4"
	    "   THEN ?2 END"
	    " WHERE alert_id = ?5 AND channel = ?6 AND target = ?7 RETURNING state",
	    &q, e);
	if (rc)
		return rc;
	stmt_bind_int64(q, 1, t->attempts);
	stmt_bind_int64(q, 2, now);
	stmt_bind_int64(q, 3, runs);
	stmt_bind_int64(q, 4, age);
	stmt_bind_int64(q, 5, t->alert_id);
	stmt_bind_text(q, 6, t->channel);
	stmt_bind_text(q, 7, t->target);
	rc = stmt_step(q, e);
	if (rc == 1 && strcmp(stmt_text(q, 0), "dead") == 0)
		st->dead++;
	stmt_finalize(q);
	return rc < 0 ? rc : 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static char *dup_col(struct store_stmt *st, int col)
{
	return stmt_is_null(st, col) ? NULL : m_strdup(stmt_text(st, col));
}

static void target_free(struct target *t)
{
	m_free(t->subject);
	m_free(t->body);
	m_free(t->url);
	m_free(t->secret);
	m_free(t->what);
	m_free(t->host);
}

/* A group: one webhook target, or every e-mail target of one (address, operator), sent as one
 * digest. Up to max_attempts tries with doubling backoff, each logged for every target. */
static int deliver_group(struct store *s, const struct alert_conf *conf, struct target *v, size_t k,
			 const char *subject, const char *body, int64_t now,
			 struct alert_run_stats *st, struct merr *e)
{
	int tries = conf->max_attempts < 1 ? 1 : conf->max_attempts > 5 ? 5 : conf->max_attempts;
	long delay = conf->backoff_ms < 0 ? 0 : conf->backoff_ms > 2000 ? 2000 : conf->backoff_ms;
	bool mail = strcmp(v[0].channel, "email") == 0;
	struct target one = v[0];
	char err[512];
	int rc = 0;

	one.subject = (char *)subject;
	one.body = (char *)body;
	for (int i = 0; i < tries; i++) {
		bool refused = false;
		int ok;
		err[0] = 0;
		if (mail)
			ok = conf->smtp_url ? send_mail(conf, &one, now, err, sizeof err, &refused)
					    : -1;
		else
			ok = v[0].url ? send_hook(conf, &v[0], err, sizeof err) : -1;
		if (mail && !conf->smtp_url)
			snprintf(err, sizeof err, "no SMTP server configured");
		for (size_t j = 0; j < k && rc == 0; j++) {
			v[j].attempts++;
			rc = log_attempt(s, &v[j], v[j].attempts, now,
					 ok == 0   ? "ok"
					 : refused ? "refused"
						   : "error",
					 err, e);
		}
		if (rc)
			return rc;
		if (ok == 0 || refused) {
			if (ok == 0 && mail)
				st->mails++;
			for (size_t j = 0; j < k && rc == 0; j++) {
				if (ok == 0)
					st->delivered++;
				else
					st->refused++;
				rc = set_state(s, &v[j], ok == 0 ? "delivered" : "refused",
					       v[j].attempts, now, e);
			}
			return rc;
		}
		if (i + 1 < tries)
			sleep_ms(delay << i);
	}
	for (size_t j = 0; j < k && rc == 0; j++) {
		st->failed++;
		/* No SMTP server given is the operator's configuration, not the target failing. */
		if (mail && !conf->smtp_url)
			rc = set_state(s, &v[j], "pending", v[j].attempts, now, e);
		else
			rc = fail_run(s, conf, &v[j], now, st, e);
	}
	return rc;
}

/* ---------------------------------------------------------------- the digest */

/* The parts of a stored body: Japanese, English, the ack link (or NULL). Borrowed spans. */
struct parts {
	const char *ja, *en, *link;
	int ja_n, en_n, link_n;
};

static void split_body(const char *body, struct parts *p)
{
	const char *en = strstr(body, "\n---- English ----\n");
	const char *ft = strstr(body, "\n---- 確認 / Acknowledge ----\n");
	const char *ln = ft ? strstr(ft, "/ack/") : NULL;

	memset(p, 0, sizeof *p);
	p->ja = body;
	p->ja_n = (int)((en ? en : ft ? ft : body + strlen(body)) - body);
	if (en) {
		p->en = en + strlen("\n---- English ----\n");
		p->en_n = (int)((ft && ft > p->en ? ft : p->en + strlen(p->en)) - p->en);
		while (p->en_n > 0 &&
		       p->en[p->en_n - 1] == '\n') /* no blank line before the link */
			p->en_n--;
	}
	if (ln) {
		const char *b = ln, *end = strchr(ln, '\n');
		while (b > ft && b[-1] != ' ')
			b--;
		p->link = b;
		p->link_n = (int)((end ? end : ln + strlen(ln)) - b);
	}
}

struct org_names {
	char ja[256], en[256];
};

static void org_names(struct store *s, const char *org, struct org_names *n)
{
	struct store_stmt *st = NULL;

	snprintf(n->ja, sizeof n->ja, "%s", org);
	snprintf(n->en, sizeof n->en, "%s", org);
	if (store_prepare(s, "SELECT name_ja, name_en FROM orgs WHERE slug = ?", &st, NULL))
		return;
	stmt_bind_text(st, 1, org);
	if (stmt_step(st, NULL) == 1) {
		if (stmt_text(st, 0))
			snprintf(n->ja, sizeof n->ja, "%s", stmt_text(st, 0));
		if (stmt_text(st, 1))
			snprintf(n->en, sizeof n->en, "%s", stmt_text(st, 1));
	}
	stmt_finalize(st);
}

/* The operator's fix-first item (finding_priority), as the dashboard, the operator page and
 * report page 1 name it. */
struct first {
	bool found;
	char title_ja[400], title_en[400], asset[300], host[128];
	char where_ja[300], where_en[300]; /* the body's slot: the name with its address beside */
	int64_t deadline;
};

static void split_title(const char *t, char *ja, size_t nj, char *en, size_t ne)
{
	const char *sep = t ? strstr(t, " / ") : NULL;

	if (!t)
		t = "";
	snprintf(ja, nj, "%.*s", sep ? (int)(sep - t) : (int)strlen(t), t);
	snprintf(en, ne, "%s", sep ? sep + 3 : t);
}

/* "CVE-… title" unless the title names the CVE already: both halves carry the id a reader
 * looks the item up by. */
static void with_cve(char *title, size_t cap, const char *cve)
{
	char t[512];
	int n;

	if (!cve || !*cve || strstr(title, cve))
		return;
	n = snprintf(t, sizeof t, "%s %s", cve, title);
	if (n < 0 || !cap)
		return;
	if ((size_t)n >= cap)
		n = (int)cap - 1;
	memcpy(title, t, (size_t)n);
	title[n] = '\0';
}

static int first_fn(void *arg, const struct finding_row *r)
{
	struct first *f = arg;
	bool is_name = false;

	f->found = true;
	split_title(r->title, f->title_ja, sizeof f->title_ja, f->title_en, sizeof f->title_en);
	with_cve(f->title_ja, sizeof f->title_ja, r->cve_id);
	with_cve(f->title_en, sizeof f->title_en, r->cve_id);
	snprintf(f->asset, sizeof f->asset, "%s", r->asset);
	/* subject and body name the same thing: the hostname when the asset names one, the
	 * body adding its address and port ("www.example.test、192.0.2.1:80/tcp") */
	finding_asset_name(r->asset, r->ip, f->host, sizeof f->host, &is_name);
	if (is_name && r->ip && *r->ip) {
		char addr[160];
		if (r->port > 0)
			snprintf(addr, sizeof addr, "%s:%d/%s", r->ip, r->port,
				 r->proto ? r->proto : "tcp");
		else
			snprintf(addr, sizeof addr, "%s", r->ip);
		snprintf(f->where_ja, sizeof f->where_ja, "%s、%s", f->host, addr);
		snprintf(f->where_en, sizeof f->where_en, "%s, %s", f->host, addr);
	} else if (strncmp(r->asset, "declared:", 9)) {
		snprintf(f->where_ja, sizeof f->where_ja, "%s", r->asset);
		snprintf(f->where_en, sizeof f->where_en, "%s", r->asset);
	}
	f->deadline = r->deadline;
	return 0;
}

/* Each target's place in the one fix-first order: the digest lists its items as the
 * dashboard, the report and the subject's "first" item do. */
struct ranks {
	struct target *v;
	size_t k;
	int64_t n;
};

static int rank_fn(void *arg, const struct finding_row *r)
{
	struct ranks *x = arg;

	for (size_t i = 0; i < x->k; i++)
		if (x->v[i].rank == INT64_MAX && r->issue_key &&
		    !strcmp(x->v[i].issue, r->issue_key))
			x->v[i].rank = x->n;
	x->n++;
	return 0;
}

static int item_cmp(const void *a, const void *b)
{
	const struct target *x = a, *y = b;

	if (x->urgent != y->urgent)
		return x->urgent ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	if ((x->deadline != 0) != (y->deadline != 0))
		return x->deadline ? -1 : 1;
	if (x->deadline != y->deadline)
		return x->deadline < y->deadline ? -1 : 1;
	return x->alert_id < y->alert_id ? -1 : x->alert_id > y->alert_id;
}

/* A tabletop-exercise inject (src/exercise, issue key "exercise:RUN:INJECT"). */
static bool is_exercise(const struct target *t)
{
	return !strncmp(t->issue, "exercise:", 9);
}

/* One digest mail for the k targets of one (address, operator), sorted urgent first. */
static int digest(struct store *s, struct target *v, size_t k, char **subject, char **body)
{
	struct org_names nm;
	struct first f = {0};
	struct buf sb, bb;
	long urgent = 0;
	int64_t nearest = 0;
	char dl[TIME_STR_MAX * 2 + 16] = "なし", dl_en[TIME_STR_MAX * 2 + 16] = "none",
				   fdl[TIME_STR_MAX] = "なし";
	struct merr e;
	int rc = 0;

	{
		struct ranks rk = {v, k, 0};
		for (size_t i = 0; i < k; i++)
			v[i].rank = INT64_MAX;
		merr_init(&e);
		finding_priority(s, v[0].org, 0, rank_fn, &rk, &e); /* none: by deadline */
	}
	qsort(v, k, sizeof *v, item_cmp);
	for (size_t i = 0; i < k; i++) {
		urgent += v[i].urgent;
		if (v[i].deadline && (!nearest || v[i].deadline < nearest))
			nearest = v[i].deadline;
	}
	org_names(s, v[0].org, &nm);
	merr_init(&e);
	finding_priority(s, v[0].org, 1, first_fn, &f, &e); /* none: the items speak alone */
	/* a declared product's "(host)" is the asset it was declared on, or no slot at all (the
	 * title already names the product) */
	if (f.found && !strncmp(f.asset, "declared:", 9)) {
		finding_declared_on(s, v[0].org, f.asset, f.host, sizeof f.host, &e);
		snprintf(f.where_ja, sizeof f.where_ja, "%s", f.host);
		snprintf(f.where_en, sizeof f.where_en, "%s", f.host);
	}
	if (f.found && f.deadline && (!nearest || f.deadline < nearest))
		nearest = f.deadline;
	if (nearest) {
		time_fmt_jst_date(nearest, dl);
		snprintf(dl_en, sizeof dl_en, "%s", dl);
	}
	if (f.found && f.deadline)
		time_fmt_jst_date(f.deadline, fdl);
	/* the deadline beside the fix-first item is that item's own; a nearer one of another
	 * item follows as such ("期限 2026-09-21、最短 2026-05-29") */
	if (f.found && f.deadline && nearest && nearest < f.deadline) {
		char near[TIME_STR_MAX];
		snprintf(near, sizeof near, "%.*s", TIME_STR_MAX - 1, dl);
		snprintf(dl, sizeof dl, "%s、最短 %s", fdl, near);
		snprintf(dl_en, sizeof dl_en, "%s, nearest %s", fdl, near);
	} else if (f.found && f.deadline) {
		snprintf(dl, sizeof dl, "%s", fdl);
		snprintf(dl_en, sizeof dl_en, "%s", fdl);
	}
	buf_init(&sb, 4096);
	buf_init(&bb, 1 << 16);
	/* subject: company, the worst item (product, host), the nearest deadline */
	if (f.found)
		rc = buf_addf(
		    &sb,
		    "[mamori] %s: %s%ld 件 — 最優先 %s%s%s%s 期限 %s / %s: %ld %s — first: "
		    "%s%s%s%s due %s",
		    nm.ja, urgent ? "緊急 " : "お知らせ ", urgent ? urgent : (long)k, f.title_ja,
		    f.host[0] ? " (" : "", f.host, f.host[0] ? ")" : "", dl, nm.en,
		    urgent ? urgent : (long)k, urgent ? "urgent" : "notice(s)", f.title_en,
		    f.host[0] ? " (" : "", f.host, f.host[0] ? ")" : "", dl_en);
	else
		rc = buf_addf(&sb, "[mamori] %s: お知らせ %ld 件 期限 %s / %s: %ld notices due %s",
			      nm.ja, (long)k, dl, nm.en, (long)k, dl_en);
	if (!rc)
		rc = buf_addf(
		    &bb,
		    "%s ご担当者様\n\n"
		    "mamori（重要インフラ事業者の外部診断）からのお知らせです。今回は %ld 件"
		    "（うち緊急 %ld 件）です。\n",
		    nm.ja, (long)k, urgent);
	if (!rc && f.found) { /* the body names the asset with its port; a declared product the
			       * asset it was declared on (the subject keeps the short host) */
		const char *where = f.where_ja;
		rc = buf_addf(&bb, "最優先で対応すべき指摘: %s%s%s%s 期限 %s\n", f.title_ja,
			      where[0] ? "（" : "", where, where[0] ? "）" : "", fdl);
	}
	for (size_t i = 0; !rc && i < k; i++) {
		struct parts p;
		split_body(v[i].body, &p);
		if (i == 0 && v[i].urgent)
			rc = buf_addf(&bb, "\n━━ 緊急（直ちに対応してください）━━\n");
		else if (!v[i].urgent && (i == 0 || v[i - 1].urgent))
			rc = buf_addf(&bb, "\n━━ 確認のお願い・注意喚起 ━━\n");
		if (!rc)
			rc = buf_addf(&bb, "\n[%zu] %.*s\n", i + 1, p.ja_n, p.ja);
		if (!rc && p.link)
			rc = buf_addf(&bb, "    確認はこちら: %.*s\n", p.link_n, p.link);
		else if (!rc)
			rc = buf_addf(
			    &bb, "    （コンソールの「警報・注意喚起」から確認してください）\n");
	}
	if (!rc)
		rc = buf_addf(&bb,
			      "\n---- English ----\nTo %s\n\nmamori (outside-in assessment of "
			      "critical infrastructure operators): %ld item(s), %ld urgent.\n",
			      nm.en, (long)k, urgent);
	if (!rc && f.found) {
		const char *where = f.where_en;
		rc =
		    buf_addf(&bb, "Fix first: %s%s%s%s, due %s\n", f.title_en, where[0] ? " (" : "",
			     where, where[0] ? ")" : "", f.deadline ? fdl : "none");
	}
	for (size_t i = 0; !rc && i < k; i++) {
		struct parts p;
		split_body(v[i].body, &p);
		rc = buf_addf(&bb, "\n[%zu] %.*s\n", i + 1, p.en_n, p.en ? p.en : "");
		if (!rc && p.link)
			rc = buf_addf(&bb, "    Acknowledge: %.*s\n", p.link_n, p.link);
		else if (!rc)
			rc = buf_addf(&bb, "    (acknowledge in the console: Alerts)\n");
	}
	if (rc) {
		buf_release(&sb);
		buf_release(&bb);
		return M_ENOMEM;
	}
	*subject = buf_detach(&sb, NULL);
	*body = buf_detach(&bb, NULL);
	return *subject && *body ? 0 : M_ENOMEM;
}

/* A daily-digest address already mailed today (JST): its targets wait for tomorrow. */
static bool held_today(struct store *s, const char *email, int64_t now)
{
	struct store_stmt *st = NULL;
	bool held = false;

	if (store_prepare(
		s,
		"SELECT max(t.delivered_at) FROM alert_contact_prefs p JOIN alert_targets t"
		" ON t.channel = 'email' AND t.target = p.email AND t.state = 'delivered'"
		" WHERE p.email = ? AND p.digest = 'daily'",
		&st, NULL))
		return false; /* table missing: no preference */
	stmt_bind_text(st, 1, email);
	if (stmt_step(st, NULL) == 1 && !stmt_is_null(st, 0))
		held = (stmt_int64(st, 0) + 9 * 3600) / 86400 == (now + 9 * 3600) / 86400;
	stmt_finalize(st);
	return held;
}

int alert_digest_set(struct store *s, const char *email, const char *mode, int64_t now,
		     struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc;

	if (!email || !alert_addr_ok(email))
		return merr_set(e, M_EINVAL, "bad e-mail address");
	if (!mode || (strcmp(mode, "run") && strcmp(mode, "daily")))
		return merr_set(e, M_EINVAL, "digest must be run or daily / run か daily を指定");
	rc = store_prepare(s,
			   "INSERT INTO alert_contact_prefs (email, digest, updated_at) VALUES"
			   " (?, ?, ?) ON CONFLICT (email) DO UPDATE SET digest = excluded.digest,"
			   " updated_at = excluded.updated_at",
			   &st, e);
	if (rc)
		return rc;
	stmt_bind_text(st, 1, email);
	stmt_bind_text(st, 2, mode);
	stmt_bind_int64(st, 3, now);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

int alert_deliver(struct store *s, const struct alert_conf *conf, int64_t now,
		  struct alert_run_stats *st, struct merr *e)
{
	struct store_stmt *q = NULL;
	struct target *v = NULL;
	size_t n = 0, cap = 0;
	int rc;

	memset(st, 0, sizeof *st);
	rc = store_prepare(
	    s,
	    "SELECT t.alert_id, t.channel, t.target, a.org_slug, a.issue_key, a.subject, a.body,"
	    " w.url, w.secret, t.attempts, a.urgent, coalesce(a.deadline, 0), a.what, a.host"
	    " FROM alert_targets t JOIN alerts a ON a.id = t.alert_id"
	    " LEFT JOIN alert_webhooks w ON t.channel = 'webhook' AND CAST(w.id AS TEXT) = t.target"
	    " WHERE t.state = 'pending' ORDER BY t.channel, t.target, a.org_slug,"
	    " a.issue_key LIKE 'exercise:%', t.alert_id",
	    &q, e);
	while (rc == 0 && n < DELIVER_MAX && (rc = stmt_step(q, e)) == 1) {
		rc = 0;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct target *nv = m_realloc(v, nc * sizeof *nv);
			if (!nv) {
				rc = merr_set(e, M_ENOMEM, "out of memory");
				break;
			}
			v = nv;
			cap = nc;
		}
		struct target *t = &v[n++];
		memset(t, 0, sizeof *t);
		t->alert_id = stmt_int64(q, 0);
		snprintf(t->channel, sizeof t->channel, "%s", stmt_text(q, 1));
		snprintf(t->target, sizeof t->target, "%s", stmt_text(q, 2));
		snprintf(t->org, sizeof t->org, "%s", stmt_text(q, 3));
		snprintf(t->issue, sizeof t->issue, "%s", stmt_text(q, 4));
		t->subject = dup_col(q, 5);
		t->body = dup_col(q, 6);
		t->url = dup_col(q, 7);
		t->secret = dup_col(q, 8);
		t->attempts = (int)stmt_int64(q, 9);
		t->urgent = stmt_int64(q, 10) != 0;
		t->deadline = stmt_int64(q, 11);
		t->what = dup_col(q, 12);
		t->host = dup_col(q, 13);
		if (!t->subject || !t->body)
			rc = merr_set(e, M_ENOMEM, "out of memory");
	}
	stmt_finalize(q);
	if (rc > 0)
		rc = 0;
	/* Each group commits on its own: a crash after a send loses at most that state. */
	for (size_t i = 0; i < n && rc == 0;) {
		size_t k = 1;
		if (strcmp(v[i].channel, "email") == 0 && is_exercise(&v[i])) {
			/* an exercise inject (issue 17) is its own mail, 【訓練】 in its subject and
			 * body, never folded into a digest with real notices nor held a day */
			rc = deliver_group(s, conf, &v[i], 1, v[i].subject, v[i].body, now, st, e);
		} else if (strcmp(v[i].channel, "email") == 0) {
			while (i + k < n && !strcmp(v[i + k].channel, "email") &&
			       !is_exercise(&v[i + k]) && !strcmp(v[i + k].target, v[i].target) &&
			       !strcmp(v[i + k].org, v[i].org))
				k++;
			if (held_today(s, v[i].target, now)) {
				st->held += (long)k;
				i += k;
				continue;
			}
			char *subj = NULL, *body = NULL;
			rc = digest(s, &v[i], k, &subj, &body);
			if (rc == 0)
				rc = deliver_group(s, conf, &v[i], k, subj, body, now, st, e);
			else
				rc = merr_set(e, rc, "composing digest");
			m_free(subj);
			m_free(body);
		} else {
			rc = deliver_group(s, conf, &v[i], 1, v[i].subject, v[i].body, now, st, e);
		}
		i += k;
	}
	for (size_t i = 0; i < n; i++)
		target_free(&v[i]);
	m_free(v);
	st->pending = st->failed - st->dead;
	return rc < 0 ? rc : 0;
}

int alert_webhook_add(struct store *s, const char *org, const char *url, const char *secret,
		      int64_t now, int64_t *id, struct merr *e)
{
	struct store_stmt *st = NULL;
	int64_t n = 0;
	int rc;

	if ((rc = alert_webhook_url_check(url, e)))
		return rc;
	if (!secret || strlen(secret) < 8 || !alert_header_ok(secret))
		return merr_set(e, M_EINVAL, "webhook secret must be at least 8 printable bytes");
	if ((rc = store_prepare(s, "SELECT count(*) FROM orgs WHERE slug = ?", &st, e)))
		return rc;
	stmt_bind_text(st, 1, org);
	if (stmt_step(st, e) == 1)
		n = stmt_int64(st, 0);
	stmt_finalize(st);
	if (n == 0)
		return merr_set(e, M_ENOTFOUND, "no organisation %s", org);
	rc = store_prepare(s,
			   "INSERT INTO alert_webhooks (org_slug, url, secret, created_at)"
			   " VALUES (?, ?, ?, ?) RETURNING id",
			   &st, e);
	if (rc)
		return rc;
	stmt_bind_text(st, 1, org);
	stmt_bind_text(st, 2, url);
	stmt_bind_text(st, 3, secret);
	stmt_bind_int64(st, 4, now);
	rc = stmt_step(st, e);
	if (rc == 1 && id)
		*id = stmt_int64(st, 0);
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

int alert_failed_list(struct store *s, alert_failed_fn fn, void *arg, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(
	    s,
	    "SELECT t.alert_id, a.org_slug, a.issue_key, t.channel, t.target, t.attempts,"
	    " t.failed_runs, coalesce(t.first_failed_at, 0), coalesce(t.dead_at, 0),"
	    " coalesce((SELECT d.error FROM alert_deliveries d WHERE d.alert_id = t.alert_id"
	    "   AND d.channel = t.channel AND d.target = t.target ORDER BY d.id DESC LIMIT 1), '')"
	    " FROM alert_targets t JOIN alerts a ON a.id = t.alert_id WHERE t.state = 'dead'"
	    " ORDER BY t.alert_id, t.channel, t.target",
	    &st, e);
	while (rc == 0 && (rc = stmt_step(st, e)) == 1) {
		struct alert_failed r = {stmt_int64(st, 0), stmt_text(st, 1),  stmt_text(st, 2),
					 stmt_text(st, 3),  stmt_text(st, 4),  stmt_int64(st, 5),
					 stmt_int64(st, 6), stmt_int64(st, 7), stmt_int64(st, 8),
					 stmt_text(st, 9)};
		rc = 0;
		fn(&r, arg);
	}
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

int alert_retry(struct store *s, int64_t alert_id, long *revived, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(s,
			       "UPDATE alert_targets SET state = 'pending', failed_runs = 0,"
			       " first_failed_at = NULL, dead_at = NULL"
			       " WHERE alert_id = ? AND state = 'dead' RETURNING target",
			       &st, e);
	*revived = 0;
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, alert_id);
	while ((rc = stmt_step(st, e)) == 1)
		(*revived)++;
	stmt_finalize(st);
	if (rc < 0)
		return rc;
	return *revived
		   ? 0
		   : merr_set(e, M_ENOTFOUND, "alert %lld has no dead target", (long long)alert_id);
}
