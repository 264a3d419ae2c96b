/*
 * feed_nvd.c - NVD CVE API 2.0 records ({"cve":{...}}, the elements of "vulnerabilities"):
 * parse one record into struct feeds_cve, store it into cves, cve_refs and cve_products.
 */
#include "base/compat.h"

#include "base/json.h"

#include "base/buf.h"
#include "base/mem.h"
#include "store/store.h"
#include "cpe/cpe.h"
#include "feeds/feeds_int.h"

#define DESC_MAX (64u << 10)
#define VECTOR_MAX 512 /* CVSS 4.0 vectors with supplemental metrics run long */
#define CONFIG_MAX (8u << 20)

/* The CVSS versions NVD publishes: metrics key, cvssData.version, major number. */
static const struct {
	const char *key;
	const char *version;
	int major;
} cvss_keys[] = {
    {"cvssMetricV40", "4.0", 4},
    {"cvssMetricV31", "3.1", 3},
    {"cvssMetricV30", "3.0", 3},
    {"cvssMetricV2", "2.0", 2},
};

/* Reads one metric entry; fills m when it should win over what m holds. */
static int read_metric(const cJSON *entry, int k, struct feeds_metric *m, bool *primary,
		       struct merr *e)
{
	const cJSON *data = fj_get(entry, "cvssData");
	const cJSON *score;
	const char *version, *vector, *sev, *type, *source;
	int rc;

	if (!cJSON_IsObject(entry) || !cJSON_IsObject(data))
		return merr_at(e, M_EPARSE, NULL, -1, -1, cvss_keys[k].key,
			       "expected an object with cvssData");
	if ((rc = fj_req_str(data, "version", 8, &version, e)))
		return rc;
	if (strcmp(version, cvss_keys[k].version) != 0)
		return merr_at(e, M_EPARSE, NULL, -1, -1, cvss_keys[k].key,
			       "unknown CVSS version '%s' (expected %s)", version,
			       cvss_keys[k].version);
	if ((rc = fj_req_str(data, "vectorString", VECTOR_MAX, &vector, e)))
		return rc;
	score = fj_get(data, "baseScore");
	if (!cJSON_IsNumber(score) || score->valuedouble < 0 || score->valuedouble > 10)
		return merr_at(e, M_EPARSE, NULL, -1, -1, "baseScore", "expected a number 0-10");
	if ((rc = fj_opt_str(entry, "type", 32, &type, e)) ||
	    (rc = fj_opt_str(entry, "source", 128, &source, e)))
		return rc;
	/* v2 keeps baseSeverity outside cvssData */
	if ((rc = fj_opt_str(data, "baseSeverity", 16, &sev, e)))
		return rc;
	if (!sev && (rc = fj_opt_str(entry, "baseSeverity", 16, &sev, e)))
		return rc;
	/* The first Primary entry wins; otherwise the first entry. */
	if (m->set && (*primary || !type || strcmp(type, "Primary") != 0))
		return 0;
	m->set = true;
	m->score = score->valuedouble;
	m->vector = vector;
	m->source = source;
	m->severity = sev ? sev : feeds_severity_for(score->valuedouble, cvss_keys[k].major);
	m->version = cvss_keys[k].version;
	*primary = type && strcmp(type, "Primary") == 0;
	return 0;
}

static int read_metrics(const cJSON *cve, struct feeds_cve *c, struct merr *e)
{
	const cJSON *metrics = fj_get(cve, "metrics"), *kv;
	struct feeds_metric v31 = {0}, v30 = {0};

	if (!metrics || cJSON_IsNull(metrics))
		return 0;
	if (!cJSON_IsObject(metrics))
		return merr_at(e, M_EPARSE, NULL, -1, -1, "metrics", "expected an object");
	cJSON_ArrayForEach(kv, metrics)
	{
		struct feeds_metric *m = NULL;
		const cJSON *entry;
		bool primary = false;
		int k, rc;

		for (k = 0; k < (int)ARRAY_SIZE(cvss_keys); k++)
			if (strcmp(kv->string, cvss_keys[k].key) == 0)
				break;
		if (k == (int)ARRAY_SIZE(cvss_keys)) {
			if (strncmp(kv->string, "cvssMetric", 10) == 0)
				return merr_at(e, M_EPARSE, NULL, -1, -1, "metrics",
					       "unknown CVSS version '%.40s'", kv->string);
			continue; /* other metric kinds are not ours */
		}
		if (!cJSON_IsArray(kv))
			return merr_at(e, M_EPARSE, NULL, -1, -1, kv->string, "expected an array");
		m = k == 0 ? &c->v4 : k == 1 ? &v31 : k == 2 ? &v30 : &c->v2;
		cJSON_ArrayForEach(entry, kv)
		{
			if ((rc = read_metric(entry, k, m, &primary, e)))
				return rc;
		}
	}
	c->v3 = v31.set ? v31 : v30; /* v3.1 before v3.0 */
	return 0;
}

static int read_descriptions(const cJSON *cve, struct feeds_cve *c, struct merr *e)
{
	const cJSON *arr, *d;
	int rc;

	if ((rc = fj_opt_arr(cve, "descriptions", &arr, e)))
		return rc;
	cJSON_ArrayForEach(d, arr)
	{
		const char *lang = fj_str(d, "lang"), *value;
		if (!lang || strcmp(lang, "en") != 0)
			continue;
		if ((rc = fj_req_str(d, "value", DESC_MAX, &value, e)))
			return rc;
		c->description = value;
		break;
	}
	return 0;
}

static int read_weaknesses(const cJSON *cve, struct feeds_cve *c, struct merr *e)
{
	const cJSON *arr, *w, *d;
	int rc;

	if ((rc = fj_opt_arr(cve, "weaknesses", &arr, e)))
		return rc;
	cJSON_ArrayForEach(w, arr)
	{
		const cJSON *descs = fj_get(w, "description");
		cJSON_ArrayForEach(d, descs)
		{
			const char *v = fj_str(d, "value");
			if (v)
				feeds_add_cwe(c->cwe, sizeof(c->cwe), v);
		}
	}
	return 0;
}

/*
 * The configurations tree is kept as compact JSON holding only what matching reads: nodes,
 * operator, negate when true, and each cpeMatch's criteria, vulnerable and four version
 * bounds. NVD's matchCriteriaId (a UUID on every cpeMatch) and the like are dropped: that
 * halves the stored text, and writing it here is cheaper than re-printing the cJSON tree.
 * While walking, the criteria's vendor:product pairs become the candidate products.
 */
static const char *const bound_keys[] = {"versionStartIncluding", "versionStartExcluding",
					 "versionEndIncluding", "versionEndExcluding"};

struct emit {
	struct feeds_cve *c;
	struct buf b;
	/* "cpe:2.3:a:isc:bind:" of the last criteria: a CVE lists one product's versions in a
	 * row, so most criteria need no new vendor:product */
	char last[2 * VULN_VP_MAX];
	size_t last_len;
};

typedef int (*emit_fn)(struct emit *x, const cJSON *o, struct merr *e);

static int emit_nomem(struct merr *e)
{
	return merr_set(e, M_ENOMEM, "out of memory");
}

/* "operator":"AND" and "negate":true as the source has them, after what the object holds
 * already; a bad operator is refused now rather than at every later match. */
static int emit_op(struct buf *b, const cJSON *o, struct merr *e)
{
	const cJSON *op = fj_get(o, "operator");
	bool first = b->ptr[b->len - 1] == '{';

	if (op && (!cJSON_IsString(op) || (strcasecmp(op->valuestring, "AND") != 0 &&
					   strcasecmp(op->valuestring, "OR") != 0)))
		return merr_at(e, M_EPARSE, NULL, -1, -1, "operator", "operator must be AND or OR");
	if (op && (buf_adds(b, first ? "\"operator\":" : ",\"operator\":") ||
		   buf_add_json_str(b, op->valuestring)))
		return emit_nomem(e);
	first = first && !op;
	if (cJSON_IsTrue(fj_get(o, "negate")) &&
	    buf_adds(b, first ? "\"negate\":true" : ",\"negate\":true"))
		return emit_nomem(e);
	return 0;
}

/* Length of "cpe:2.3:part:vendor:product:" (escaped colons are name bytes), or 0. */
static size_t vp_prefix_len(const char *crit)
{
	int colons = 0;

	for (const char *p = crit; *p; p++) {
		if (*p == '\\' && p[1])
			p++;
		else if (*p == ':' && ++colons == 5)
			return (size_t)(p - crit) + 1;
	}
	return 0;
}

/* Adds the criteria's vendor:product to the candidates unless the last criteria had it. */
static int note_product(struct emit *x, const char *crit, struct merr *e)
{
	size_t n = vp_prefix_len(crit);
	char vp[VULN_VP_MAX];
	int rc;

	if (n && n == x->last_len && memcmp(crit, x->last, n) == 0)
		return 0;
	if (cpe_vp(crit, vp, sizeof(vp)) == 0 && (rc = feeds_cve_add_vp(x->c, vp)))
		return merr_set(e, rc, "out of memory");
	x->last_len = n < sizeof(x->last) ? n : 0;
	memcpy(x->last, crit, x->last_len);
	return 0;
}

/* One cpeMatch. Its members are read in one pass: this runs for every one of them. */
static int emit_match(struct emit *x, const cJSON *m, struct merr *e)
{
	const cJSON *crit = NULL, *vul = NULL, *bound[ARRAY_SIZE(bound_keys)] = {0}, *kv;
	struct buf *b = &x->b;
	int rc;

	if (!cJSON_IsObject(m))
		return merr_at(e, M_EPARSE, NULL, -1, -1, "cpeMatch", "expected an object");
	for (kv = m->child; kv && kv->string; kv = kv->next) {
		const char *k = kv->string;
		if (k[0] == 'c' && !crit && strcmp(k, "criteria") == 0)
			crit = kv;
		else if (k[0] == 'v' && !vul && strcmp(k, "vulnerable") == 0)
			vul = kv;
		else if (k[0] == 'v' && strncmp(k, "version", 7) == 0)
			for (size_t i = 0; i < ARRAY_SIZE(bound_keys); i++)
				if (!bound[i] && strcmp(k + 7, bound_keys[i] + 7) == 0)
					bound[i] = kv;
	}
	if (!crit)
		return merr_at(e, M_EPARSE, NULL, -1, -1, "criteria", "missing");
	if (!cJSON_IsString(crit) || !crit->valuestring)
		return merr_at(e, M_EPARSE, NULL, -1, -1, "criteria", "expected a string");
	if (strlen(crit->valuestring) > 1024)
		return merr_at(e, M_ETOOBIG, NULL, -1, -1, "criteria", "longer than 1024 bytes");
	if ((rc = note_product(x, crit->valuestring, e)))
		return rc;
	rc = buf_adds(b, cJSON_IsFalse(vul) ? "{\"vulnerable\":false,\"criteria\":"
					    : "{\"vulnerable\":true,\"criteria\":") ||
	     buf_add_json_str(b, crit->valuestring);
	for (size_t i = 0; !rc && i < ARRAY_SIZE(bound_keys); i++)
		if (cJSON_IsString(bound[i]))
			rc = buf_adds(b, ",\"") || buf_adds(b, bound_keys[i]) ||
			     buf_adds(b, "\":") || buf_add_json_str(b, bound[i]->valuestring);
	if (rc || buf_addc(b, '}'))
		return emit_nomem(e);
	return 0;
}

/* Emits [...] with one call per element of arr. */
static int emit_list(struct emit *x, const cJSON *arr, emit_fn one, struct merr *e)
{
	const cJSON *it;
	int rc;

	if (buf_addc(&x->b, '['))
		return emit_nomem(e);
	cJSON_ArrayForEach(it, arr)
	{
		if (it != arr->child && buf_addc(&x->b, ','))
			return emit_nomem(e);
		if ((rc = one(x, it, e)))
			return rc;
	}
	return buf_addc(&x->b, ']') ? emit_nomem(e) : 0;
}

/* A node {"cpeMatch":[...],"operator":...} or a configuration {"nodes":[...],...}. */
static int emit_group(struct emit *x, const cJSON *o, const char *what, const char *key,
		      emit_fn one, struct merr *e)
{
	const cJSON *arr;
	int rc;

	if (!cJSON_IsObject(o))
		return merr_at(e, M_EPARSE, NULL, -1, -1, what, "expected an object");
	if ((rc = fj_opt_arr(o, key, &arr, e)))
		return rc;
	if (buf_addc(&x->b, '{'))
		return emit_nomem(e);
	if (arr && (buf_addc(&x->b, '"') || buf_adds(&x->b, key) || buf_adds(&x->b, "\":")))
		return emit_nomem(e);
	if ((arr && (rc = emit_list(x, arr, one, e))) || (rc = emit_op(&x->b, o, e)))
		return rc;
	return buf_addc(&x->b, '}') ? emit_nomem(e) : 0;
}

static int emit_node(struct emit *x, const cJSON *o, struct merr *e)
{
	return emit_group(x, o, "nodes", "cpeMatch", emit_match, e);
}

static int emit_config(struct emit *x, const cJSON *o, struct merr *e)
{
	return emit_group(x, o, "configurations", "nodes", emit_node, e);
}

static int read_configurations(const cJSON *cve, struct feeds_cve *c, struct merr *e)
{
	struct emit x = {.c = c};
	const cJSON *cfgs;
	int rc;

	if ((rc = fj_opt_arr(cve, "configurations", &cfgs, e)) || !cfgs)
		return rc;
	buf_init(&x.b, 0); /* no larger than the record it comes from; checked below */
	if (buf_grow(&x.b, 1024))
		return emit_nomem(e);
	rc = emit_list(&x, cfgs, emit_config, e);
	if (rc == 0 && x.b.len > CONFIG_MAX)
		rc = merr_at(e, M_ETOOBIG, NULL, -1, -1, "configurations", "longer than %u bytes",
			     CONFIG_MAX);
	if (rc == 0 && !(c->configurations = buf_detach(&x.b, NULL)))
		rc = emit_nomem(e);
	buf_release(&x.b);
	return rc;
}

int feeds_nvd_parse(const char *p, size_t len, struct feeds_cve *c, struct merr *e)
{
	const cJSON *cve;
	const char *id, *pub, *mod;
	int rc;

	memset(c, 0, sizeof(*c));
	c->arena_mark = feeds_arena_begin();
	c->arena_spills = feeds_arena_spills();
	c->arena = true;
	/* cJSON's tree in one pass, or NULL: the strings are checked and cJSON decides (what
	 * the fast reader accepts passes the check) */
	c->doc = json_parse_fast(p, len);
	if (!c->doc) {
		if ((rc = json_check_strings(p, len, -1, -1, e)))
			return rc;
		c->doc = cJSON_ParseWithLength(p, len);
	}
	if (!c->doc)
		return merr_set(e, M_EPARSE, "not valid JSON");
	cve = fj_get(c->doc, "cve");
	if (!cJSON_IsObject(cve))
		return merr_at(e, M_EPARSE, NULL, -1, -1, "cve",
			       "expected an object {\"cve\":{...}}");
	if ((rc = fj_req_str(cve, "id", 31, &id, e)))
		return rc;
	if (!feeds_valid_cve_id(id))
		return merr_at(e, M_EPARSE, NULL, -1, -1, "id", "not a CVE id: '%.31s'", id);
	feeds_copy(c->id, sizeof(c->id), id);
	if ((rc = fj_req_str(cve, "published", 40, &pub, e)) ||
	    (rc = fj_req_str(cve, "lastModified", 40, &mod, e)) ||
	    (rc = fj_time("published", pub, &c->published, e)) ||
	    (rc = fj_time("lastModified", mod, &c->last_modified, e)) ||
	    (rc = fj_opt_str(cve, "vulnStatus", 64, &c->vuln_status, e)))
		return rc;
	if ((rc = read_descriptions(cve, c, e)) || (rc = read_weaknesses(cve, c, e)) ||
	    (rc = read_metrics(cve, c, e)) || (rc = feeds_read_refs(cve, "source", true, c, e)) ||
	    (rc = read_configurations(cve, c, e)))
		return rc;
	return 0;
}

/* Binds a metric's score, vector, source, severity at columns i.. (NULLs when unset). */
static int bind_metric(struct store_stmt *st, int i, const struct feeds_metric *m)
{
	if (!m->set) {
		for (int k = 0; k < 4; k++)
			stmt_bind_null(st, i + k);
		return i + 4;
	}
	stmt_bind_double(st, i, m->score);
	stmt_bind_text_static(st, i + 1, m->vector);
	stmt_bind_text_static(st, i + 2, m->source);
	stmt_bind_text_static(st, i + 3, m->severity);
	return i + 4;
}

int feeds_bind_metrics(struct store_stmt *st, int i, const struct feeds_cve *c)
{
	i = bind_metric(st, i, &c->v4);
	if (c->v3.set) {
		stmt_bind_double(st, i, c->v3.score);
		stmt_bind_text_static(st, i + 1, c->v3.vector);
		stmt_bind_text_static(st, i + 2, c->v3.source);
		stmt_bind_text_static(st, i + 3, c->v3.version);
		stmt_bind_text_static(st, i + 4, c->v3.severity);
	} else {
		for (int k = 0; k < 5; k++)
			stmt_bind_null(st, i + k);
	}
	return bind_metric(st, i + 5, &c->v2);
}

int feeds_update_severity(struct feeds_ctx *ctx, const char *id, struct merr *e)
{
	struct store_stmt *st = feeds_stmt(ctx, ST_SEVERITY, e);
	if (!st)
		return M_ESTORE;
	stmt_bind_text(st, 1, id);
	return feeds_exec(st, e);
}

/* FEEDS_UNCHANGED when NVD's version of the CVE is stored with this lastModified or later;
 * *fresh tells whether the CVE has no row yet. */
static int nvd_current(struct feeds_ctx *ctx, const struct feeds_cve *c, bool *fresh,
		       struct merr *e)
{
	struct store_stmt *st = feeds_stmt(ctx, ST_CVE_GET, e);
	int rc;

	if (!st)
		return M_ESTORE;
	stmt_bind_text_static(st, 1, c->id);
	rc = stmt_step(st, e);
	*fresh = rc == 0;
	if (rc == 1) {
		const char *src = stmt_text(st, 1);
		bool has_nvd = src && strncmp(src, "nvd", 3) == 0;
		rc = has_nvd && !stmt_is_null(st, 0) && stmt_int64(st, 0) >= c->last_modified
			 ? FEEDS_UNCHANGED
			 : FEEDS_STORED;
	}
	stmt_reset(st);
	return rc;
}

static int nvd_store(struct feeds_ctx *ctx, const struct feeds_cve *c, struct merr *e)
{
	struct store_stmt *st;
	bool fresh = false;
	int rc;

	if (ctx->bulk) /* PostgreSQL: by COPY at the batch's commit */
		return feeds_bulk_nvd(ctx, c, e);
	if (feeds_seen_fresh(ctx, c->id))
		fresh = true; /* an empty cves at the start, and this import has not stored it */
	else if ((rc = nvd_current(ctx, c, &fresh, e)) != FEEDS_STORED)
		return rc;
	st = feeds_stmt(ctx, ST_NVD_UPSERT, e);
	if (!st)
		return M_ESTORE;
	stmt_bind_text_static(st, 1, c->id);
	stmt_bind_int64(st, 2, c->published);
	stmt_bind_int64(st, 3, c->last_modified);
	stmt_bind_text_static(st, 4, c->description);
	stmt_bind_text_static(st, 5, c->cwe[0] ? c->cwe : NULL);
	feeds_bind_metrics(st, 6, c);
	stmt_bind_text_static(st, 19, c->configurations);
	stmt_bind_text_static(st, 20, c->vuln_status);
	stmt_bind_text_static(st, 21, feeds_best_severity(c));
	if ((rc = feeds_exec(st, e)) || (rc = feeds_store_refs(ctx, c, "nvd", fresh, e)) ||
	    (rc = feeds_store_products(ctx, c, "nvd", fresh, e)))
		return rc;
	return FEEDS_STORED;
}

static int nvd_parse(const struct split_rec *rec, void **out, size_t *bytes, char *cve,
		     size_t cve_cap, struct merr *e)
{
	return feeds_cve_parse_owned(feeds_nvd_parse, rec, out, bytes, cve, cve_cap, e);
}

static int nvd_store_rec(struct feeds_ctx *ctx, void *rec, struct merr *e)
{
	return nvd_store(ctx, rec, e);
}

/* The file's timestamp, which is also the version the import reports. */
static const char *nvd_date(struct feeds_ctx *ctx)
{
	const char *d = ctx->sp ? split_header(ctx->sp, "timestamp") : NULL;

	if (ctx->sp)
		snprintf(ctx->r->version, sizeof(ctx->r->version), "%s", d ? d : "");
	return d;
}

const struct feeds_adapter feeds_nvd_adapter = {
    .kind = FEEDS_NVD,
    .mode = SPLIT_ARRAY,
    .array_key = "vulnerabilities",
    .savepoint = true,
    .json = true,
    .threads = true,
    .parse = nvd_parse,
    .store = nvd_store_rec,
    .rec_free = feeds_cve_free,
    .date = nvd_date,
};
