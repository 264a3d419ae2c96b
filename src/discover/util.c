/*
 * util.c - the discover module's shared helpers: string vectors, DNS name and CPE canonical
 * forms, JSON field access that reports FILE:LINE: field, and a JSON lines splitter.
 */
#include "base/compat.h"

#include "base/json.h"

#include <cjson/cJSON.h>
#include <ctype.h>

#include "base/mem.h"
#include "base/mtime.h"
#include "base/utf8.h"
#include "discover/discover_int.h"
#include "inventory/inventory.h"

void strv_clear(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		m_free(s->v[i]);
	m_free(s->v);
	memset(s, 0, sizeof(*s));
}

int strv_add_unique(struct strv *s, const char *p, size_t n)
{
	char *c;

	for (size_t i = 0; i < s->n; i++)
		if (strlen(s->v[i]) == n && memcmp(s->v[i], p, n) == 0)
			return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		char **v = m_realloc(s->v, cap * sizeof(*v));
		if (!v)
			return M_ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	c = m_strndup(p, n);
	if (!c)
		return M_ENOMEM;
	s->v[s->n++] = c;
	return 0;
}

static bool label_ok(const char *p, size_t n)
{
	if (n == 0 || n > 63 || p[0] == '-' || p[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)p[i]) && p[i] != '-' && p[i] != '_')
			return false;
	return true;
}

bool disc_name_canon(const char *p, size_t n, char *out, size_t cap, bool *wildcard)
{
	size_t o = 0, start;

	while (n && isspace((unsigned char)*p)) {
		p++;
		n--;
	}
	while (n && isspace((unsigned char)p[n - 1]))
		n--;
	if (n && p[n - 1] == '.')
		n--;
	if (wildcard)
		*wildcard = n > 2 && p[0] == '*' && p[1] == '.';
	if (n == 0 || n >= cap || n > 255) {
		if (cap)
			out[0] = '\0';
		return false;
	}
	for (size_t i = 0; i < n; i++)
		out[o++] = (char)tolower((unsigned char)p[i]);
	out[o] = '\0';
	start = (n > 2 && out[0] == '*' && out[1] == '.') ? 2 : 0;
	if (n - start > 253 || memchr(out, '\0', n))
		return false;
	for (size_t i = start; i <= n;) {
		size_t j = i;
		while (j < n && out[j] != '.')
			j++;
		if (!label_ok(out + i, j - i))
			return false;
		i = j + 1;
	}
	return true;
}

bool disc_name_under(const char *name, const char *domain)
{
	size_t n = strlen(name), d = strlen(domain);

	if (n == d)
		return strcmp(name, domain) == 0;
	return n > d && name[n - d - 1] == '.' && strcmp(name + n - d, domain) == 0;
}

bool disc_cpe23_canon(const char *in, char *out, size_t cap)
{
	size_t n = 0, colons = 0;
	const char *p = in;

	if (!in || cap < 256)
		return false;
	if (strncmp(in, "cpe:/", 5) == 0) { /* 2.2 URI: cpe:/part:vendor:product:version... */
		n = (size_t)snprintf(out, cap, "cpe:2.3:");
		p = in + 5;
	} else if (strncmp(in, "cpe:2.3:", 8) != 0) {
		return false;
	}
	for (; *p && n + 1 < cap; p++) {
		if (*p == '%' || (unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e)
			return false; /* URI percent-escapes are not converted: refuse, not guess */
		out[n++] = *p;
	}
	if (*p)
		return false;
	out[n] = '\0';
	for (size_t i = 0; out[i]; i++)
		colons += out[i] == ':' && (i == 0 || out[i - 1] != '\\');
	while (colons < 12 && n + 3 < cap) {
		out[n++] = ':';
		out[n++] = '*';
		colons++;
	}
	out[n] = '\0';
	/* An empty component (2.2 "cpe:/a:v:p::x") is "any" in 2.3. */
	for (size_t i = 0; out[i] && n + 2 < cap; i++) {
		if (out[i] == ':' && (out[i + 1] == ':' || out[i + 1] == '\0')) {
			memmove(out + i + 2, out + i + 1, n - i);
			out[i + 1] = '*';
			n++;
		}
	}
	return inv_cpe23_valid(out);
}

int jerr(const struct jplace *pl, const char *key, struct merr *e, const char *fmt, ...)
{
	char field[160], msg[400]; /* a path (96) "." a key */
	va_list ap;

	snprintf(field, sizeof(field), "%s%s%s", pl->path, pl->path[0] && key ? "." : "",
		 key ? key : "");
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return merr_at(e, M_EPARSE, pl->file, pl->line, -1, field[0] ? field : NULL, "%s", msg);
}

static const cJSON *jfield(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return v && !cJSON_IsNull(v) ? v : NULL;
}

int jget_str(const cJSON *obj, const char *key, bool required, const struct jplace *pl,
	     const char **out, struct merr *e)
{
	const cJSON *v = jfield(obj, key);

	*out = NULL;
	if (!v)
		return required ? jerr(pl, key, e, "missing") : 0;
	if (!cJSON_IsString(v) || !v->valuestring)
		return jerr(pl, key, e, "expected a string");
	/* One cap for every third-party field (issuer, product, service names …); crt.sh's
	 * name_value is a list of names, each checked as a hostname after. */
	if (strlen(v->valuestring) >
	    (strcmp(key, "name_value") == 0 ? DISC_NAMES_MAX : (size_t)DISC_TEXT_MAX))
		return jerr(pl, key, e, "longer than %zu bytes; refused",
			    strcmp(key, "name_value") == 0 ? DISC_NAMES_MAX
							   : (size_t)DISC_TEXT_MAX);
	if (!utf8_valid(v->valuestring, strlen(v->valuestring), NULL))
		return jerr(pl, key, e, "not valid UTF-8");
	*out = v->valuestring;
	return 0;
}

int jget_int(const cJSON *obj, const char *key, bool required, long long lo, long long hi,
	     const struct jplace *pl, long long *out, bool *present, struct merr *e)
{
	const cJSON *v = jfield(obj, key);
	double d;

	*out = 0;
	if (present)
		*present = v != NULL;
	if (!v)
		return required ? jerr(pl, key, e, "missing") : 0;
	if (!cJSON_IsNumber(v))
		return jerr(pl, key, e, "expected a number");
	d = v->valuedouble;
	if (!(d >= (double)lo && d <= (double)hi) || d != (double)(long long)d)
		return jerr(pl, key, e, "expected an integer in %lld..%lld", lo, hi);
	*out = (long long)d;
	return 0;
}

int jget_arr(const cJSON *obj, const char *key, const struct jplace *pl, const cJSON **out,
	     struct merr *e)
{
	const cJSON *v = jfield(obj, key);

	*out = NULL;
	if (!v)
		return 0;
	if (!cJSON_IsArray(v))
		return jerr(pl, key, e, "expected an array");
	*out = v;
	return 0;
}

int jget_time(const cJSON *obj, const char *key, bool required, const struct jplace *pl,
	      int64_t *out, struct merr *e)
{
	const char *s;
	int rc = jget_str(obj, key, required, pl, &s, e);

	*out = 0;
	if (rc || !s)
		return rc;
	if (time_parse(s, out) != 0)
		return jerr(pl, key, e, "bad time '%.40s' (want ISO 8601)", s);
	return 0;
}

int json_parse_doc(const char *buf, size_t len, const char *file, cJSON **out, struct merr *e)
{
	const char *end = NULL;
	cJSON *doc;

	*out = NULL;
	if (json_check_strings(buf, len, 1, 0, e)) {
		merr_set_file(e, file);
		return M_EPARSE;
	}
	doc = cJSON_ParseWithLengthOpts(buf, len, &end, false);
	if (doc) {
		while (end < buf + len && isspace((unsigned char)*end))
			end++;
		if (end < buf + len) {
			cJSON_Delete(doc);
			return merr_at(e, M_EPARSE, file, -1, (long long)(end - buf), NULL,
				       "text after the JSON document");
		}
		*out = doc;
		return 0;
	}
	/* end is where parsing failed (what cJSON_GetErrorPtr reports, without its global). */
	return merr_at(e, M_EPARSE, file, -1, end ? (long long)(end - buf) : 0, NULL,
		       "invalid JSON");
}

int jl_each(const char *buf, size_t len, const char *file, jl_line_fn fn, void *arg, struct merr *e)
{
	size_t i = 0;
	long line = 0;
	int rc = 0;

	while (rc == 0 && i < len) {
		const char *p = buf + i, *nl = memchr(p, '\n', len - i);
		size_t n = nl ? (size_t)(nl - p) : len - i, k = 0;
		const char *end = NULL;
		cJSON *obj;

		i += n + (nl != NULL);
		line++;
		while (k < n && isspace((unsigned char)p[k]))
			k++;
		if (k == n)
			continue;
		if (n > DISC_LINE_MAX)
			return merr_at(e, M_ETOOBIG, file, line, -1, NULL,
				       "line longer than %zu bytes", DISC_LINE_MAX);
		if (json_check_strings(p, n, line, -1, e)) {
			merr_set_file(e, file);
			return M_EPARSE;
		}
		obj = cJSON_ParseWithLengthOpts(p, n, &end, false);
		if (!obj)
			return merr_at(e, M_EPARSE, file, line, -1, NULL,
				       "invalid JSON at byte %lld of the line",
				       end ? (long long)(end - p) + 1 : 1LL);
		while (end < p + n && isspace((unsigned char)*end))
			end++;
		if (end < p + n)
			rc = merr_at(e, M_EPARSE, file, line, -1, NULL,
				     "text after the JSON object (byte %lld)",
				     (long long)(end - p) + 1);
		else if (!cJSON_IsObject(obj))
			rc = merr_at(e, M_EPARSE, file, line, -1, NULL, "expected a JSON object");
		else
			rc = fn(obj, line, arg);
		cJSON_Delete(obj);
	}
	return rc;
}
