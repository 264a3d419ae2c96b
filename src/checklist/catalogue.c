/* catalogue.c - the checklist's item catalogue: read from data/checklist/catalogue-*.yaml at
 * run time, validated with FILE:LINE errors, one kept per version (cached per process). */
#include "base/compat.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>

#include "base/buf.h"
#include "base/mem.h"
#include "checklist/checklist_int.h"
#include "findings/findings.h"

#ifndef MAMORI_DEFAULT_CHECKLIST_DIR
#define MAMORI_DEFAULT_CHECKLIST_DIR "data/checklist"
#endif

/* The inventory's business types (migration 0100), codes and names as it spells them. */
static const struct cl_btype btypes[] = {
    {"airline", "航空", "Airline"},
    {"airport", "空港・空港ビル", "Airport operator"},
    {"railway", "鉄道", "Railway operator"},
    {"water_utility", "水道", "Water utility"},
    {"logistics", "物流", "Logistics operator"},
    {"port", "港湾", "Port operator"},
    {"bus", "バス", "Bus"},
    {"bus_terminal", "バスターミナル", "Bus terminal"},
    {"taxi", "タクシー", "Taxi"},
    {"lodging", "宿泊施設", "Lodging"},
    {"ferry", "フェリー・旅客船", "Passenger ship / ferry"},
    {"warehouse", "倉庫", "Warehouse"},
    {"truck", "トラック", "Trucking"},
};

const struct cl_btype *cl_btypes(size_t *n)
{
	*n = ARRAY_SIZE(btypes);
	return btypes;
}

int cl_btype_index(const char *code)
{
	for (size_t i = 0; code && i < ARRAY_SIZE(btypes); i++)
		if (strcmp(btypes[i].code, code) == 0)
			return (int)i;
	return -1;
}

unsigned cl_size_bit(const char *size)
{
	if (!size)
		return 0;
	if (strcmp(size, "large") == 0)
		return CL_SIZE_LARGE;
	if (strcmp(size, "medium") == 0)
		return CL_SIZE_MEDIUM;
	if (strcmp(size, "small") == 0)
		return CL_SIZE_SMALL;
	return 0;
}

/* NIST CSF 2.0 subcategory ids (CSWP 29). */
static const char *const csf_ids[] = {
    "GV.OC-01", "GV.OC-02", "GV.OC-03", "GV.OC-04", "GV.OC-05", "GV.RM-01", "GV.RM-02", "GV.RM-03",
    "GV.RM-04", "GV.RM-05", "GV.RM-06", "GV.RM-07", "GV.RR-01", "GV.RR-02", "GV.RR-03", "GV.RR-04",
    "GV.PO-01", "GV.PO-02", "GV.OV-01", "GV.OV-02", "GV.OV-03", "GV.SC-01", "GV.SC-02", "GV.SC-03",
    "GV.SC-04", "GV.SC-05", "GV.SC-06", "GV.SC-07", "GV.SC-08", "GV.SC-09", "GV.SC-10", "ID.AM-01",
    "ID.AM-02", "ID.AM-03", "ID.AM-04", "ID.AM-05", "ID.AM-07", "ID.AM-08", "ID.RA-01", "ID.RA-02",
    "ID.RA-03", "ID.RA-04", "ID.RA-05", "ID.RA-06", "ID.RA-07", "ID.RA-08", "ID.RA-09", "ID.RA-10",
    "ID.IM-01", "ID.IM-02", "ID.IM-03", "ID.IM-04", "PR.AA-01", "PR.AA-02", "PR.AA-03", "PR.AA-04",
    "PR.AA-05", "PR.AA-06", "PR.AT-01", "PR.AT-02", "PR.DS-01", "PR.DS-02", "PR.DS-10", "PR.DS-11",
    "PR.PS-01", "PR.PS-02", "PR.PS-03", "PR.PS-04", "PR.PS-05", "PR.PS-06", "PR.IR-01", "PR.IR-02",
    "PR.IR-03", "PR.IR-04", "DE.CM-01", "DE.CM-02", "DE.CM-03", "DE.CM-06", "DE.CM-09", "DE.AE-02",
    "DE.AE-03", "DE.AE-04", "DE.AE-06", "DE.AE-07", "DE.AE-08", "RS.MA-01", "RS.MA-02", "RS.MA-03",
    "RS.MA-04", "RS.MA-05", "RS.AN-03", "RS.AN-06", "RS.AN-07", "RS.AN-08", "RS.CO-02", "RS.CO-03",
    "RS.MI-01", "RS.MI-02", "RC.RP-01", "RC.RP-02", "RC.RP-03", "RC.RP-04", "RC.RP-05", "RC.RP-06",
    "RC.CO-03", "RC.CO-04",
};

/* CISA CPG 2.0 goal ids (shared/docs/RATINGS-SEVERITY-CHECKLISTS.md 4.3). */
static const char *const cpg_ids[] = {
    "1.A", "1.B", "1.C", "1.D", "1.E", "2.A", "2.B", "2.C", "2.D", "2.E", "3.A", "3.B",
    "3.C", "3.D", "3.E", "3.F", "3.G", "3.H", "3.I", "3.J", "3.K", "3.L", "3.M", "3.N",
    "3.O", "3.P", "3.Q", "3.R", "3.S", "4.A", "4.B", "5.A", "5.B", "6.A",
};

static bool in_list(const char *s, const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, v[i]) == 0)
			return true;
	return false;
}

bool cl_csf_ok(const char *s)
{
	return s && in_list(s, csf_ids, ARRAY_SIZE(csf_ids));
}

bool cl_cpg_ok(const char *s)
{
	return s && in_list(s, cpg_ids, ARRAY_SIZE(cpg_ids));
}

bool cl_evidence_ok(const char *s)
{
	const char *rest;
	size_t n, len;

	if (!s)
		return false;
	if (strcmp(s, "kev:overdue") == 0)
		return true;
	if (!strncmp(s, "risky:", 6))
		rest = s + 6;
	else if (!strncmp(s, "tls:", 4) || !strncmp(s, "mail:", 5))
		rest = strchr(s, ':') + 1;
	else
		return false;
	len = strlen(rest);
	if (!len || len > 64)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((rest[i] >= 'a' && rest[i] <= 'z') || (rest[i] >= '0' && rest[i] <= '9') ||
		      rest[i] == '-' || rest[i] == '.' || (rest[i] == '*' && i == len - 1)))
			return false;
	if (strncmp(s, "risky:", 6) == 0 && rest[len - 1] != '*') {
		/* An exact risky-service id must be one of the findings module's table. */
		const struct finding_risky_rule *t = finding_risky_table(&n);
		for (size_t i = 0; i < n; i++)
			if (strcmp(t[i].id, rest) == 0)
				return true;
		return false;
	}
	return true;
}

bool cl_item_applies(const struct cl_item *it, const char *btype, const char *size)
{
	if (btype) {
		int i = cl_btype_index(btype);
		if (i < 0 || !(it->btypes & (1u << i)))
			return false;
	}
	if (size) {
		unsigned b = cl_size_bit(size);
		if (!b || !(it->sizes & b))
			return false;
	}
	return true;
}

const struct cl_item *cl_item_find(const struct cl_catalogue *c, const char *id)
{
	for (size_t i = 0; id && i < c->n_items; i++)
		if (c->items[i].id && strcmp(c->items[i].id, id) == 0)
			return &c->items[i];
	return NULL;
}

/* ------------------------------------------------------------ freeing */

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		m_free(v[i]);
	m_free(v);
}

void cl_catalogue_free(struct cl_catalogue *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_sec; i++) {
		m_free(c->sec[i].id);
		m_free(c->sec[i].ja);
		m_free(c->sec[i].en);
	}
	m_free(c->sec);
	for (size_t i = 0; i < c->n_items; i++) {
		struct cl_item *it = &c->items[i];
		m_free(it->id);
		m_free(it->text_ja);
		m_free(it->text_en);
		m_free(it->guide_ja);
		m_free(it->guide_en);
		free_strv(it->csf, it->n_csf);
		free_strv(it->cpg, it->n_cpg);
		free_strv(it->evidence, it->n_evidence);
	}
	m_free(c->items);
	m_free(c->version);
	m_free(c->title_ja);
	m_free(c->title_en);
	m_free(c->file);
	m_free(c);
}

/* ------------------------------------------------------------ parsing */

struct cctx {
	struct cl_y y;
	struct cl_catalogue *c;
};

static int nomem(struct cctx *x)
{
	return merr_set(x->y.e, M_ENOMEM, "out of memory reading the checklist catalogue");
}

static int dup_text(struct cctx *x, yaml_node_t *n, const char *field, bool required, char **out)
{
	const char *v;
	int rc = cl_y_text(&x->y, n, field, CL_TEXT_MAX, &v);

	if (rc)
		return rc;
	if (!v || !*v) {
		if (required)
			return cl_y_fail(&x->y, n, field, "must not be empty");
		return 0;
	}
	m_free(*out);
	*out = m_strdup(v);
	return *out ? 0 : nomem(x);
}

/* Index of key among keys, or fails (unknown / repeated). */
static int map_key(struct cctx *x, yaml_node_t *map, yaml_node_pair_t *p, const char *what,
		   const char *const *keys, size_t nk, uint32_t *seen, yaml_node_t **val)
{
	yaml_node_t *k = cl_y_visit(&x->y, p->key, map, what);
	const char *key;
	size_t i;

	if (!k)
		return -1;
	if (k->type != YAML_SCALAR_NODE) {
		cl_y_fail(&x->y, k, what, "a key must be a plain word");
		return -1;
	}
	key = (const char *)k->data.scalar.value;
	for (i = 0; i < nk && strcmp(keys[i], key) != 0; i++)
		;
	if (i == nk) {
		char list[300] = "";
		size_t n = 0;
		for (size_t j = 0; j < nk && n < sizeof(list); j++) {
			int w =
			    snprintf(list + n, sizeof(list) - n, "%s%s", j ? ", " : "", keys[j]);
			n += w > 0 ? (size_t)w : 0;
		}
		cl_y_fail(&x->y, k, what, "unknown key '%.60s' (expected one of: %s)", key, list);
		return -1;
	}
	if (*seen & (1u << i)) {
		cl_y_fail(&x->y, k, keys[i], "repeated key");
		return -1;
	}
	*seen |= 1u << i;
	*val = cl_y_visit(&x->y, p->value, k, keys[i]);
	return *val ? (int)i : -1;
}

/* { ja: ..., en: ... } both required. */
static int ja_en(struct cctx *x, yaml_node_t *n, const char *field, char **ja, char **en)
{
	static const char *const keys[] = {"ja", "en"};
	uint32_t seen = 0;
	char fj[64], fe[64];

	if (n->type != YAML_MAPPING_NODE)
		return cl_y_fail(&x->y, n, field, "expected { ja: ..., en: ... }");
	snprintf(fj, sizeof(fj), "%s.ja", field);
	snprintf(fe, sizeof(fe), "%s.en", field);
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *v;
		int i = map_key(x, n, p, field, keys, 2, &seen, &v), rc;
		if (i < 0)
			return M_EPARSE;
		rc = dup_text(x, v, i == 0 ? fj : fe, true, i == 0 ? ja : en);
		if (rc)
			return rc;
	}
	if (seen != 3)
		return cl_y_fail(&x->y, n, field, "needs both ja and en");
	return 0;
}

/* A list of scalars, each checked by ok (NULL: any), into *out. */
static int str_list(struct cctx *x, yaml_node_t *n, const char *field, bool (*ok)(const char *),
		    const char *what, char ***out, size_t *nout)
{
	size_t cap;

	if (cl_y_is_null(n))
		return 0;
	if (n->type != YAML_SEQUENCE_NODE)
		return cl_y_fail(&x->y, n, field, "expected a list [ ... ]");
	cap = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (cap > 64)
		return cl_y_fail(&x->y, n, field, "too many entries (%zu, at most 64)", cap);
	*out = m_calloc(cap ? cap : 1, sizeof(char *));
	if (!*out)
		return nomem(x);
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		yaml_node_t *v = cl_y_visit(&x->y, *it, n, field);
		const char *s;
		int rc;
		if (!v)
			return M_EPARSE;
		if ((rc = cl_y_text(&x->y, v, field, 128, &s)))
			return rc;
		if (!s || !*s)
			return cl_y_fail(&x->y, v, field, "empty entry");
		if (ok && !ok(s))
			return cl_y_fail(&x->y, v, field, "'%.60s' is not %s", s, what);
		for (size_t j = 0; j < *nout; j++)
			if (strcmp((*out)[j], s) == 0)
				return cl_y_fail(&x->y, v, field, "'%.60s' listed twice", s);
		if (!((*out)[(*nout)++] = m_strdup(s)))
			return nomem(x);
	}
	return 0;
}

static int bt_list(struct cctx *x, yaml_node_t *n, uint32_t *mask)
{
	if (n->type == YAML_SCALAR_NODE && strcmp((const char *)n->data.scalar.value, "all") == 0) {
		*mask = (1u << ARRAY_SIZE(btypes)) - 1;
		return 0;
	}
	if (n->type != YAML_SEQUENCE_NODE ||
	    n->data.sequence.items.top == n->data.sequence.items.start)
		return cl_y_fail(&x->y, n, "business_types",
				 "expected all or a non-empty list of business type codes");
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		yaml_node_t *v = cl_y_visit(&x->y, *it, n, "business_types");
		const char *s;
		int i, rc;
		if (!v)
			return M_EPARSE;
		if ((rc = cl_y_text(&x->y, v, "business_types", 64, &s)))
			return rc;
		if ((i = cl_btype_index(s)) < 0)
			return cl_y_fail(
			    &x->y, v, "business_types",
			    "unknown business type '%.60s' (the inventory's codes: "
			    "railway, bus, bus_terminal, taxi, lodging, ferry, airport, "
			    "airline, water_utility, port, warehouse, truck, logistics)",
			    s ? s : "");
		if (*mask & (1u << i))
			return cl_y_fail(&x->y, v, "business_types", "'%s' listed twice", s);
		*mask |= 1u << i;
	}
	return 0;
}

static int size_list(struct cctx *x, yaml_node_t *n, unsigned *mask)
{
	if (n->type == YAML_SCALAR_NODE && strcmp((const char *)n->data.scalar.value, "all") == 0) {
		*mask = CL_SIZE_ALL;
		return 0;
	}
	if (n->type != YAML_SEQUENCE_NODE ||
	    n->data.sequence.items.top == n->data.sequence.items.start)
		return cl_y_fail(&x->y, n, "sizes",
				 "expected all or a list of large, medium, small");
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		yaml_node_t *v = cl_y_visit(&x->y, *it, n, "sizes");
		const char *s;
		unsigned b;
		int rc;
		if (!v)
			return M_EPARSE;
		if ((rc = cl_y_text(&x->y, v, "sizes", 16, &s)))
			return rc;
		if (!(b = cl_size_bit(s)))
			return cl_y_fail(&x->y, v, "sizes",
					 "unknown size '%.20s' (large, medium, small)", s ? s : "");
		if (*mask & b)
			return cl_y_fail(&x->y, v, "sizes", "'%s' listed twice", s);
		*mask |= b;
	}
	return 0;
}

static bool id_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 2 || n > 32 || !(s[0] >= 'A' && s[0] <= 'Z'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

static int one_item(struct cctx *x, yaml_node_t *n, struct cl_item *it)
{
	static const char *const keys[] = {"id",    "section", "tier",	  "business_types",
					   "sizes", "impact",  "text",	  "guidance",
					   "csf",   "cpg",     "evidence"};
	uint32_t seen = 0;
	int rc = 0;

	it->line = cl_y_line(n);
	if (n->type != YAML_MAPPING_NODE)
		return cl_y_fail(&x->y, n, "items", "an item is a mapping (id: ..., section: ...)");
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
	     rc == 0 && p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *v;
		const char *s = NULL;
		int k = map_key(x, n, p, "item", keys, ARRAY_SIZE(keys), &seen, &v);
		if (k < 0)
			return M_EPARSE;
		switch (k) {
		case 0:
			if ((rc = cl_y_text(&x->y, v, "id", 32, &s)))
				break;
			if (!s || !id_ok(s))
				rc = cl_y_fail(
				    &x->y, v, "id",
				    "expected an id like NET-01 (A-Z, 0-9, -; at most 32)");
			else if (cl_item_find(x->c, s))
				rc = cl_y_fail(&x->y, v, "id", "'%s' is used by another item", s);
			else if (!(it->id = m_strdup(s)))
				rc = nomem(x);
			break;
		case 1: {
			size_t i;
			if ((rc = cl_y_text(&x->y, v, "section", 32, &s)))
				break;
			for (i = 0; s && i < x->c->n_sec && strcmp(x->c->sec[i].id, s); i++)
				;
			if (!s || i == x->c->n_sec)
				rc = cl_y_fail(
				    &x->y, v, "section",
				    "unknown section '%.40s' (declare it under sections:)",
				    s ? s : "");
			it->section = i;
			break;
		}
		case 2:
			if ((rc = cl_y_text(&x->y, v, "tier", 16, &s)))
				break;
			if (s && strcmp(s, "basic") == 0)
				it->tier = CL_BASIC;
			else if (s && strcmp(s, "advanced") == 0)
				it->tier = CL_ADVANCED;
			else
				rc = cl_y_fail(&x->y, v, "tier", "expected basic or advanced");
			break;
		case 3: rc = bt_list(x, v, &it->btypes); break;
		case 4: rc = size_list(x, v, &it->sizes); break;
		case 5:
			if ((rc = cl_y_text(&x->y, v, "impact", 16, &s)))
				break;
			it->impact = !s			    ? 0
				     : !strcmp(s, "high")   ? 3
				     : !strcmp(s, "medium") ? 2
				     : !strcmp(s, "low")    ? 1
							    : 0;
			if (!it->impact)
				rc = cl_y_fail(&x->y, v, "impact", "expected high, medium or low");
			break;
		case 6: rc = ja_en(x, v, "text", &it->text_ja, &it->text_en); break;
		case 7: rc = ja_en(x, v, "guidance", &it->guide_ja, &it->guide_en); break;
		case 8:
			rc = str_list(x, v, "csf", cl_csf_ok,
				      "a NIST CSF 2.0 subcategory id (PR.AA-01)", &it->csf,
				      &it->n_csf);
			break;
		case 9:
			rc = str_list(x, v, "cpg", cl_cpg_ok, "a CISA CPG 2.0 goal id (1.A .. 6.A)",
				      &it->cpg, &it->n_cpg);
			break;
		case 10:
			rc = str_list(x, v, "evidence", cl_evidence_ok,
				      "an evidence selector (risky:ID, risky:*, tls:ID, mail:ID, "
				      "kev:overdue)",
				      &it->evidence, &it->n_evidence);
			break;
		}
	}
	if (rc)
		return rc;
	/* Required: everything but evidence (and one of csf/cpg non-empty). */
	for (size_t k = 0; k < 8; k++)
		if (!(seen & (1u << k)))
			return merr_at(x->y.e, M_EPARSE, x->y.file, it->line, -1, keys[k],
				       "missing in item %s", it->id ? it->id : "(no id)");
	if (it->n_csf + it->n_cpg == 0)
		return merr_at(x->y.e, M_EPARSE, x->y.file, it->line, -1, "csf",
			       "item %s has no reference (csf or cpg)", it->id);
	return 0;
}

static int sections(struct cctx *x, yaml_node_t *n)
{
	static const char *const keys[] = {"id", "ja", "en"};
	size_t cap;

	if (n->type != YAML_SEQUENCE_NODE)
		return cl_y_fail(&x->y, n, "sections", "expected a list of { id, ja, en }");
	cap = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (!cap || cap > 32)
		return cl_y_fail(&x->y, n, "sections", "expected 1 to 32 sections");
	if (!(x->c->sec = m_calloc(cap, sizeof(*x->c->sec))))
		return nomem(x);
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		yaml_node_t *s = cl_y_visit(&x->y, *it, n, "sections");
		struct cl_section *sec = &x->c->sec[x->c->n_sec++];
		uint32_t seen = 0;
		if (!s)
			return M_EPARSE;
		if (s->type != YAML_MAPPING_NODE)
			return cl_y_fail(&x->y, s, "sections", "expected { id, ja, en }");
		for (yaml_node_pair_t *p = s->data.mapping.pairs.start;
		     p < s->data.mapping.pairs.top; p++) {
			yaml_node_t *v;
			int k = map_key(x, s, p, "section", keys, 3, &seen, &v), rc;
			char **dst[] = {&sec->id, &sec->ja, &sec->en};
			if (k < 0)
				return M_EPARSE;
			if ((rc = dup_text(x, v, keys[k], true, dst[k])))
				return rc;
		}
		if (seen != 7)
			return cl_y_fail(&x->y, s, "sections", "a section needs id, ja and en");
		for (size_t j = 0; j + 1 < x->c->n_sec; j++)
			if (strcmp(x->c->sec[j].id, sec->id) == 0)
				return cl_y_fail(&x->y, s, "id", "section '%s' declared twice",
						 sec->id);
	}
	return 0;
}

static int items(struct cctx *x, yaml_node_t *n)
{
	size_t cap;

	if (n->type != YAML_SEQUENCE_NODE)
		return cl_y_fail(&x->y, n, "items", "expected a list of items");
	cap = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (!cap || cap > 1000)
		return cl_y_fail(&x->y, n, "items", "expected 1 to 1000 items");
	if (!(x->c->items = m_calloc(cap, sizeof(*x->c->items))))
		return nomem(x);
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		yaml_node_t *v = cl_y_visit(&x->y, *it, n, "items");
		int rc;
		if (!v)
			return M_EPARSE;
		/* counted before parsing, so a failed item is freed with the catalogue */
		rc = one_item(x, v, &x->c->items[x->c->n_items++]);
		if (rc)
			return rc;
	}
	return 0;
}

int cl_catalogue_parse(const char *buf, size_t len, const char *file, struct cl_catalogue **out,
		       struct merr *e)
{
	static const char *const keys[] = {"version", "title", "sections", "items"};
	struct cctx x;
	yaml_node_t *root;
	uint32_t seen = 0;
	int rc;

	*out = NULL;
	if ((rc = cl_y_load(&x.y, buf, len, file, e)))
		return rc;
	if (!(x.c = m_calloc(1, sizeof(*x.c)))) {
		cl_y_release(&x.y);
		return merr_set(e, M_ENOMEM, "out of memory");
	}
	root = yaml_document_get_root_node(&x.y.doc);
	if (root->type != YAML_MAPPING_NODE)
		rc = cl_y_fail(&x.y, root, "catalogue",
			       "expected a mapping with version, title, sections, items");
	for (yaml_node_pair_t *p = root->type == YAML_MAPPING_NODE ? root->data.mapping.pairs.start
								   : NULL;
	     rc == 0 && p && p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *v;
		int k = map_key(&x, root, p, "catalogue", keys, 4, &seen, &v);
		const char *s;
		if (k < 0) {
			rc = M_EPARSE;
			break;
		}
		switch (k) {
		case 0:
			if ((rc = cl_y_text(&x.y, v, "version", 31, &s)))
				break;
			if (!s || !*s || strspn(s, "0123456789.") != strlen(s))
				rc = cl_y_fail(
				    &x.y, v, "version",
				    "expected a version like \"2025.1\" (digits and dots)");
			else if (!(x.c->version = m_strdup(s)))
				rc = nomem(&x);
			break;
		case 1: rc = ja_en(&x, v, "title", &x.c->title_ja, &x.c->title_en); break;
		case 2: rc = sections(&x, v); break;
		case 3:
			if (!(seen & 4))
				rc = cl_y_fail(&x.y, v, "items",
					       "sections: must come before items:");
			else
				rc = items(&x, v);
			break;
		}
	}
	if (rc == 0 && seen != 15)
		rc = merr_at(e, M_EPARSE, file, cl_y_line(root), -1,
			     !(seen & 1)   ? "version"
			     : !(seen & 2) ? "title"
			     : !(seen & 4) ? "sections"
					   : "items",
			     "missing");
	cl_y_release(&x.y);
	if (rc == 0 && file && !(x.c->file = m_strdup(file)))
		rc = merr_set(e, M_ENOMEM, "out of memory");
	if (rc) {
		cl_catalogue_free(x.c);
		return rc;
	}
	*out = x.c;
	return 0;
}

int cl_catalogue_read(const char *path, struct cl_catalogue **out, struct merr *e)
{
	struct buf b;
	int rc;

	buf_init(&b, CL_FILE_MAX + 1);
	rc = buf_read_file(&b, path, e);
	if (rc == 0 && b.len > CL_FILE_MAX)
		rc =
		    merr_at(e, M_ETOOBIG, path, -1, -1, NULL, "larger than %zu bytes", CL_FILE_MAX);
	if (rc == 0)
		rc = cl_catalogue_parse(buf_str(&b), b.len, path, out, e);
	buf_release(&b);
	return rc;
}

/* ------------------------------------------------------------ versions, cache */

const char *cl_catalogue_dir(void)
{
	const char *d = getenv("MAMORI_CHECKLIST_DIR");
	return d && *d ? d : MAMORI_DEFAULT_CHECKLIST_DIR;
}

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static struct cached {
	char dir[512];
	struct cl_catalogue *c;
} cache[16];
static size_t n_cache;

/* Compares versions numerically part by part ("2025.10" > "2025.9"); a part that is not a
 * number counts 0 and ends the comparison (versions are checked to be digits and dots). */
static int vcmp(const char *a, const char *b)
{
	for (int guard = 0; guard < 32 && (*a || *b); guard++) {
		char *ea, *eb;
		unsigned long x = strtoul(a, &ea, 10), y = strtoul(b, &eb, 10);
		if (x != y)
			return x < y ? -1 : 1;
		if (*ea && *ea != '.' && *eb && *eb != '.')
			break;
		a = *ea == '.' ? ea + 1 : ea;
		b = *eb == '.' ? eb + 1 : eb;
	}
	return 0;
}

/* Reads every catalogue-*.yaml of dir into the cache (once per dir). Caller holds the mutex. */
static int load_dir(const char *dir, struct merr *e)
{
	DIR *d;
	struct dirent *de;
	int rc = 0;

	for (size_t i = 0; i < n_cache; i++)
		if (strcmp(cache[i].dir, dir) == 0)
			return 0;
	if (!(d = opendir(dir)))
		return merr_at(e, M_EIO, dir, -1, -1, NULL,
			       "cannot open the checklist catalogue directory (set "
			       "MAMORI_CHECKLIST_DIR): %s",
			       strerror(errno));
	while (rc == 0 && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		char path[1024];
		struct cl_catalogue *c;
		if (strncmp(de->d_name, "catalogue-", 10) || n < 15 ||
		    strcmp(de->d_name + n - 5, ".yaml"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if ((rc = cl_catalogue_read(path, &c, e)))
			break;
		for (size_t i = 0; i < n_cache; i++)
			if (strcmp(cache[i].dir, dir) == 0 &&
			    !strcmp(cache[i].c->version, c->version))
				rc = merr_at(e, M_EPARSE, path, -1, -1, "version",
					     "version %s is also in %s", c->version,
					     cache[i].c->file);
		if (rc == 0 && n_cache == ARRAY_SIZE(cache))
			rc = merr_set(e, M_ETOOBIG, "too many catalogue versions");
		if (rc) {
			cl_catalogue_free(c);
			break;
		}
		snprintf(cache[n_cache].dir, sizeof(cache[0].dir), "%s", dir);
		cache[n_cache++].c = c;
	}
	closedir(d);
	if (rc) { /* drop what this dir loaded: try again next time */
		size_t k = 0;
		for (size_t i = 0; i < n_cache; i++)
			if (strcmp(cache[i].dir, dir) == 0)
				cl_catalogue_free(cache[i].c);
			else
				cache[k++] = cache[i];
		n_cache = k;
		return rc;
	}
	for (size_t i = 0; i < n_cache; i++)
		if (strcmp(cache[i].dir, dir) == 0)
			return 0;
	return merr_at(e, M_ENOTFOUND, dir, -1, -1, NULL, "no catalogue-*.yaml in the directory");
}

int cl_catalogue_versions(const char *dir, char *out, size_t cap, struct merr *e)
{
	const struct cl_catalogue *v[16];
	size_t n = 0, used = 0;
	int rc;

	if (!dir)
		dir = cl_catalogue_dir();
	pthread_mutex_lock(&cache_mu);
	rc = load_dir(dir, e);
	for (size_t i = 0; rc == 0 && i < n_cache; i++)
		if (strcmp(cache[i].dir, dir) == 0)
			v[n++] = cache[i].c;
	pthread_mutex_unlock(&cache_mu);
	if (rc)
		return rc;
	for (size_t i = 1; i < n; i++) /* newest first */
		for (size_t j = i; j > 0 && vcmp(v[j - 1]->version, v[j]->version) < 0; j--) {
			const struct cl_catalogue *t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	out[0] = '\0';
	for (size_t i = 0; i < n && used < cap; i++) {
		int w = snprintf(out + used, cap - used, "%s%s", i ? ", " : "", v[i]->version);
		used += w > 0 ? (size_t)w : 0;
	}
	return 0;
}

int cl_catalogue_get(const char *dir, const char *version, const struct cl_catalogue **out,
		     struct merr *e)
{
	const struct cl_catalogue *best = NULL;
	int rc;

	*out = NULL;
	if (!dir)
		dir = cl_catalogue_dir();
	pthread_mutex_lock(&cache_mu);
	rc = load_dir(dir, e);
	for (size_t i = 0; rc == 0 && i < n_cache; i++) {
		if (strcmp(cache[i].dir, dir))
			continue;
		if (version ? strcmp(cache[i].c->version, version) == 0
			    : (!best || vcmp(cache[i].c->version, best->version) > 0))
			best = cache[i].c;
	}
	pthread_mutex_unlock(&cache_mu);
	if (rc)
		return rc;
	if (!best) {
		char known[256];
		cl_catalogue_versions(dir, known, sizeof(known), NULL);
		return merr_at(e, M_ENOTFOUND, NULL, -1, -1, "catalogue",
			       "unknown catalogue version '%.40s' (known: %s)", version, known);
	}
	*out = best;
	return 0;
}
