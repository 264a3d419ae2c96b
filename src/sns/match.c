/*
 * match.c - watch terms of every operator at once: one Hyperscan literal database over the
 * normalised terms (and one for analysts' regexes), boundary checks in the match callback
 * (hostnames on label boundaries, addresses on number boundaries, ASCII names on word
 * boundaries), and the terms derived from the inventory.
 */
#include "base/compat.h"

#include <ctype.h>
#include <strings.h>

#include "base/mem.h"
#include "inventory/inventory.h"
#include "sns/hs_lazy.h"
#include "sns/sns.h"

static const char *const kind_names[] = {"name",    "alias",   "domain", "address",
					 "product", "keyword", "regex"};

const char *sns_kind_name(enum sns_kind k)
{
	return (size_t)k < ARRAY_SIZE(kind_names) ? kind_names[k] : "?";
}

int sns_kind_parse(const char *s, enum sns_kind *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(kind_names); i++)
		if (s && !strcmp(s, kind_names[i])) {
			*out = (enum sns_kind)i;
			return 0;
		}
	return M_EINVAL;
}

void sns_terms_free(struct sns_terms *t)
{
	for (size_t i = 0; i < t->n; i++) {
		m_free(t->v[i].org);
		m_free(t->v[i].term);
		m_free(t->v[i].norm);
	}
	m_free(t->v);
	memset(t, 0, sizeof *t);
}

static size_t n_cps(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static bool all_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

int sns_terms_add(struct sns_terms *t, const char *org, const char *term, enum sns_kind kind,
		  bool from_inventory, int64_t id)
{
	struct buf nb;
	int rc;
	if (!org || !term || !*term)
		return 0;
	buf_init(&nb, 4096);
	if (kind == SNS_K_REGEX)
		rc = buf_adds(&nb, term);
	else
		rc = sns_norm(term, strlen(term), &nb);
	if (rc) {
		buf_release(&nb);
		return rc == M_ETOOBIG ? M_EINVAL : rc;
	}
	const char *k = buf_str(&nb);
	/* strip a leading "*." or trailing dot of a domain */
	if (kind == SNS_K_DOMAIN) {
		size_t l = nb.len;
		while (l && k[l - 1] == '.')
			nb.ptr[--l] = '\0';
		nb.len = l;
		if (!strncmp(k, "*.", 2)) {
			memmove(nb.ptr, nb.ptr + 2, nb.len - 1);
			nb.len -= 2;
		}
	}
	size_t c = n_cps(k);
	if (kind != SNS_K_REGEX && (c < 2 || (all_ascii(k) && c < 3 && kind != SNS_K_KEYWORD))) {
		buf_release(&nb);
		return 0;
	}
	/* the same org's terms are added together: look back over them only */
	for (size_t i = t->n; i-- > 0 && !strcmp(t->v[i].org, org);)
		if (t->v[i].kind == kind && !strcmp(t->v[i].norm, k)) {
			buf_release(&nb);
			return 0;
		}
	if (t->n == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 64;
		struct sns_term *nv = m_realloc(t->v, ncap * sizeof *nv);
		if (!nv) {
			buf_release(&nb);
			return M_ENOMEM;
		}
		t->v = nv;
		t->cap = ncap;
	}
	struct sns_term *e = &t->v[t->n];
	memset(e, 0, sizeof *e);
	e->org = m_strdup(org);
	e->term = m_strdup(term);
	e->norm = buf_detach(&nb, NULL);
	e->kind = kind;
	e->from_inventory = from_inventory;
	e->id = id;
	buf_release(&nb);
	if (!e->org || !e->term || !e->norm) {
		m_free(e->org);
		m_free(e->term);
		m_free(e->norm);
		return M_ENOMEM;
	}
	t->n++;
	return 0;
}

/* ------------------------------------------------------------ regex checks */

int sns_regex_check(const char *re, struct merr *e)
{
	if (!re || !*re)
		return merr_at(e, M_EINVAL, NULL, -1, -1, "term", "empty regex");
	if (strlen(re) > 256)
		return merr_at(e, M_EINVAL, NULL, -1, -1, "term", "regex longer than 256 bytes");
	/* Bounded repeats above 1000 make huge automata: refused before compiling. */
	for (const char *p = re; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			continue;
		}
		if (*p == '{') {
			char *end;
			long a = strtol(p + 1, &end, 10);
			long b = a;
			if (*end == ',')
				b = isdigit((unsigned char)end[1]) ? strtol(end + 1, &end, 10) : 0;
			if (a > 1000 || b > 1000)
				return merr_at(e, M_EINVAL, NULL, -1, -1, "term",
					       "repeat bound above 1000 in the regex");
		}
	}
	hs_database_t *db = NULL;
	hs_compile_error_t *ce = NULL;
	if (hs_compile(re, HS_FLAG_UTF8 | HS_FLAG_UCP | HS_FLAG_SINGLEMATCH, HS_MODE_BLOCK, NULL,
		       &db, &ce) != HS_SUCCESS) {
		int rc = merr_at(e, M_EINVAL, NULL, -1, -1, "term", "regex refused: %s",
				 ce && ce->message ? ce->message : "does not compile");
		hs_free_compile_error(ce);
		return rc;
	}
	hs_free_database(db);
	return 0;
}

/* ------------------------------------------------------------ matcher */

struct sns_matcher {
	hs_database_t *lit, *re;
	const struct sns_terms *t; /* borrowed */
	unsigned char *bound;	   /* per term: which boundary checks (BOUND_*) */
	size_t *len;		   /* per term: key length in bytes */
};

struct sns_scratch {
	hs_scratch_t *s;
};

enum { B_LEFT_WORD = 1, B_RIGHT_WORD = 2, B_HOST = 4, B_ADDR = 8 };

static bool ascii_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
}

void sns_matcher_free(struct sns_matcher *m)
{
	if (!m)
		return;
	hs_free_database(m->lit);
	hs_free_database(m->re);
	m_free(m->bound);
	m_free(m->len);
	m_free(m);
}

int sns_matcher_build(const struct sns_terms *t, struct sns_matcher **out, struct merr *e)
{
	struct sns_matcher *m = m_calloc(1, sizeof *m);
	size_t n = t->n, nl = 0, nr = 0;
	const char **exprs = m_calloc(n + 1, sizeof *exprs);
	size_t *lens = m_calloc(n + 1, sizeof *lens);
	unsigned *flags = m_calloc(n + 1, sizeof *flags), *ids = m_calloc(n + 1, sizeof *ids);
	const char **rexprs = m_calloc(n + 1, sizeof *rexprs);
	unsigned *rflags = m_calloc(n + 1, sizeof *rflags), *rids = m_calloc(n + 1, sizeof *rids);
	int rc = 0;

	*out = NULL;
	if (!m || !exprs || !lens || !flags || !ids || !rexprs || !rflags || !rids ||
	    !(m->bound = m_calloc(n + 1, 1)) || !(m->len = m_calloc(n + 1, sizeof *m->len))) {
		rc = M_ENOMEM;
		goto out;
	}
	m->t = t;
	for (size_t i = 0; i < n; i++) {
		const struct sns_term *tm = &t->v[i];
		size_t l = strlen(tm->norm);
		m->len[i] = l;
		if (tm->kind == SNS_K_REGEX) {
			rexprs[nr] = tm->norm;
			rflags[nr] = HS_FLAG_UTF8 | HS_FLAG_UCP | HS_FLAG_SINGLEMATCH;
			rids[nr++] = (unsigned)i;
			continue;
		}
		unsigned char b = 0;
		if (tm->kind == SNS_K_DOMAIN)
			b = B_HOST;
		else if (tm->kind == SNS_K_ADDRESS)
			b = B_ADDR;
		else {
			if (ascii_alnum((unsigned char)tm->norm[0]))
				b |= B_LEFT_WORD;
			if (ascii_alnum((unsigned char)tm->norm[l - 1]))
				b |= B_RIGHT_WORD;
		}
		m->bound[i] = b;
		exprs[nl] = tm->norm;
		lens[nl] = l;
		/* Terms checked at their boundaries need every occurrence; the others one. */
		flags[nl] = b ? 0 : HS_FLAG_SINGLEMATCH;
		ids[nl++] = (unsigned)i;
	}
	hs_compile_error_t *ce = NULL;
	if (nl && hs_compile_lit_multi(exprs, flags, ids, lens, (unsigned)nl, HS_MODE_BLOCK, NULL,
				       &m->lit, &ce) != HS_SUCCESS) {
		rc = merr_set(e, M_EINVAL, "watch terms: %s",
			      ce && ce->message ? ce->message : "compile failed");
		hs_free_compile_error(ce);
		goto out;
	}
	if (nr && hs_compile_multi(rexprs, rflags, rids, (unsigned)nr, HS_MODE_BLOCK, NULL, &m->re,
				   &ce) != HS_SUCCESS) {
		rc = merr_set(e, M_EINVAL, "watch regex %s: %s",
			      ce && ce->expression >= 0 ? t->v[rids[ce->expression]].term : "?",
			      ce && ce->message ? ce->message : "compile failed");
		hs_free_compile_error(ce);
		goto out;
	}
	*out = m;
	m = NULL;
out:
	sns_matcher_free(m);
	m_free(exprs);
	m_free(lens);
	m_free(flags);
	m_free(ids);
	m_free(rexprs);
	m_free(rflags);
	m_free(rids);
	return rc;
}

int sns_scratch_new(const struct sns_matcher *m, struct sns_scratch **out, struct merr *e)
{
	struct sns_scratch *s = m_calloc(1, sizeof *s);
	if (!s)
		return M_ENOMEM;
	if ((m->lit && hs_alloc_scratch(m->lit, &s->s) != HS_SUCCESS) ||
	    (m->re && hs_alloc_scratch(m->re, &s->s) != HS_SUCCESS)) {
		sns_scratch_free(s);
		return merr_set(e, M_ENOMEM, "hyperscan scratch");
	}
	*out = s;
	return 0;
}

void sns_scratch_free(struct sns_scratch *s)
{
	if (!s)
		return;
	hs_free_scratch(s->s);
	m_free(s);
}

#define SEEN_MAX 256

struct scan {
	const struct sns_matcher *m;
	const unsigned char *p;
	size_t len;
	unsigned seen[SEEN_MAX];
	size_t n_seen;
	sns_match_fn fn;
	void *arg;
	int rc;
};

static bool host_char(unsigned char c)
{
	return ascii_alnum(c) || c == '-' || c == '_';
}

static bool bound_ok(const struct scan *s, unsigned id, unsigned long long to)
{
	unsigned char b = s->m->bound[id];
	size_t l = s->m->len[id], from = (size_t)to - l;
	unsigned char before = from ? s->p[from - 1] : 0;
	unsigned char after = to < s->len ? s->p[to] : 0;
	unsigned char after2 = to + 1 < s->len ? s->p[to + 1] : 0;
	if (b & B_HOST) {
		/* a.b.port-of-nagoya.jp hits; notport-of-nagoya.jp and port-of-nagoya.jp.evil do not */
		if (host_char(before))
			return false;
		if (host_char(after) || (after == '.' && host_char(after2)))
			return false;
		return true;
	}
	if (b & B_ADDR) {
		if (ascii_alnum(before) || before == '.' || before == ':')
			return false;
		if (ascii_alnum(after) || ((after == '.' || after == ':') && ascii_alnum(after2)))
			return false;
		return true;
	}
	if ((b & B_LEFT_WORD) && ascii_alnum(before))
		return false;
	if ((b & B_RIGHT_WORD) && ascii_alnum(after))
		return false;
	return true;
}

static int on_match(unsigned int id, unsigned long long from, unsigned long long to,
		    unsigned int flags, void *ctx)
{
	struct scan *s = ctx;
	(void)from;
	(void)flags;
	for (size_t i = 0; i < s->n_seen; i++)
		if (s->seen[i] == id)
			return 0;
	if (s->m->t->v[id].kind != SNS_K_REGEX && !bound_ok(s, id, to))
		return 0;
	if (s->n_seen < SEEN_MAX)
		s->seen[s->n_seen++] = id;
	if ((s->rc = s->fn(id, s->arg)))
		return 1;
	return 0;
}

int sns_match(const struct sns_matcher *m, struct sns_scratch *sc, const char *norm, size_t len,
	      sns_match_fn fn, void *arg)
{
	struct scan s = {
	    .m = m, .p = (const unsigned char *)norm, .len = len, .fn = fn, .arg = arg};
	if (len > UINT32_MAX)
		return M_ETOOBIG;
	if (m->lit) {
		hs_error_t r = hs_scan(m->lit, norm, (unsigned)len, 0, sc->s, on_match, &s);
		if (r != HS_SUCCESS && r != HS_SCAN_TERMINATED)
			return M_EINVAL;
	}
	if (!s.rc && m->re) {
		hs_error_t r = hs_scan(m->re, norm, (unsigned)len, 0, sc->s, on_match, &s);
		if (r != HS_SUCCESS && r != HS_SCAN_TERMINATED)
			return M_EINVAL;
	}
	return s.rc;
}

static int count_hit(unsigned int id, unsigned long long from, unsigned long long to,
		     unsigned int flags, void *ctx)
{
	(void)id;
	(void)from;
	(void)to;
	(void)flags;
	(*(long *)ctx)++;
	return 0;
}

int sns_match_raw(const struct sns_matcher *m, struct sns_scratch *sc, const char *p, size_t len,
		  long *hits)
{
	if (!m->lit)
		return 0;
	return hs_scan(m->lit, p, (unsigned)len, 0, sc->s, count_hit, hits) == HS_SUCCESS
		   ? 0
		   : M_EINVAL;
}

/* ------------------------------------------------------------ terms from the store */

/* Legal-form affixes dropped for a core name that is matched as well. */
static const char *const affixes[] = {"株式会社",     "(株)",	    "有限会社",	 "ホールディングス",
				      "グループ",     " co., ltd.", " co.,ltd.", " co., ltd",
				      " inc.",	      " corp.",	    " k.k.",	 " holdings",
				      " corporation", " company",   " limited",	 " ltd."};

/* A name, or its core without the legal-form affix when that is long enough to stand alone:
 * the core is a substring of the full name, so the full name still matches, and thousands of
 * names ending in the same 株式会社 would make every occurrence of it a candidate for all of
 * them (Hyperscan's literal matcher filters on the end of a literal: 0.28 GB/s instead of
 * 1.8 GB/s with 10,000 operators, docs/SNS.md). */
static int add_name(struct sns_terms *t, const char *org, const char *name, enum sns_kind k)
{
	if (!name)
		return 0;
	size_t before = t->n;
	char core[512];
	snprintf(core, sizeof core, "%s", name);
	for (size_t i = 0; i < ARRAY_SIZE(affixes); i++) {
		size_t al = strlen(affixes[i]);
		char *hit = strcasestr(core, affixes[i]);
		if (hit)
			memmove(hit, hit + al, strlen(hit + al) + 1);
	}
	/* trim what the affix left around the core */
	size_t cl = strlen(core);
	while (cl && (core[cl - 1] == ' ' || core[cl - 1] == ','))
		core[--cl] = '\0';
	int rc = 0;
	if (strcmp(core, name))
		rc = sns_terms_add(t, org, core, k, true, 0);
	if (!rc && t->n == before) /* no affix, or a core too short alone */
		rc = sns_terms_add(t, org, name, k, true, 0);
	return rc;
}

int sns_terms_load(struct store *s, const char *org, struct sns_terms *out, struct merr *e)
{
	struct inv_filter f = {.slug = org,
			       .critical = -1,
			       .with = INV_WITH_ALIASES | INV_WITH_ASSETS | INV_WITH_PRODUCTS};
	struct inv_doc *d = NULL;
	int rc = inv_load(s, &f, &d, e);
	if (rc)
		return rc;
	for (size_t i = 0; !rc && i < d->n_orgs; i++) {
		const struct inv_org *o = &d->orgs[i];
		rc = add_name(out, o->slug, o->name_ja, SNS_K_NAME);
		if (!rc)
			rc = add_name(out, o->slug, o->name_en, SNS_K_NAME);
		for (size_t k = 0; !rc && k < o->n_aliases; k++)
			rc = add_name(out, o->slug, o->aliases[k], SNS_K_ALIAS);
		for (size_t k = 0; !rc && k < o->n_assets; k++) {
			const struct inv_asset *a = &o->assets[k];
			if (a->status && !strcmp(a->status, "rejected"))
				continue;
			if (!strcmp(a->kind, "domain") || !strcmp(a->kind, "hostname"))
				rc = sns_terms_add(out, o->slug, a->value, SNS_K_DOMAIN, true, 0);
			else if (!strcmp(a->kind, "ipv4") || !strcmp(a->kind, "ipv6"))
				rc = sns_terms_add(out, o->slug, a->value, SNS_K_ADDRESS, true, 0);
		}
		for (size_t k = 0; !rc && k < o->n_products; k++) {
			const struct inv_product *p = &o->products[k];
			char prod[256] = "";
			if (p->product)
				snprintf(prod, sizeof prod, "%s", p->product);
			else if (p->cpe) { /* cpe:2.3:a:vendor:product:... */
				const char *c = p->cpe;
				for (int col = 0; col < 4 && c; col++)
					c = strchr(c, ':') ? strchr(c, ':') + 1 : NULL;
				if (c)
					snprintf(prod, sizeof prod, "%.*s", (int)strcspn(c, ":"),
						 c);
			}
			for (char *q = prod; *q; q++)
				if (*q == '_')
					*q = ' ';
			if (*prod && strcmp(prod, "*"))
				rc = sns_terms_add(out, o->slug, prod, SNS_K_PRODUCT, true, 0);
		}
	}
	inv_doc_free(d);
	if (rc)
		return rc;
	struct store_stmt *st = NULL;
	rc = store_prepare(s,
			   "SELECT id, org_slug, term, kind FROM sns_watch"
			   " WHERE (CAST(?1 AS TEXT) IS NULL OR org_slug = ?1) ORDER BY id",
			   &st, e);
	if (rc)
		return rc;
	stmt_bind_text(st, 1, org);
	while ((rc = stmt_step(st, e)) == 1) {
		enum sns_kind k;
		if (sns_kind_parse(stmt_text(st, 3), &k))
			continue;
		if ((rc = sns_terms_add(out, stmt_text(st, 1), stmt_text(st, 2), k, false,
					stmt_int64(st, 0))))
			break;
	}
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

int sns_watch_add(struct store *s, const char *org, const char *term, enum sns_kind kind,
		  const char *by, int64_t now, int64_t *id, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc;
	if (!term || !*term || strlen(term) > 512)
		return merr_at(e, M_EINVAL, NULL, -1, -1, "term", "empty or longer than 512 bytes");
	if (kind == SNS_K_REGEX && (rc = sns_regex_check(term, e)))
		return rc;
	if (kind != SNS_K_REGEX) {
		struct sns_terms t = {0};
		rc = sns_terms_add(&t, org, term, kind, false, 0);
		size_t n = t.n;
		sns_terms_free(&t);
		if (rc)
			return merr_at(e, rc, NULL, -1, -1, "term", "cannot normalise the term");
		if (!n)
			return merr_at(
			    e, M_EINVAL, NULL, -1, -1, "term",
			    "too short to match anything alone (2 characters, 3 in ASCII)");
	}
	if ((rc = store_prepare(s, "SELECT count(*) FROM orgs WHERE slug = ?", &st, e)))
		return rc;
	stmt_bind_text(st, 1, org);
	rc = stmt_step(st, e);
	bool exists = rc == 1 && stmt_int64(st, 0) > 0;
	stmt_finalize(st);
	if (rc < 0)
		return rc;
	if (!exists)
		return merr_at(e, M_ENOTFOUND, NULL, -1, -1, "org", "no organisation %s", org);
	if ((rc = store_prepare(
		 s,
		 "INSERT INTO sns_watch (org_slug, term, kind, added_by, created_at)"
		 " VALUES (?, ?, ?, ?, ?) ON CONFLICT (org_slug, term, kind) DO NOTHING"
		 " RETURNING id",
		 &st, e)))
		return rc;
	stmt_bind_text(st, 1, org);
	stmt_bind_text(st, 2, term);
	stmt_bind_text(st, 3, sns_kind_name(kind));
	stmt_bind_text(st, 4, by ? by : "cli");
	stmt_bind_int64(st, 5, now);
	rc = stmt_step(st, e);
	if (rc == 1 && id)
		*id = stmt_int64(st, 0);
	stmt_finalize(st);
	if (rc == 0)
		return merr_at(e, M_EEXIST, NULL, -1, -1, "term", "already on %s's watch list",
			       org);
	return rc < 0 ? rc : 0;
}

int sns_watch_remove(struct store *s, int64_t id, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(s, "DELETE FROM sns_watch WHERE id = ? RETURNING id", &st, e);
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, id);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	if (rc == 0)
		return merr_set(e, M_ENOTFOUND, "no watch term %lld", (long long)id);
	return rc < 0 ? rc : 0;
}

int sns_watch_list(struct store *s, const char *org, sns_watch_fn fn, void *arg, struct merr *e)
{
	struct sns_terms t = {0};
	int rc = sns_terms_load(s, org, &t, e);
	for (size_t i = 0; !rc && i < t.n; i++) {
		struct sns_watch_row r = {.id = t.v[i].id,
					  .org = t.v[i].org,
					  .term = t.v[i].term,
					  .kind = sns_kind_name(t.v[i].kind),
					  .source =
					      t.v[i].from_inventory ? "inventory" : "analyst"};
		rc = fn(&r, arg);
	}
	sns_terms_free(&t);
	return rc;
}
