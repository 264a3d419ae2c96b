/*
 * feed_sync_jvn.c - incremental sync from the MyJVN API 3.x (HND XML): getVulnOverviewList
 * pages (50 entries, paged by the status:Status totalRes/totalResRet/firstRes attributes) of
 * the entries updated since the cursor date, then getVulnDetailInfo for 10 ids per call.
 */
#include "base/compat.h"

#include "base/xml2_lazy.h"
#include "base/mem.h"
#include "base/mtime.h"
#include "feeds/feed_sync_int.h"

#define JVN_OFFICIAL "https://jvndb.jvn.jp/myjvn"
#define JVN_PAGE 50
#define JVN_DETAIL_IDS 10
#define JVN_DOC_MAX ((size_t)32 << 20)
#define JVN_FIRST_SPAN (30LL * 86400) /* no cursor and no --since: the last 30 days */
#define JVN_IDS_MAX 200000
#define CURSOR_KEY "sync:jvn"
#define STATUS_NS "http://jvndb.jvn.jp/myjvn/Status"

static void silent(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

static xmlNode *find_status(xmlNode *n, int depth)
{
	for (; n && depth < 4; n = n->next) {
		if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, "Status") == 0 &&
		    n->ns && n->ns->href && strcmp((const char *)n->ns->href, STATUS_NS) == 0)
			return n;
		if (n->type == XML_ELEMENT_NODE) {
			xmlNode *c = find_status(n->children, depth + 1);
			if (c)
				return c;
		}
	}
	return NULL;
}

/* A numeric attribute: absent or "" gives dflt; anything but digits is an error. */
static int attr_num(xmlNode *n, const char *name, long dflt, long *out, struct merr *e)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	const char *s = (const char *)v;
	char *end;
	long x;
	int rc = 0;

	*out = dflt;
	if (v && *s) {
		while (*s == ' ')
			s++;
		x = strtol(s, &end, 10);
		if (end == s || *end || x < 0 || x > 100000000L)
			rc = merr_at(e, M_EPARSE, NULL, xmlGetLineNo(n), -1, name,
				     "status attribute %s=\"%.40s\" is not a count", name,
				     (const char *)v);
		else
			*out = x;
	}
	xmlFree(v);
	return rc;
}

static void attr_str(xmlNode *n, const char *name, char *out, size_t cap)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	snprintf(out, cap, "%s", v ? (const char *)v : "");
	xmlFree(v);
}

int feeds_jvn_status_parse(const char *p, size_t len, struct feeds_jvn_status *st, struct merr *e)
{
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc;
	xmlNode *n;
	int rc;

	memset(st, 0, sizeof(*st));
	if (len > JVN_DOC_MAX || len > (size_t)INT32_MAX)
		return merr_set(e, M_ETOOBIG, "document larger than %zu bytes", JVN_DOC_MAX);
	xmlSetGenericErrorFunc(NULL, silent);
	lazy_xml_init();
	if (!(ctxt = xmlNewParserCtxt()))
		return merr_set(e, M_ENOMEM, "out of memory");
	doc = xmlCtxtReadMemory(ctxt, p, (int)len, NULL, NULL,
				XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR);
	if (!doc) {
		const xmlError *err = xmlCtxtGetLastError(ctxt);
		rc = merr_at(e, M_EPARSE, NULL, err ? err->line : -1, -1, "XML", "%s",
			     err && err->message ? err->message : "not well-formed");
		xmlFreeParserCtxt(ctxt);
		return rc;
	}
	n = find_status(xmlDocGetRootElement(doc), 0);
	if (!n) {
		rc = merr_at(e, M_EPARSE, NULL, -1, -1, "status:Status", "no MyJVN status element");
	} else if (!(rc = attr_num(n, "retCd", 0, &st->ret_cd, e)) &&
		   !(rc = attr_num(n, "totalRes", 0, &st->total_res, e)) &&
		   !(rc = attr_num(n, "totalResRet", 0, &st->total_res_ret, e)) &&
		   !(rc = attr_num(n, "firstRes", 0, &st->first_res, e))) {
		attr_str(n, "errCd", st->err_cd, sizeof(st->err_cd));
		attr_str(n, "errMsg", st->err_msg, sizeof(st->err_msg));
		attr_str(n, "method", st->method, sizeof(st->method));
		if (st->total_res_ret > st->total_res)
			rc = merr_at(e, M_EPARSE, NULL, xmlGetLineNo(n), -1, "totalResRet",
				     "totalResRet %ld > totalRes %ld", st->total_res_ret,
				     st->total_res);
	}
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctxt);
	return rc;
}

struct ids {
	char (*v)[40];
	size_t n, cap;
};

static int collect_id(struct feeds_jvn *j, void *arg)
{
	struct ids *ids = arg;
	if (strncmp(j->id, "JVNDB-", 6) != 0 || strlen(j->id) > 24 || strchr(j->id, '+') ||
	    strchr(j->id, '&'))
		return 0;
	if (ids->n == ids->cap) {
		size_t cap = ids->cap ? ids->cap * 2 : 64;
		void *v;
		if (cap > JVN_IDS_MAX)
			return M_ETOOBIG;
		if (!(v = m_realloc(ids->v, cap * sizeof(*ids->v))))
			return M_ENOMEM;
		ids->v = v;
		ids->cap = cap;
	}
	snprintf(ids->v[ids->n++], 40, "%s", j->id);
	return 0;
}

/* GET url into path and into mem (for the status); checks HTTP 200, retCd and firstRes. */
static int fetch_doc(struct fsync_run *r, const char *url, const char *path, long first,
		     struct feeds_jvn_status *st, struct merr *e)
{
	struct buf b;
	long long bytes = 0;
	long status = 0;
	FILE *f;
	int rc;

	if (r->requests++ > 0)
		fsync_sleep_ms(fsync_delay(r->o, 1000));
	buf_init(&b, JVN_DOC_MAX);
	rc = fsync_get_retry(r, url, NULL, NULL, &b, &status, &bytes, e);
	if (rc == 0 && status != 200)
		rc = merr_set(e, M_ENET, "%s: HTTP %ld", url, status);
	if (rc == 0) {
		/* Kept even when refused below, so the answer can be looked at. */
		if (!(f = fopen(path, "wb")) || fwrite(b.ptr, 1, b.len, f) != b.len)
			rc = merr_at(e, M_EIO, path, -1, -1, NULL, "cannot write");
		if (f && fclose(f) != 0 && rc == 0)
			rc = merr_at(e, M_EIO, path, -1, -1, NULL, "cannot write");
	}
	if (rc == 0 && (rc = feeds_jvn_status_parse(buf_str(&b), b.len, st, e)) != 0) {
		struct merr pe = *e;
		merr_init(e);
		merr_set(e, rc, "%.300s: %.200s:%ld: %.40s: %.150s", url, path, pe.line, pe.field,
			 pe.msg);
	}
	if (rc == 0 && st->ret_cd != 0)
		rc = merr_set(e, M_ENET, "%s: MyJVN retCd %ld errCd %s %s", url, st->ret_cd,
			      st->err_cd, st->err_msg);
	if (rc == 0 && first > 0 && st->total_res_ret > 0 && st->first_res != first)
		rc =
		    merr_at(e, M_EPARSE, path, -1, -1, "firstRes",
			    "server answered firstRes %ld for startItem %ld", st->first_res, first);
	fsync_report(r, "jvn", url, path, bytes, false, rc ? e : NULL);
	buf_release(&b);
	return rc;
}

/* Detail documents for ids[from..from+10). */
static int details(struct fsync_run *r, const char *base, const char *dir, const char *since,
		   const struct ids *ids, size_t from)
{
	char url[1200], path[700];
	struct feeds_jvn_status st;
	struct feeds_result ir;
	size_t o;
	struct merr e;
	int rc;

	merr_init(&e);
	o = (size_t)snprintf(url, sizeof(url),
			     "%s?method=getVulnDetailInfo&feed=hnd&vulnId=", base);
	for (size_t i = from; i < ids->n && i < from + JVN_DETAIL_IDS && o < sizeof(url); i++)
		o += (size_t)snprintf(url + o, sizeof(url) - o, "%s%s", i > from ? "+" : "",
				      ids->v[i]);
	snprintf(path, sizeof(path), "%s/jvn-%s-detail-%06zu.xml", dir, since, from);
	if ((rc = fetch_doc(r, url, path, 0, &st, &e))) {
		fsync_fail(r, rc, &e);
		return rc;
	}
	if (r->o->no_import)
		return 0;
	return fsync_import(r, path, url, FEEDS_JVN, 0, &ir);
}

static int overview(struct fsync_run *r, const char *base, const char *dir, const char *since,
		    struct ids *ids)
{
	long start = 1, pages = 0, cap = r->o->max_pages > 0 ? r->o->max_pages : 1000;
	int run_rc = 0;

	for (;;) {
		char url[1024], path[700];
		struct feeds_jvn_status st;
		struct feeds_result ir;
		struct buf b;
		long n = 0;
		struct merr e;
		int rc;

		merr_init(&e);
		if (pages++ >= cap) {
			merr_set(&e, M_ETOOBIG, "%s: page cap %ld reached at startItem %ld", base,
				 cap, start);
			fsync_fail(r, M_ETOOBIG, &e);
			return M_ETOOBIG;
		}
		snprintf(url, sizeof(url),
			 "%s?method=getVulnOverviewList&feed=hnd&rangeDatePublic=n"
			 "&rangeDatePublished=n&rangeDateFirstPublished=n&datePublishedStartY=%.4s"
			 "&datePublishedStartM=%.2s&datePublishedStartD=%.2s&startItem=%ld"
			 "&maxCountItem=%d",
			 base, since, since + 5, since + 8, start, JVN_PAGE);
		snprintf(path, sizeof(path), "%s/jvn-%s-overview-%06ld.xml", dir, since, start);
		if ((rc = fetch_doc(r, url, path, start, &st, &e))) {
			fsync_fail(r, rc, &e);
			return rc;
		}
		if (st.total_res_ret == 0)
			break;
		/* The ids for the detail calls, from the same parser the import uses. */
		buf_init(&b, JVN_DOC_MAX);
		{
			FILE *f = fopen(path, "rb");
			char chunk[65536];
			size_t k;
			while (f && (k = fread(chunk, 1, sizeof(chunk), f)) > 0)
				if (buf_add(&b, chunk, k))
					break;
			if (f)
				fclose(f);
		}
		rc = feeds_jvn_parse_xml(buf_str(&b), b.len, collect_id, ids, &n, &e);
		buf_release(&b);
		if (rc) {
			merr_set_file(&e, path);
			fsync_fail(r, rc, &e);
			run_rc = rc;
		} else if (!r->o->no_import) {
			if (fsync_import(r, path, url, FEEDS_JVN, 0, &ir))
				run_rc = M_EPARSE;
		}
		start = st.first_res + st.total_res_ret;
		if (start > st.total_res)
			break;
	}
	return run_rc;
}

int fsync_jvn(struct fsync_run *r)
{
	const struct feeds_sync_opts *o = r->o;
	char base[512], dir[600], cur[64], since[TIME_STR_MAX], today[TIME_STR_MAX];
	struct ids ids = {0};
	int64_t t;
	struct merr e;
	int rc, drc = 0;

	merr_init(&e);
	if (o->jvn_url)
		snprintf(base, sizeof(base), "%s", o->jvn_url);
	else if (o->base_url && *o->base_url)
		snprintf(base, sizeof(base), "%s%smyjvn", o->base_url,
			 o->base_url[strlen(o->base_url) - 1] == '/' ? "" : "/");
	else
		snprintf(base, sizeof(base), "%s", JVN_OFFICIAL);
	snprintf(dir, sizeof(dir), "%s/jvn-api", o->dest);
	if (fsync_mkdir_p(dir)) {
		merr_at(&e, M_EIO, dir, -1, -1, NULL, "cannot create folder");
		fsync_fail(r, M_EIO, &e);
		return M_EIO;
	}
	fsync_cursor_get(r->s, CURSOR_KEY, cur, sizeof(cur));
	if (cur[0] && time_parse(cur, &t) == 0)
		snprintf(since, sizeof(since), "%.10s", cur);
	else if (o->since && time_parse(o->since, &t) == 0)
		time_fmt_jst_date(t, since);
	else
		time_fmt_jst_date(time_now() - JVN_FIRST_SPAN, since);
	time_fmt_jst_date(time_now(), today); /* JVN dates are JST */
	rc = overview(r, base, dir, since, &ids);
	for (size_t i = 0; rc == 0 && i < ids.n; i += JVN_DETAIL_IDS) {
		int x = details(r, base, dir, since, &ids, i);
		if (x == M_ENET || x == M_EIO || x == M_ENOMEM)
			drc = x; /* a transfer failed: the cursor stays */
		else if (x && !drc)
			drc = x;
	}
	m_free(ids.v);
	if (rc == 0 && drc == 0 && !o->no_import) {
		char prefix[64];
		if ((rc = fsync_cursor_put(r->s, CURSOR_KEY, base, today, &e)))
			fsync_fail(r, rc, &e);
		snprintf(prefix, sizeof(prefix), "jvn-%s-", since);
		fsync_forget(r->s, dir, prefix, "jvn");
	}
	return rc ? rc : drc;
}
