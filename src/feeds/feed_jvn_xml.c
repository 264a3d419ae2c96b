/*
 * feed_jvn_xml.c - MyJVN API 3.2 "HND" XML with libxml2: VULDEF 3.2 detail documents
 * (VULDEF-Document/Vulinfo) and JVNRSS 3.2 overviews (rdf:RDF/item).
 */
#include "base/compat.h"

#include "base/xml2_lazy.h"
#include "base/mem.h"
#include "base/mtime.h"
#include "feeds/feeds_int.h"

#define XML_MAX ((size_t)64 << 20)

static bool named(const xmlNode *n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static xmlNode *child(const xmlNode *n, const char *name)
{
	for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (named(c, name))
			return c;
	return NULL;
}

/* Returns the trimmed text of n as a new string (m_free), or NULL. */
static char *text(const xmlNode *n)
{
	xmlChar *t;
	char *out = NULL;
	size_t a = 0, b;

	if (!n)
		return NULL;
	t = xmlNodeGetContent(n);
	if (!t)
		return NULL;
	b = strlen((const char *)t);
	while (a < b && strchr(" \t\r\n", t[a]))
		a++;
	while (b > a && strchr(" \t\r\n", t[b - 1]))
		b--;
	out = m_strndup((const char *)t + a, b - a);
	xmlFree(t);
	return out;
}

static char *attr(const xmlNode *n, const char *name)
{
	xmlChar *v = n ? xmlGetProp(n, (const xmlChar *)name) : NULL;
	char *out = v ? m_strdup((const char *)v) : NULL;
	xmlFree(v);
	return out;
}

static void set_time(const xmlNode *n, int64_t *out)
{
	char *t = text(n);
	if (t && time_parse(t, out) != 0)
		*out = 0; /* lenient: a date we cannot read is left empty */
	m_free(t);
}

static void set_cvss(struct feeds_jvn *j, const char *version, const char *score,
		     const char *vector)
{
	bool v2 = version && version[0] == '2';
	char *end = NULL;
	double s = score ? strtod(score, &end) : -1;

	if (!score || end == score || s < 0 || s > 10)
		return;
	if (v2) {
		j->has_cvss2 = true;
		j->cvss2_score = s;
		snprintf(j->cvss2_vector, sizeof(j->cvss2_vector), "%s", vector ? vector : "");
	} else {
		j->has_cvss3 = true;
		j->cvss3_score = s;
		snprintf(j->cvss3_vector, sizeof(j->cvss3_vector), "%s", vector ? vector : "");
	}
}

/* One CVSS element (both document kinds): its score and vector into j, its severity word kept
 * in *v2_word or *v3_word (the one it replaces freed); takes the strings (m_free). */
static void take_cvss(struct feeds_jvn *j, char *version, char *score, char *vector, char *sev,
		      char **v2_word, char **v3_word)
{
	char **word = version && version[0] == '2' ? v2_word : v3_word;

	set_cvss(j, version, score, vector);
	m_free(*word);
	*word = sev;
	m_free(version);
	m_free(score);
	m_free(vector);
}

static void detail_affected(struct feeds_jvn *j, const xmlNode *data)
{
	for (xmlNode *it = child(child(data, "Affected"), "AffectedItem"); it; it = it->next) {
		char *vendor, *product, *cpe, *version = NULL;
		if (!named(it, "AffectedItem"))
			continue;
		vendor = text(child(it, "Name"));
		product = text(child(it, "ProductName"));
		cpe = text(child(it, "Cpe"));
		for (xmlNode *v = it->children; v; v = v->next) {
			if (named(v, "VersionNumber")) {
				m_free(version);
				version = text(v);
				feeds_jvn_add_product(j, vendor, product, version);
			}
		}
		if (!version)
			feeds_jvn_add_product(j, vendor, product, NULL);
		feeds_jvn_add_string(j->cpes, cpe);
		m_free(vendor);
		m_free(product);
		m_free(cpe);
		m_free(version);
	}
}

static void detail_impact(struct feeds_jvn *j, const xmlNode *data)
{
	char *v3_word = NULL, *v2_word = NULL;

	for (xmlNode *c = child(child(data, "Impact"), "Cvss"); c; c = c->next) {
		char *version, *base, *vector, *sev;
		if (!named(c, "Cvss"))
			continue;
		version = attr(c, "version");
		base = text(child(c, "Base"));
		vector = text(child(c, "Vector"));
		sev = text(child(c, "Severity"));
		take_cvss(j, version, base, vector, sev, &v2_word, &v3_word);
	}
	feeds_jvn_set_severity(j, v3_word, v2_word);
	m_free(v3_word);
	m_free(v2_word);
}

static void detail_related(struct feeds_jvn *j, const xmlNode *data)
{
	for (xmlNode *r = child(child(data, "Related"), "RelatedItem"); r; r = r->next) {
		char *id;
		if (!named(r, "RelatedItem"))
			continue;
		id = text(child(r, "VulinfoID"));
		if (id && feeds_valid_cve_id(id))
			feeds_jvn_add_string(j->cves, id);
		m_free(id);
	}
}

static int parse_vulinfo(const xmlNode *vi, feeds_jvn_fn fn, void *arg)
{
	struct feeds_jvn j;
	const xmlNode *data = child(vi, "VulinfoData");
	char *id;
	int rc;

	if (feeds_jvn_init(&j)) {
		feeds_jvn_release(&j);
		return M_ENOMEM;
	}
	j.detail = true;
	j.line = (long)xmlGetLineNo(vi);
	id = text(child(vi, "VulinfoID"));
	snprintf(j.id, sizeof(j.id), "%s", id ? id : "");
	m_free(id);
	j.title = text(child(data, "Title"));
	j.summary = text(child(child(data, "VulinfoDescription"), "Overview"));
	detail_affected(&j, data);
	detail_impact(&j, data);
	detail_related(&j, data);
	set_time(child(data, "DateFirstPublished"), &j.published);
	set_time(child(data, "DateLastUpdated"), &j.modified);
	if (strlen(j.id) > 10) {
		char url[128];
		snprintf(url, sizeof(url), "https://jvndb.jvn.jp/ja/contents/%.4s/%s.html",
			 j.id + 6, j.id);
		j.url = m_strdup(url);
	}
	rc = fn(&j, arg);
	feeds_jvn_release(&j);
	return rc;
}

static void item_links(struct feeds_jvn *j, const xmlNode *item)
{
	char *v3_word = NULL, *v2_word = NULL;

	for (xmlNode *c = item->children; c; c = c->next) {
		if (named(c, "references")) {
			char *src = attr(c, "source"), *id = attr(c, "id");
			if (src && id && strcmp(src, "CVE") == 0 && feeds_valid_cve_id(id))
				feeds_jvn_add_string(j->cves, id);
			m_free(src);
			m_free(id);
		} else if (named(c, "cpe")) {
			char *cpe = text(c), *vendor = attr(c, "vendor"),
			     *product = attr(c, "product");
			feeds_jvn_add_string(j->cpes, cpe);
			feeds_jvn_add_product(j, vendor, product, NULL);
			m_free(cpe);
			m_free(vendor);
			m_free(product);
		} else if (named(c, "cvss")) {
			char *version = attr(c, "version"), *score = attr(c, "score");
			char *vector = attr(c, "vector"), *sev = attr(c, "severity");
			take_cvss(j, version, score, vector, sev, &v2_word, &v3_word);
		}
	}
	feeds_jvn_set_severity(j, v3_word, v2_word);
	m_free(v3_word);
	m_free(v2_word);
}

static int parse_item(const xmlNode *item, feeds_jvn_fn fn, void *arg)
{
	struct feeds_jvn j;
	char *id;
	int rc;

	if (feeds_jvn_init(&j)) {
		feeds_jvn_release(&j);
		return M_ENOMEM;
	}
	j.line = (long)xmlGetLineNo(item);
	id = text(child(item, "identifier"));
	snprintf(j.id, sizeof(j.id), "%s", id ? id : "");
	m_free(id);
	j.title = text(child(item, "title"));
	j.summary = text(child(item, "description"));
	j.url = text(child(item, "link"));
	item_links(&j, item);
	set_time(child(item, "issued"), &j.published);
	set_time(child(item, "modified"), &j.modified);
	rc = fn(&j, arg);
	feeds_jvn_release(&j);
	return rc;
}

/* Keeps libxml2 quiet: library code never prints. */
static void xml_silent(void *ctx, const char *msg, ...)
{
}

/* The first error is the cause; libxml2's "last error" is often a consequence. */
struct first_error {
	bool set;
	int line, col;
	char msg[300];
};

static void xml_first(void *arg, xmlErrorPtr err)
{
	struct first_error *f = arg;
	if (f->set || !err || err->level < XML_ERR_ERROR)
		return;
	f->set = true;
	f->line = err->line;
	f->col = err->int2;
	snprintf(f->msg, sizeof(f->msg), "%s", err->message ? err->message : "not well-formed");
	f->msg[strcspn(f->msg, "\n")] = '\0';
}

int feeds_jvn_parse_xml(const char *p, size_t len, feeds_jvn_fn fn, void *arg, long *n_entries,
			struct merr *e)
{
	struct first_error first = {0};
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc;
	xmlNode *root;
	int rc = 0;

	*n_entries = 0;
	if (len > XML_MAX || len > (size_t)INT32_MAX)
		return merr_set(e, M_ETOOBIG, "XML document larger than %zu bytes", XML_MAX);
	xmlSetGenericErrorFunc(NULL, xml_silent);
	xmlSetStructuredErrorFunc(&first, xml_first);
	lazy_xml_init();
	ctxt = xmlNewParserCtxt();
	if (!ctxt)
		return merr_set(e, M_ENOMEM, "out of memory");
	/* No network, no external entities (no XML_PARSE_NOENT / DTDLOAD): XXE stays off. */
	doc =
	    xmlCtxtReadMemory(ctxt, p, (int)len, NULL, NULL, XML_PARSE_NONET | XML_PARSE_NOWARNING);
	xmlSetStructuredErrorFunc(NULL, NULL);
	if (!doc) {
		const xmlError *err = xmlCtxtGetLastError(ctxt);
		if (!first.set && err)
			xml_first(&first, (xmlErrorPtr)err);
		rc =
		    merr_at(e, M_EPARSE, NULL, first.set ? first.line : -1, -1, "XML",
			    "%s (column %d)", first.set ? first.msg : "not well-formed", first.col);
		xmlFreeParserCtxt(ctxt);
		return rc;
	}
	root = xmlDocGetRootElement(doc);
	if (named(root, "VULDEF-Document")) {
		for (xmlNode *c = root->children; c && !rc; c = c->next)
			if (named(c, "Vulinfo")) {
				(*n_entries)++;
				rc = parse_vulinfo(c, fn, arg);
			}
	} else if (named(root, "RDF")) {
		for (xmlNode *c = root->children; c && !rc; c = c->next)
			if (named(c, "item")) {
				(*n_entries)++;
				rc = parse_item(c, fn, arg);
			}
	}
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctxt);
	return rc < 0 ? merr_set(e, rc, "%s", mamori_strerror(rc)) : 0;
}
