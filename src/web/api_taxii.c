/* api_taxii.c - the TAXII 2.1 server (issue #21): API root, collections, manifest, objects,
 * object, versions, status, over src/share. Every answer, errors included, is
 * application/taxii+json;version=2.1; objects go out as the exact bytes they came in. */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <sodium.h>
#include <unistd.h>

#include "base/mem.h"
#include "share/share.h"
#include "web/web_int.h"

#define TAXII_MT "application/taxii+json;version=2.1"
#define STIX_MT "application/stix+json;version=2.1"

void web_taxii_error(struct web_req *r, int http_status, const char *code_name, const char *message)
{
	cJSON *o = cJSON_CreateObject();
	char st[8];

	snprintf(st, sizeof(st), "%d", http_status);
	cJSON_AddStringToObject(o, "title", code_name);
	cJSON_AddStringToObject(o, "description", message);
	cJSON_AddStringToObject(o, "error_code", code_name);
	cJSON_AddStringToObject(o, "http_status", st);
	if (web_json_reply(r, http_status, o))
		r->status = 500;
	r->ctype = TAXII_MT;
	r->taxii_first[0] = r->taxii_last[0] = '\0';
}

static int fail(struct web_req *r, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(struct web_req *r, int status, const char *code, const char *fmt, ...)
{
	char msg[700];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	web_taxii_error(r, status, code, msg);
	return 0;
}

void web_taxii_basic(struct web_req *r)
{
	unsigned char dec[AUTH_NAME_MAX + AUTH_PASSWORD_MAX + 4];
	size_t n = 0;
	const char *b64 = r->authorization + 6;
	char *colon;
	int64_t retry = 0;
	struct merr e;

	memset(&r->who, 0, sizeof(r->who));
	while (*b64 == ' ')
		b64++;
	if (sodium_base642bin(dec, sizeof(dec) - 1, b64, strlen(b64), NULL, &n, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0)
		return;
	dec[n] = '\0';
	if (strlen((char *)dec) != n || !(colon = strchr((char *)dec, ':')))
		return;
	*colon = '\0';
	merr_init(&e);
	if (auth_login(r->s, (char *)dec, colon + 1, r->client, r->now, &r->who, &retry, &e)) {
		memset(&r->who, 0, sizeof(r->who));
		return;
	}
	r->who.via_token = true; /* no CSRF: credentials are sent explicitly by a TAXII client */
	sodium_memzero(dec, sizeof(dec));
}

/* Does one media range of an Accept header take TAXII 2.1? */
static bool accept_ok(const char *a)
{
	const char *p = a;

	if (!a || !*a)
		return true;
	while (*p) {
		const char *c = strchr(p, ',');
		size_t n = c ? (size_t)(c - p) : strlen(p);
		char one[160];
		char *semi;
		while (n && (*p == ' ' || *p == '\t'))
			p++, n--;
		if (n < sizeof(one)) {
			memcpy(one, p, n);
			one[n] = '\0';
			for (char *q = one; *q; q++)
				*q = (char)((*q >= 'A' && *q <= 'Z') ? *q + 32 : *q);
			semi = strchr(one, ';');
			if (semi)
				*semi = '\0';
			if (strcmp(one, "*/*") == 0 || strcmp(one, "application/*") == 0)
				return true;
			if (strcmp(one, "application/taxii+json") == 0) {
				char *v = semi ? strstr(semi + 1, "version=") : NULL;
				if (!v || strncmp(v + 8, "2.1", 3) == 0)
					return true;
			}
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return false;
}

/* Every TAXII handler starts here: the media type, and 406 for an unacceptable Accept. */
static bool pre(struct web_req *r)
{
	r->ctype = TAXII_MT;
	if (!accept_ok(r->accept)) {
		fail(r, 406, "not_acceptable",
		     "Accept must allow " TAXII_MT " / 受け入れ可能な形式がありません");
		return false;
	}
	return true;
}

static void who_of(const struct web_req *r, struct share_who *w)
{
	w->user = r->who.name;
	w->role = auth_role_name(r->who.role);
	w->org = r->who.org_slug[0] ? r->who.org_slug : NULL;
}

/* The {coll} parameter if the caller may read or write it; false after answering 404. */
static bool coll(struct web_req *r, struct share_collection *c, struct share_who *w)
{
	const char *id = web_kv_get(&r->params, "coll");
	struct merr e;

	who_of(r, w);
	merr_init(&e);
	if (!id || share_collection_get(r->s, id, c, &e) ||
	    (!share_may(r->s, c, w, false) && !share_may(r->s, c, w, true))) {
		fail(r, 404, "not_found", "no such collection / コレクションがありません");
		return false;
	}
	return true;
}

static int reply_json(struct web_req *r, int status, cJSON *o)
{
	int rc = web_json_reply(r, status, o);
	r->ctype = TAXII_MT;
	return rc;
}

int web_taxii_root(struct web_req *r)
{
	cJSON *o, *v;

	if (!pre(r))
		return 0;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "title", "交通ISAC 情報共有 / ISAC sharing (mamori)");
	cJSON_AddStringToObject(o, "description",
				"STIX 2.1 indicators and incidents shared with the ISAC under TLP");
	v = cJSON_AddArrayToObject(o, "versions");
	cJSON_AddItemToArray(v, cJSON_CreateString(TAXII_MT));
	cJSON_AddNumberToObject(o, "max_content_length",
				(double)(r->opts && r->opts->taxii_body_max
					     ? r->opts->taxii_body_max
					     : (size_t)1 << 20));
	return reply_json(r, 200, o);
}

static cJSON *coll_json(struct web_req *r, const struct share_collection *c,
			const struct share_who *w)
{
	cJSON *o = cJSON_CreateObject(), *m;

	cJSON_AddStringToObject(o, "id", c->id);
	cJSON_AddStringToObject(o, "title", c->title);
	if (c->description[0])
		cJSON_AddStringToObject(o, "description", c->description);
	cJSON_AddStringToObject(o, "alias", c->alias);
	cJSON_AddBoolToObject(o, "can_read", share_may(r->s, c, w, false));
	cJSON_AddBoolToObject(o, "can_write", share_may(r->s, c, w, true));
	m = cJSON_AddArrayToObject(o, "media_types");
	cJSON_AddItemToArray(m, cJSON_CreateString(STIX_MT));
	cJSON_AddStringToObject(o, "x_mamori_default_tlp", share_tlp_name(c->tlp));
	return o;
}

struct colls {
	struct web_req *r;
	struct share_who w;
	cJSON *arr;
};

static int coll_row(const struct share_collection *c, void *arg)
{
	struct colls *x = arg;
	if (share_may(x->r->s, c, &x->w, false) || share_may(x->r->s, c, &x->w, true))
		cJSON_AddItemToArray(x->arr, coll_json(x->r, c, &x->w));
	return 0;
}

int web_taxii_collections(struct web_req *r)
{
	struct colls x = {.r = r};
	cJSON *o;
	int rc;

	if (!pre(r))
		return 0;
	who_of(r, &x.w);
	x.arr = cJSON_CreateArray();
	if ((rc = share_collection_each(r->s, coll_row, &x, &r->err))) {
		cJSON_Delete(x.arr);
		return rc;
	}
	o = cJSON_CreateObject();
	if (cJSON_GetArraySize(x.arr) > 0)
		cJSON_AddItemToObject(o, "collections", x.arr);
	else
		cJSON_Delete(x.arr);
	return reply_json(r, 200, o);
}

int web_taxii_collection(struct web_req *r)
{
	struct share_collection c;
	struct share_who w;

	if (!pre(r) || !coll(r, &c, &w))
		return 0;
	return reply_json(r, 200, coll_json(r, &c, &w));
}

/* Query parameters; allowed: which keys this endpoint takes. false after answering 400. */
static bool params(struct web_req *r, struct share_query *q, const char *const *allowed)
{
	struct merr e;

	for (size_t i = 0; i < r->query.n; i++) {
		const char *k = r->query.v[i].key;
		bool known, ok = false;
		for (size_t j = 0; j < i; j++)
			if (strcmp(r->query.v[j].key, k) == 0) {
				fail(r, 400, "bad_request", "%.60s: given twice / 重複しています",
				     k);
				return false;
			}
		for (size_t j = 0; allowed[j]; j++)
			ok |= strcmp(allowed[j], k) == 0;
		if (!ok && strncmp(k, "match[", 6) != 0)
			continue; /* unknown parameters are ignored (lang=...) */
		if (!ok &&
		    (strcmp(k, "match[id]") == 0 || strcmp(k, "match[type]") == 0 ||
		     strcmp(k, "match[version]") == 0 || strcmp(k, "match[spec_version]") == 0)) {
			fail(r, 400, "bad_request", "%s: not taken by this endpoint", k);
			return false;
		}
		merr_init(&e);
		if (share_query_param(q, k, r->query.v[i].val, &known, &e)) {
			char m[700];
			merr_format(&e, m, sizeof(m));
			fail(r, 400, "bad_request", "%s", m);
			return false;
		}
	}
	if (!q->limit)
		q->limit = SHARE_LIMIT_MAX;
	return true;
}

static const char *const page_params[] = {"added_after",	 "limit",	"next",
					  "match[id]",		 "match[type]", "match[version]",
					  "match[spec_version]", NULL};
static const char *const object_params[] = {
    "added_after", "limit", "next", "match[version]", "match[spec_version]", NULL};
static const char *const version_params[] = {"added_after", "limit", "next", "match[spec_version]",
					     NULL};
static const char *const delete_params[] = {"match[version]", "match[spec_version]", NULL};

enum page_kind { PAGE_OBJECTS, PAGE_MANIFEST, PAGE_VERSIONS };

struct page {
	struct web_req *r;
	enum page_kind kind;
	bool tlp1;
	size_t n;
	int64_t first, last, last_seq;
};

static int page_row(const struct share_row *row, void *arg)
{
	struct page *p = arg;
	struct buf *b = &p->r->out;
	char ts[40];

	if (p->n++)
		buf_addc(b, ',');
	else
		p->first = row->date_added;
	p->last = row->date_added;
	p->last_seq = row->seq;
	switch (p->kind) {
	case PAGE_OBJECTS:
		if (p->tlp1) {
			/* the consumer's tool takes TLP 1.0 only: the same bytes, 1.0 marking ids */
			size_t at = b->len;
			int rc = buf_add(b, row->raw, row->raw_len);
			if (rc == 0)
				share_tlp1_rewrite(b->ptr + at, row->raw_len);
			return rc;
		}
		return buf_add(b, row->raw, row->raw_len);
	case PAGE_VERSIONS:
		if (row->version[0])
			return buf_add_json_str(b, row->version);
		share_fmt_us(row->date_added, ts);
		return buf_add_json_str(b, ts);
	case PAGE_MANIFEST:
		buf_adds(b, "{\"id\":");
		buf_add_json_str(b, row->id);
		share_fmt_us(row->date_added, ts);
		buf_addf(b, ",\"date_added\":\"%s\",\"version\":", ts);
		buf_add_json_str(b, row->version[0] ? row->version : ts);
		return buf_adds(b, ",\"media_type\":\"" STIX_MT "\"}");
	}
	return 0;
}

/* Answers with a page: the server sends its bytes without a copy and releases it. */
static void reply_page(struct web_req *r, struct share_page *pg)
{
	buf_reset(&r->out);
	r->ext_body = share_page_body(pg, &r->ext_len);
	r->ext_ref = pg;
	r->ext_free = share_page_unref;
	snprintf(r->taxii_first, sizeof(r->taxii_first), "%s", share_page_first(pg));
	snprintf(r->taxii_last, sizeof(r->taxii_last), "%s", share_page_last(pg));
	r->status = 200;
	r->ctype = TAXII_MT;
}

/* Runs q and writes the envelope (objects), manifest or versions resource. A page already
 * built for the same query, collection state and audience class is sent again as it is
 * (src/share/pagecache.c); the TLP filter is part of its key, so it is exact per caller. */
static int page(struct web_req *r, const struct share_collection *c, struct share_query *q,
		enum page_kind kind, bool not_found_when_empty)
{
	struct page p = {.r = r, .kind = kind};

	p.tlp1 = kind == PAGE_OBJECTS && share_consumer_tlp1(r->s, r->who.name);
	q->raw_only = kind == PAGE_OBJECTS;
	bool more = false;
	char next[48], *key, *body;
	struct share_page *pg;
	size_t len;
	int rc;

	/* c->write_seq was read before the rows below are: a page is never labelled newer */
	key = share_page_key(c, q, share_audience(c, q->who), (int)kind, p.tlp1);
	if ((pg = share_page_get(key, c->write_seq))) {
		m_free(key);
		reply_page(r, pg);
		return 0;
	}
	buf_reset(&r->out);
	if (kind == PAGE_OBJECTS && q->limit)
		(void)buf_grow(&r->out, q->limit * 1024); /* no copies while the page grows */
	buf_adds(&r->out, kind == PAGE_VERSIONS ? "{\"versions\":[" : "{\"objects\":[");
	if ((rc = share_query_run(r->s, c, q, page_row, &p, &more, &r->err))) {
		m_free(key);
		return rc;
	}
	if (p.n == 0 && not_found_when_empty && q->added_after < 0 && q->cursor_date < 0) {
		m_free(key);
		return fail(r, 404, "not_found", "no such object / オブジェクトがありません");
	}
	if (p.n == 0) {
		buf_reset(&r->out);
		rc = buf_adds(&r->out, "{");
	} else {
		rc = buf_adds(&r->out, "],");
	}
	rc |= buf_addf(&r->out, "\"more\":%s", more ? "true" : "false");
	/* next on every non-empty page: with more false it still lets a client resume after
	 * the last object it saw (objects added later come after it in (date_added, seq)). */
	if (p.n) {
		share_next_fmt(p.last, p.last_seq, next);
		rc |= buf_addf(&r->out, ",\"next\":\"%s\"", next);
	}
	rc |= buf_adds(&r->out, "}\n");
	if (rc) { /* never sent (nor kept) cut short */
		m_free(key);
		return merr_set(&r->err, M_ETOOBIG, "the page is larger than the answer buffer");
	}
	if (p.n) {
		share_fmt_us(p.first, r->taxii_first);
		share_fmt_us(p.last, r->taxii_last);
	} else if (q->added_after >= 0) {
		/* An empty page echoes added_after so naive cursors do not go back. */
		share_fmt_us(q->added_after, r->taxii_first);
		share_fmt_us(q->added_after, r->taxii_last);
	}
	r->status = 200;
	r->ctype = TAXII_MT;
	if (r->out.len + 4096 < r->out.cap && key) {
		/* kept: no more memory than its bytes (the page grew in a limit-sized buffer) */
		char *fit = m_realloc(r->out.ptr, r->out.len + 1);
		if (fit) {
			r->out.ptr = fit;
			r->out.cap = r->out.len + 1;
		}
	}
	if (!(body = buf_detach(&r->out, &len))) {
		m_free(key);
		return M_ENOMEM;
	}
	if (!(pg = share_page_put(key, c->write_seq, body, len, r->taxii_first, r->taxii_last)))
		return M_ENOMEM;
	reply_page(r, pg);
	return 0;
}

static bool readable(struct web_req *r, struct share_collection *c, struct share_who *w)
{
	if (!coll(r, c, w))
		return false;
	if (!share_may(r->s, c, w, false)) {
		/* write-only: the collection is known to the caller, its contents are not */
		fail(r, 403, "forbidden",
		     "this collection cannot be read / 読み取り権限がありません");
		return false;
	}
	return true;
}

int web_taxii_objects(struct web_req *r)
{
	struct share_collection c;
	struct share_query q;
	struct share_who w;

	share_query_init(&q, SHARE_V_LAST);
	if (!pre(r) || !readable(r, &c, &w) || !params(r, &q, page_params))
		return 0;
	q.who = &w;
	return page(r, &c, &q, PAGE_OBJECTS, false);
}

int web_taxii_manifest(struct web_req *r)
{
	struct share_collection c;
	struct share_query q;
	struct share_who w;

	share_query_init(&q, SHARE_V_LAST);
	if (!pre(r) || !readable(r, &c, &w) || !params(r, &q, page_params))
		return 0;
	q.who = &w;
	return page(r, &c, &q, PAGE_MANIFEST, false);
}

static bool object_id(struct web_req *r, struct share_query *q)
{
	const char *id = web_kv_get(&r->params, "object");
	struct share_query tmp;
	bool known;

	share_query_init(&tmp, SHARE_V_LAST);
	if (!id || strchr(id, ',') || share_query_param(&tmp, "match[id]", id, &known, NULL)) {
		fail(r, 404, "not_found", "no such object / オブジェクトがありません");
		return false;
	}
	q->ids = id;
	return true;
}

int web_taxii_object(struct web_req *r)
{
	struct share_collection c;
	struct share_query q;
	struct share_who w;

	share_query_init(&q, SHARE_V_LAST);
	if (!pre(r) || !readable(r, &c, &w) || !params(r, &q, object_params) || !object_id(r, &q))
		return 0;
	q.who = &w;
	return page(r, &c, &q, PAGE_OBJECTS, true);
}

int web_taxii_versions(struct web_req *r)
{
	struct share_collection c;
	struct share_query q;
	struct share_who w;

	share_query_init(&q, SHARE_V_ALL);
	if (!pre(r) || !readable(r, &c, &w) || !params(r, &q, version_params) || !object_id(r, &q))
		return 0;
	q.who = &w;
	return page(r, &c, &q, PAGE_VERSIONS, true);
}

int web_taxii_object_delete(struct web_req *r)
{
	struct share_collection c;
	struct share_query q;
	struct share_who w;
	int64_t n = 0;
	int rc;

	share_query_init(&q, SHARE_V_ALL);
	if (!pre(r) || !coll(r, &c, &w))
		return 0;
	if (!share_may(r->s, &c, &w, false) || !share_may(r->s, &c, &w, true))
		return fail(
		    r, 403, "forbidden",
		    "deleting needs both can_read and can_write / 削除には読み書き両方の権限が"
		    "必要です");
	if (!params(r, &q, delete_params) || !object_id(r, &q))
		return 0;
	q.who = &w;
	if ((rc = share_object_delete(r->s, &c, q.ids, &q, &n, &r->err)))
		return rc;
	if (n == 0)
		return fail(r, 404, "not_found", "no such object / オブジェクトがありません");
	buf_reset(&r->out);
	r->status = 200;
	r->ctype = TAXII_MT;
	return 0;
}

static bool content_type_ok(const char *ct)
{
	static const char mt[] = "application/taxii+json";
	const char *v;

	if (!ct || strncasecmp(ct, mt, sizeof(mt) - 1) != 0)
		return false;
	ct += sizeof(mt) - 1;
	while (*ct == ' ')
		ct++;
	if (!*ct)
		return true;
	if (*ct != ';')
		return false;
	v = strstr(ct, "version=");
	return !v || strncmp(v + 8, "2.1", 3) == 0;
}

int web_taxii_objects_add(struct web_req *r)
{
	struct share_collection c;
	struct share_import_result res;
	struct share_who w;
	struct merr e;
	char sid[40], *json = NULL;
	int64_t now = r->now * 1000000;
	int rc;

	if (!pre(r) || !coll(r, &c, &w))
		return 0;
	if (!share_may(r->s, &c, &w, true))
		return fail(r, 403, "forbidden",
			    "this collection cannot be written / 書き込み権限が"
			    "ありません");
	if (!content_type_ok(r->content_type))
		return fail(r, 415, "unsupported_media_type",
			    "Content-Type must be " TAXII_MT " / Content-Type が違います");
	merr_init(&e);
	if (r->body_spooled) {
		/* the envelope streams from its spool file: memory stays flat in its size */
		struct share_src src;
		share_src_fd(&src, r->body_fd);
		if (lseek(r->body_fd, 0, SEEK_SET) != 0)
			return merr_set(&r->err, M_EIO, "cannot read the spooled request body");
		rc = share_import_src(r->s, &c, &src, SHARE_IMPORT_ENVELOPE, &res, &e);
	} else {
		rc = share_import(r->s, &c, r->body ? r->body : "", r->body_len,
				  SHARE_IMPORT_ENVELOPE, &res, &e);
	}
	if (rc == M_EPARSE || rc == M_EINVAL) {
		char m[700];
		merr_format(&e, m, sizeof(m));
		return fail(r, 422, "unprocessable", "%s", m);
	}
	if (rc) {
		r->err = e;
		return rc;
	}
	if (res.n_indicators) {
		/* new indicators are matched against what mamori sees at once */
		struct share_match_stats ms;
		if ((rc = share_match_run(r->s, r->now, NULL, &ms, &r->err))) {
			share_import_result_free(&res);
			return rc;
		}
	}
	now = res.date_added ? res.date_added : now;
	rc = share_status_put(r->s, &c, r->who.name, now, &res, sid, &r->err);
	share_import_result_free(&res);
	if (rc == 0)
		rc = share_status_get(r->s, sid, NULL, &json, &r->err);
	if (rc)
		return rc;
	buf_reset(&r->out);
	buf_adds(&r->out, json);
	buf_addc(&r->out, '\n');
	free(json);
	r->status = 202;
	r->ctype = TAXII_MT;
	return 0;
}

int web_taxii_status(struct web_req *r)
{
	const char *id = web_kv_get(&r->params, "status");
	char *json = NULL;
	struct merr e;

	if (!pre(r))
		return 0;
	merr_init(&e);
	if (!id || share_status_get(r->s, id, r->who.role == AUTH_ROLE_ANALYST ? NULL : r->who.name,
				    &json, &e))
		return fail(r, 404, "not_found", "no such status / ステータスがありません");
	buf_reset(&r->out);
	buf_adds(&r->out, json);
	buf_addc(&r->out, '\n');
	free(json);
	r->status = 200;
	r->ctype = TAXII_MT;
	return 0;
}
