/*
 * report.c - reads an incident report (docs/INCIDENTS.md), YAML or JSON, strictly, into
 * canonical JSON: unknown or repeated keys, wrong types, bad values and impossible times are
 * errors with FILE:LINE: field. JSON is validated by cJSON first and then read through libyaml
 * (JSON is YAML flow syntax) so that every error has its line.
 */
#include "base/compat.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "base/ip.h"
#include "base/mem.h"
#include "base/mtime.h"
#include "base/utf8.h"
#include "incident/incident_int.h"

enum vt { V_STR, V_TEXT, V_INT, V_TIME, V_ENUM, V_MAP, V_LIST_MAP, V_LIST_ENUM, V_LIST_STR };

struct pctx;
struct spec {
	const char *key;
	enum vt t;
	bool req;
	const char *const *vals; /* V_ENUM, V_LIST_ENUM */
	const struct spec *sub;	 /* V_MAP, V_LIST_MAP: the fields, ending with {NULL} */
	int (*check)(struct pctx *p, cJSON *obj, yaml_node_t *n, const char *field);
	size_t max; /* strings: bytes; lists: items */
};

struct pctx {
	yaml_document_t doc;
	const char *file;
	struct merr *e;
	unsigned char *seen;
	size_t n_nodes;
};

static long line_of(const yaml_node_t *n)
{
	return n ? (long)n->start_mark.line + 1 : -1;
}

static int fail(struct pctx *p, const yaml_node_t *n, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(struct pctx *p, const yaml_node_t *n, const char *field, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return merr_at(p->e, M_EPARSE, p->file, line_of(n), -1, field, "%s", msg);
}

static yaml_node_t *visit(struct pctx *p, int idx, const yaml_node_t *parent, const char *field)
{
	yaml_node_t *n = yaml_document_get_node(&p->doc, idx);

	if (!n) {
		fail(p, parent, field, "missing value");
		return NULL;
	}
	if (p->seen[idx - 1]) {
		fail(p, n, field, "aliases are not allowed");
		return NULL;
	}
	p->seen[idx - 1] = 1;
	return n;
}

static const char *scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static bool is_null(const yaml_node_t *n)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	v = scalar(n);
	return !v[0] || !strcmp(v, "null") || !strcmp(v, "~") || !strcmp(v, "Null") ||
	       !strcmp(v, "NULL");
}

/* A free text: valid UTF-8, no control characters but tab and newline. HTML is kept verbatim
 * (it is escaped wherever it is shown). */
static int check_text(struct pctx *p, const yaml_node_t *n, const char *field, size_t max)
{
	const char *v = scalar(n);
	size_t len = n->data.scalar.length, bad;

	if (len > max)
		return merr_at(p->e, M_ETOOBIG, p->file, line_of(n), -1, field,
			       "too long (%zu bytes, at most %zu)", len, max);
	if (strlen(v) != len)
		return fail(p, n, field, "contains a NUL byte");
	if (!utf8_valid(v, len, &bad))
		return fail(p, n, field, "not valid UTF-8 (byte %zu)", bad);
	for (size_t i = 0; i < len; i++) {
		const unsigned char *u = (const unsigned char *)v + i;
		if ((u[0] < 0x20 && u[0] != '\n' && u[0] != '\t') || u[0] == 0x7f ||
		    (u[0] == 0xc2 && u[1] >= 0x80 && u[1] <= 0x9f) ||
		    (u[0] == 0xe2 && u[1] == 0x80 && (u[2] == 0xa8 || u[2] == 0xa9)) ||
		    (u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf))
			return fail(p, n, field, "contains a control character");
	}
	return 0;
}

static int parse_int(struct pctx *p, const yaml_node_t *n, const char *field, int64_t *out)
{
	const char *v = scalar(n);
	char *end = NULL;
	long long x;

	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || !v[0])
		return fail(p, n, field, "expected a number");
	errno = 0;
	x = strtoll(v, &end, 10);
	if (errno || *end || x < 0 || x > 1000000000000LL)
		return fail(p, n, field, "expected a whole number from 0 to 10^12, got '%.40s'", v);
	*out = x;
	return 0;
}

static int parse_time(struct pctx *p, const yaml_node_t *n, const char *field, int64_t *out)
{
	const char *v = scalar(n), *t = strchr(v, 'T');
	size_t len = strlen(v);

	if (!t)
		t = strchr(v, ' ');
	if (!t || !(v[len - 1] == 'Z' || strchr(t, '+') || strchr(t, '-')))
		return fail(p, n, field,
			    "expected a date and time with a zone, e.g. 2026-12-01T09:00:00+09:00, "
			    "got '%.40s'",
			    v);
	if (time_parse(v, out) || *out <= 0)
		return fail(p, n, field, "not a valid time: '%.40s'", v);
	return 0;
}

static int walk_map(struct pctx *p, yaml_node_t *n, const struct spec *sp, const char *path,
		    cJSON *obj);

static int value(struct pctx *p, yaml_node_t *v, const struct spec *f, const char *field,
		 cJSON *obj)
{
	cJSON *item = NULL;
	int64_t x;
	int rc;

	switch (f->t) {
	case V_STR:
	case V_TEXT:
	case V_INT:
	case V_TIME:
	case V_ENUM:
		if (v->type != YAML_SCALAR_NODE)
			return fail(p, v, field, "expected a single value");
		break;
	case V_MAP:
		if (v->type != YAML_MAPPING_NODE)
			return fail(p, v, field, "expected a mapping");
		break;
	default:
		if (v->type != YAML_SEQUENCE_NODE)
			return fail(p, v, field, "expected a list");
	}
	switch (f->t) {
	case V_STR:
	case V_TEXT:
		if ((rc = check_text(p, v, field, f->max ? f->max : INC_TEXT_MAX)))
			return rc;
		if (f->t == V_STR && strchr(scalar(v), '\n'))
			return fail(p, v, field, "must be one line");
		item = cJSON_CreateString(scalar(v));
		break;
	case V_INT:
		if ((rc = parse_int(p, v, field, &x)))
			return rc;
		item = cJSON_CreateNumber((double)x);
		break;
	case V_TIME: {
		char iso[TIME_STR_MAX];
		if ((rc = parse_time(p, v, field, &x)))
			return rc;
		time_fmt_utc(x, iso);
		item = cJSON_CreateString(iso);
		break;
	}
	case V_ENUM: {
		size_t i;
		for (i = 0; f->vals[i]; i++)
			if (!strcmp(f->vals[i], scalar(v)))
				break;
		if (!f->vals[i]) {
			char list[300] = "";
			for (size_t j = 0; f->vals[j]; j++)
				snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
					 j ? ", " : "", f->vals[j]);
			return fail(p, v, field, "'%.40s' is not one of: %s", scalar(v), list);
		}
		item = cJSON_CreateString(f->vals[i]);
		break;
	}
	case V_MAP:
		item = cJSON_CreateObject();
		if (!item)
			break;
		if ((rc = walk_map(p, v, f->sub, field, item))) {
			cJSON_Delete(item);
			return rc;
		}
		break;
	case V_LIST_MAP:
	case V_LIST_ENUM:
	case V_LIST_STR: {
		yaml_node_item_t *it;
		size_t k = 0;
		struct spec one = *f;

		one.t = f->t == V_LIST_MAP ? V_MAP : f->t == V_LIST_ENUM ? V_ENUM : V_STR;
		one.max = f->t == V_LIST_STR ? 200 : 0;
		item = cJSON_CreateArray();
		if (!item)
			break;
		for (it = v->data.sequence.items.start; it < v->data.sequence.items.top;
		     it++, k++) {
			char sub[96];
			yaml_node_t *c;
			cJSON *tmp = cJSON_CreateObject();

			snprintf(sub, sizeof(sub), "%s[%zu]", field, k);
			if (k >= f->max) {
				cJSON_Delete(tmp);
				cJSON_Delete(item);
				return merr_at(p->e, M_ETOOBIG, p->file, line_of(v), -1, field,
					       "more than %zu items", f->max);
			}
			if (!tmp || !(c = visit(p, *it, v, sub)) ||
			    (rc = value(p, c, &one, sub, tmp))) {
				cJSON_Delete(tmp);
				cJSON_Delete(item);
				return p->e && p->e->code ? p->e->code : M_ENOMEM;
			}
			cJSON_AddItemToArray(item, cJSON_DetachItemViaPointer(tmp, tmp->child));
			cJSON_Delete(tmp);
		}
		break;
	}
	}
	if (!item)
		return merr_set(p->e, M_ENOMEM, "out of memory");
	if (f->check && f->t != V_LIST_MAP && (rc = f->check(p, item, v, field))) {
		cJSON_Delete(item);
		return rc;
	}
	cJSON_AddItemToObject(obj, f->key, item);
	return 0;
}

static int walk_map(struct pctx *p, yaml_node_t *n, const struct spec *sp, const char *path,
		    cJSON *obj)
{
	yaml_node_pair_t *pr;
	int rc;

	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = visit(p, pr->key, n, path), *v;
		const struct spec *f;
		char field[96];

		if (!k)
			return p->e ? p->e->code : M_EPARSE;
		if (k->type != YAML_SCALAR_NODE)
			return fail(p, k, path, "keys must be plain text");
		for (f = sp; f->key; f++)
			if (!strcmp(f->key, scalar(k)))
				break;
		snprintf(field, sizeof(field), "%s%s%s", path, path[0] ? "." : "", scalar(k));
		if (!f->key)
			return fail(p, k, field, "unknown field");
		if (cJSON_GetObjectItemCaseSensitive(obj, f->key))
			return fail(p, k, field, "given twice");
		if (!(v = visit(p, pr->value, k, field)))
			return p->e ? p->e->code : M_EPARSE;
		if (is_null(v))
			continue;
		if ((rc = value(p, v, f, field, obj)))
			return rc;
	}
	for (const struct spec *f = sp; f->key; f++)
		if (f->req && !cJSON_GetObjectItemCaseSensitive(obj, f->key))
			return fail(p, n, path[0] ? path : f->key, "missing required field '%s'",
				    f->key);
	return 0;
}

/* The line of key in mapping n (for errors found after the walk). */
static yaml_node_t *key_node(struct pctx *p, yaml_node_t *n, const char *key)
{
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *k = yaml_document_get_node(&p->doc, pr->key);
		if (k && k->type == YAML_SCALAR_NODE && !strcmp(scalar(k), key))
			return k;
	}
	return n;
}

static int64_t jtime(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	int64_t t = 0;

	if (cJSON_IsString(v))
		time_parse(v->valuestring, &t);
	return t;
}

/* ------------------------------------------------------------ field checks */

static bool hexstr(const char *s, size_t len)
{
	if (strlen(s) != len)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') ||
		      (*s >= 'A' && *s <= 'F')))
			return false;
	return true;
}

static bool domain_ok(const char *s)
{
	size_t len = strlen(s), label = 0;

	if (!len || len > 253 || !strchr(s, '.') || s[0] == '.' || s[len - 1] == '.')
		return false;
	for (; *s; s++) {
		if (*s == '.') {
			if (!label)
				return false;
			label = 0;
			continue;
		}
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_') ||
		    ++label > 63)
			return false;
	}
	return true;
}

static bool ioc_value_ok(const char *type, const char *v)
{
	struct ipaddr a;
	struct cidr c;

	if (!strcmp(type, "ip"))
		return ip_parse(v, &a) == 0 || cidr_parse(v, true, &c) == 0;
	if (!strcmp(type, "domain"))
		return domain_ok(v);
	if (!strcmp(type, "url"))
		return (!strncmp(v, "http://", 7) || !strncmp(v, "https://", 8) ||
			!strncmp(v, "ftp://", 6)) &&
		       !strpbrk(v, " \t\n\"<>");
	if (!strcmp(type, "hash"))
		return hexstr(v, 32) || hexstr(v, 40) || hexstr(v, 64);
	if (!strcmp(type, "email")) {
		const char *at = strchr(v, '@');
		return at && at > v && !strchr(at + 1, '@') && domain_ok(at + 1) &&
		       !strpbrk(v, " \t\n\"<>");
	}
	return false;
}

static int check_ioc(struct pctx *p, cJSON *o, yaml_node_t *n, const char *field)
{
	const char *type = cJSON_GetObjectItemCaseSensitive(o, "type")->valuestring;
	const char *v = cJSON_GetObjectItemCaseSensitive(o, "value")->valuestring;

	if (!ioc_value_ok(type, v))
		return fail(p, key_node(p, n, "value"), field, "'%.60s' is not a valid %s IoC", v,
			    type);
	if (!cJSON_GetObjectItemCaseSensitive(o, "tlp"))
		cJSON_AddStringToObject(o, "tlp", "amber");
	return 0;
}

static int check_span(struct pctx *p, cJSON *o, yaml_node_t *n, const char *field)
{
	int64_t s = jtime(o, "start"), end = jtime(o, "end");

	if (s && end && end < s)
		return fail(p, key_node(p, n, "end"), field,
			    "the end is before the start / 終了が開始より前です");
	return 0;
}

static int check_affected(struct pctx *p, cJSON *o, yaml_node_t *n, const char *field)
{
	const cJSON *svc = cJSON_GetObjectItemCaseSensitive(o, "service");

	if (cJSON_IsString(svc)) {
		char host[IP_STR_MAX + 8];
		const char *colon = strrchr(svc->valuestring, ':');
		struct ipaddr a;
		char *end = NULL;
		long port;

		if (!colon || (size_t)(colon - svc->valuestring) >= sizeof(host))
			return fail(p, key_node(p, n, "service"), field,
				    "expected IP:PORT[/tcp|udp]");
		memcpy(host, svc->valuestring, (size_t)(colon - svc->valuestring));
		host[colon - svc->valuestring] = '\0';
		if (host[0] == '[' && host[strlen(host) - 1] == ']') {
			memmove(host, host + 1, strlen(host));
			host[strlen(host) - 1] = '\0';
		}
		port = strtol(colon + 1, &end, 10);
		if (ip_parse(host, &a) || port < 1 || port > 65535 ||
		    (*end && strcmp(end, "/tcp") && strcmp(end, "/udp")))
			return fail(p, key_node(p, n, "service"), field,
				    "expected IP:PORT[/tcp|udp], got '%.60s'", svc->valuestring);
	}
	return 0;
}

/* ------------------------------------------------------------ the format */

static const char *const kinds[] = {"initial", "followup", "final", "初報", "続報", "最終報", NULL};
const char *const inc_types[] = {"ddos",	   "ransomware", "unauthorized_access",
				 "data_leak",	   "defacement", "malware",
				 "outage_unknown", "other",	 NULL};
static const char *const alt_vals[] = {"yes", "no", "partial", "unknown", NULL};
static const char *const ioc_types[] = {"ip", "domain", "url", "hash", "email", NULL};
const char *const inc_tlps[] = {"clear", "green", "amber", "amber+strict", "red", NULL};
static const char *const support_vals[] = {"rush", "consult", NULL};

#define S(k, ty, ...)                          \
	{                                      \
		.key = k, .t = ty, __VA_ARGS__ \
	}
static const struct spec affected_spec[] = {S("name", V_STR, .req = true, .max = 300),
					    S("asset", V_STR, .max = 300),
					    S("service", V_STR, .max = 100),
					    S("note", V_TEXT, .max = 0),
					    {.key = NULL}};
static const struct spec impact_spec[] = {S("users", V_INT, .req = false),
					  S("area", V_TEXT, .req = false),
					  S("routes", V_TEXT, .req = false),
					  S("start", V_TIME, .req = false),
					  S("end", V_TIME, .req = false),
					  S("alternative", V_ENUM, .vals = alt_vals),
					  S("sites", V_INT, .req = false),
					  S("note", V_TEXT, .req = false),
					  {.key = NULL}};
static const struct spec safety_spec[] = {S("persons", V_INT, .req = false),
					  S("damage_yen", V_INT, .req = false),
					  S("evacuation", V_TEXT, .req = false),
					  S("environment", V_TEXT, .req = false),
					  S("sites", V_INT, .req = false),
					  S("note", V_TEXT, .req = false),
					  {.key = NULL}};
static const struct spec ioc_spec[] = {S("type", V_ENUM, .req = true, .vals = ioc_types),
				       S("value", V_STR, .req = true, .max = 2048),
				       S("tlp", V_ENUM, .vals = inc_tlps),
				       S("note", V_TEXT, .max = 2000),
				       {.key = NULL}};
static const struct spec contact_spec[] = {S("name", V_STR, .req = true, .max = 200),
					   S("unit", V_STR, .max = 200),
					   S("email", V_STR, .max = 254),
					   S("phone", V_STR, .max = 40),
					   {.key = NULL}};
static const struct spec top_spec[] = {
    S("format", V_INT, .req = false),
    S("report", V_ENUM, .req = true, .vals = kinds),
    S("incident", V_INT, .req = false),
    S("title", V_STR, .req = true, .max = 300),
    S("type", V_ENUM, .req = true, .vals = inc_types),
    S("occurred_at", V_TIME, .req = true),
    S("aware_at", V_TIME, .req = true),
    S("ransom_paid_at", V_TIME, .req = false),
    S("summary", V_TEXT, .req = false),
    S("affected", V_LIST_MAP, .sub = affected_spec, .check = check_affected,
      .max = INC_AFFECTED_MAX),
    S("impact", V_MAP, .sub = impact_spec, .check = check_span),
    S("safety", V_MAP, .sub = safety_spec),
    S("iocs", V_LIST_MAP, .sub = ioc_spec, .check = check_ioc, .max = INC_IOCS_MAX),
    S("actions", V_TEXT, .req = false),
    S("support_requested", V_LIST_ENUM, .vals = support_vals, .max = 2),
    S("support_note", V_TEXT, .req = false),
    S("contact", V_MAP, .req = true, .sub = contact_spec),
    S("regimes", V_LIST_STR, .max = 16),
    {.key = NULL}};
#undef S

int inc_kind_parse(const char *s)
{
	for (int i = 0; i < 6; i++)
		if (!strcmp(s, kinds[i]))
			return i % 3;
	return -1;
}

static int finish(struct pctx *p, yaml_node_t *top, struct inc_report *r)
{
	cJSON *d = r->doc, *v;

	v = cJSON_GetObjectItemCaseSensitive(d, "format");
	if (v && v->valuedouble != 1)
		return fail(p, key_node(p, top, "format"), "format", "only format 1 is known");
	v = cJSON_GetObjectItemCaseSensitive(d, "report");
	r->kind = (enum inc_kind)inc_kind_parse(v->valuestring);
	cJSON_SetValuestring(v, inc_kind_name(r->kind));
	v = cJSON_GetObjectItemCaseSensitive(d, "incident");
	r->incident = v ? (int64_t)v->valuedouble : 0;
	if (r->kind == INC_INITIAL && r->incident)
		return fail(p, key_node(p, top, "incident"), "incident",
			    "a 初報 (initial) report starts a new incident: no incident id");
	if (r->kind != INC_INITIAL && !r->incident)
		return fail(p, key_node(p, top, "report"), "incident",
			    "a 続報/最終報 needs the incident id it continues");
	r->occurred_at = jtime(d, "occurred_at");
	r->aware_at = jtime(d, "aware_at");
	if (r->aware_at < r->occurred_at)
		return fail(p, key_node(p, top, "aware_at"), "aware_at",
			    "awareness is before the occurrence / 認知日時が発生日時より前です");
	r->title = cJSON_GetObjectItemCaseSensitive(d, "title")->valuestring;
	r->type = cJSON_GetObjectItemCaseSensitive(d, "type")->valuestring;
	return 0;
}

/* JSON input starts with '{' after blanks. */
static bool looks_json(const char *t, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (t[i] == ' ' || t[i] == '\t' || t[i] == '\r' || t[i] == '\n')
			continue;
		return t[i] == '{';
	}
	return false;
}

int inc_report_parse(const char *text, size_t len, const char *file, struct inc_report *r,
		     struct merr *e)
{
	struct pctx p = {.file = file ? file : "-", .e = e};
	yaml_parser_t parser;
	yaml_node_t *top;
	bool loaded = false;
	int rc;

	memset(r, 0, sizeof(*r));
	if (len > INC_REPORT_MAX)
		return merr_at(e, M_ETOOBIG, p.file, -1, -1, NULL, "report larger than %d bytes",
			       INC_REPORT_MAX);
	if (memchr(text, '\0', len))
		return merr_at(e, M_EPARSE, p.file, -1, -1, NULL, "binary data (a NUL byte)");
	if (looks_json(text, len)) {
		const char *end = NULL;
		cJSON *j = cJSON_ParseWithLengthOpts(text, len, &end, false);
		bool trailing = false;

		for (const char *q = end; j && q && q < text + len; q++)
			trailing |= !(*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n');
		if (!j || trailing) {
			cJSON_Delete(j);
			long line = 1;
			for (const char *q = text; end && q < end && q < text + len; q++)
				line += *q == '\n';
			return merr_at(e, M_EPARSE, p.file, line, -1, NULL, "malformed JSON");
		}
		cJSON_Delete(j);
	}
	if (!yaml_parser_initialize(&parser))
		return merr_set(e, M_ENOMEM, "out of memory");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &p.doc)) {
		rc = merr_at(e, M_EPARSE, p.file, (long)parser.problem_mark.line + 1, -1, NULL,
			     "malformed YAML: %s", parser.problem ? parser.problem : "?");
		yaml_parser_delete(&parser);
		return rc;
	}
	loaded = true;
	yaml_parser_delete(&parser);
	top = yaml_document_get_root_node(&p.doc);
	if (!top) {
		rc = merr_at(e, M_EPARSE, p.file, 1, -1, NULL, "empty report");
		goto out;
	}
	if (top->type != YAML_MAPPING_NODE) {
		rc = fail(&p, top, NULL, "the report must be a mapping of fields");
		goto out;
	}
	p.n_nodes = (size_t)(p.doc.nodes.top - p.doc.nodes.start);
	p.seen = m_calloc(p.n_nodes ? p.n_nodes : 1, 1);
	r->doc = cJSON_CreateObject();
	if (!p.seen || !r->doc) {
		rc = merr_set(e, M_ENOMEM, "out of memory");
		goto out;
	}
	p.seen[0] = 1;
	if ((rc = walk_map(&p, top, top_spec, "", r->doc)) || (rc = finish(&p, top, r)))
		goto out;
out:
	m_free(p.seen);
	if (loaded)
		yaml_document_delete(&p.doc);
	if (rc)
		inc_report_free(r);
	return rc;
}

void inc_report_free(struct inc_report *r)
{
	cJSON_Delete(r->doc);
	memset(r, 0, sizeof(*r));
}

const char *inc_kind_name(enum inc_kind k)
{
	return k == INC_FINAL ? "final" : k == INC_FOLLOWUP ? "followup" : "initial";
}

const char *inc_kind_ja(enum inc_kind k)
{
	return k == INC_FINAL ? "最終報" : k == INC_FOLLOWUP ? "続報" : "初報";
}

const char *inc_kind_en(enum inc_kind k)
{
	return k == INC_FINAL	   ? "final report"
	       : k == INC_FOLLOWUP ? "follow-up report"
				   : "initial report";
}

const char *inc_type_en(const char *type)
{
	static const char *const en[] = {
	    "DDoS attack",	  "Ransomware",	       "Unauthorized access",	  "Data leak",
	    "Website defacement", "Malware infection", "Outage of unknown cause", "Other"};
	for (size_t i = 0; inc_types[i]; i++)
		if (type && !strcmp(type, inc_types[i]))
			return en[i];
	return NULL;
}

const char *inc_type_ja(const char *type)
{
	static const char *const ja[] = {
	    "DDoS 攻撃",	"ランサムウェア", "不正アクセス",   "情報漏えい",
	    "Web サイト改ざん", "マルウェア感染", "原因不明の障害", "その他"};
	for (size_t i = 0; inc_types[i]; i++)
		if (type && !strcmp(type, inc_types[i]))
			return ja[i];
	return NULL;
}
