/*
 * cpe.c - CPE 2.3 formatted strings from Recog's cpe23 params (CPE 2.2 URIs with
 * {param} placeholders) and from free-text vendor/product/version values.
 */
#include "base/compat.h"

#include "base/buf.h"
#include "base/err.h"
#include "base/hex.h"
#include "cpe/cpe.h"
#include "fingerprint/fp_int.h"

/*
 * NISTIR 7695: unbind the URI (percent-decode each component), then bind the
 * WFN to a formatted string (alphanumerics, '_', '-' and '.' stay, every other
 * printable character is quoted with '\'). Two project rules on top: a
 * missing or NA ("-") value becomes ANY ("*") because an unknown version is
 * not "no version"; text is lower-cased, as in the NVD dictionary.
 */

/* Expands one URI component: %XX decoded, {param} replaced by the raw value. */
static int expand_component(const char *s, size_t n, const struct fp_result *r, struct buf *raw)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (s[i] == '%' && i + 2 < n && hex_value(s[i + 1]) >= 0 &&
		    hex_value(s[i + 2]) >= 0) {
			rc = buf_addc(raw, (char)(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
			i += 2;
		} else if (s[i] == '{' && r) {
			const char *end = memchr(s + i, '}', n - i);
			char name[128];
			const char *v;
			if (!end || (size_t)(end - s - i - 1) >= sizeof(name))
				return M_EPARSE;
			snprintf(name, sizeof(name), "%.*s", (int)(end - s - i - 1), s + i + 1);
			v = fp_result_get(r, name);
			if (v)
				rc = buf_adds(raw, v);
			i = (size_t)(end - s);
		} else {
			rc = buf_addc(raw, s[i]);
		}
	}
	return rc;
}

/* A CPE 2.2 URI template (or plain URI when r is NULL) to a formatted string. */
int fp_cpe_from_template(const char *uri, const struct fp_result *r, char *out, size_t cap)
{
	struct buf fs, raw;
	const char *s;
	int rc = 0, k = 0;

	if (strncmp(uri, "cpe:2.3:", 8) == 0)
		return cpe_normalise23(uri, out, cap);
	if (strncmp(uri, "cpe:/", 5) != 0 || !strchr("aoh", uri[5]) ||
	    (uri[6] != ':' && uri[6] != '\0'))
		return M_EPARSE;
	buf_init(&fs, cap - 1);
	buf_init(&raw, cap);
	rc = buf_adds(&fs, "cpe:2.3:");
	s = uri + 5;
	while (rc == 0 && k < CPE_N_ATTRS) {
		size_t n = 0;
		/* a {placeholder} may not hold ':'; skip over braces when splitting */
		while (s[n] && s[n] != ':') {
			if (s[n] == '{' && strchr(s + n, '}'))
				n = (size_t)(strchr(s + n, '}') - s);
			n++;
		}
		buf_reset(&raw);
		rc = expand_component(s, n, r, &raw);
		if (rc == 0 && k > 0)
			rc = buf_addc(&fs, ':');
		if (rc == 0)
			rc = cpe_bind_text(&fs, raw.ptr ? raw.ptr : "", raw.len);
		k++;
		s += n;
		if (*s == ':')
			s++;
		else
			break;
	}
	if (rc == 0 && *s)
		rc = M_EPARSE; /* more than 11 components */
	while (rc == 0 && k++ < CPE_N_ATTRS)
		rc = buf_adds(&fs, ":*");
	if (rc == 0)
		memcpy(out, buf_str(&fs), fs.len + 1);
	buf_release(&raw);
	buf_release(&fs);
	return rc;
}

int fp_cpe_from_uri(const char *uri, char *out, size_t cap)
{
	if (!uri || !out || cap < 16)
		return M_EINVAL;
	return fp_cpe_from_template(uri, NULL, out, cap);
}

int fp_cpe_build(char part, const char *vendor, const char *product, const char *version, char *out,
		 size_t cap)
{
	const char *vals[3] = {vendor, product, version};
	struct buf fs;
	int rc;

	if (!out || cap < 16 || !strchr("aoh", part) || part == '\0')
		return M_EINVAL;
	buf_init(&fs, cap - 1);
	rc = buf_addf(&fs, "cpe:2.3:%c", part);
	for (int i = 0; rc == 0 && i < 3; i++) {
		rc = buf_addc(&fs, ':');
		if (rc == 0)
			rc = cpe_bind_text(&fs, vals[i] ? vals[i] : "",
					   vals[i] ? strlen(vals[i]) : 0);
	}
	if (rc == 0)
		rc = buf_adds(&fs, ":*:*:*:*:*:*:*");
	if (rc == 0)
		memcpy(out, buf_str(&fs), fs.len + 1);
	buf_release(&fs);
	return rc;
}
