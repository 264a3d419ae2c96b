/*
 * feed_kev.c - CISA Known Exploited Vulnerabilities catalog: the import replaces the kev
 * table with the catalog in one transaction (keeping the catalog each CVE was first seen
 * in), and the diff of two catalog files for `mamori feeds kev-diff`.
 */
#include "base/compat.h"

#include "base/json.h"

#include "base/mem.h"
#include "base/mtime.h"
#include "base/utf8.h"
#include "store/store.h"
#include "feeds/feeds_int.h"

#define KEV_TEXT_MAX (16u << 10)

void feeds_kev_release(struct feeds_kev *k)
{
	if (!k)
		return;
	cJSON_Delete(k->doc);
	memset(k, 0, sizeof(*k));
}

/* The KEV fields: JSON key, where it goes, whether the schema requires it. */
struct kev_field {
	const char *key;
	size_t off;
	bool required;
};
#define KF(key, member, req)                                 \
	{                                                    \
		key, offsetof(struct feeds_kev, member), req \
	}
static const struct kev_field kev_fields[] = {
    KF("cveID", cve_id, true),
    KF("vendorProject", vendor_project, true),
    KF("product", product, true),
    KF("vulnerabilityName", name, true),
    KF("dateAdded", date_added, true),
    KF("shortDescription", short_description, true),
    KF("requiredAction", required_action, true),
    KF("dueDate", due_date, true),
    KF("knownRansomwareCampaignUse", ransomware, false),
    KF("notes", notes, false),
};

static bool valid_date(const char *s)
{
	int64_t t;
	return s && strlen(s) == 10 && time_parse(s, &t) == 0;
}

int feeds_kev_parse(const char *p, size_t len, struct feeds_kev *k, struct merr *e)
{
	const cJSON *cwes, *cw;
	int rc;

	memset(k, 0, sizeof(*k));
	if ((rc = json_check_strings(p, len, -1, -1, e)))
		return rc;
	k->doc = cJSON_ParseWithLength(p, len);
	if (!k->doc)
		return merr_set(e, M_EPARSE, "not valid JSON");
	if (!cJSON_IsObject(k->doc))
		return merr_set(e, M_EPARSE, "a KEV entry must be an object");
	for (size_t i = 0; i < ARRAY_SIZE(kev_fields); i++) {
		const char **dst = (const char **)((char *)k + kev_fields[i].off);
		rc = kev_fields[i].required
			 ? fj_req_str(k->doc, kev_fields[i].key, KEV_TEXT_MAX, dst, e)
			 : fj_opt_str(k->doc, kev_fields[i].key, KEV_TEXT_MAX, dst, e);
		if (rc)
			return rc;
		if (i == 0 && !feeds_valid_cve_id(k->cve_id))
			return merr_at(e, M_EPARSE, NULL, -1, -1, "cveID", "not a CVE id: '%.31s'",
				       k->cve_id);
	}
	if (!valid_date(k->date_added))
		return merr_at(e, M_EPARSE, NULL, -1, -1, "dateAdded", "not a date: '%.20s'",
			       k->date_added);
	if (!valid_date(k->due_date))
		return merr_at(e, M_EPARSE, NULL, -1, -1, "dueDate", "not a date: '%.20s'",
			       k->due_date);
	if ((rc = fj_opt_arr(k->doc, "cwes", &cwes, e)))
		return rc;
	cJSON_ArrayForEach(cw, cwes)
	{
		if (!cJSON_IsString(cw))
			return merr_at(e, M_EPARSE, NULL, -1, -1, "cwes", "expected strings");
		feeds_add_cwe(k->cwes, sizeof(k->cwes), cw->valuestring);
	}
	return 0;
}

/* The adapter's state for one catalog file (c->state). */
struct kev_state {
	char version[32];    /* catalogVersion, read from the header on first use */
	long long seen;	     /* entries stored */
	bool checked, older; /* an older catalog than the stored one: history only */
};

static int kev_begin(struct feeds_ctx *c, struct merr *e)
{
	int rc = store_exec(
	    c->s, "CREATE TEMP TABLE IF NOT EXISTS kev_seen (cve_id TEXT PRIMARY KEY)", e);
	if (!rc)
		rc = store_exec(c->s, "DELETE FROM kev_seen", e);
	return rc;
}

/*
 * An older catalog than one already imported only adds history (first_catalog); it does not
 * replace the table, so importing a folder twice changes nothing.
 */
static int kev_check_older(struct feeds_ctx *c, const char *version, struct merr *e)
{
	struct kev_state *ks = c->state;
	struct store_stmt *st = NULL;
	int rc;

	if (ks->checked)
		return 0;
	ks->checked = true;
	rc = store_prepare(c->s, "SELECT COUNT(*) FROM kev_catalogs WHERE version > ?", &st, e);
	if (rc)
		return rc;
	stmt_bind_text(st, 1, version);
	rc = stmt_step(st, e);
	if (rc == 1)
		ks->older = stmt_int64(st, 0) > 0;
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

static bool same(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* True when the stored row holds exactly k's content (the catalog version aside). */
static int kev_unchanged(struct feeds_ctx *c, const struct feeds_kev *k, bool *out, struct merr *e)
{
	struct store_stmt *st = feeds_stmt(c, ST_KEV_GET, e);
	int rc;

	*out = false;
	if (!st)
		return M_ESTORE;
	stmt_bind_text(st, 1, k->cve_id);
	rc = stmt_step(st, e);
	if (rc == 1) {
		*out = same(stmt_text(st, 0), k->vendor_project) &&
		       same(stmt_text(st, 1), k->product) && same(stmt_text(st, 2), k->name) &&
		       same(stmt_text(st, 3), k->date_added) &&
		       same(stmt_text(st, 4), k->short_description) &&
		       same(stmt_text(st, 5), k->required_action) &&
		       same(stmt_text(st, 6), k->due_date) &&
		       same(stmt_text(st, 7), k->ransomware) && same(stmt_text(st, 8), k->notes) &&
		       same(stmt_text(st, 9), k->cwes[0] ? k->cwes : NULL);
	}
	stmt_reset(st);
	return rc < 0 ? rc : 0;
}

static const char *kev_catalog(struct feeds_ctx *c)
{
	struct kev_state *ks = c->state;

	if (!ks->version[0]) {
		const char *v = split_header(c->sp, "catalogVersion");
		snprintf(ks->version, sizeof(ks->version), "%s", v ? v : "unknown");
	}
	return ks->version;
}

static int kev_store(struct feeds_ctx *c, void *rec, struct merr *e)
{
	const struct feeds_kev *k = rec;
	struct kev_state *ks = c->state;
	const char *version = kev_catalog(c);
	struct store_stmt *st;
	bool unchanged;
	int rc;

	st = feeds_stmt(c, ST_KEV_SEEN, e);
	if (!st)
		return M_ESTORE;
	stmt_bind_text(st, 1, k->cve_id);
	if ((rc = feeds_exec(st, e)))
		return rc;
	ks->seen++;
	st = feeds_stmt(c, ST_KEV_FIRST, e);
	if (!st)
		return M_ESTORE;
	stmt_bind_text(st, 1, k->cve_id);
	stmt_bind_text(st, 2, version);
	stmt_bind_int64(st, 3, time_now());
	if ((rc = feeds_exec(st, e)) || (rc = kev_check_older(c, version, e)))
		return rc;
	if (ks->older)
		return FEEDS_UNCHANGED;
	if ((rc = kev_unchanged(c, k, &unchanged, e)))
		return rc;
	if (unchanged) {
		st = feeds_stmt(c, ST_KEV_VERSION, e);
		if (!st)
			return M_ESTORE;
		stmt_bind_text(st, 1, version);
		stmt_bind_text(st, 2, k->cve_id);
		stmt_bind_text(st, 3, k->cve_id);
		rc = feeds_exec(st, e);
		return rc ? rc : FEEDS_UNCHANGED;
	}
	st = feeds_stmt(c, ST_KEV_UPSERT, e);
	if (!st)
		return M_ESTORE;
	stmt_bind_text(st, 1, k->cve_id);
	stmt_bind_text(st, 2, k->vendor_project);
	stmt_bind_text(st, 3, k->product);
	stmt_bind_text(st, 4, k->name);
	stmt_bind_text(st, 5, k->date_added);
	stmt_bind_text(st, 6, k->short_description);
	stmt_bind_text(st, 7, k->required_action);
	stmt_bind_text(st, 8, k->due_date);
	stmt_bind_text(st, 9, k->ransomware);
	stmt_bind_text(st, 10, k->notes);
	stmt_bind_text(st, 11, k->cwes[0] ? k->cwes : NULL);
	stmt_bind_text(st, 12, version);
	stmt_bind_text(st, 13, k->cve_id);
	rc = feeds_exec(st, e);
	return rc ? rc : FEEDS_STORED;
}

static int kev_parse(const struct split_rec *rec, void **out, size_t *bytes, char *cve,
		     size_t cve_cap, struct merr *e)
{
	struct feeds_kev *k = m_malloc(sizeof(*k));
	int rc;

	*out = NULL;
	if (!k)
		return merr_set(e, M_ENOMEM, "out of memory");
	rc = feeds_kev_parse(rec->p, rec->len, k, e);
	snprintf(cve, cve_cap, "%s", k->cve_id ? k->cve_id : "");
	if (rc) {
		feeds_kev_release(k);
		m_free(k);
		return rc;
	}
	*out = k;
	*bytes = sizeof(*k) + rec->len;
	return 0;
}

static void kev_free(void *rec)
{
	feeds_kev_release(rec);
	m_free(rec);
}

/* Removes entries the catalog no longer has and records the catalog itself. Only a whole,
 * valid catalog gets here (the adapter is strict: one bad entry refused it already); one
 * whose count disagrees with its entries, or that holds none, is refused as well, so a
 * KEV row is removed only by a valid catalog that omits it. */
static int kev_finish(struct feeds_ctx *c, struct merr *e)
{
	struct kev_state *ks = c->state;
	const char *count = split_header(c->sp, "count");
	const char *released = split_header(c->sp, "dateReleased");
	struct store_stmt *st = NULL;
	int64_t before = 0, after = 0;
	char *end = NULL;
	long long n;
	int rc;

	n = count ? strtoll(count, &end, 10) : -1;
	if (!count || !*count || *end)
		return merr_at(e, M_EPARSE, NULL, -1, -1, "count",
			       "the catalog has no valid count (%.20s); refused, the stored KEV"
			       " entries are unchanged / 件数がないため取り込みません",
			       count ? count : "missing");
	if (ks->seen == 0)
		return merr_at(e, M_EPARSE, NULL, -1, -1, "vulnerabilities",
			       "the catalog holds no entries; refused, the stored KEV entries are"
			       " unchanged / 空のカタログは取り込みません");
	if (n != ks->seen)
		return merr_at(e, M_EPARSE, NULL, -1, -1, "count",
			       "the catalog says count %lld but holds %lld entries; refused, the"
			       " stored KEV entries are unchanged / 件数が一致しません",
			       n, ks->seen);
	if ((rc = store_query_int(c->s, "SELECT COUNT(*) FROM kev", &before, e)) ||
	    (!ks->older &&
	     (rc = store_exec(
		  c->s, "DELETE FROM kev WHERE cve_id NOT IN (SELECT cve_id FROM kev_seen)", e))) ||
	    (rc = store_query_int(c->s, "SELECT COUNT(*) FROM kev", &after, e)) ||
	    (rc = store_exec(
		 c->s,
		 "UPDATE kev SET first_catalog = (SELECT first_catalog FROM kev_first_seen f"
		 " WHERE f.cve_id = kev.cve_id)",
		 e)))
		return rc;
	c->r->removed = before - after;
	rc = store_prepare(c->s,
			   "INSERT INTO kev_catalogs (version, date_released, count, imported_at)"
			   " VALUES (?, ?, ?, ?) ON CONFLICT(version) DO UPDATE SET"
			   " date_released = excluded.date_released, count = excluded.count,"
			   " imported_at = excluded.imported_at",
			   &st, e);
	if (rc)
		return rc;
	stmt_bind_text(st, 1, kev_catalog(c));
	stmt_bind_text(st, 2, released);
	stmt_bind_int64(st, 3, ks->seen);
	stmt_bind_int64(st, 4, time_now());
	rc = feeds_exec(st, e);
	stmt_finalize(st);
	snprintf(c->r->version, sizeof(c->r->version), "%s", kev_catalog(c));
	return rc;
}

static const char *kev_date(struct feeds_ctx *c)
{
	return c->sp ? split_header(c->sp, "dateReleased") : NULL;
}

const struct feeds_adapter feeds_kev_adapter = {
    .kind = FEEDS_KEV,
    .mode = SPLIT_ARRAY,
    .array_key = "vulnerabilities",
    .one_tx = true,
    .savepoint = true,
    .json = true,
    .strict = true,
    .state_size = sizeof(struct kev_state),
    .begin = kev_begin,
    .parse = kev_parse,
    .store = kev_store,
    .rec_free = kev_free,
    .finish = kev_finish,
    .date = kev_date,
};

/* ---- diff of two catalog files ---- */

struct kev_list {
	struct feeds_kev_entry *v;
	size_t n, cap;
	char version[32];
};

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct feeds_kev_entry *)a)->cve_id,
		      ((const struct feeds_kev_entry *)b)->cve_id);
}

static int list_add(struct kev_list *l, const struct feeds_kev *k)
{
	struct feeds_kev_entry *x;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 1024;
		void *nv = m_realloc(l->v, cap * sizeof(*l->v));
		if (!nv)
			return M_ENOMEM;
		l->v = nv;
		l->cap = cap;
	}
	x = &l->v[l->n++];
	snprintf(x->cve_id, sizeof(x->cve_id), "%s", k->cve_id);
	snprintf(x->vendor_project, sizeof(x->vendor_project), "%s", k->vendor_project);
	snprintf(x->product, sizeof(x->product), "%s", k->product);
	snprintf(x->name, sizeof(x->name), "%s", k->name);
	snprintf(x->date_added, sizeof(x->date_added), "%s", k->date_added);
	return 0;
}

/* Reads every entry of a catalog file; a bad entry or a broken file is an error. */
static int load_catalog(const char *path, struct kev_list *l, struct merr *e)
{
	struct split *sp = NULL;
	struct split_rec rec;
	int rc;

	if ((rc = split_open_file(path, SPLIT_ARRAY, "vulnerabilities", 0, &sp, e)))
		return rc;
	while ((rc = split_next(sp, &rec, e)) == 1) {
		struct feeds_kev k;
		size_t bad;
		if (!utf8_valid(rec.p, rec.len, &bad)) {
			rc = merr_at(e, M_EPARSE, NULL, -1, rec.offset + (long long)bad, NULL,
				     "invalid UTF-8");
			break;
		}
		rc = feeds_kev_parse(rec.p, rec.len, &k, e);
		if (!rc)
			rc = list_add(l, &k) ? merr_set(e, M_ENOMEM, "out of memory") : 0;
		feeds_kev_release(&k);
		if (rc) {
			if (e && e->offset < 0)
				e->offset = rec.offset;
			break;
		}
	}
	if (rc == 0) {
		const char *count = split_header(sp, "count");
		char *end = NULL;
		long long n = count ? strtoll(count, &end, 10) : -1;
		if (!count || !*count || *end || n != (long long)l->n || l->n == 0)
			rc = merr_at(e, M_EPARSE, NULL, -1, -1, "count",
				     "the catalog says count %.20s but holds %zu entries",
				     count ? count : "(none)", l->n);
	}
	if (rc == 0) {
		const char *v = split_header(sp, "catalogVersion");
		snprintf(l->version, sizeof(l->version), "%s", v ? v : "");
		qsort(l->v, l->n, sizeof(*l->v), entry_cmp);
	}
	merr_set_file(e, path);
	split_free(sp);
	return rc;
}

/* Entries of a that b lacks, appended to *out. */
static int minus(const struct kev_list *a, const struct kev_list *b, struct feeds_kev_entry **out,
		 size_t *n)
{
	*out = m_calloc(a->n ? a->n : 1, sizeof(**out));
	*n = 0;
	if (!*out)
		return M_ENOMEM;
	for (size_t i = 0; i < a->n; i++)
		if (!bsearch(&a->v[i], b->v, b->n, sizeof(*b->v), entry_cmp))
			(*out)[(*n)++] = a->v[i];
	return 0;
}

int feeds_kev_diff(const char *old_path, const char *new_path, struct feeds_kev_diff *d,
		   struct merr *e)
{
	struct kev_list a = {0}, b = {0};
	int rc;

	memset(d, 0, sizeof(*d));
	rc = load_catalog(old_path, &a, e);
	if (!rc)
		rc = load_catalog(new_path, &b, e);
	if (!rc &&
	    (minus(&b, &a, &d->added, &d->n_added) || minus(&a, &b, &d->removed, &d->n_removed)))
		rc = merr_set(e, M_ENOMEM, "out of memory");
	snprintf(d->old_version, sizeof(d->old_version), "%s", a.version);
	snprintf(d->new_version, sizeof(d->new_version), "%s", b.version);
	d->old_count = (long long)a.n;
	d->new_count = (long long)b.n;
	m_free(a.v);
	m_free(b.v);
	return rc;
}

void feeds_kev_diff_release(struct feeds_kev_diff *d)
{
	m_free(d->added);
	m_free(d->removed);
	memset(d, 0, sizeof(*d));
}
