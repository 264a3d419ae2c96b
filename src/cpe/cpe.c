/*
 * cpe.c - CPE 2.3 formatted-string and 2.2 URI unbinding, formatted-string
 * binding, and NISTIR 7696 attribute and name comparison.
 */
#include "base/compat.h"

#include <ctype.h>

#include "base/hex.h"
#include "base/mem.h"
#include "cpe/cpe.h"

static const char *const attr_names[CPE_N_ATTRS] = {
    "part",	"vendor",     "product",   "version",	"update", "edition",
    "language", "sw_edition", "target_sw", "target_hw", "other",
};

void cpe_release(struct cpe *c)
{
	if (!c)
		return;
	for (int i = 0; i < CPE_N_ATTRS; i++)
		m_free(c->a[i].s);
	memset(c, 0, sizeof(*c));
}

int cpe_copy(struct cpe *dst, const struct cpe *src)
{
	*dst = *src;
	for (int i = 0; i < CPE_N_ATTRS; i++) {
		if (!src->a[i].s)
			continue;
		dst->a[i].s = m_strdup(src->a[i].s);
		if (!dst->a[i].s) {
			for (int j = 0; j < i; j++)
				m_free(dst->a[j].s);
			memset(dst, 0, sizeof(*dst));
			return M_ENOMEM;
		}
	}
	return 0;
}

bool cpe_is_literal(const struct cpe_val *v)
{
	return v->kind == CPE_VALUE && !v->lead_star && !v->trail_star && !v->lead_q && !v->trail_q;
}

const char *cpe_literal(const struct cpe *c, enum cpe_attr i)
{
	return cpe_is_literal(&c->a[i]) ? c->a[i].s : NULL;
}

int cpe_set(struct cpe *c, enum cpe_attr i, const char *v)
{
	struct cpe_val nv = {CPE_ANY, false, false, 0, 0, NULL};

	if (v && strcmp(v, "-") == 0) {
		nv.kind = CPE_NA;
	} else if (v && *v && strcmp(v, "*") != 0) {
		nv.kind = CPE_VALUE;
		nv.s = m_strdup(v);
		if (!nv.s)
			return M_ENOMEM;
		for (char *p = nv.s; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	}
	m_free(c->a[i].s);
	c->a[i] = nv;
	return 0;
}

/* Raw text of one component, with the positions of its unquoted wildcards. */
struct raw {
	char text[CPE_STR_MAX];
	size_t len;
	bool wild[CPE_STR_MAX]; /* text[i] is an unquoted '*' or '?' */
};

static int bad(struct merr *e, int attr, long long off, const char *what)
{
	return merr_at(e, M_EPARSE, NULL, -1, off, attr < CPE_N_ATTRS ? attr_names[attr] : "cpe",
		       "%s", what);
}

/* Turns a raw component into a value: ANY, NA, or text with end wildcards. */
static int raw_to_val(const struct raw *r, int attr, long long off, struct cpe_val *v,
		      struct merr *e)
{
	size_t b = 0, end = r->len;

	memset(v, 0, sizeof(*v));
	if (r->len == 1 && r->wild[0] && r->text[0] == '*')
		return 0; /* ANY */
	if (r->len == 1 && !r->wild[0] && r->text[0] == '-') {
		v->kind = CPE_NA;
		return 0;
	}
	if (r->len == 0)
		return bad(e, attr, off, "empty value");
	if (r->wild[0] && r->text[0] == '*')
		v->lead_star = true, b = 1;
	else
		while (b < end && r->wild[b] && r->text[b] == '?' && v->lead_q < 255)
			v->lead_q++, b++;
	if (end > b && r->wild[end - 1] && r->text[end - 1] == '*')
		v->trail_star = true, end--;
	else
		while (end > b && r->wild[end - 1] && r->text[end - 1] == '?' && v->trail_q < 255)
			v->trail_q++, end--;
	if (end <= b)
		return bad(e, attr, off, "wildcards without a value");
	for (size_t i = b; i < end; i++)
		if (r->wild[i])
			return bad(e, attr, off + (long long)i,
				   "unquoted wildcard inside a value (only at its start or end)");
	v->kind = CPE_VALUE;
	v->s = m_strndup(r->text + b, end - b);
	if (!v->s)
		return M_ENOMEM;
	for (char *p = v->s; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return 0;
}

static int check_part(const struct cpe *c, struct merr *e)
{
	const struct cpe_val *p = &c->a[CPE_PART];

	if (p->kind == CPE_VALUE &&
	    (!cpe_is_literal(p) || strlen(p->s) != 1 || !strchr("aoh", p->s[0])))
		return bad(e, CPE_PART, -1, "part must be a, o or h");
	return 0;
}

static bool printable(unsigned char ch)
{
	return ch > 0x20 && ch < 0x7f;
}

/* Formatted string: components after "cpe:2.3:", '\' quotes the next byte. */
static int parse_fs(const char *s, size_t start, struct cpe *c, struct merr *e)
{
	struct raw *r = m_malloc(sizeof(*r));
	size_t i = start, comp_off = start;
	int attr = 0, rc = 0;

	if (!r)
		return M_ENOMEM;
	r->len = 0;
	for (;; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == ':' || ch == '\0') {
			if (attr >= CPE_N_ATTRS) {
				rc = bad(e, attr, (long long)i, "more than 11 attributes");
				break;
			}
			rc = raw_to_val(r, attr, (long long)comp_off, &c->a[attr], e);
			if (rc)
				break;
			attr++;
			r->len = 0;
			comp_off = i + 1;
			if (ch == '\0')
				break;
			continue;
		}
		if (r->len + 1 >= sizeof(r->text)) {
			rc = bad(e, attr, (long long)i, "value too long");
			break;
		}
		if (ch == '\\') {
			ch = (unsigned char)s[++i];
			if (!printable(ch)) {
				rc = bad(e, attr, (long long)i, "backslash must quote a character");
				break;
			}
			r->wild[r->len] = false;
		} else if (!printable(ch)) {
			rc = bad(e, attr, (long long)i, "control, blank or non-ASCII byte");
			break;
		} else {
			r->wild[r->len] = (ch == '*' || ch == '?');
		}
		r->text[r->len++] = (char)ch;
	}
	m_free(r);
	return rc;
}

/* Decodes one URI component (no ':' and no '~' left in it) into r. */
static int uri_decode(const char *s, size_t len, int attr, long long off, struct raw *r,
		      struct merr *e)
{
	r->len = 0;
	for (size_t i = 0; i < len; i++) {
		int ch = (unsigned char)s[i];
		bool wild = false;
		if (r->len + 1 >= sizeof(r->text))
			return bad(e, attr, off, "value too long");
		if (ch == '%') {
			int hi = i + 2 < len ? hex_value(s[i + 1]) : -1;
			int lo = hi >= 0 ? hex_value(s[i + 2]) : -1;
			if (lo < 0)
				return bad(e, attr, off + (long long)i, "bad percent-encoding");
			ch = hi * 16 + lo;
			i += 2;
			if (ch == 1 || ch == 2) { /* %01 = '?', %02 = '*' wildcards */
				wild = true;
				ch = ch == 1 ? '?' : '*';
			}
		}
		if (!printable((unsigned char)ch))
			return bad(e, attr, off + (long long)i, "control, blank or non-ASCII byte");
		r->wild[r->len] = wild;
		r->text[r->len++] = (char)ch;
	}
	return 0;
}

/* One URI component into attribute attr; empty means ANY. */
static int uri_component(const char *s, size_t len, int attr, long long off, struct raw *r,
			 struct cpe *c, struct merr *e)
{
	int rc;

	if (len == 0)
		return 0; /* ANY */
	rc = uri_decode(s, len, attr, off, r, e);
	return rc ? rc : raw_to_val(r, attr, off, &c->a[attr], e);
}

/* The sixth URI component: edition, or "~ed~sw_ed~target_sw~target_hw~other". */
static int uri_edition(const char *s, size_t len, long long off, struct raw *r, struct cpe *c,
		       struct merr *e)
{
	static const int packed[] = {CPE_EDITION, CPE_SW_EDITION, CPE_TARGET_SW, CPE_TARGET_HW,
				     CPE_OTHER};
	size_t i = 1, k = 0;

	if (len == 0 || s[0] != '~')
		return uri_component(s, len, CPE_EDITION, off, r, c, e);
	while (k < ARRAY_SIZE(packed)) {
		size_t j = i;
		int rc;
		while (j < len && s[j] != '~')
			j++;
		rc = uri_component(s + i, j - i, packed[k++], off + (long long)i, r, c, e);
		if (rc)
			return rc;
		if (j >= len)
			return 0;
		i = j + 1;
	}
	return bad(e, CPE_EDITION, off, "more than five packed ~ fields");
}

static int parse_uri(const char *s, size_t start, struct cpe *c, struct merr *e)
{
	static const int order[] = {CPE_PART,	CPE_VENDOR,  CPE_PRODUCT, CPE_VERSION,
				    CPE_UPDATE, CPE_EDITION, CPE_LANGUAGE};
	struct raw *r = m_malloc(sizeof(*r));
	size_t i = start, k = 0;
	int rc = 0;

	if (!r)
		return M_ENOMEM;
	while (rc == 0) {
		size_t j = i;
		while (s[j] && s[j] != ':')
			j++;
		if (k >= ARRAY_SIZE(order)) {
			rc = bad(e, CPE_N_ATTRS, (long long)i, "more than 7 URI components");
			break;
		}
		if (order[k] == CPE_EDITION)
			rc = uri_edition(s + i, j - i, (long long)i, r, c, e);
		else
			rc = uri_component(s + i, j - i, order[k], (long long)i, r, c, e);
		k++;
		if (!s[j])
			break;
		i = j + 1;
	}
	m_free(r);
	return rc;
}

int cpe_parse(const char *s, struct cpe *c, struct merr *e)
{
	int rc;

	memset(c, 0, sizeof(*c));
	if (!s)
		return bad(e, CPE_N_ATTRS, 0, "no CPE name");
	if (strncasecmp(s, "cpe:2.3:", 8) == 0)
		rc = parse_fs(s, 8, c, e);
	else if (strncasecmp(s, "cpe:/", 5) == 0)
		rc = parse_uri(s, 5, c, e);
	else
		rc = bad(e, CPE_N_ATTRS, 0, "not a CPE name (expected cpe:2.3: or cpe:/)");
	if (rc == 0)
		rc = check_part(c, e);
	if (rc)
		cpe_release(c);
	return rc;
}

/* Characters that stand unquoted in a formatted string. */
static bool fs_plain(char ch)
{
	return isalnum((unsigned char)ch) || ch == '.' || ch == '_' || ch == '-';
}

static int fmt_val(const struct cpe_val *v, char *out, size_t cap, size_t *n)
{
	const char *p;

#define PUT(ch)                           \
	do {                              \
		if (*n + 2 > cap)         \
			return M_ETOOBIG; \
		out[(*n)++] = (ch);       \
	} while (0)
	if (v->kind != CPE_VALUE) {
		PUT(v->kind == CPE_ANY ? '*' : '-');
		return 0;
	}
	if (v->lead_star)
		PUT('*');
	for (int i = 0; i < v->lead_q; i++)
		PUT('?');
	/* a lone literal "-" must not read back as NA */
	if (cpe_is_literal(v) && strcmp(v->s, "-") == 0)
		PUT('\\');
	for (p = v->s; *p; p++) {
		if (!fs_plain(*p))
			PUT('\\');
		PUT(*p);
	}
	for (int i = 0; i < v->trail_q; i++)
		PUT('?');
	if (v->trail_star)
		PUT('*');
#undef PUT
	return 0;
}

int cpe_format(const struct cpe *c, char *out, size_t cap)
{
	size_t n = 8;

	if (cap < 9)
		return M_ETOOBIG;
	memcpy(out, "cpe:2.3:", 8);
	for (int i = 0; i < CPE_N_ATTRS; i++) {
		if (i) {
			if (n + 2 > cap)
				return M_ETOOBIG;
			out[n++] = ':';
		}
		if (fmt_val(&c->a[i], out, cap, &n))
			return M_ETOOBIG;
	}
	out[n] = '\0';
	return 0;
}

const char *cpe_rel_name(enum cpe_rel r)
{
	static const char *const names[] = {"DISJOINT", "SUBSET", "SUPERSET", "EQUAL", "UNDEFINED"};
	return (unsigned)r < ARRAY_SIZE(names) ? names[r] : "?";
}

/* NISTIR 7696 compare_strings: body at an offset the wildcards allow. */
static bool wild_match(const struct cpe_val *src, const char *t)
{
	size_t tl = strlen(t), bl = strlen(src->s);

	for (const char *hit = strstr(t, src->s); hit; hit = strstr(hit + 1, src->s)) {
		size_t before = (size_t)(hit - t), after = tl - before - bl;
		if ((src->lead_star || before <= src->lead_q) &&
		    (src->trail_star || after <= src->trail_q))
			return true;
	}
	return false;
}

enum cpe_rel cpe_compare_attr(const struct cpe_val *s, const struct cpe_val *t)
{
	if (s->kind == CPE_ANY)
		return t->kind == CPE_ANY ? CPE_EQUAL : CPE_SUPERSET;
	if (s->kind == CPE_NA) {
		if (t->kind == CPE_NA)
			return CPE_EQUAL;
		return t->kind == CPE_ANY ? CPE_SUBSET : CPE_DISJOINT;
	}
	if (t->kind == CPE_ANY)
		return CPE_SUBSET;
	if (t->kind == CPE_NA)
		return CPE_DISJOINT;
	if (!cpe_is_literal(t))
		return CPE_UNDEFINED; /* host names must be concrete */
	if (cpe_is_literal(s))
		return strcmp(s->s, t->s) == 0 ? CPE_EQUAL : CPE_DISJOINT;
	return wild_match(s, t->s) ? CPE_SUPERSET : CPE_DISJOINT;
}

enum cpe_rel cpe_compare(const struct cpe *source, const struct cpe *target, unsigned skip)
{
	bool all_eq = true, sup = true, sub = true;

	for (int i = 0; i < CPE_N_ATTRS; i++) {
		enum cpe_rel r;
		if (skip & (1u << i))
			continue;
		r = cpe_compare_attr(&source->a[i], &target->a[i]);
		if (r == CPE_DISJOINT)
			return CPE_DISJOINT;
		all_eq &= r == CPE_EQUAL;
		sup &= r == CPE_EQUAL || r == CPE_SUPERSET;
		sub &= r == CPE_EQUAL || r == CPE_SUBSET;
	}
	if (all_eq)
		return CPE_EQUAL;
	if (sup)
		return CPE_SUPERSET;
	return sub ? CPE_SUBSET : CPE_UNDEFINED;
}

bool cpe_matches(const struct cpe *source, const struct cpe *target)
{
	enum cpe_rel r = cpe_compare(source, target, 0);
	return r == CPE_SUPERSET || r == CPE_EQUAL;
}
