/* doc.c - the in-memory inventory document: its string arena, arrays, and the checks
 * that need only the document (field formats, duplicates, overlapping scope). */
#include "base/compat.h"

#include <ctype.h>

#include "base/ip.h"
#include "base/mem.h"
#include "base/mtime.h"
#include "cpe/cpe.h"
#include "inventory/inventory_int.h"

/* Strings live in big chunks freed together: a 300,000-asset CSV would otherwise make a
 * million small allocations. */
struct inv_arena {
	struct inv_arena *next;
	size_t used, size;
	char data[];
};

#define ARENA_CHUNK ((size_t)64 << 10)

struct inv_doc *inv_doc_new(void)
{
	return m_calloc(1, sizeof(struct inv_doc));
}

static void free_org(struct inv_org *o)
{
	m_free(o->aliases);
	m_free(o->contacts);
	m_free(o->assets);
	m_free(o->products);
	m_free(o->scopes);
}

void inv_doc_free(struct inv_doc *d)
{
	struct inv_arena *a, *next;

	if (!d)
		return;
	for (size_t i = 0; i < d->n_orgs; i++)
		free_org(&d->orgs[i]);
	m_free(d->orgs);
	m_free(d->exclusions);
	for (a = d->arena; a; a = next) {
		next = a->next;
		m_free(a);
	}
	m_free(d);
}

char *inv_strndup(struct inv_doc *d, const char *s, size_t n)
{
	struct inv_arena *a = d->arena;
	char *p;

	if (!a || a->size - a->used < n + 1) {
		size_t size = n + 1 > ARENA_CHUNK ? n + 1 : ARENA_CHUNK;
		a = m_malloc(sizeof(*a) + size);
		if (!a)
			return NULL;
		a->size = size;
		a->used = 0;
		/* A big string gets its own chunk behind the current one, so the space
		 * left in the current chunk is not wasted. */
		if (d->arena && size > ARENA_CHUNK) {
			a->next = d->arena->next;
			d->arena->next = a;
		} else {
			a->next = d->arena;
			d->arena = a;
		}
	}
	p = a->data + a->used;
	memcpy(p, s, n);
	p[n] = '\0';
	a->used += n + 1;
	return p;
}

char *inv_strdup(struct inv_doc *d, const char *s)
{
	return s ? inv_strndup(d, s, strlen(s)) : NULL;
}

void *inv_push(void **arr, size_t *n, size_t elem)
{
	char *p = *arr;

	if (*n == 0 || (*n >= 4 && (*n & (*n - 1)) == 0)) {
		size_t cap = *n < 4 ? 4 : *n * 2;
		p = m_realloc(*arr, cap * elem);
		if (!p)
			return NULL;
		*arr = p;
	}
	p += *n * elem;
	memset(p, 0, elem);
	(*n)++;
	return p;
}

struct inv_org *inv_doc_add_org(struct inv_doc *d)
{
	return inv_push((void **)&d->orgs, &d->n_orgs, sizeof(struct inv_org));
}

struct inv_exclusion *inv_doc_add_exclusion(struct inv_doc *d)
{
	return inv_push((void **)&d->exclusions, &d->n_exclusions, sizeof(struct inv_exclusion));
}

struct inv_asset *inv_org_add_asset(struct inv_doc *d, struct inv_org *o)
{
	return inv_push((void **)&o->assets, &o->n_assets, sizeof(struct inv_asset));
}

struct inv_contact *inv_org_add_contact(struct inv_doc *d, struct inv_org *o)
{
	return inv_push((void **)&o->contacts, &o->n_contacts, sizeof(struct inv_contact));
}

struct inv_product *inv_org_add_product(struct inv_doc *d, struct inv_org *o)
{
	return inv_push((void **)&o->products, &o->n_products, sizeof(struct inv_product));
}

struct inv_scope *inv_org_add_scope(struct inv_doc *d, struct inv_org *o)
{
	return inv_push((void **)&o->scopes, &o->n_scopes, sizeof(struct inv_scope));
}

int inv_org_add_alias(struct inv_doc *d, struct inv_org *o, const char *alias)
{
	char *copy = inv_strdup(d, alias);
	char **slot;

	if (!copy)
		return M_ENOMEM;
	slot = inv_push((void **)&o->aliases, &o->n_aliases, sizeof(char *));
	if (!slot)
		return M_ENOMEM;
	*slot = copy;
	return 0;
}

/* ---- field formats ---- */

bool inv_slug_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '-')
			return false;
	return true;
}

bool inv_slug_reserved(const char *s)
{
	/* "sector-<code>" would share a name with a sector's report and the like; all digits
	 * would read as an organisation's numeric id in /orgs/{org}. */
	size_t digits = strspn(s, "0123456789");

	return strncmp(s, INV_SLUG_RESERVED_PREFIX, strlen(INV_SLUG_RESERVED_PREFIX)) == 0 ||
	       (s[0] && s[digits] == '\0');
}

bool inv_hostname_valid(const char *s)
{
	size_t n = strlen(s), label = 0;

	if (n == 0 || n > 253 || s[n - 1] == '.')
		return false;
	for (size_t i = 0; i <= n; i++) {
		char c = s[i];
		if (c == '.' || c == '\0') {
			if (label == 0 || label > 63 || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)c) && c != '-' && c != '_')
			return false;
		if (label == 0 && c == '-')
			return false;
		label++;
	}
	return true;
}

bool inv_email_valid(const char *s)
{
	const char *at = strchr(s, '@');

	if (!at || at == s || strchr(at + 1, '@') || strlen(s) > 254 || at - s > 64)
		return false;
	for (const char *p = s; p < at; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= ' ' || c >= 0x7f || strchr("()<>,;:\\\"[]", c))
			return false;
	}
	if (s[0] == '.' || at[-1] == '.' || strstr(s, ".."))
		return false;
	return strchr(at + 1, '.') != NULL && inv_hostname_valid(at + 1);
}

bool inv_cpe23_valid(const char *s)
{
	return cpe_valid23(s);
}

bool inv_asset_kind_valid(const char *kind)
{
	static const char *const kinds[] = {"domain", "hostname", "ipv4", "ipv6", "cidr"};

	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (strcmp(kind, kinds[i]) == 0)
			return true;
	return false;
}

static int canon_name(struct inv_doc *d, const char *value, char **canon, char *msg, size_t cap)
{
	char tmp[256];
	size_t n = strlen(value);

	if (n >= sizeof(tmp) || !inv_hostname_valid(value)) {
		snprintf(msg, cap, "'%.80s' is not a valid DNS name", value);
		return M_EPARSE;
	}
	for (size_t i = 0; i <= n; i++)
		tmp[i] = (char)tolower((unsigned char)value[i]);
	*canon = inv_strdup(d, tmp);
	return *canon ? 0 : M_ENOMEM;
}

int inv_asset_canon(struct inv_doc *d, const char *kind, const char *value, char **canon, char *msg,
		    size_t cap)
{
	char tmp[IP_STR_MAX];
	struct ipaddr a;
	struct cidr c;

	if (strcmp(kind, "domain") == 0 || strcmp(kind, "hostname") == 0)
		return canon_name(d, value, canon, msg, cap);
	if (strcmp(kind, "cidr") == 0) {
		if (cidr_parse(value, true, &c) != 0 || !strchr(value, '/')) {
			snprintf(msg, cap,
				 "'%.80s' is not a valid CIDR prefix (a.b.c.d/n or x::/n, "
				 "no host bits set)",
				 value);
			return M_EPARSE;
		}
		cidr_format(&c, tmp);
	} else {
		int want = strcmp(kind, "ipv4") == 0 ? 4 : 6;
		if (ip_parse(value, &a) != 0 || a.family != want) {
			snprintf(msg, cap, "'%.80s' is not a valid IPv%d address", value, want);
			return M_EPARSE;
		}
		ip_format(&a, tmp);
	}
	*canon = inv_strdup(d, tmp);
	return *canon ? 0 : M_ENOMEM;
}

static bool is_plain_date(const char *s)
{
	for (int i = 0; i < 10; i++) {
		if (i == 4 || i == 7) {
			if (s[i] != '-')
				return false;
		} else if (!isdigit((unsigned char)s[i])) {
			return false;
		}
	}
	return s[10] == '\0';
}

int inv_parse_scope_time(const char *s, bool until, int64_t *out)
{
	int64_t t;

	if (time_parse(s, &t) != 0)
		return M_EPARSE;
	if (is_plain_date(s)) /* a JST calendar day */
		t = t - JST_OFFSET_SECONDS + (until ? 86400 - 1 : 0);
	/* An authorisation outside this century is a typo (and strftime would not write
	 * a year below 1000 back as four digits). */
	if (t < INV_TIME_MIN || t >= INV_TIME_MAX)
		return M_EPARSE;
	*out = t;
	return 0;
}

void inv_fmt(char *out, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(out, cap, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n >= cap) {
		/* Truncated: step back over a partial UTF-8 sequence. */
		size_t end = cap - 1;
		while (end > 0 && ((unsigned char)out[end] & 0xc0) == 0x80)
			end--;
		out[end] = '\0';
	}
}

/* ---- checks across the document ---- */

struct span {
	ip128 lo, hi;
	const struct inv_org *org;
	const struct inv_scope *sc;
};

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->hi < y->hi ? -1 : x->hi > y->hi;
}

static int check_scope_overlap(const struct inv_doc *d, const char *file, struct merr *e)
{
	struct span *v = NULL;
	size_t n = 0, k = 0;
	int rc = 0;

	for (size_t i = 0; i < d->n_orgs; i++)
		n += d->orgs[i].n_scopes;
	if (n < 2)
		return 0;
	v = m_malloc(n * sizeof(*v));
	if (!v)
		return merr_set(e, M_ENOMEM, "out of memory checking scope");
	for (size_t i = 0; i < d->n_orgs; i++) {
		for (size_t j = 0; j < d->orgs[i].n_scopes; j++) {
			struct cidr c;
			if (cidr_parse(d->orgs[i].scopes[j].cidr, true, &c) != 0)
				continue; /* refused earlier by the parser */
			cidr_bounds(&c, &v[k].lo, &v[k].hi);
			v[k].org = &d->orgs[i];
			v[k].sc = &d->orgs[i].scopes[j];
			k++;
		}
	}
	qsort(v, k, sizeof(*v), cmp_span);
	/* Sorted by start: two prefixes overlap exactly when one starts inside the other,
	 * and prefixes nest, so comparing neighbours is enough. */
	for (size_t i = 1; i < k && rc == 0; i++) {
		const struct span *a = &v[i - 1], *b = &v[i];
		if (b->lo <= a->hi) {
			const struct span *later = a->sc->line > b->sc->line ? a : b;
			const struct span *other = later == a ? b : a;
			rc = merr_at(
			    e, M_EPARSE, file, later->sc->line, -1, "scope.cidr",
			    "%s overlaps %s of %s (line %ld); scope ranges must not overlap",
			    later->sc->cidr, other->sc->cidr, other->org->slug, other->sc->line);
		}
	}
	m_free(v);
	return rc;
}

static int cmp_str_ptr(const void *a, const void *b)
{
	const char *const *x = a, *const *y = b;
	return strcmp(*x, *y);
}

static int check_dup_slugs(const struct inv_doc *d, const char *file, struct merr *e)
{
	const char **v;
	int rc = 0;

	if (d->n_orgs < 2)
		return 0;
	v = m_malloc(d->n_orgs * sizeof(*v));
	if (!v)
		return merr_set(e, M_ENOMEM, "out of memory checking ids");
	for (size_t i = 0; i < d->n_orgs; i++)
		v[i] = d->orgs[i].slug;
	qsort(v, d->n_orgs, sizeof(*v), cmp_str_ptr);
	for (size_t i = 1; i < d->n_orgs && rc == 0; i++) {
		if (strcmp(v[i - 1], v[i]) != 0)
			continue;
		/* report the second occurrence, in file order */
		long first = 0, second = 0;
		for (size_t j = 0; j < d->n_orgs; j++) {
			if (strcmp(d->orgs[j].slug, v[i]) != 0)
				continue;
			if (!first)
				first = d->orgs[j].line;
			else if (!second)
				second = d->orgs[j].line;
		}
		rc = merr_at(e, M_EPARSE, file, second, -1, "id",
			     "duplicate organisation id '%s' (first at line %ld)", v[i], first);
	}
	m_free(v);
	return rc;
}

static int cmp_asset(const void *a, const void *b)
{
	const struct inv_asset *const *x = a, *const *y = b;
	int c = strcmp((*x)->kind, (*y)->kind);
	if (c)
		return c;
	c = strcmp((*x)->value, (*y)->value);
	return c ? c : ((*x)->line > (*y)->line) - ((*x)->line < (*y)->line);
}

static int check_dup_assets(const struct inv_org *o, const char *file, struct merr *e)
{
	const struct inv_asset **v;
	int rc = 0;

	if (o->n_assets < 2)
		return 0;
	v = m_malloc(o->n_assets * sizeof(*v));
	if (!v)
		return merr_set(e, M_ENOMEM, "out of memory checking assets");
	for (size_t i = 0; i < o->n_assets; i++)
		v[i] = &o->assets[i];
	qsort(v, o->n_assets, sizeof(*v), cmp_asset);
	for (size_t i = 1; i < o->n_assets && rc == 0; i++)
		if (strcmp(v[i]->kind, v[i - 1]->kind) == 0 &&
		    strcmp(v[i]->value, v[i - 1]->value) == 0)
			rc = merr_at(e, M_EPARSE, file, v[i]->line, -1, v[i]->kind,
				     "duplicate asset %s '%s' of %s (first at line %ld)",
				     v[i]->kind, v[i]->value, o->slug, v[i - 1]->line);
	m_free(v);
	return rc;
}

static int check_org(const struct inv_org *o, const char *file, struct merr *e)
{
	if (inv_slug_reserved(o->slug))
		return merr_at(e, M_EPARSE, file, o->line, -1, "id",
			       "'%s' is reserved (ids starting with '" INV_SLUG_RESERVED_PREFIX
			       "' or made of digits only are not allowed) / 予約された id です",
			       o->slug);
	for (size_t j = 0; j < o->n_scopes; j++) {
		const struct inv_scope *sc = &o->scopes[j];
		if (sc->valid_until < sc->valid_from)
			return merr_at(e, M_EPARSE, file, sc->line, -1, "scope.until",
				       "until is before from (%s)", sc->cidr);
	}
	for (size_t j = 0; j < o->n_aliases; j++)
		for (size_t k = 0; k < j; k++)
			if (strcmp(o->aliases[j], o->aliases[k]) == 0)
				return merr_at(e, M_EPARSE, file, o->line, -1, "aliases",
					       "duplicate alias '%s'", o->aliases[j]);
	return check_dup_assets(o, file, e);
}

static int check_exclusions(const struct inv_doc *d, const char *file, struct merr *e)
{
	for (size_t i = 0; i < d->n_exclusions; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(d->exclusions[i].cidr, d->exclusions[j].cidr) == 0)
				return merr_at(e, M_EPARSE, file, d->exclusions[i].line, -1,
					       "exclusions.cidr",
					       "duplicate exclusion %s (first at line %ld)",
					       d->exclusions[i].cidr, d->exclusions[j].line);
	return 0;
}

int inv_doc_check(const struct inv_doc *d, const char *file, struct merr *e)
{
	int rc = check_dup_slugs(d, file, e);

	for (size_t i = 0; i < d->n_orgs && rc == 0; i++)
		rc = check_org(&d->orgs[i], file, e);
	if (rc == 0)
		rc = check_exclusions(d, file, e);
	if (rc == 0)
		rc = check_scope_overlap(d, file, e);
	return rc;
}
