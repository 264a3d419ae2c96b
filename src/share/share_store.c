/* share_store.c - collections, access, verbatim import, and the paged queries of TAXII. */
#include "base/compat.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "share/share.h"

/* ---- collections -------------------------------------------------------------------- */

static bool alias_ok(const char *a)
{
	size_t n = strlen(a);
	if (n == 0 || n >= 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(islower((unsigned char)a[i]) || isdigit((unsigned char)a[i]) ||
		      strchr("._-", a[i])))
			return false;
	return true;
}

static bool who_ok(const char *w, size_t n)
{
	if (n == 1 && w[0] == '*')
		return true;
	if ((n > 5 && strncmp(w, "user:", 5) == 0) || (n > 4 && strncmp(w, "org:", 4) == 0))
		return true;
	if (n > 5 && strncmp(w, "role:", 5) == 0) {
		static const char *const roles[] = {"analyst", "bureau", "operator", "member"};
		for (size_t i = 0; i < ARRAY_SIZE(roles); i++)
			if (n - 5 == strlen(roles[i]) && strncmp(w + 5, roles[i], n - 5) == 0)
				return true;
	}
	return false;
}

void share_uuid4(char out[40])
{
	unsigned char r[16];
	randombytes_buf(r, sizeof(r));
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
	snprintf(out, 40, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12],
		 r[13], r[14], r[15]);
}

static int add_access(struct store *s, const char *cid, const char *mode, const char *list,
		      struct merr *e)
{
	struct store_stmt *st;
	const char *p = list;
	int rc;

	if (!list || !*list)
		return 0;
	if ((rc = store_prepare(s,
				"INSERT OR IGNORE INTO share_access (collection_id, mode, who) "
				"VALUES (?, ?, ?)",
				&st, e)))
		return rc;
	while (*p) {
		const char *c = strchr(p, ',');
		size_t n = c ? (size_t)(c - p) : strlen(p);
		if (!who_ok(p, n)) {
			stmt_finalize(st);
			return merr_at(e, M_EINVAL, NULL, -1, -1, mode,
				       "'%.*s' is not user:NAME, role:ROLE, org:SLUG or *", (int)n,
				       p);
		}
		stmt_reset(st);
		stmt_bind_text(st, 1, cid);
		stmt_bind_text(st, 2, mode);
		stmt_bind_textn(st, 3, p, n);
		if ((rc = stmt_step(st, e)) < 0) {
			stmt_finalize(st);
			return rc;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	stmt_finalize(st);
	return 0;
}

int share_collection_add(struct store *s, const struct share_collection *c, int64_t now,
			 struct merr *e)
{
	struct store_stmt *st;
	struct share_collection old;
	char id[40];
	int rc;

	if (!alias_ok(c->alias))
		return merr_at(e, M_EINVAL, NULL, -1, -1, "alias", "'%s' is not [a-z0-9._-]{1,63}",
			       c->alias);
	if (!c->title[0])
		return merr_at(e, M_EINVAL, NULL, -1, -1, "title", "a title is needed");
	if (c->tlp < SHARE_TLP_CLEAR || c->tlp > SHARE_TLP_RED)
		return merr_at(e, M_EINVAL, NULL, -1, -1, "tlp", "unknown TLP level");
	if (share_collection_get(s, c->alias, &old, NULL) == 0)
		return merr_at(e, M_EEXIST, NULL, -1, -1, "alias", "collection '%s' exists",
			       c->alias);
	share_uuid4(id);
	if ((rc = store_begin_immediate(s, e)))
		return rc;
	rc = store_prepare(s,
			   "INSERT INTO share_collections (id, alias, title, description, tlp, "
			   "created_at) VALUES (?, ?, ?, ?, ?, ?)",
			   &st, e);
	if (rc == 0) {
		stmt_bind_text(st, 1, id);
		stmt_bind_text(st, 2, c->alias);
		stmt_bind_text(st, 3, c->title);
		stmt_bind_text(st, 4, c->description[0] ? c->description : NULL);
		stmt_bind_text(st, 5, share_tlp_name(c->tlp));
		stmt_bind_int64(st, 6, now);
		rc = stmt_step(st, e);
		rc = rc < 0 ? rc : 0;
		stmt_finalize(st);
	}
	if (rc == 0)
		rc = add_access(s, id, "read", c->read, e);
	if (rc == 0)
		rc = add_access(s, id, "write", c->write, e);
	if (rc) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, e);
}

static void access_list(struct store *s, const char *cid, const char *mode, char *out, size_t cap)
{
	struct store_stmt *st;
	size_t used = 0;

	out[0] = '\0';
	if (store_prepare(s,
			  "SELECT who FROM share_access WHERE collection_id = ? AND mode = ? "
			  "ORDER BY who",
			  &st, NULL))
		return;
	stmt_bind_text(st, 1, cid);
	stmt_bind_text(st, 2, mode);
	while (stmt_step(st, NULL) == 1) {
		int n = snprintf(out + used, cap - used, "%s%s", used ? "," : "", stmt_text(st, 0));
		if (n < 0 || (size_t)n >= cap - used)
			break;
		used += (size_t)n;
	}
	stmt_finalize(st);
}

static void fill(struct store *s, struct store_stmt *st, struct share_collection *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", stmt_text(st, 0));
	snprintf(c->alias, sizeof(c->alias), "%s", stmt_text(st, 1));
	snprintf(c->title, sizeof(c->title), "%s", stmt_text(st, 2));
	snprintf(c->description, sizeof(c->description), "%s",
		 stmt_text(st, 3) ? stmt_text(st, 3) : "");
	c->tlp = share_tlp_parse(stmt_text(st, 4));
	c->created_at = stmt_int64(st, 5);
	c->write_seq = stmt_int64(st, 6);
}

#define COLL_COLS "id, alias, title, description, tlp, created_at, write_seq"

int share_collection_get(struct store *s, const char *id_or_alias, struct share_collection *out,
			 struct merr *e)
{
	struct store_stmt *st;
	int rc;

	if ((rc = store_prepare(s,
				"SELECT " COLL_COLS " FROM share_collections WHERE id = ? "
				"OR alias = ?",
				&st, e)))
		return rc;
	stmt_bind_text(st, 1, id_or_alias);
	stmt_bind_text(st, 2, id_or_alias);
	rc = stmt_step(st, e);
	if (rc == 1)
		fill(s, st, out);
	stmt_finalize(st);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return merr_at(e, M_ENOTFOUND, NULL, -1, -1, "collection", "no collection '%.100s'",
			       id_or_alias);
	access_list(s, out->id, "read", out->read, sizeof(out->read));
	access_list(s, out->id, "write", out->write, sizeof(out->write));
	return 0;
}

int share_collection_each(struct store *s, int (*fn)(const struct share_collection *c, void *arg),
			  void *arg, struct merr *e)
{
	struct store_stmt *st;
	struct share_collection *v = NULL;
	size_t n = 0, cap = 0;
	int rc;

	if ((rc = store_prepare(s, "SELECT " COLL_COLS " FROM share_collections ORDER BY alias",
				&st, e)))
		return rc;
	while ((rc = stmt_step(st, e)) == 1) {
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct share_collection *nv = realloc(v, nc * sizeof(*v));
			if (!nv) {
				rc = merr_set(e, M_ENOMEM, "out of memory");
				break;
			}
			v = nv;
			cap = nc;
		}
		fill(s, st, &v[n++]);
	}
	stmt_finalize(st);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		access_list(s, v[i].id, "read", v[i].read, sizeof(v[i].read));
		access_list(s, v[i].id, "write", v[i].write, sizeof(v[i].write));
		rc = fn(&v[i], arg);
	}
	free(v);
	return rc < 0 ? rc : 0;
}

/* How who is granted in a list: 0 not, 1 '*', 2 role, 3 org, 4 user by name. */
static int grant(const char *list, const struct share_who *who)
{
	const char *p = list;
	int best = 0;

	while (*p) {
		const char *c = strchr(p, ',');
		size_t n = c ? (size_t)(c - p) : strlen(p);
#define IS(pre, val)                                                                     \
	((val) && n == strlen(pre) + strlen(val) && strncmp(p, pre, strlen(pre)) == 0 && \
	 strncmp(p + strlen(pre), (val), n - strlen(pre)) == 0)
		if (n == 1 && *p == '*' && best < 1)
			best = 1;
		if (IS("role:", who->role) && best < 2)
			best = 2;
		if (IS("org:", who->org) && best < 3)
			best = 3;
		if (IS("user:", who->user))
			best = 4;
#undef IS
		p += n;
		if (*p == ',')
			p++;
	}
	return best;
}

static bool all_powerful(const struct share_who *who)
{
	return !who || !who->user || (who->role && strcmp(who->role, "analyst") == 0);
}

bool share_may(struct store *s, const struct share_collection *c, const struct share_who *who,
	       bool write)
{
	(void)s;
	if (all_powerful(who))
		return true;
	return grant(write ? c->write : c->read, who) > 0;
}

/* RED: accounts named in the read list; AMBER+STRICT: named or their organisation named;
 * AMBER: any grant but the '*' community; GREEN/CLEAR: every reader. */
bool share_tlp_allows(const struct share_collection *c, int tlp, const struct share_who *who)
{
	int g;

	if (all_powerful(who))
		return true;
	g = grant(c->read, who);
	switch (tlp) {
	case SHARE_TLP_RED: return g >= 4;
	case SHARE_TLP_AMBER_STRICT: return g >= 3;
	case SHARE_TLP_AMBER: return g >= 2;
	default: return g >= 1;
	}
}

/* Bumps the collection's write sequence (0867), inside the caller's write transaction: a
 * TAXII page cached at an older sequence is never served again (pagecache.c). */
static int bump_write_seq(struct store *s, const char *cid, struct merr *e)
{
	struct store_stmt *st;
	int rc;

	if ((rc = store_prepare(
		 s, "UPDATE share_collections SET write_seq = write_seq + 1 WHERE id = ?", &st, e)))
		return rc;
	stmt_bind_text(st, 1, cid);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

/* ---- import ------------------------------------------------------------------------- */

void share_import_result_free(struct share_import_result *r)
{
	for (size_t i = 0; r->items && i < r->n_items; i++) {
		free(r->items[i].id);
		free(r->items[i].message);
	}
	free(r->items);
	memset(r, 0, sizeof(*r));
}

/* Marking definitions of the batch being imported (few: looked up linearly). */
struct batch_mk {
	char id[320];
	int tlp;
};

static int marking_level(struct store *s, const char *id, const struct batch_mk *mk, size_t n_mk,
			 int *level, struct merr *e)
{
	struct store_stmt *st;
	int rc;

	if ((*level = share_tlp_of_marking_id(id)))
		return 0;
	for (size_t i = 0; i < n_mk; i++)
		if (strcmp(mk[i].id, id) == 0) {
			*level = mk[i].tlp;
			return 0;
		}
	if ((rc = store_prepare(s, "SELECT tlp FROM share_markings WHERE id = ?", &st, e)))
		return rc;
	stmt_bind_text(st, 1, id);
	rc = stmt_step(st, e);
	if (rc == 1)
		*level = share_tlp_parse(stmt_text(st, 0));
	stmt_finalize(st);
	if (rc < 0)
		return rc;
	return rc == 1 ? 0 : M_ENOTFOUND;
}

static int max_date_added(struct store *s, const char *cid, int64_t *out, struct merr *e)
{
	struct store_stmt *st;
	int rc;

	*out = 0;
	if ((rc = store_prepare(
		 s, "SELECT MAX(date_added) FROM share_objects WHERE collection_id = ?", &st, e)))
		return rc;
	stmt_bind_text(st, 1, cid);
	if ((rc = stmt_step(st, e)) == 1)
		*out = stmt_int64(st, 0);
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

static int fail_item(struct share_item *it, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int fail_item(struct share_item *it, const char *fmt, ...)
{
	char m[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	free(it->message);
	it->message = strdup(m);
	return it->message ? 0 : M_ENOMEM;
}

/* Marks which versions of one object are its last (0864): after a new version or a delete.
 * CASE, not the comparison itself: on PostgreSQL a comparison is a boolean, not 0/1. */
#define LAST_SQL                                                                                 \
	"UPDATE share_objects SET is_last = CASE WHEN version_us = (SELECT MAX(x.version_us) "   \
	"FROM share_objects x WHERE x.collection_id = ?1 AND x.stix_id = ?2) THEN 1 ELSE 0 END " \
	"WHERE collection_id = ?1 AND stix_id = ?2"

/* The state of one import while the document streams past. */
struct imp {
	struct store *s;
	const struct share_collection *c;
	struct share_import_result *r;
	struct share_obj *o;
	struct batch_mk *mk;
	size_t n_mk, cap_mk;
	size_t n;      /* objects seen in this pass */
	size_t stored; /* new rows (the write sequence is bumped when any) */
	size_t cap_items, listed_ok, listed_failed;
	struct store_stmt *ins, *mkst, *last;
	struct merr *e;
};

/* Pass 1: counts the objects and collects the batch's own marking definitions. */
static int imp_markings(const char *raw, size_t len, size_t off, void *arg)
{
	static const char mdef[] = "\"marking-definition\"";
	struct imp *x = arg;
	struct merr oe;

	(void)off;
	x->n++;
	if (!raw || !memmem(raw, len, mdef, sizeof(mdef) - 1))
		return 0;
	merr_init(&oe);
	if (share_stix_check(raw, len, x->o, &oe) || strcmp(x->o->type, "marking-definition") != 0)
		return 0;
	if (x->n_mk == x->cap_mk) {
		size_t nc = x->cap_mk ? x->cap_mk * 2 : 8;
		struct batch_mk *nv = realloc(x->mk, nc * sizeof(*nv));
		if (!nv)
			return merr_set(x->e, M_ENOMEM, "out of memory");
		x->mk = nv;
		x->cap_mk = nc;
	}
	snprintf(x->mk[x->n_mk].id, sizeof(x->mk[0].id), "%s", x->o->id);
	x->mk[x->n_mk++].tlp = x->o->marking_tlp;
	return 0;
}

/* Pass 2: checks, resolves markings and stores one object; it gets its result. */
static int imp_one(struct imp *x, const char *raw, size_t len, struct share_item *it)
{
	struct share_import_result *r = x->r;
	struct share_obj *o = x->o;
	struct merr oe;
	int tlp = 0, lv, rc;

	if (!raw) {
		if (!(it->id = strdup("")) ||
		    fail_item(it, "object larger than %zu bytes", (size_t)SHARE_OBJECT_MAX))
			return merr_set(x->e, M_ENOMEM, "out of memory");
		r->n_failed++;
		return 0;
	}
	merr_init(&oe);
	if (share_stix_check(raw, len, o, &oe)) {
		it->id = strdup(o->id);
		if (!it->id || fail_item(it, "%.90s%s%.400s", oe.field[0] ? oe.field : "",
					 oe.field[0] ? ": " : "", oe.msg))
			return merr_set(x->e, M_ENOMEM, "out of memory");
		r->n_failed++;
		return 0;
	}
	if (!(it->id = strdup(o->id)))
		return merr_set(x->e, M_ENOMEM, "out of memory");
	snprintf(it->version, sizeof(it->version), "%s", o->version);
	for (int k = 0; k < o->n_marking_refs; k++) {
		int mr = marking_level(x->s, o->marking_refs[k], x->mk, x->n_mk, &lv, x->e);
		if (mr == M_ENOTFOUND) {
			if (fail_item(it, "object_marking_refs: unknown marking %s",
				      o->marking_refs[k]))
				return merr_set(x->e, M_ENOMEM, "out of memory");
			r->n_failed++;
			return 0;
		}
		if (mr)
			return mr;
		if (lv > tlp)
			tlp = lv;
	}
	if (!tlp && strcmp(o->type, "marking-definition") == 0)
		tlp = SHARE_TLP_CLEAR; /* readers need the definitions to read markings */
	stmt_reset(x->ins);
	stmt_bind_text(x->ins, 1, x->c->id);
	stmt_bind_text(x->ins, 2, o->id);
	stmt_bind_text(x->ins, 3, o->type);
	stmt_bind_text(x->ins, 4, o->version);
	stmt_bind_int64(x->ins, 5, o->version_us);
	stmt_bind_text(x->ins, 6, o->spec_version);
	stmt_bind_int64(x->ins, 7, r->date_added);
	stmt_bind_text(x->ins, 8, tlp ? share_tlp_name(tlp) : NULL);
	stmt_bind_textn(x->ins, 9, raw, len);
	if ((rc = stmt_step(x->ins, x->e)) < 0)
		return rc;
	it->existed = store_changes(x->s) == 0;
	x->stored += !it->existed;
	it->ok = true;
	r->n_ok++;
	if (!it->existed) {
		stmt_reset(x->last);
		stmt_bind_text(x->last, 1, x->c->id);
		stmt_bind_text(x->last, 2, o->id);
		if ((rc = stmt_step(x->last, x->e)) < 0)
			return rc;
	}
	if (!it->existed && strcmp(o->type, "indicator") == 0) {
		if ((rc = share_index_indicator(x->s, x->c->id, raw, len, x->e)))
			return rc;
		r->n_indicators++;
	}
	if (strcmp(o->type, "marking-definition") == 0) {
		stmt_reset(x->mkst);
		stmt_bind_text(x->mkst, 1, o->id);
		stmt_bind_text(x->mkst, 2, o->marking_tlp ? share_tlp_name(o->marking_tlp) : NULL);
		if ((rc = stmt_step(x->mkst, x->e)) < 0)
			return rc;
	}
	return 0;
}

/* Keeps an object's result if its list (successes or failures) names fewer than
 * SHARE_STATUS_LIST_MAX yet: memory stays flat in the number of objects. */
static int imp_keep(struct imp *x, struct share_item *it)
{
	struct share_import_result *r = x->r;
	size_t *listed = it->ok ? &x->listed_ok : &x->listed_failed;

	if (*listed >= SHARE_STATUS_LIST_MAX) {
		free(it->id);
		free(it->message);
		return 0;
	}
	if (r->n_items == x->cap_items) {
		size_t nc = x->cap_items ? x->cap_items * 2 : 64;
		struct share_item *nv = realloc(r->items, nc * sizeof(*nv));
		if (!nv) {
			free(it->id);
			free(it->message);
			return merr_set(x->e, M_ENOMEM, "out of memory");
		}
		r->items = nv;
		x->cap_items = nc;
	}
	r->items[r->n_items++] = *it;
	(*listed)++;
	return 0;
}

static int imp_store(const char *raw, size_t len, size_t off, void *arg)
{
	struct imp *x = arg;
	struct share_item it;
	int rc;

	(void)off;
	if (x->n >= x->r->n) /* the source changed between the passes */
		return merr_set(x->e, M_EIO, "the document changed while it was read");
	memset(&it, 0, sizeof(it));
	it.index = x->n++;
	rc = imp_one(x, raw, len, &it);
	if (rc) {
		free(it.id);
		free(it.message);
		return rc;
	}
	return imp_keep(x, &it);
}

/*
 * Memory stays flat in the size of the document: the source is streamed twice (pass 1 checks
 * the whole document and collects the batch's marking definitions, so nothing is stored from
 * a document that turns out malformed; pass 2 stores), one object in memory at a time; only the
 * marking definitions and a small item per object (id, version, reason) are kept.
 */
int share_import_src(struct store *s, const struct share_collection *c, const struct share_src *src,
		     unsigned flags, struct share_import_result *r, struct merr *e)
{
	struct imp x;
	int64_t now, last = 0;
	int rc, kind = 0;

	memset(r, 0, sizeof(*r));
	memset(&x, 0, sizeof(x));
	x.s = s;
	x.c = c;
	x.r = r;
	x.e = e;
	if (!(x.o = malloc(sizeof(*x.o))))
		return merr_set(e, M_ENOMEM, "out of memory");
	if ((rc = share_stream(src, imp_markings, &x, &kind, e)))
		goto out;
	if ((flags & SHARE_IMPORT_ENVELOPE) && kind != SHARE_DOC_ENVELOPE) {
		rc = merr_at(e, M_EINVAL, NULL, -1, 0, "type",
			     "a TAXII envelope is expected, not a %s",
			     kind == SHARE_DOC_BUNDLE ? "STIX bundle" : "bare STIX object");
		goto out;
	}
	r->n = x.n;
	x.n = 0;
	if (src->rewind(src->arg)) {
		rc = merr_set(e, M_EIO, "cannot read the document again");
		goto out;
	}
	if ((rc = store_begin_immediate(s, e)))
		goto out;
	rc = max_date_added(s, c->id, &last, e);
	now = share_now_us();
	r->date_added = now > last ? now : last;
	if (rc == 0)
		rc = store_prepare(
		    s,
		    "INSERT INTO share_objects (collection_id, stix_id, type, version, "
		    "version_us, spec_version, date_added, tlp, raw) VALUES (?, ?, ?, ?, "
		    "?, ?, ?, ?, ?) ON CONFLICT (collection_id, stix_id, version) DO NOTHING",
		    &x.ins, e);
	if (rc == 0)
		rc = store_prepare(
		    s,
		    "INSERT INTO share_markings (id, tlp) VALUES (?, ?) ON CONFLICT (id) "
		    "DO UPDATE SET tlp = COALESCE(share_markings.tlp, excluded.tlp)",
		    &x.mkst, e);
	if (rc == 0)
		rc = store_prepare(s, LAST_SQL, &x.last, e);
	if (rc == 0)
		rc = share_stream(src, imp_store, &x, NULL, e);
	if (rc == 0 && x.n != r->n)
		rc = merr_set(e, M_EIO, "the document changed while it was read");
	stmt_finalize(x.ins);
	stmt_finalize(x.mkst);
	stmt_finalize(x.last);
	if (rc == 0 && x.stored)
		rc = bump_write_seq(s, c->id, e);
	if (rc)
		store_rollback(s);
	else
		rc = store_commit(s, e);
out:
	free(x.o);
	free(x.mk);
	if (rc)
		share_import_result_free(r);
	return rc;
}

int share_import(struct store *s, const struct share_collection *c, const char *buf, size_t len,
		 unsigned flags, struct share_import_result *r, struct merr *e)
{
	struct share_src src;

	share_src_mem(&src, buf, len);
	return share_import_src(s, c, &src, flags, r, e);
}

/* ---- queries ------------------------------------------------------------------------ */

/* Appends "col IN (?, ?, ...)" for a comma list and records the values to bind. */
struct binds {
	const char *v[96];
	size_t n[96];
	int64_t iv[96];
	bool is_int[96];
	int count;
};

static int add_list(struct buf *sql, struct binds *b, const char *col, const char *list,
		    struct merr *e)
{
	const char *p = list;
	bool first = true;

	buf_addf(sql, " AND %s IN (", col);
	while (*p) {
		const char *c = strchr(p, ',');
		size_t n = c ? (size_t)(c - p) : strlen(p);
		if (b->count >= 64)
			return merr_at(e, M_EINVAL, NULL, -1, -1, col, "more than 64 values");
		if (n == 0)
			return merr_at(e, M_EINVAL, NULL, -1, -1, col, "empty value in the list");
		b->v[b->count] = p;
		b->n[b->count] = n;
		b->is_int[b->count] = false;
		b->count++;
		buf_adds(sql, first ? "?" : ", ?");
		first = false;
		p += n;
		if (*p == ',')
			p++;
	}
	if (first)
		return merr_at(e, M_EINVAL, NULL, -1, -1, col, "empty list");
	buf_adds(sql, ")");
	return 0;
}

static void add_int(struct buf *sql, struct binds *b, const char *frag, int64_t v)
{
	buf_adds(sql, frag);
	b->iv[b->count] = v;
	b->is_int[b->count] = true;
	b->count++;
}

/* How the next cursor is applied: one row-value comparison, or split in the two index ranges
 * (the rows of the cursor's date_added after its seq, then the later dates). */
enum cursor_part { CURSOR_WHOLE, CURSOR_SAME_DATE, CURSOR_LATER };

static int where(struct buf *sql, struct binds *b, const struct share_collection *c,
		 const struct share_query *q, const char *id, enum cursor_part part, struct merr *e)
{
	int rc;

	buf_adds(sql, " FROM share_objects o WHERE o.collection_id = ?");
	b->v[b->count] = c->id;
	b->n[b->count] = strlen(c->id);
	b->is_int[b->count++] = false;
	if (id) {
		buf_adds(sql, " AND o.stix_id = ?");
		b->v[b->count] = id;
		b->n[b->count] = strlen(id);
		b->is_int[b->count++] = false;
	}
	if (q->ids && (rc = add_list(sql, b, "o.stix_id", q->ids, e)))
		return rc;
	if (q->types && (rc = add_list(sql, b, "o.type", q->types, e)))
		return rc;
	if (q->spec_versions && (rc = add_list(sql, b, "o.spec_version", q->spec_versions, e)))
		return rc;
	if (q->added_after >= 0)
		add_int(sql, b, " AND o.date_added > ?", q->added_after);
	if (q->cursor_date >= 0 && part == CURSOR_SAME_DATE) {
		/* one index range each: (collection_id, date_added =, seq >) ... */
		add_int(sql, b, " AND o.date_added = ?", q->cursor_date);
		add_int(sql, b, " AND o.seq > ?", q->cursor_seq);
	} else if (q->cursor_date >= 0 && part == CURSOR_LATER) {
		/* ... then (collection_id, date_added >) */
		add_int(sql, b, " AND o.date_added > ?", q->cursor_date);
	} else if (q->cursor_date >= 0) {
		add_int(sql, b, " AND (o.date_added, o.seq) > (?", q->cursor_date);
		add_int(sql, b, ", ?)", q->cursor_seq);
	}
	if (q->vsel != SHARE_V_ALL) {
		bool any = false;
		buf_adds(sql, " AND (");
		if (q->vsel == SHARE_V_LAST || q->vsel_last) {
			buf_adds(sql, "o.is_last = 1");
			any = true;
		}
		if (q->vsel == SHARE_V_FIRST || q->vsel_first) {
			buf_addf(sql,
				 "%so.version_us = (SELECT MIN(x.version_us) FROM share_objects "
				 "x WHERE x.collection_id = o.collection_id AND x.stix_id = "
				 "o.stix_id)",
				 any ? " OR " : "");
			any = true;
		}
		for (int i = 0; i < q->n_ats; i++) {
			add_int(sql, b, any ? " OR o.version_us = ?" : "o.version_us = ?",
				q->ats[i]);
			any = true;
		}
		if (!any)
			buf_adds(sql, "0");
		buf_adds(sql, ")");
	}
	if (q->tlp_only) {
		buf_adds(sql, " AND COALESCE(o.tlp, ?) = ?");
		b->v[b->count] = share_tlp_name(c->tlp);
		b->n[b->count] = strlen(b->v[b->count]);
		b->is_int[b->count++] = false;
		b->v[b->count] = q->tlp_only;
		b->n[b->count] = strlen(q->tlp_only);
		b->is_int[b->count++] = false;
	}
	if (q->text) {
		buf_adds(sql, " AND instr(o.raw, ?) > 0");
		b->v[b->count] = q->text;
		b->n[b->count] = strlen(q->text);
		b->is_int[b->count++] = false;
	}
	if (q->who) {
		/* TLP per audience: the effective level (object's, else the collection's). */
		bool first = true;
		buf_adds(sql, " AND COALESCE(o.tlp, ?) IN (");
		b->v[b->count] = share_tlp_name(c->tlp);
		b->n[b->count] = strlen(b->v[b->count]);
		b->is_int[b->count++] = false;
		for (int t = SHARE_TLP_CLEAR; t <= SHARE_TLP_RED; t++) {
			if (!share_tlp_allows(c, t, q->who))
				continue;
			buf_addf(sql, "%s'%s'", first ? "" : ", ", share_tlp_name(t));
			first = false;
		}
		if (first)
			buf_adds(sql, "NULL");
		buf_adds(sql, ")");
	}
	return 0;
}

static void bind_all(struct store_stmt *st, const struct binds *b)
{
	for (int i = 0; i < b->count; i++) {
		if (b->is_int[i])
			stmt_bind_int64(st, i + 1, b->iv[i]);
		else
			stmt_bind_textn(st, i + 1, b->v[i], b->n[i]);
	}
}

/* One statement of a query: at most limit - *got more rows (all when q->limit is 0). */
static int query_part(struct store *s, const struct share_collection *c,
		      const struct share_query *q, enum cursor_part part, size_t *got,
		      int (*fn)(const struct share_row *row, void *arg), void *arg, bool *more,
		      struct merr *e)
{
	struct buf sql;
	struct binds b = {0};
	struct store_stmt *st;
	int rc;

	buf_init(&sql, 1 << 16);
	if (q->raw_only) {
		/* an objects page: the stored bytes are all it sends (fewer columns to decode) */
		buf_adds(&sql, "SELECT o.seq, o.date_added, o.raw");
	} else {
		buf_adds(&sql, "SELECT o.seq, o.date_added, o.raw, o.stix_id, o.type, o.version, "
			       "o.spec_version, COALESCE(o.tlp, ?)");
		b.v[0] = share_tlp_name(c->tlp);
		b.n[0] = strlen(b.v[0]);
		b.count = 1;
	}
	if ((rc = where(&sql, &b, c, q, NULL, part, e))) {
		buf_release(&sql);
		return rc;
	}
	buf_adds(&sql, " ORDER BY o.date_added, o.seq");
	if (q->limit)
		buf_addf(&sql, " LIMIT %zu OFFSET %zu", q->limit - *got + 1, q->offset);
	rc = store_prepare(s, buf_str(&sql), &st, e);
	buf_release(&sql);
	if (rc)
		return rc;
	bind_all(st, &b);
	while ((rc = stmt_step(st, e)) == 1) {
		struct share_row row;
		if (q->limit && *got == q->limit) {
			*more = true;
			break;
		}
		memset(&row, 0, sizeof(row));
		row.seq = stmt_int64(st, 0);
		row.date_added = stmt_int64(st, 1);
		row.raw = stmt_text(st, 2);
		row.raw_len = strlen(row.raw);
		if (!q->raw_only) {
			row.id = stmt_text(st, 3);
			row.type = stmt_text(st, 4);
			row.version = stmt_text(st, 5);
			row.spec_version = stmt_text(st, 6);
			row.tlp = stmt_text(st, 7);
		}
		(*got)++;
		if ((rc = fn(&row, arg)))
			break;
	}
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

int share_query_run(struct store *s, const struct share_collection *c, const struct share_query *q,
		    int (*fn)(const struct share_row *row, void *arg), void *arg, bool *more,
		    struct merr *e)
{
	size_t got = 0;
	int rc;

	*more = false;
	if (q->cursor_date < 0 || q->offset)
		return query_part(s, c, q, CURSOR_WHOLE, &got, fn, arg, more, e);
	/* After a next cursor: SQLite enters the page index only at the cursor's date_added
	 * for a row value, then filters seq row by row (a walk of 100,000 objects imported
	 * together read 50,000 rows a page); two ranges seek straight to the cursor. */
	if ((rc = query_part(s, c, q, CURSOR_SAME_DATE, &got, fn, arg, more, e)) || *more)
		return rc;
	return query_part(s, c, q, CURSOR_LATER, &got, fn, arg, more, e);
}

int share_object_delete(struct store *s, const struct share_collection *c, const char *id,
			const struct share_query *q, int64_t *deleted, struct merr *e)
{
	struct buf sql;
	struct binds b = {0};
	struct store_stmt *st;
	struct share_query q2 = *q;
	int rc;

	*deleted = 0;
	q2.added_after = -1;
	q2.cursor_date = -1;
	q2.ids = NULL;
	q2.types = NULL;
	buf_init(&sql, 1 << 16);
	buf_adds(&sql, "DELETE FROM share_objects WHERE seq IN (SELECT o.seq");
	if ((rc = where(&sql, &b, c, &q2, id, CURSOR_WHOLE, e))) {
		buf_release(&sql);
		return rc;
	}
	buf_adds(&sql, ")");
	if ((rc = store_begin_immediate(s, e))) {
		buf_release(&sql);
		return rc;
	}
	rc = store_prepare(s, buf_str(&sql), &st, e);
	buf_release(&sql);
	if (rc == 0) {
		bind_all(st, &b);
		rc = stmt_step(st, e);
		rc = rc < 0 ? rc : 0;
		stmt_finalize(st);
		*deleted = store_changes(s);
	}
	if (rc == 0 && *deleted)
		rc = bump_write_seq(s, c->id, e);
	if (rc == 0 && *deleted && id && (rc = store_prepare(s, LAST_SQL, &st, e)) == 0) {
		stmt_bind_text(st, 1, c->id);
		stmt_bind_text(st, 2, id);
		rc = stmt_step(st, e);
		rc = rc < 0 ? rc : 0;
		stmt_finalize(st);
	}
	if (rc) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, e);
}

/* The first member name of a JSON object document (MISP's are "response" or "Event"). */
static void first_key(const char *p, size_t n, char *out, size_t cap)
{
	size_t i = 0, k = 0;

	out[0] = '\0';
	while (i < n && strchr(" \t\r\n", p[i]))
		i++;
	if (i >= n || p[i++] != '{')
		return;
	while (i < n && strchr(" \t\r\n", p[i]))
		i++;
	if (i >= n || p[i++] != '"')
		return;
	while (i < n && p[i] != '"' && p[i] != '\\' && k + 1 < cap)
		out[k++] = p[i++];
	out[k] = '\0';
}

int share_import_file(struct store *s, const struct share_collection *c, const char *path,
		      struct share_import_result *r, struct merr *e)
{
	char head[4096], key[32];
	struct share_src src;
	struct stat st;
	ssize_t hn;
	int fd, rc;

	memset(r, 0, sizeof(*r));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return merr_at(e, M_EIO, path, -1, -1, NULL, "cannot open: %s", strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return merr_at(e, M_EIO, path, -1, -1, NULL, "not a regular file");
	}
	hn = pread(fd, head, sizeof(head), 0);
	first_key(head, hn > 0 ? (size_t)hn : 0, key, sizeof(key));
	if ((size_t)st.st_size <= SHARE_MISP_MAX &&
	    (st.st_size <= (off_t)SHARE_OBJECT_MAX || strcmp(key, "response") == 0 ||
	     strcmp(key, "Event") == 0)) {
		/* small enough to look at whole: MISP JSON is converted, STIX read from memory */
		struct buf b;
		close(fd);
		buf_init(&b, SHARE_MISP_MAX);
		if ((rc = buf_read_file(&b, path, e))) {
			buf_release(&b);
			return rc;
		}
		if (share_misp_detect(b.ptr, b.len)) {
			char *env = NULL;
			rc = share_misp_to_stix(b.ptr, b.len, &env, e);
			buf_release(&b);
			if (rc)
				return rc;
			rc = share_import(s, c, env, strlen(env), 0, r, e);
			free(env);
			return rc;
		}
		rc = share_import(s, c, b.ptr, b.len, 0, r, e);
		buf_release(&b);
		return rc;
	}
	/* a large STIX document streams: memory stays flat in its size */
	share_src_fd(&src, fd);
	rc = share_import_src(s, c, &src, 0, r, e);
	close(fd);
	return rc;
}
