/*
 * fields.c - the light readers of CPE names that need no struct cpe: one attribute's text,
 * the folded vendor:product key, the strict 2.3 check an inventory applies, and the lenient
 * binding of free text (Recog params, banners) to a formatted string. Every module that
 * reads a CPE calls these or cpe_parse; none splits a CPE string itself.
 */
#include "base/compat.h"

#include <ctype.h>

#include "base/hex.h"
#include "cpe/alias.h"
#include "cpe/cpe.h"

/* Length of the formatted-string component at p: up to an unquoted ':' or the end. */
static size_t fs_len(const char *p)
{
	size_t n = 0;
	while (p[n] && p[n] != ':')
		n += (p[n] == '\\' && p[n + 1]) ? 2 : 1;
	return n;
}

/* Copies a 2.3 component (escapes kept), truncating at cap. */
static void fs_copy(const char *p, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\\' && i + 1 < n) {
			if (o + 2 < cap) {
				out[o++] = p[i];
				out[o++] = p[i + 1];
			}
			i++;
			continue;
		}
		if (o + 1 < cap)
			out[o++] = p[i];
	}
	out[o] = '\0';
}

/* Copies a 2.2 URI component, decoding %XX and quoting '\' and ':' as a 2.3 string would. */
static void uri_copy(const char *p, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (c == '%' && i + 2 < n && hex_value((unsigned char)p[i + 1]) >= 0 &&
		    hex_value((unsigned char)p[i + 2]) >= 0) {
			c = (char)(hex_value((unsigned char)p[i + 1]) * 16 +
				   hex_value((unsigned char)p[i + 2]));
			i += 2;
		}
		if (o + 2 < cap) {
			if (c == '\\' || c == ':')
				out[o++] = '\\';
			out[o++] = c;
		}
	}
	out[o] = '\0';
}

int cpe_field(const char *cpe, enum cpe_attr i, char *out, size_t cap)
{
	const char *p;
	bool uri;

	if (!out || cap == 0)
		return M_EINVAL;
	out[0] = '\0';
	if (!cpe || (int)i < 0 || i >= CPE_N_ATTRS)
		return M_EPARSE;
	if (strncmp(cpe, "cpe:2.3:", 8) == 0)
		p = cpe + 8, uri = false;
	else if (strncmp(cpe, "cpe:/", 5) == 0)
		p = cpe + 5, uri = true;
	else
		return M_EPARSE;
	for (int k = 0;; k++) {
		size_t n = uri ? strcspn(p, ":") : fs_len(p);
		if (k == (int)i) {
			if (uri)
				uri_copy(p, n, out, cap);
			else
				fs_copy(p, n, out, cap);
			return 0;
		}
		if (p[n] != ':')
			return 0; /* a missing attribute reads as empty (ANY) */
		p += n + 1;
	}
}

int cpe_vp(const char *cpe, char *out, size_t cap)
{
	char vendor[VULN_VP_MAX], product[VULN_VP_MAX];

	if (cpe_field(cpe, CPE_VENDOR, vendor, sizeof(vendor)) ||
	    cpe_field(cpe, CPE_PRODUCT, product, sizeof(product)))
		return M_EPARSE;
	/* ANY or NA vendor/product name no product */
	if (!vendor[0] || !product[0] || strcmp(vendor, "*") == 0 || strcmp(product, "*") == 0 ||
	    strcmp(vendor, "-") == 0 || strcmp(product, "-") == 0)
		return M_EPARSE;
	return vuln_fold_vp(vendor, product, out, cap);
}

bool cpe_valid23(const char *s)
{
	int n = 1;
	size_t len = 0;

	if (!s || strncmp(s, "cpe:2.3:", 8) != 0 || !strchr("aoh*-", s[8]) || s[8] == '\0' ||
	    s[9] != ':')
		return false;
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= ' ' || c >= 0x7f)
			return false;
		if (c == '\\') {
			if (!p[1])
				return false;
			p++;
			len++;
			continue;
		}
		if (c == ':') {
			if (len == 0)
				return false;
			n++;
			len = 0;
			continue;
		}
		len++;
	}
	return n == 2 + CPE_N_ATTRS && len > 0;
}

int cpe_bind_text(struct buf *out, const char *raw, size_t n)
{
	int rc = 0;

	while (n > 0 && raw[0] == ' ') { /* trim */
		raw++;
		n--;
	}
	while (n > 0 && raw[n - 1] == ' ')
		n--;
	if (n == 0 || (n == 1 && (raw[0] == '-' || raw[0] == '*')))
		return buf_addc(out, '*');
	for (size_t i = 0; rc == 0 && i < n; i++) {
		unsigned char c = (unsigned char)raw[i];
		if (c >= 'A' && c <= 'Z')
			rc = buf_addc(out, (char)(c - 'A' + 'a'));
		else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
			 c == '.')
			rc = buf_addc(out, (char)c);
		else if (c == ' ')
			rc = buf_addc(out, '_');
		else if (c > 0x20 && c < 0x7f)
			rc = buf_addf(out, "\\%c", c);
		else /* CPE 2.3 has no form for control or non-ASCII bytes */
			rc = buf_addc(out, '_');
	}
	return rc;
}

int cpe_normalise23(const char *fs_in, char *out, size_t cap)
{
	struct buf fs;
	const char *s = fs_in + 8;
	int rc, k = 0;

	if (strncmp(fs_in, "cpe:2.3:", 8) != 0)
		return M_EPARSE;
	buf_init(&fs, cap - 1);
	rc = buf_adds(&fs, "cpe:2.3:");
	while (rc == 0 && *s && k < CPE_N_ATTRS) {
		size_t n = fs_len(s);
		if (k++ > 0)
			rc = buf_addc(&fs, ':');
		if (rc == 0 && (n == 0 || (n == 1 && s[0] == '-')))
			rc = buf_addc(&fs, '*');
		for (size_t i = 0; rc == 0 && i < n && !(n == 1 && s[0] == '-'); i++)
			rc = buf_addc(&fs, (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] + 32) : s[i]);
		s += n;
		if (*s == ':')
			s++;
	}
	if (rc == 0 && *s)
		rc = M_EPARSE;
	while (rc == 0 && k++ < CPE_N_ATTRS)
		rc = buf_adds(&fs, ":*");
	if (rc == 0)
		memcpy(out, buf_str(&fs), fs.len + 1);
	buf_release(&fs);
	return rc;
}
