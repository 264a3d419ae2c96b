/*
 * deliver.c - sends pending alert targets: e-mail via libcurl SMTP (STARTTLS opportunistic or
 * required), webhooks as signed JSON POSTs; bounded retries, every attempt logged, a target
 * marked delivered only after the server accepted it (so never lost, never sent twice).
 */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <string.h>
#include <time.h>

#include "base/curl_lazy.h"
#include "alert/alert.h"
#include "base/mem.h"

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
	curl_easy_setopt(h, CURLOPT_USE_SSL, conf->require_tls ? CURLUSESSL_ALL : CURLUSESSL_TRY);
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
	int rc = store_prepare(s,
			       "UPDATE alert_targets SET state = ?, attempts = ?,"
			       " delivered_at = CASE WHEN ? = 'delivered' THEN ? END"
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
}

/* One target: up to max_attempts tries with doubling backoff, each logged. */
static int deliver_one(struct store *s, const struct alert_conf *conf, struct target *t,
		       int64_t now, struct alert_run_stats *st, struct merr *e)
{
	int tries = conf->max_attempts < 1 ? 1 : conf->max_attempts > 5 ? 5 : conf->max_attempts;
	long delay = conf->backoff_ms < 0 ? 0 : conf->backoff_ms > 2000 ? 2000 : conf->backoff_ms;
	char err[512];
	int rc = 0;

	for (int i = 0; i < tries; i++) {
		bool refused = false;
		int ok;
		err[0] = 0;
		if (strcmp(t->channel, "email") == 0)
			ok = conf->smtp_url ? send_mail(conf, t, now, err, sizeof err, &refused)
					    : -1;
		else
			ok = t->url ? send_hook(conf, t, err, sizeof err) : -1;
		if (strcmp(t->channel, "email") == 0 && !conf->smtp_url)
			snprintf(err, sizeof err, "no SMTP server configured");
		t->attempts++;
		rc = log_attempt(s, t, t->attempts, now,
				 ok == 0   ? "ok"
				 : refused ? "refused"
					   : "error",
				 err, e);
		if (rc)
			return rc;
		if (ok == 0 || refused) {
			if (ok == 0)
				st->delivered++;
			else
				st->refused++;
			return set_state(s, t, ok == 0 ? "delivered" : "refused", t->attempts, now,
					 e);
		}
		if (i + 1 < tries)
			sleep_ms(delay << i);
	}
	st->failed++;
	/* No SMTP server given is the operator's configuration, not the target failing. */
	if (strcmp(t->channel, "email") == 0 && !conf->smtp_url)
		return set_state(s, t, "pending", t->attempts, now, e);
	return fail_run(s, conf, t, now, st, e);
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
	    " w.url, w.secret, t.attempts FROM alert_targets t JOIN alerts a ON a.id = t.alert_id"
	    " LEFT JOIN alert_webhooks w ON t.channel = 'webhook' AND CAST(w.id AS TEXT) = t.target"
	    " WHERE t.state = 'pending' ORDER BY t.alert_id, t.channel, t.target",
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
		if (!t->subject || !t->body)
			rc = merr_set(e, M_ENOMEM, "out of memory");
	}
	stmt_finalize(q);
	if (rc > 0)
		rc = 0;
	/* Each target commits on its own: a crash after a send loses at most that state. */
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = deliver_one(s, conf, &v[i], now, st, e);
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
