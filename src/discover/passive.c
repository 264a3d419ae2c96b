/*
 * passive.c - parsers of third-party exports: crt.sh certificate search JSON, Shodan
 * `download` banners (JSON lines) and Censys v2 host records. They check structure and
 * hand each name or service to a callback; storing is import.c's business.
 */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <strings.h>
#include <sys/stat.h>

#include "base/buf.h"
#include "base/ip.h"
#include "base/json.h"
#include "base/mem.h"
#include "discover/discover_int.h"
#include "feeds/split.h"

/* ---- crt.sh ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Splits name_value on newlines and adds common_name: every name of one certificate. */
static int cert_names(const char *name_value, const char *cn, struct strv *out)
{
	char canon[256];
	int rc = 0;

	for (const char *p = name_value; p && *p && rc == 0;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		disc_name_canon(p, n, canon, sizeof(canon), NULL);
		if (canon[0])
			rc = strv_add_unique(out, canon, strlen(canon));
		p = nl ? nl + 1 : NULL;
	}
	if (rc == 0 && cn) {
		disc_name_canon(cn, strlen(cn), canon, sizeof(canon), NULL);
		if (canon[0])
			rc = strv_add_unique(out, canon, strlen(canon));
	}
	if (rc == 0 && out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), cmp_str);
	return rc;
}

static int crtsh_entry(const cJSON *it, long idx, const char *file, disc_cert_fn fn, void *arg,
		       struct merr *e)
{
	struct jplace pl = {file, -1, ""};
	struct disc_cert_name c = {0};
	const char *names = NULL, *cn = NULL;
	long long id = 0;
	struct strv v = {0};
	int rc;

	snprintf(pl.path, sizeof(pl.path), "[%ld]", idx);
	if (!cJSON_IsObject(it))
		return jerr(&pl, NULL, e, "expected an object");
	rc = jget_str(it, "name_value", true, &pl, &names, e);
	if (!rc)
		rc = jget_str(it, "common_name", false, &pl, &cn, e);
	if (!rc)
		rc = jget_str(it, "serial_number", true, &pl, &c.serial, e);
	if (!rc)
		rc = jget_str(it, "issuer_name", false, &pl, &c.issuer, e);
	if (!rc)
		rc = jget_int(it, "id", false, 0, (1LL << 53), &pl, &id, NULL, e);
	if (!rc)
		rc = jget_time(it, "not_before", false, &pl, &c.not_before, e);
	if (!rc)
		rc = jget_time(it, "not_after", false, &pl, &c.not_after, e);
	if (!rc)
		rc = jget_time(it, "entry_timestamp", false, &pl, &c.logged_at, e);
	if (!rc && (!c.serial[0] || strlen(c.serial) > 128))
		rc = jerr(&pl, "serial_number", e, "must be 1..128 characters");
	if (!rc && (rc = cert_names(names, cn, &v)) == M_ENOMEM)
		merr_set(e, rc, "out of memory");
	c.crtsh_id = id;
	c.index = idx;
	for (size_t i = 0; rc == 0 && i < v.n; i++) {
		char canon[256];
		c.name = v.v[i];
		c.dns_name =
		    disc_name_canon(c.name, strlen(c.name), canon, sizeof(canon), &c.wildcard);
		rc = fn(&c, arg);
	}
	strv_clear(&v);
	return rc;
}

int disc_parse_crtsh(const char *buf, size_t len, const char *file, disc_cert_fn fn, void *arg,
		     struct merr *e)
{
	cJSON *doc = NULL;
	const cJSON *it;
	long idx = 0;
	int rc = json_parse_doc(buf, len, file, &doc, e);

	if (rc)
		return rc;
	if (!cJSON_IsArray(doc)) {
		cJSON_Delete(doc);
		return merr_at(e, M_EPARSE, file, -1, -1, NULL,
			       "expected a JSON array of certificates (crt.sh output=json)");
	}
	cJSON_ArrayForEach(it, doc)
	{
		rc = crtsh_entry(it, idx++, file, fn, arg, e);
		if (rc)
			break;
	}
	cJSON_Delete(doc);
	return rc;
}

/* ---- services (Shodan, Censys) ---- */

/* What one service record collects before the callback; strings owned here. */
struct svc_acc {
	struct disc_service s;
	char ip[64];
	char cpe[256];
	struct strv cpes, names;
};

static void svc_reset(struct svc_acc *a)
{
	strv_clear(&a->cpes);
	strv_clear(&a->names);
	memset(a, 0, sizeof(*a));
}

static int add_name(struct svc_acc *a, const char *s)
{
	char canon[256];
	bool wild;

	if (!disc_name_canon(s, strlen(s), canon, sizeof(canon), &wild) || wild)
		return 0; /* not a host name: nothing to file */
	return strv_add_unique(&a->names, canon, strlen(canon));
}

static int add_cpe(struct svc_acc *a, const char *s)
{
	char canon[256];

	if (!disc_cpe23_canon(s, canon, sizeof(canon)))
		return 0; /* a third party's odd CPE is not a broken file: skip it */
	if (!a->cpe[0] ||
	    (strncmp(a->cpe, "cpe:2.3:a:", 10) != 0 && strncmp(canon, "cpe:2.3:a:", 10) == 0))
		snprintf(a->cpe, sizeof(a->cpe), "%s", canon);
	return strv_add_unique(&a->cpes, canon, strlen(canon));
}

/* Adds every string of obj.key (an array of strings) through add. */
static int add_strings(const cJSON *obj, const char *key, const struct jplace *pl,
		       struct svc_acc *a, int (*add)(struct svc_acc *, const char *),
		       struct merr *e)
{
	const cJSON *arr, *it;
	int rc = jget_arr(obj, key, pl, &arr, e);

	if (rc || !arr)
		return rc;
	cJSON_ArrayForEach(it, arr)
	{
		if (!cJSON_IsString(it) || !it->valuestring)
			return jerr(pl, key, e, "expected an array of strings");
		if ((rc = add(a, it->valuestring)) != 0)
			return merr_set(e, rc, "out of memory");
	}
	return 0;
}

static int set_ip(struct svc_acc *a, const char *s, const struct jplace *pl, const char *key,
		  struct merr *e)
{
	struct ipaddr ip;

	if (ip_parse(s, &ip) != 0)
		return jerr(pl, key, e, "not an IP address: '%.60s'", s);
	ip_format(&ip, a->ip);
	a->s.ip = a->ip;
	return 0;
}

static int set_proto(struct svc_acc *a, const char *s, const struct jplace *pl, const char *key,
		     struct merr *e)
{
	if (!s || strcasecmp(s, "tcp") == 0)
		a->s.proto = "tcp";
	else if (strcasecmp(s, "udp") == 0 || strcasecmp(s, "quic") == 0)
		a->s.proto = "udp";
	else
		return jerr(pl, key, e, "expected tcp or udp, not '%.20s'", s);
	return 0;
}

static int svc_emit(struct svc_acc *a, disc_service_fn fn, void *arg)
{
	a->s.cpe = a->cpe[0] ? a->cpe : NULL;
	a->s.cpes = (const char *const *)a->cpes.v;
	a->s.n_cpes = a->cpes.n;
	a->s.hostnames = (const char *const *)a->names.v;
	a->s.n_hostnames = a->names.n;
	return fn(&a->s, arg);
}

struct jl_ctx {
	const char *file;
	disc_service_fn fn;
	void *arg;
	struct merr *e;
};

static int shodan_fields(const cJSON *o, struct jplace *pl, struct svc_acc *a, struct merr *e)
{
	const char *ip, *proto;
	long long port = 0;
	const cJSON *sh = cJSON_GetObjectItemCaseSensitive(o, "_shodan");
	int rc = jget_str(o, "ip_str", false, pl, &ip, e);

	if (!rc && !ip)
		rc = jget_str(o, "ipv6", true, pl, &ip, e);
	if (!rc)
		rc = set_ip(a, ip, pl, "ip_str", e);
	if (!rc)
		rc = jget_int(o, "port", true, 0, 65535, pl, &port, NULL, e);
	if (!rc)
		rc = jget_str(o, "transport", true, pl, &proto, e);
	if (!rc)
		rc = set_proto(a, proto, pl, "transport", e);
	if (!rc)
		rc = jget_time(o, "timestamp", true, pl, &a->s.seen_at, e);
	if (!rc)
		rc = jget_str(o, "product", false, pl, &a->s.product, e);
	if (!rc)
		rc = jget_str(o, "version", false, pl, &a->s.version, e);
	if (!rc && cJSON_IsObject(sh))
		rc = jget_str(sh, "module", false, pl, &a->s.service, e);
	if (!rc)
		rc = add_strings(o, "cpe23", pl, a, add_cpe, e);
	if (!rc && a->cpes.n == 0)
		rc = add_strings(o, "cpe", pl, a, add_cpe, e);
	if (!rc)
		rc = add_strings(o, "hostnames", pl, a, add_name, e);
	a->s.port = (int)port;
	return rc;
}

static int shodan_line(const cJSON *o, long line, void *arg)
{
	struct jl_ctx *c = arg;
	struct jplace pl = {c->file, line, ""};
	struct svc_acc a = {0};
	int rc = shodan_fields(o, &pl, &a, c->e);

	a.s.line = line;
	if (!rc)
		rc = svc_emit(&a, c->fn, c->arg);
	svc_reset(&a);
	return rc;
}

int disc_parse_shodan(const char *buf, size_t len, const char *file, disc_service_fn fn, void *arg,
		      struct merr *e)
{
	struct jl_ctx c = {file, fn, arg, e};

	return jl_each(buf, len, file, shodan_line, &c, e);
}

/* Censys: the host's names, shared by each of its services. */
static int censys_names(const cJSON *host, const struct jplace *pl, struct svc_acc *a,
			struct merr *e)
{
	const cJSON *dns = cJSON_GetObjectItemCaseSensitive(host, "dns"), *rev;
	struct jplace sub = *pl;
	int rc;

	if (!dns || cJSON_IsNull(dns))
		return 0;
	if (!cJSON_IsObject(dns))
		return jerr(pl, "dns", e, "expected an object");
	snprintf(sub.path, sizeof(sub.path), "%.60s%sdns", pl->path, pl->path[0] ? "." : "");
	rc = add_strings(dns, "names", &sub, a, add_name, e);
	rev = cJSON_GetObjectItemCaseSensitive(dns, "reverse_dns");
	if (!rc && cJSON_IsObject(rev))
		rc = add_strings(rev, "names", &sub, a, add_name, e);
	return rc;
}

static int censys_software(const cJSON *svc, const struct jplace *pl, struct svc_acc *a,
			   struct merr *e)
{
	const cJSON *sw, *it;
	int rc = jget_arr(svc, "software", pl, &sw, e);
	long i = 0;

	if (rc || !sw)
		return rc;
	cJSON_ArrayForEach(it, sw)
	{
		struct jplace sp = *pl;
		const char *uri, *product, *version;
		snprintf(sp.path, sizeof(sp.path), "%.60s.software[%ld]", pl->path, i++);
		if (!cJSON_IsObject(it))
			return jerr(&sp, NULL, e, "expected an object");
		rc = jget_str(it, "uniform_resource_identifier", false, &sp, &uri, e);
		if (!rc)
			rc = jget_str(it, "product", false, &sp, &product, e);
		if (!rc)
			rc = jget_str(it, "version", false, &sp, &version, e);
		if (rc)
			return rc;
		if (uri && (rc = add_cpe(a, uri)) != 0)
			return merr_set(e, rc, "out of memory");
		if (product && !a->s.product) { /* the first product named is the service's */
			a->s.product = product;
			a->s.version = version;
		}
	}
	return 0;
}

static int censys_service(const cJSON *svc, const struct jplace *pl, const struct svc_acc *host,
			  int64_t host_seen, struct jl_ctx *c)
{
	struct svc_acc a = {0};
	const char *proto;
	long long port = 0;
	int rc;

	if (!cJSON_IsObject(svc))
		return jerr(pl, NULL, c->e, "expected an object");
	memcpy(a.ip, host->ip, sizeof(a.ip));
	a.s.ip = a.ip;
	a.s.line = pl->line > 0 ? pl->line : 0;
	rc = jget_int(svc, "port", true, 0, 65535, pl, &port, NULL, c->e);
	if (!rc)
		rc = jget_str(svc, "transport_protocol", false, pl, &proto, c->e);
	if (!rc)
		rc = set_proto(&a, proto, pl, "transport_protocol", c->e);
	if (!rc)
		rc = jget_str(svc, "service_name", false, pl, &a.s.service, c->e);
	if (!rc)
		rc = jget_time(svc, "observed_at", false, pl, &a.s.seen_at, c->e);
	if (!rc)
		rc = censys_software(svc, pl, &a, c->e);
	for (size_t i = 0; rc == 0 && i < host->names.n; i++)
		if ((rc = strv_add_unique(&a.names, host->names.v[i], strlen(host->names.v[i]))))
			merr_set(c->e, rc, "out of memory");
	a.s.port = (int)port;
	if (!a.s.seen_at)
		a.s.seen_at = host_seen;
	if (!rc)
		rc = svc_emit(&a, c->fn, c->arg);
	svc_reset(&a);
	return rc;
}

/* One host: the API response {"code":200,"result":{...}} or the bare result object. */
static int censys_host(const cJSON *o, struct jplace *pl, struct jl_ctx *c)
{
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(o, "result"), *svcs = NULL, *it;
	struct svc_acc host = {0};
	const char *ip;
	int64_t seen = 0;
	long i = 0;
	int rc;

	if (cJSON_IsObject(res) && !cJSON_GetObjectItemCaseSensitive(o, "ip")) {
		o = res;
		snprintf(pl->path + strlen(pl->path), sizeof(pl->path) - strlen(pl->path), "%s",
			 pl->path[0] ? ".result" : "result");
	}
	rc = jget_str(o, "ip", true, pl, &ip, c->e);
	if (!rc)
		rc = set_ip(&host, ip, pl, "ip", c->e);
	if (!rc)
		rc = jget_time(o, "last_updated_at", false, pl, &seen, c->e);
	if (!rc)
		rc = censys_names(o, pl, &host, c->e);
	if (!rc)
		rc = jget_arr(o, "services", pl, &svcs, c->e);
	for (it = svcs ? svcs->child : NULL; rc == 0 && it; it = it->next) {
		struct jplace sp = *pl;
		snprintf(sp.path, sizeof(sp.path), "%.60s%sservices[%ld]", pl->path,
			 pl->path[0] ? "." : "", i++);
		rc = censys_service(it, &sp, &host, seen, c);
	}
	svc_reset(&host);
	return rc;
}

static int censys_line(const cJSON *o, long line, void *arg)
{
	struct jplace pl = {((struct jl_ctx *)arg)->file, line, ""};

	return censys_host(o, &pl, arg);
}

/* JSON lines when the first non-blank line alone is a complete JSON object. */
static bool looks_like_lines(const char *buf, size_t len)
{
	size_t i = 0;
	const char *nl, *end = NULL;
	cJSON *first;
	bool lines;

	while (i < len && isspace((unsigned char)buf[i]))
		i++;
	nl = memchr(buf + i, '\n', len - i);
	if (!nl || buf[i] != '{')
		return false;
	first = cJSON_ParseWithLengthOpts(buf + i, (size_t)(nl - buf - i), &end, false);
	lines = first && cJSON_IsObject(first);
	cJSON_Delete(first);
	return lines;
}

int disc_parse_censys(const char *buf, size_t len, const char *file, disc_service_fn fn, void *arg,
		      struct merr *e)
{
	struct jl_ctx c = {file, fn, arg, e};
	cJSON *doc = NULL;
	const cJSON *it;
	long i = 0;
	int rc;

	if (looks_like_lines(buf, len))
		return jl_each(buf, len, file, censys_line, &c, e);
	rc = json_parse_doc(buf, len, file, &doc, e);
	if (rc)
		return rc;
	if (cJSON_IsObject(doc)) {
		struct jplace pl = {file, -1, ""};
		rc = censys_host(doc, &pl, &c);
	} else if (cJSON_IsArray(doc)) {
		cJSON_ArrayForEach(it, doc)
		{
			struct jplace pl = {file, -1, ""};
			snprintf(pl.path, sizeof(pl.path), "[%ld]", i++);
			rc = cJSON_IsObject(it) ? censys_host(it, &pl, &c)
						: jerr(&pl, NULL, e, "expected a host object");
			if (rc)
				break;
		}
	} else {
		rc = merr_at(e, M_EPARSE, file, -1, -1, NULL,
			     "expected a Censys host object, an array of them, or JSON lines");
	}
	cJSON_Delete(doc);
	return rc;
}

/* ---- files, streamed ---- */

/* One record of a streamed file, parsed: an element of the root array (idx >= 0, line of
 * its first byte) or one line of JSON lines (idx -1). */
struct stream_ctx {
	int fmt;
	const char *file;
	disc_cert_fn cert_fn;
	struct jl_ctx svc;
};

static int stream_record(struct stream_ctx *c, const cJSON *o, long line, long idx)
{
	struct jplace pl = {c->file, line, ""};

	if (c->fmt == DISC_FMT_CRTSH)
		return crtsh_entry(o, idx, c->file, c->cert_fn, c->svc.arg, c->svc.e);
	if (!cJSON_IsObject(o))
		return idx < 0 ? merr_at(c->svc.e, M_EPARSE, c->file, line, -1, NULL,
					 "expected a JSON object")
			       : jerr(&pl, NULL, c->svc.e, "[%ld]: expected a host object", idx);
	if (c->fmt == DISC_FMT_SHODAN)
		return shodan_line(o, line, &c->svc);
	if (idx >= 0)
		snprintf(pl.path, sizeof(pl.path), "[%ld]", idx);
	return censys_host(o, &pl, &c->svc);
}

static int stream_parse(struct stream_ctx *c, const struct split_rec *r, long idx)
{
	const char *end = NULL;
	cJSON *o;
	int rc;

	if (json_check_strings(r->p, r->len, r->line, r->offset, c->svc.e)) {
		merr_set_file(c->svc.e, c->file);
		return M_EPARSE;
	}
	o = cJSON_ParseWithLengthOpts(r->p, r->len, &end, false);
	if (!o)
		return merr_at(c->svc.e, M_EPARSE, c->file, r->line,
			       r->offset + (end ? (long long)(end - r->p) : 0), NULL,
			       "invalid JSON");
	while (end < r->p + r->len && isspace((unsigned char)*end))
		end++;
	rc = end < r->p + r->len ? merr_at(c->svc.e, M_EPARSE, c->file, r->line, -1, NULL,
					   "text after the JSON object (byte %lld of the line)",
					   (long long)(end - r->p) + 1)
				 : stream_record(c, o, r->line, idx);
	cJSON_Delete(o);
	return rc;
}

static int stream_file(struct stream_ctx *c, enum split_mode mode)
{
	struct split *sp = NULL;
	struct split_rec r;
	long idx = 0;
	int rc = split_open_file(c->file, mode, NULL, DISC_LINE_MAX, &sp, c->svc.e);

	while (rc == 0 && (rc = split_next(sp, &r, c->svc.e)) == 1)
		rc = stream_parse(c, &r, mode == SPLIT_ARRAY ? idx++ : -1);
	if (rc < 0)
		merr_set_file(c->svc.e, c->file);
	split_free(sp);
	return rc < 0 ? rc : 0;
}

/* The first non-blank byte of the decompressed file (-1: none), and whether its first
 * non-blank line alone is a complete JSON object (JSON lines, judged within its chunk).
 * Leading white space is read in chunks, at most DISC_LINE_MAX of it (a gzip of spaces). */
static int peek_shape(const char *path, int *first, bool *lines, struct merr *e)
{
	struct split *sp = NULL;
	struct split_rec r;
	size_t blank = 0;
	int rc = split_open_file(path, SPLIT_RAW, NULL, 0, &sp, e);

	*first = -1;
	*lines = false;
	while (rc == 0 && *first < 0 && (rc = split_next(sp, &r, e)) == 1) {
		size_t i = 0;
		while (i < r.len && isspace((unsigned char)r.p[i]))
			i++;
		rc = 0;
		if (i < r.len) {
			*first = (unsigned char)r.p[i];
			*lines = looks_like_lines(r.p + i, r.len - i);
		} else if ((blank += r.len) > DISC_LINE_MAX) {
			rc = merr_at(e, M_ETOOBIG, path, -1, (long long)blank, NULL,
				     "no JSON in the first %zu bytes (decompressed) / 先頭 %zu "
				     "バイトに JSON がありません",
				     DISC_LINE_MAX, DISC_LINE_MAX);
		}
	}
	if (rc < 0)
		merr_set_file(e, path);
	split_free(sp);
	return rc < 0 ? rc : 0;
}

/* A single document (a Censys API response): read whole, bounded. */
static int parse_whole(int fmt, const char *path, disc_cert_fn cert_fn, disc_service_fn svc_fn,
		       void *arg, struct merr *e)
{
	struct buf b;
	int rc;

	buf_init(&b, DISC_DOC_MAX);
	rc = buf_read_file(&b, path, e);
	if (rc == 0)
		rc = fmt == DISC_FMT_CRTSH
			 ? disc_parse_crtsh(buf_str(&b), b.len, path, cert_fn, arg, e)
		     : fmt == DISC_FMT_SHODAN
			 ? disc_parse_shodan(buf_str(&b), b.len, path, svc_fn, arg, e)
			 : disc_parse_censys(buf_str(&b), b.len, path, svc_fn, arg, e);
	buf_release(&b);
	return rc;
}

int disc_parse_file(int fmt, const char *path, disc_cert_fn cert_fn, disc_service_fn svc_fn,
		    void *arg, struct merr *e)
{
	struct stream_ctx c = {fmt, path, cert_fn, {path, svc_fn, arg, e}};
	struct stat sb;
	bool lines = false;
	int first = -1, rc;

	if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) /* a FIFO can be read only once */
		return parse_whole(fmt, path, cert_fn, svc_fn, arg, e);
	if ((rc = peek_shape(path, &first, &lines, e)) != 0)
		return rc;
	if (first < 0 && fmt == DISC_FMT_SHODAN)
		return 0; /* a download with no banners: JSON lines with no line */
	if (first < 0)
		return merr_at(e, M_EPARSE, path, -1, -1, NULL, "empty file / 空のファイルです");
	if (fmt == DISC_FMT_CRTSH && first != '[')
		return merr_at(e, M_EPARSE, path, -1, -1, NULL,
			       "expected a JSON array of certificates (crt.sh output=json)");
	if (fmt == DISC_FMT_SHODAN || (fmt == DISC_FMT_CENSYS && lines))
		return stream_file(&c, SPLIT_LINES);
	if (first == '[')
		return stream_file(&c, SPLIT_ARRAY);
	return parse_whole(fmt, path, cert_fn, svc_fn, arg, e);
}
