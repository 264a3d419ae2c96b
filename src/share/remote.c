/* remote.c - the TAXII 2.1 client: pull a partner's collection into a local one (following
 * next, keeping the cursor in the store after every page so a crash resumes without
 * re-importing), push local objects to a partner that takes writes. libcurl, TLS verified
 * (optionally against --cacert), bounded retries with backoff. */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <time.h>

#include "base/buf.h"
#include "base/curl_lazy.h"
#include "base/mtime.h"
#include "job/job.h"
#include "share/share.h"

#define TAXII_MT "application/taxii+json;version=2.1"
#define PAGE_LIMIT 1000
#define MAX_PAGES 100000
#define ATTEMPTS 4

static bool name_ok(const char *a)
{
	size_t n = strlen(a);
	if (n == 0 || n >= 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((a[i] >= 'a' && a[i] <= 'z') || (a[i] >= '0' && a[i] <= '9') ||
		      strchr("._-", a[i])))
			return false;
	return true;
}

int share_remote_add(struct store *s, const struct share_remote *r, struct merr *e)
{
	struct share_collection c;
	struct store_stmt *st;
	char url[sizeof(((struct share_remote *)0)->url) + 1]; /* the root and its "/" */
	int rc;

	if (!name_ok(r->name))
		return merr_at(e, M_EINVAL, NULL, -1, -1, "name", "'%s' is not [a-z0-9._-]{1,63}",
			       r->name);
	if (strncmp(r->url, "https://", 8) != 0 && strncmp(r->url, "http://", 7) != 0)
		return merr_at(e, M_EINVAL, NULL, -1, -1, "url",
			       "an http(s):// API root is needed");
	if (strpbrk(r->url, " \r\n\t?#"))
		return merr_at(e, M_EINVAL, NULL, -1, -1, "url", "no spaces, query or fragment");
	if (!r->collection[0] || strpbrk(r->collection, "/?#% "))
		return merr_at(e, M_EINVAL, NULL, -1, -1, "collection",
			       "a collection id is needed");
	if (r->password_env[0] && !r->user[0])
		return merr_at(e, M_EINVAL, NULL, -1, -1, "user", "--password-env needs --user");
	snprintf(url, sizeof(url), "%s%s", r->url, r->url[strlen(r->url) - 1] == '/' ? "" : "/");
	if (share_collection_get(s, r->into[0] ? r->into : r->name, &c, NULL)) {
		struct share_collection nc = {.tlp = SHARE_TLP_AMBER};
		snprintf(nc.alias, sizeof(nc.alias), "%s", r->into[0] ? r->into : r->name);
		snprintf(nc.title, sizeof(nc.title), "TAXII %s (%.180s)", r->name, url);
		if ((rc = share_collection_add(s, &nc, time(NULL), e)) ||
		    (rc = share_collection_get(s, nc.alias, &c, e)))
			return rc;
	}
	if ((rc =
		 store_prepare(s,
			       "INSERT INTO share_remotes (name, url, collection, into_collection, "
			       "user, password_env, cacert) VALUES (?, ?, ?, ?, ?, ?, ?)",
			       &st, e)))
		return rc;
	stmt_bind_text(st, 1, r->name);
	stmt_bind_text(st, 2, url);
	stmt_bind_text(st, 3, r->collection);
	stmt_bind_text(st, 4, c.id);
	stmt_bind_text(st, 5, r->user[0] ? r->user : NULL);
	stmt_bind_text(st, 6, r->password_env[0] ? r->password_env : NULL);
	stmt_bind_text(st, 7, r->cacert[0] ? r->cacert : NULL);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	if (rc < 0 && e && strstr(e->msg, "UNIQUE")) {
		merr_init(e);
		return merr_at(e, M_EEXIST, NULL, -1, -1, "name", "remote '%s' exists", r->name);
	}
	return rc < 0 ? rc : 0;
}

static int load(struct store *s, const char *name, struct share_remote *r, struct merr *e)
{
	struct store_stmt *st;
	int rc;

	memset(r, 0, sizeof(*r));
	if ((rc =
		 store_prepare(s,
			       "SELECT r.name, r.url, r.collection, c.alias, COALESCE(r.user, ''), "
			       "COALESCE(r.password_env, ''), COALESCE(r.cacert, ''), "
			       "COALESCE(r.added_after, ''), COALESCE(r.next, ''), r.push_date, "
			       "r.push_seq FROM share_remotes r JOIN share_collections c ON c.id = "
			       "r.into_collection WHERE r.name = ?",
			       &st, e)))
		return rc;
	stmt_bind_text(st, 1, name);
	rc = stmt_step(st, e);
	if (rc == 1) {
		snprintf(r->name, sizeof(r->name), "%s", stmt_text(st, 0));
		snprintf(r->url, sizeof(r->url), "%s", stmt_text(st, 1));
		snprintf(r->collection, sizeof(r->collection), "%s", stmt_text(st, 2));
		snprintf(r->into, sizeof(r->into), "%s", stmt_text(st, 3));
		snprintf(r->user, sizeof(r->user), "%s", stmt_text(st, 4));
		snprintf(r->password_env, sizeof(r->password_env), "%s", stmt_text(st, 5));
		snprintf(r->cacert, sizeof(r->cacert), "%s", stmt_text(st, 6));
		snprintf(r->added_after, sizeof(r->added_after), "%s", stmt_text(st, 7));
		snprintf(r->next, sizeof(r->next), "%s", stmt_text(st, 8));
		r->push_date = stmt_int64(st, 9);
		r->push_seq = stmt_int64(st, 10);
	}
	stmt_finalize(st);
	if (rc < 0)
		return rc;
	return rc == 1 ? 0
		       : merr_at(e, M_ENOTFOUND, NULL, -1, -1, "remote", "no remote '%s'", name);
}

/* ---- HTTP ------------------------------------------------------------------------------- */

struct resp {
	struct buf body;
	char last[64]; /* X-TAXII-Date-Added-Last */
	long retry_after;
};

static size_t on_body(char *p, size_t sz, size_t n, void *arg)
{
	struct resp *x = arg;
	return buf_add(&x->body, p, sz * n) ? 0 : sz * n;
}

static size_t on_header(char *p, size_t sz, size_t n, void *arg)
{
	struct resp *x = arg;
	size_t len = sz * n;
	static const char h1[] = "x-taxii-date-added-last:", h2[] = "retry-after:";

	if (len > sizeof(h1) && strncasecmp(p, h1, sizeof(h1) - 1) == 0) {
		const char *v = p + sizeof(h1) - 1;
		size_t k = 0;
		while (*v == ' ')
			v++;
		while (k < sizeof(x->last) - 1 && v + k < p + len && v[k] != '\r' && v[k] != '\n')
			k++;
		memcpy(x->last, v, k);
		x->last[k] = '\0';
	} else if (len > sizeof(h2) && strncasecmp(p, h2, sizeof(h2) - 1) == 0) {
		x->retry_after = strtol(p + sizeof(h2) - 1, NULL, 10);
	}
	return len;
}

/* One request with bounded retries (network errors, 429, 5xx): *status and x filled. */
static int http(const struct share_remote *r, const char *method, const char *url, const char *body,
		size_t body_len, long *status, struct resp *x, struct merr *e)
{
	const char *pw = r->password_env[0] ? getenv(r->password_env) : NULL;
	long backoff_ms = 500;

	if (lazy_curl_global_init()) /* once per process, whichever thread comes first */
		return merr_set(e, M_ENOMEM, "cannot start libcurl");
	if (r->password_env[0] && !pw)
		return merr_at(e, M_EINVAL, NULL, -1, -1, "password_env", "$%s is not set",
			       r->password_env);
	for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
		CURL *h = curl_easy_init();
		struct curl_slist *hl = NULL;
		CURLcode cc;

		if (!h)
			return merr_set(e, M_ENOMEM, "curl_easy_init failed");
		buf_reset(&x->body);
		x->last[0] = '\0';
		x->retry_after = 0;
		hl = curl_slist_append(hl, "Accept: " TAXII_MT);
		if (body)
			hl = curl_slist_append(hl, "Content-Type: " TAXII_MT);
		curl_easy_setopt(h, CURLOPT_URL, url);
		curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
		curl_easy_setopt(h, CURLOPT_TIMEOUT, 120L);
		curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 20L);
		curl_easy_setopt(h, CURLOPT_USERAGENT, "mamori/" MAMORI_VERSION " taxii2");
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
		curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
		curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
		curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
		if (r->cacert[0])
			curl_easy_setopt(h, CURLOPT_CAINFO, r->cacert);
		if (r->user[0]) {
			curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
			curl_easy_setopt(h, CURLOPT_USERNAME, r->user);
			curl_easy_setopt(h, CURLOPT_PASSWORD, pw ? pw : "");
		}
		if (body) {
			curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
			curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
		}
		if (strcmp(method, "GET") != 0 && !body)
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
		cc = curl_easy_perform(h);
		*status = 0;
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
		curl_easy_cleanup(h);
		curl_slist_free_all(hl);
		if (cc == CURLE_OK && *status != 429 && *status < 500)
			return 0;
		if (attempt == ATTEMPTS) {
			if (cc != CURLE_OK)
				return merr_at(e, M_ENET, NULL, -1, -1, "url", "%s: %s", url,
					       curl_easy_strerror(cc));
			return 0; /* the caller reports the status */
		}
		{
			long ms = x->retry_after > 0 && x->retry_after <= 10 ? x->retry_after * 1000
									     : backoff_ms;
			struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
			nanosleep(&ts, NULL);
			backoff_ms *= 2;
		}
	}
	return 0;
}

static int save_cursor(struct store *s, const char *name, const char *added_after, const char *next,
		       struct merr *e)
{
	struct store_stmt *st;
	int rc;

	if ((rc = store_prepare(
		 s,
		 "UPDATE share_remotes SET added_after = COALESCE(?, added_after), next = "
		 "?, last_pull = strftime('%s', 'now') WHERE name = ?",
		 &st, e)))
		return rc;
	stmt_bind_text(st, 1, added_after && *added_after ? added_after : NULL);
	stmt_bind_text(st, 2, next && *next ? next : NULL);
	stmt_bind_text(st, 3, name);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

static void pct(struct buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("-._~", c))
			buf_addc(b, (char)c);
		else
			buf_addf(b, "%%%02X", c);
	}
}

/* The partner collection's objects endpoint: the remote's URL, collections/COLLECTION/objects/ */
static void objects_url(struct buf *url, const struct share_remote *r)
{
	buf_addf(url, "%scollections/", r->url);
	pct(url, r->collection);
	buf_adds(url, "/objects/");
}

int share_pull(struct store *s, const char *name, struct share_pull_stats *st, struct merr *e)
{
	struct share_remote r;
	struct share_collection c;
	struct resp x;
	struct buf url;
	int rc;

	memset(st, 0, sizeof(*st));
	if ((rc = load(s, name, &r, e)) || (rc = share_collection_get(s, r.into, &c, e)))
		return rc;
	buf_init(&x.body, (size_t)256 << 20);
	buf_init(&url, 8192);
	for (int page = 0; page < MAX_PAGES; page++) {
		struct share_import_result res;
		cJSON *o;
		bool more;
		char nx[512] = "";
		long status;

		buf_reset(&url);
		objects_url(&url, &r);
		buf_addf(&url, "?limit=%d", PAGE_LIMIT);
		if (r.next[0]) {
			buf_adds(&url, "&next=");
			pct(&url, r.next);
		} else if (r.added_after[0]) {
			buf_adds(&url, "&added_after=");
			pct(&url, r.added_after);
		}
		if ((rc = http(&r, "GET", buf_str(&url), NULL, 0, &status, &x, e)))
			break;
		if (status == 400 && r.next[0]) {
			/* the partner forgot our walk: start again from added_after */
			r.next[0] = '\0';
			if ((rc = save_cursor(s, name, NULL, NULL, e)))
				break;
			continue;
		}
		if (status != 200) {
			rc = merr_at(
			    e, status == 401 || status == 403 || status == 404 ? M_EPERM : M_ENET,
			    NULL, -1, -1, "status", "%s answered HTTP %ld", buf_str(&url), status);
			break;
		}
		st->pages++;
		/* store the page and its cursor in one transaction: a crash resumes after it */
		if ((rc = store_begin_immediate(s, e)))
			break;
		rc = share_import(s, &c, x.body.ptr ? x.body.ptr : "{}", x.body.len,
				  SHARE_IMPORT_ENVELOPE, &res, e);
		if (rc) {
			store_rollback(s);
			break;
		}
		st->objects += res.n;
		st->stored += res.n_ok;
		st->refused += res.n_failed;
		st->indicators += res.n_indicators;
		share_import_result_free(&res);
		o = cJSON_ParseWithLength(x.body.ptr ? x.body.ptr : "{}", x.body.len);
		more = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "more"));
		{
			cJSON *n = cJSON_GetObjectItemCaseSensitive(o, "next");
			if (more && cJSON_IsString(n) && strlen(n->valuestring) < sizeof(nx))
				snprintf(nx, sizeof(nx), "%s", n->valuestring);
		}
		cJSON_Delete(o);
		rc = save_cursor(s, name, x.last, nx, e);
		if (rc == 0)
			rc = store_commit(s, e);
		else
			store_rollback(s);
		if (rc)
			break;
		if (x.last[0])
			snprintf(r.added_after, sizeof(r.added_after), "%s", x.last);
		snprintf(r.next, sizeof(r.next), "%s", nx);
		if (!more)
			break;
		if (!nx[0] && !x.last[0])
			break; /* more, but nothing to continue from: stop rather than loop */
	}
	buf_release(&url);
	buf_release(&x.body);
	return rc;
}

/* POSTs the envelope env to url: M_EPERM (401, 403, 404) or M_ENET unless the partner answers
 * 202; x gets its status resource. */
static int post_objects(const struct share_remote *r, const char *url, const struct buf *env,
			struct resp *x, struct merr *e)
{
	long status;
	int rc = http(r, "POST", url, env->ptr, env->len, &status, x, e);

	if (rc == 0 && status != 202)
		rc = merr_at(e, status == 401 || status == 403 || status == 404 ? M_EPERM : M_ENET,
			     NULL, -1, -1, "status", "%s answered HTTP %ld: %.200s", url, status,
			     x->body.ptr ? x->body.ptr : "");
	return rc;
}

/* How far pushing has come (sightings: share_push_sightings' own mark): the last object sent. */
static int mark_sent(struct store *s, const char *name, bool sightings, int64_t date, int64_t seq,
		     struct merr *e)
{
	struct store_stmt *up = NULL;
	int rc =
	    store_prepare(s,
			  sightings ? "UPDATE share_remotes SET sight_date = ?, sight_seq = ?, "
				      "last_push = strftime('%s', 'now') WHERE name = ?"
				    : "UPDATE share_remotes SET push_date = ?, push_seq = ?, "
				      "last_push = strftime('%s', 'now') WHERE name = ?",
			  &up, e);

	if (rc)
		return rc;
	stmt_bind_int64(up, 1, date);
	stmt_bind_int64(up, 2, seq);
	stmt_bind_text(up, 3, name);
	rc = stmt_step(up, e);
	stmt_finalize(up);
	return rc < 0 ? rc : 0;
}

struct push {
	struct buf *env;
	size_t n;
	int64_t date, seq;
};

static int push_row(const struct share_row *row, void *arg)
{
	struct push *p = arg;
	if (p->n++)
		buf_addc(p->env, ',');
	buf_add(p->env, row->raw, row->raw_len);
	p->date = row->date_added;
	p->seq = row->seq;
	return 0;
}

int share_push(struct store *s, const char *name, struct share_pull_stats *st, struct merr *e)
{
	struct share_remote r;
	struct share_collection c;
	struct resp x;
	struct buf env, url;
	int rc;

	memset(st, 0, sizeof(*st));
	if ((rc = load(s, name, &r, e)) || (rc = share_collection_get(s, r.into, &c, e)))
		return rc;
	buf_init(&x.body, (size_t)16 << 20);
	buf_init(&env, (size_t)256 << 20);
	buf_init(&url, 8192);
	objects_url(&url, &r);
	for (int page = 0; page < MAX_PAGES; page++) {
		struct share_query q;
		struct push p = {.env = &env};
		bool more;

		share_query_init(&q, SHARE_V_ALL);
		q.limit = 500;
		q.cursor_date = r.push_date;
		q.cursor_seq = r.push_seq;
		buf_reset(&env);
		buf_adds(&env, "{\"objects\":[");
		if ((rc = share_query_run(s, &c, &q, push_row, &p, &more, e)))
			break;
		if (p.n == 0)
			break;
		buf_adds(&env, "]}");
		if ((rc = post_objects(&r, buf_str(&url), &env, &x, e)))
			break;
		st->pages++;
		st->objects += p.n;
		{
			cJSON *o = cJSON_ParseWithLength(x.body.ptr, x.body.len);
			cJSON *ok = cJSON_GetObjectItemCaseSensitive(o, "success_count");
			cJSON *bad = cJSON_GetObjectItemCaseSensitive(o, "failure_count");
			st->stored += cJSON_IsNumber(ok) ? (int64_t)ok->valuedouble : 0;
			st->refused += cJSON_IsNumber(bad) ? (int64_t)bad->valuedouble : 0;
			cJSON_Delete(o);
		}
		r.push_date = p.date;
		r.push_seq = p.seq;
		if ((rc = mark_sent(s, name, false, p.date, p.seq, e)))
			break;
		if (!more)
			break;
	}
	buf_release(&url);
	buf_release(&env);
	buf_release(&x.body);
	return rc;
}

/* ---- sightings sent back, scheduled pulls ------------------------------------------------ */

int share_push_sightings(struct store *s, const char *name, struct share_pull_stats *st,
			 struct merr *e)
{
	struct share_remote r;
	struct share_collection c;
	struct store_stmt *q = NULL;
	struct resp x;
	struct buf env, url;
	int64_t date = 0, seq = 0;
	int rc;

	memset(st, 0, sizeof(*st));
	if ((rc = load(s, name, &r, e)) || (rc = share_collection_get(s, r.into, &c, e)))
		return rc;
	if ((rc = store_prepare(s, "SELECT sight_date, sight_seq FROM share_remotes WHERE name = ?",
				&q, e)))
		return rc;
	stmt_bind_text(q, 1, name);
	if ((rc = stmt_step(q, e)) == 1) {
		date = stmt_int64(q, 0);
		seq = stmt_int64(q, 1);
	}
	stmt_finalize(q);
	if (rc < 0)
		return rc;
	buf_init(&x.body, (size_t)16 << 20);
	buf_init(&env, (size_t)64 << 20);
	buf_init(&url, 8192);
	objects_url(&url, &r);
	for (int page = 0; page < MAX_PAGES; page++) {
		size_t n = 0;

		/* only mamori's own sightings (share_sightings), not objects pulled from anyone */
		if ((rc = store_prepare(
			 s,
			 "SELECT o.seq, o.date_added, o.raw FROM share_objects o WHERE "
			 "o.collection_id = ?1 AND o.type = 'sighting' AND o.stix_id IN (SELECT "
			 "sighting_id FROM share_sightings WHERE collection_id = ?1) AND "
			 "(o.date_added > ?2 OR (o.date_added = ?2 AND o.seq > ?3)) ORDER BY "
			 "o.date_added, o.seq LIMIT 500",
			 &q, e)))
			break;
		stmt_bind_text(q, 1, c.id);
		stmt_bind_int64(q, 2, date);
		stmt_bind_int64(q, 3, seq);
		buf_reset(&env);
		buf_adds(&env, "{\"objects\":[");
		while ((rc = stmt_step(q, e)) == 1) {
			if (n++)
				buf_addc(&env, ',');
			seq = stmt_int64(q, 0);
			date = stmt_int64(q, 1);
			buf_adds(&env, stmt_text(q, 2));
		}
		stmt_finalize(q);
		if (rc < 0 || n == 0)
			break;
		buf_adds(&env, "]}");
		if ((rc = post_objects(&r, buf_str(&url), &env, &x, e)))
			break;
		st->pages++;
		st->objects += (int64_t)n;
		if ((rc = mark_sent(s, name, true, date, seq, e)))
			break;
		if (n < 500)
			break;
	}
	buf_release(&url);
	buf_release(&env);
	buf_release(&x.body);
	return rc < 0 ? rc : 0;
}

int share_sync(struct store *s, const char *name, int64_t now, const char *ack_base,
	       struct share_sync_stats *st, struct merr *e)
{
	int rc;

	memset(st, 0, sizeof(*st));
	if ((rc = share_pull(s, name, &st->pulled, e)))
		return rc;
	if (st->pulled.indicators && (rc = share_match_run(s, now, ack_base, &st->matched, e)))
		return rc;
	return share_push_sightings(s, name, &st->sent, e);
}

/* Queues the pull of remote name for the period starting at period * interval. */
static int queue_pull(struct store *s, const char *name, int64_t interval, int64_t period,
		      int64_t now, struct merr *e)
{
	char key[160], subject[96], payload[160];
	struct job_spec j = {0};
	struct merr je;
	int64_t id;
	int rc;

	snprintf(key, sizeof(key), "share-pull:%s:%lld", name, (long long)period);
	snprintf(subject, sizeof(subject), "share-pull:%s", name);
	snprintf(payload, sizeof(payload), "{\"remote\":\"%s\"}", name); /* name is [a-z0-9._-] */
	j.kind = "share-pull";
	j.subject = subject;
	j.payload = payload;
	j.key = key;
	j.now = now;
	j.not_before = period * interval;
	merr_init(&je);
	rc = job_submit(s, &j, &id, &je);
	if (rc == M_EEXIST)
		return 0; /* this period's pull is queued already */
	if (rc && e)
		*e = je;
	return rc;
}

int share_pull_schedule(struct store *s, int64_t now, struct merr *e)
{
	struct store_stmt *q;
	struct {
		char name[64];
		int64_t interval, period;
	} due[64];
	size_t n = 0;
	int rc;

	if ((rc = store_prepare(s,
				"SELECT name, pull_interval, pull_period FROM share_remotes WHERE "
				"pull_interval > 0 ORDER BY name",
				&q, e)))
		return rc;
	while ((rc = stmt_step(q, e)) == 1 && n < ARRAY_SIZE(due)) {
		int64_t iv = stmt_int64(q, 1);
		if (stmt_int64(q, 2) >= now / iv)
			continue; /* this period was pulled */
		snprintf(due[n].name, sizeof(due[n].name), "%s", stmt_text(q, 0));
		due[n].interval = iv;
		due[n++].period = now / iv;
	}
	stmt_finalize(q);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < n; i++)
		if ((rc = queue_pull(s, due[i].name, due[i].interval, due[i].period, now, e)))
			return rc;
	return 0;
}

int share_remote_set_interval(struct store *s, const char *name, int64_t interval, int64_t now,
			      struct merr *e)
{
	struct store_stmt *st;
	int rc;

	if (interval < 0 || interval > 366 * 86400)
		return merr_at(e, M_EINVAL, NULL, -1, -1, "pull-interval",
			       "seconds between 0 and a year");
	if ((rc = store_prepare(s, "UPDATE share_remotes SET pull_interval = ? WHERE name = ?", &st,
				e)))
		return rc;
	stmt_bind_int64(st, 1, interval);
	stmt_bind_text(st, 2, name);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	if (rc < 0)
		return rc;
	if (store_changes(s) == 0)
		return merr_at(e, M_ENOTFOUND, NULL, -1, -1, "remote", "no remote '%s'", name);
	return interval ? share_pull_schedule(s, now, e) : 0;
}

/* The job kind "share-pull": queues the next period first (a failure never ends the chain),
 * then pulls once per period, matches, and sends mamori's sightings back. */
int share_pull_job(struct job_ctx *x, struct store *s, const struct cJSON *payload, struct merr *e)
{
	const cJSON *nm = cJSON_GetObjectItemCaseSensitive(payload, "remote");
	struct share_sync_stats st;
	struct store_stmt *q;
	int64_t now = time_now(), iv = 0, last = -1, period;
	char note[256];
	int rc;

	if (!cJSON_IsString(nm))
		return merr_set(e, M_EPARSE, "share-pull job: payload wants remote");
	if ((rc = store_prepare(
		 s, "SELECT pull_interval, pull_period FROM share_remotes WHERE name = ?", &q, e)))
		return rc;
	stmt_bind_text(q, 1, nm->valuestring);
	if ((rc = stmt_step(q, e)) == 1) {
		iv = stmt_int64(q, 0);
		last = stmt_int64(q, 1);
	}
	stmt_finalize(q);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return merr_at(e, M_ENOTFOUND, NULL, -1, -1, "remote", "no remote '%s'",
			       nm->valuestring);
	if (iv <= 0) {
		job_note(x, "no pull interval: not scheduled / 定期取得なし");
		return 0;
	}
	period = now / iv;
	if ((rc = queue_pull(s, nm->valuestring, iv, period + 1, now, e)))
		return rc;
	if (last >= period) {
		job_note(x, "this period was pulled already / この周期は取得済み");
		return 0;
	}
	if ((rc = share_sync(s, nm->valuestring, now, NULL, &st, e)))
		return rc;
	if ((rc = store_prepare(s, "UPDATE share_remotes SET pull_period = ? WHERE name = ?", &q,
				e)))
		return rc;
	stmt_bind_int64(q, 1, period);
	stmt_bind_text(q, 2, nm->valuestring);
	rc = stmt_step(q, e);
	stmt_finalize(q);
	if (rc < 0)
		return rc;
	snprintf(note, sizeof(note),
		 "取得 %lld 件 (保存 %lld)、一致 %lld 件、目撃情報の送信 %lld 件 / pulled %lld "
		 "(stored %lld), %lld sightings, %lld sent back",
		 (long long)st.pulled.objects, (long long)st.pulled.stored,
		 (long long)st.matched.sightings, (long long)st.sent.objects,
		 (long long)st.pulled.objects, (long long)st.pulled.stored,
		 (long long)st.matched.sightings, (long long)st.sent.objects);
	job_note(x, note);
	return 0;
}
