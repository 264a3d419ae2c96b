/*
 * recog.c - loads Rapid7 Recog XML databases (libxml2): fingerprints with their
 * patterns compiled once, params, <example> self-tests, and database attributes.
 */
#include "base/compat.h"

#include <dirent.h>
#include <errno.h>
#include <time.h>

#include "base/xml2_lazy.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/mem.h"
#include "fingerprint/fp_int.h"

#define RECOG_FILE_MAX ((size_t)16 << 20) /* the largest Recog file is ~0.5 MB */
#define RECOG_DIR_MAX 512		  /* files in one folder */
#define RECOG_DEFAULT_PREFERENCE 0.10	  /* Recog::DB DEFAULT_FP_PREFERENCE */
/* Bounds every match: a pathological pattern or input gives up instead of spinning. */
#define FP_MATCH_LIMIT 1000000
#define FP_DEPTH_LIMIT 10000

/* ---- small helpers ---- */

/* A copy of an attribute in project memory, or NULL when absent (or on OOM). */
static char *attr_dup(xmlNode *n, const char *name, bool *oom)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	char *s;

	if (!v)
		return NULL;
	s = m_strdup((const char *)v);
	xmlFree(v);
	if (!s)
		*oom = true;
	return s;
}

static char *content_dup(xmlNode *n, bool *oom)
{
	xmlChar *v = xmlNodeGetContent(n);
	char *s = m_strdup(v ? (const char *)v : "");

	xmlFree(v);
	if (!s)
		*oom = true;
	return s;
}

/* Recog's parse_description: runs of white space become one space, trimmed. */
static void squeeze_space(char *s)
{
	char *w = s;
	bool space = false;

	for (const char *r = s; *r; r++) {
		if (*r == ' ' || *r == '\t' || *r == '\n' || *r == '\r' || *r == '\f' ||
		    *r == '\v') {
			space = w != s;
			continue;
		}
		if (space)
			*w++ = ' ';
		space = false;
		*w++ = *r;
	}
	*w = '\0';
}

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decodes base64 in place, skipping white space (examples are wrapped) and
 * stopping at '='. Returns the decoded length, or -1 on a bad character. */
static long b64_decode_inplace(char *s)
{
	size_t out = 0;
	uint32_t acc = 0;
	int bits = 0;

	for (const char *r = s; *r && *r != '='; r++) {
		int v = b64_value((unsigned char)*r);
		if (v < 0) {
			if (*r == ' ' || *r == '\n' || *r == '\r' || *r == '\t')
				continue;
			return -1;
		}
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			s[out++] = (char)((acc >> bits) & 0xff);
		}
	}
	s[out] = '\0';
	return (long)out;
}

static bool is_element(xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* ---- freeing ---- */

static void example_release(struct fp_example *x)
{
	for (size_t i = 0; i < x->n_attrs; i++) {
		m_free(x->attrs[i].name);
		m_free(x->attrs[i].value);
	}
	m_free(x->attrs);
	m_free(x->text);
	m_free(x->load_error);
}

static void fingerprint_release(struct fp_fingerprint *f)
{
	for (size_t i = 0; i < f->n_params; i++) {
		m_free(f->params[i].name);
		m_free(f->params[i].value);
	}
	m_free(f->params);
	for (size_t i = 0; i < f->n_examples; i++)
		example_release(&f->examples[i]);
	m_free(f->examples);
	pcre2_code_free(f->re);
	pcre2_code_free(f->re_utf);
	m_free(f->pattern);
	m_free(f->flags);
	m_free(f->description);
	m_free(f->compile_error);
}

static void database_release(struct fp_database *d)
{
	for (size_t i = 0; i < d->n_fps; i++)
		fingerprint_release(&d->fps[i]);
	m_free(d->fps);
	m_free(d->name);
	m_free(d->matches);
	m_free(d->protocol);
	m_free(d->database_type);
}

void fp_db_free(struct fp_db *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < db->n_dbs; i++)
		database_release(&db->dbs[i]);
	m_free(db->dbs);
	pcre2_match_context_free(db->mctx);
	m_free(db);
}

struct fp_db *fp_db_new(void)
{
	struct fp_db *db = m_calloc(1, sizeof(struct fp_db));

	if (!db)
		return NULL;
	db->mctx = pcre2_match_context_create(NULL);
	if (!db->mctx) {
		m_free(db);
		return NULL;
	}
	pcre2_set_match_limit(db->mctx, FP_MATCH_LIMIT);
	pcre2_set_depth_limit(db->mctx, FP_DEPTH_LIMIT);
	return db;
}

/* ---- parsing one XML file ---- */

struct parse {
	const char *name;
	struct merr *e;
	bool oom;
};

static size_t count_children(xmlNode *n, const char *name)
{
	size_t k = 0;

	for (xmlNode *c = n->children; c; c = c->next)
		if (is_element(c, name))
			k++;
	return k;
}

static int parse_example(struct parse *ps, xmlNode *n, struct fp_example *x)
{
	xmlAttr *a;
	size_t k = 0;
	char *enc = NULL;

	x->line = xmlGetLineNo(n);
	x->text = content_dup(n, &ps->oom);
	for (a = n->properties; a; a = a->next)
		k++;
	x->attrs = m_calloc(k ? k : 1, sizeof(*x->attrs));
	if (!x->text || !x->attrs)
		return M_ENOMEM;
	for (a = n->properties; a; a = a->next) {
		const char *an = (const char *)a->name;
		char *v = attr_dup(n, an, &ps->oom);
		if (ps->oom)
			return M_ENOMEM;
		if (strcmp(an, "_encoding") == 0) {
			m_free(enc);
			enc = v;
			continue;
		}
		if (strcmp(an, "_filename") == 0) { /* files are not shipped with the XML */
			m_free(x->load_error);
			x->load_error = m_strdup("example refers to a _filename, not shipped");
			m_free(v);
			continue;
		}
		x->attrs[x->n_attrs].name = m_strdup(an);
		x->attrs[x->n_attrs++].value = v;
		if (!x->attrs[x->n_attrs - 1].name)
			return M_ENOMEM;
	}
	x->len = strlen(x->text);
	if (enc && strcmp(enc, "base64") == 0) {
		long len = b64_decode_inplace(x->text);
		if (len < 0)
			x->load_error = m_strdup("example is not valid base64");
		x->len = len < 0 ? 0 : (size_t)len;
	} else if (enc) {
		x->load_error = m_strdup("unknown _encoding");
	}
	m_free(enc);
	return 0;
}

static int parse_param(struct parse *ps, xmlNode *n, struct fp_param_def *p)
{
	char *pos = attr_dup(n, "pos", &ps->oom);
	char *end = NULL;
	long v;

	p->name = attr_dup(n, "name", &ps->oom);
	p->value = attr_dup(n, "value", &ps->oom);
	if (ps->oom) {
		m_free(pos);
		return M_ENOMEM;
	}
	v = pos ? strtol(pos, &end, 10) : -1;
	if (!p->name || !pos || end == pos || *end || v < 0 || v > 99) {
		m_free(pos);
		return merr_at(ps->e, M_EPARSE, ps->name, xmlGetLineNo(n), -1, "param",
			       "param needs a name and a pos between 0 and 99");
	}
	m_free(pos);
	p->pos = (int)v;
	return 0;
}

static int compile_fingerprint(struct fp_fingerprint *f)
{
	char why[512];
	bool sensitive = false;
	int rc =
	    fp_regex_compile(f->pattern, f->flags, false, &f->re, &sensitive, why, sizeof(why));

	if (rc == 0 && sensitive)
		rc = fp_regex_compile(f->pattern, f->flags, true, &f->re_utf, NULL, why,
				      sizeof(why));
	if (rc == M_ENOMEM)
		return rc;
	if (rc) {
		pcre2_code_free(f->re);
		f->re = NULL;
		f->compile_error = m_strdup(why);
		return f->compile_error ? 0 : M_ENOMEM;
	}
	return 0;
}

static int parse_fingerprint(struct parse *ps, xmlNode *n, struct fp_fingerprint *f)
{
	size_t np = count_children(n, "param"), nx = count_children(n, "example");
	int rc = 0;

	f->line = xmlGetLineNo(n);
	f->pattern = attr_dup(n, "pattern", &ps->oom);
	f->flags = attr_dup(n, "flags", &ps->oom);
	f->params = m_calloc(np ? np : 1, sizeof(*f->params));
	f->examples = m_calloc(nx ? nx : 1, sizeof(*f->examples));
	if (ps->oom || !f->params || !f->examples)
		return M_ENOMEM;
	if (!f->pattern)
		return merr_at(ps->e, M_EPARSE, ps->name, f->line, -1, "pattern",
			       "fingerprint without a pattern");
	for (xmlNode *c = n->children; c && rc == 0; c = c->next) {
		if (is_element(c, "description") && !f->description) {
			f->description = content_dup(c, &ps->oom);
			if (f->description)
				squeeze_space(f->description);
		} else if (is_element(c, "param")) {
			rc = parse_param(ps, c, &f->params[f->n_params++]);
		} else if (is_element(c, "example")) {
			rc = parse_example(ps, c, &f->examples[f->n_examples++]);
		}
		if (ps->oom)
			rc = M_ENOMEM;
	}
	if (rc == 0 && !f->description && !(f->description = m_strdup("")))
		rc = M_ENOMEM;
	return rc ? rc : compile_fingerprint(f);
}

static int parse_root(struct parse *ps, xmlNode *root, struct fp_database *d)
{
	size_t n = count_children(root, "fingerprint");
	char *pref;
	int rc = 0;

	if (!root || !is_element(root, "fingerprints"))
		return merr_at(ps->e, M_EPARSE, ps->name, root ? xmlGetLineNo(root) : -1, -1, NULL,
			       "not a Recog database: root element is not <fingerprints>");
	d->matches = attr_dup(root, "matches", &ps->oom);
	d->protocol = attr_dup(root, "protocol", &ps->oom);
	d->database_type = attr_dup(root, "database_type", &ps->oom);
	pref = attr_dup(root, "preference", &ps->oom);
	d->preference = pref ? strtod(pref, NULL) : RECOG_DEFAULT_PREFERENCE;
	m_free(pref);
	if (!d->matches && !ps->oom)
		d->matches = m_strdup(d->name);
	if (!d->protocol && !ps->oom)
		d->protocol = m_strdup("");
	if (!d->database_type && !ps->oom)
		d->database_type = m_strdup("");
	d->fps = m_calloc(n ? n : 1, sizeof(*d->fps));
	if (ps->oom || !d->fps || !d->matches || !d->protocol || !d->database_type)
		return M_ENOMEM;
	for (xmlNode *c = root->children; c && rc == 0; c = c->next) {
		if (!is_element(c, "fingerprint"))
			continue;
		rc = parse_fingerprint(ps, c, &d->fps[d->n_fps++]);
		if (rc == 0 && !d->fps[d->n_fps - 1].re)
			d->n_uncompiled++;
	}
	return rc;
}

static int db_reserve(struct fp_db *db)
{
	struct fp_database *nd;
	size_t cap;

	if (db->n_dbs < db->cap_dbs)
		return 0;
	cap = db->cap_dbs ? db->cap_dbs * 2 : 64;
	nd = m_realloc(db->dbs, cap * sizeof(*nd));
	if (!nd)
		return M_ENOMEM;
	db->dbs = nd;
	db->cap_dbs = cap;
	return 0;
}

static void update_max_pairs(struct fp_db *db, const struct fp_database *d)
{
	for (size_t i = 0; i < d->n_fps; i++) {
		uint32_t groups = 0;
		if (!d->fps[i].re)
			continue;
		pcre2_pattern_info(d->fps[i].re, PCRE2_INFO_CAPTURECOUNT, &groups);
		if (groups + 1 > db->max_pairs)
			db->max_pairs = groups + 1;
	}
}

int fp_db_add_xml(struct fp_db *db, const char *name, const char *xml, size_t len, struct merr *e)
{
	struct parse ps = {.name = name, .e = e};
	struct fp_database d = {0};
	xmlParserCtxt *ctxt = NULL;
	xmlDoc *doc = NULL;
	int rc;

	if (fp_db_find(db, name) >= 0)
		return merr_at(e, M_EEXIST, name, -1, -1, NULL, "database loaded twice");
	if (len > (size_t)INT32_MAX)
		return merr_at(e, M_ETOOBIG, name, -1, -1, NULL, "file too large");
	rc = db_reserve(db);
	if (rc || !(d.name = m_strdup(name)))
		return M_ENOMEM;
	lazy_xml_init();
	ctxt = xmlNewParserCtxt();
	if (!ctxt) {
		rc = M_ENOMEM;
		goto out;
	}
	/* No network, no entity expansion beyond the predefined ones, no output. */
	doc = xmlCtxtReadMemory(ctxt, xml, (int)len, name, NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc) {
		const xmlError *xe = xmlCtxtGetLastError(ctxt);
		rc = merr_at(e, M_EPARSE, name, xe ? xe->line : -1, -1, NULL, "XML: %s",
			     xe && xe->message ? xe->message : "not well-formed");
		goto out;
	}
	rc = parse_root(&ps, xmlDocGetRootElement(doc), &d);
out:
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctxt);
	if (rc) {
		database_release(&d);
		return rc == M_ENOMEM ? merr_set(e, rc, "out of memory") : rc;
	}
	update_max_pairs(db, &d);
	db->dbs[db->n_dbs++] = d;
	return 0;
}

/* ---- loading a folder ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names of the *.xml files in dir, sorted; *n set. */
static int list_xml(const char *dir, char ***names, size_t *n, struct merr *e)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **v = m_calloc(RECOG_DIR_MAX, sizeof(char *));
	size_t k = 0;

	*names = v;
	*n = 0;
	if (!v) {
		if (d)
			closedir(d);
		return M_ENOMEM;
	}
	if (!d)
		return merr_at(e, M_EIO, dir, -1, -1, NULL, "cannot open Recog folder: %s",
			       strerror(errno));
	while ((de = readdir(d)) != NULL && k < RECOG_DIR_MAX) {
		size_t len = strlen(de->d_name);
		if (len < 5 || strcmp(de->d_name + len - 4, ".xml") != 0 || de->d_name[0] == '.')
			continue;
		if (!(v[k++] = m_strdup(de->d_name))) {
			closedir(d);
			*n = k;
			return M_ENOMEM;
		}
	}
	closedir(d);
	qsort(v, k, sizeof(char *), cmp_str);
	*n = k;
	return k ? 0 : merr_at(e, M_ENOTFOUND, dir, -1, -1, NULL, "no Recog *.xml files");
}

int fp_db_load(const char *recog_dir, struct fp_db **out, struct merr *e)
{
	struct timespec t0, t1;
	struct fp_db *db = fp_db_new();
	char **names = NULL;
	size_t n = 0;
	struct buf b;
	int rc;

	*out = NULL;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	buf_init(&b, RECOG_FILE_MAX);
	if (!db)
		return merr_set(e, M_ENOMEM, "out of memory");
	rc = list_xml(recog_dir, &names, &n, e);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		char path[4096], name[256];
		snprintf(path, sizeof(path), "%s/%s", recog_dir, names[i]);
		snprintf(name, sizeof(name), "%.*s", (int)(strlen(names[i]) - 4), names[i]);
		buf_reset(&b);
		rc = buf_read_file(&b, path, e);
		if (rc == 0)
			rc = fp_db_add_xml(db, name, b.ptr, b.len, e);
		if (rc)
			merr_set_file(e, path);
	}
	for (size_t i = 0; i < n; i++)
		m_free(names[i]);
	m_free(names);
	buf_release(&b);
	if (rc) {
		fp_db_free(db);
		return rc;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	db->load_seconds = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	*out = db;
	return 0;
}

/* ---- describing ---- */

size_t fp_db_count(const struct fp_db *db)
{
	return db ? db->n_dbs : 0;
}

long fp_db_find(const struct fp_db *db, const char *name)
{
	for (size_t i = 0; db && name && i < db->n_dbs; i++)
		if (strcmp(db->dbs[i].name, name) == 0)
			return (long)i;
	return -1;
}

double fp_db_load_seconds(const struct fp_db *db)
{
	return db ? db->load_seconds : 0;
}

int fp_db_info(const struct fp_db *db, size_t i, struct fp_db_info *out)
{
	const struct fp_database *d;

	if (!db || i >= db->n_dbs)
		return M_ENOTFOUND;
	d = &db->dbs[i];
	out->name = d->name;
	out->matches = d->matches;
	out->protocol = d->protocol;
	out->database_type = d->database_type;
	out->preference = d->preference;
	out->n_fingerprints = d->n_fps;
	out->n_uncompiled = d->n_uncompiled;
	out->n_examples = 0;
	for (size_t k = 0; k < d->n_fps; k++)
		out->n_examples += d->fps[k].n_examples;
	return 0;
}

int fp_db_uncompiled(const struct fp_db *db, size_t i, size_t k, struct fp_uncompiled *out)
{
	const struct fp_database *d;

	if (!db || i >= db->n_dbs)
		return M_ENOTFOUND;
	d = &db->dbs[i];
	for (size_t j = 0; j < d->n_fps; j++) {
		if (d->fps[j].re || k-- > 0)
			continue;
		out->database = d->name;
		out->description = d->fps[j].description;
		out->pattern = d->fps[j].pattern;
		out->line = d->fps[j].line;
		out->reason = d->fps[j].compile_error ? d->fps[j].compile_error : "";
		return 0;
	}
	return M_ENOTFOUND;
}
