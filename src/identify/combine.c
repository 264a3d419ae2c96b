/*
 * combine.c - turns the Recog matches made for one port into one identification
 * (product, version, vendor, OS, device, CPE 2.3) and cleans text kept as evidence.
 */
#include "base/compat.h"

#include "base/mem.h"
#include "identify/identify.h"

static void copy(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

/* Recog writes "version unknown" as '-' in places; mamori's CPEs use '*' (ANY) throughout. */
static void cpe_any(char *cpe)
{
	size_t n = strlen(cpe), field = 0;

	for (size_t i = 0; i < n; i++) {
		if (cpe[i] == '\\') {
			i++;
			continue;
		}
		if (cpe[i] != ':')
			continue;
		field++;
		/* a component that is exactly "-" */
		if (field >= 2 && i + 1 < n && cpe[i + 1] == '-' &&
		    (i + 2 == n || cpe[i + 2] == ':'))
			cpe[i + 1] = '*';
	}
}

void ident_combine(struct ident_service *s, const struct fp_result *const *r, size_t n)
{
	const struct fp_result *win = NULL;

	/* a service (server software) names the port better than an OS or a device does */
	for (size_t i = 0; i < n && !win; i++)
		if (r[i] && fp_result_get(r[i], "service.product"))
			win = r[i];
	for (size_t i = 0; i < n && !win; i++)
		if (r[i] && *r[i]->product)
			win = r[i];
	for (size_t i = 0; i < n && !win; i++) /* no product: an OS or device is still news */
		if (r[i] && (*r[i]->os || *r[i]->device || *r[i]->cpe23))
			win = r[i];
	if (!win)
		return;
	copy(s->vendor, sizeof(s->vendor), win->vendor);
	copy(s->product, sizeof(s->product), win->product);
	copy(s->version, sizeof(s->version), win->version);
	copy(s->cpe, sizeof(s->cpe), *win->service_cpe23 ? win->service_cpe23 : win->cpe23);
	cpe_any(s->cpe);
	for (size_t i = 0; i < n; i++) {
		if (!r[i])
			continue;
		if (!*s->os && *r[i]->os)
			copy(s->os, sizeof(s->os), r[i]->os);
		if (!*s->device_type && *r[i]->device)
			copy(s->device_type, sizeof(s->device_type), r[i]->device);
		/* a later match with the same product may know the version */
		if (!*s->version && *r[i]->version && *s->product &&
		    !strcmp(r[i]->product, s->product)) {
			copy(s->version, sizeof(s->version), r[i]->version);
			copy(s->cpe, sizeof(s->cpe),
			     *r[i]->service_cpe23 ? r[i]->service_cpe23 : r[i]->cpe23);
			cpe_any(s->cpe);
		}
	}
	if (*s->product || *s->os || *s->device_type)
		copy(s->state, sizeof(s->state), "identified");
}

/* Length of the UTF-8 sequence at p (1..4), or 0 when it is not well formed. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
	unsigned c = p[0];
	size_t len;
	unsigned min;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2, min = 0x80;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3, min = 0x800;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4, min = 0x10000;
	else
		return 0;
	if (n < len)
		return 0;
	unsigned v = c & (0x7F >> len);
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (p[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	return len;
}

char *ident_clean_text(const char *p, size_t n, size_t cap)
{
	char *out;
	size_t o = 0;

	if (cap == 0)
		return NULL;
	out = m_malloc(cap);
	if (!out)
		return NULL;
	for (size_t i = 0; i < n;) {
		const unsigned char *u = (const unsigned char *)p + i;
		size_t len = utf8_seq(u, n - i);
		if (len == 0) { /* U+FFFD */
			if (o + 3 >= cap)
				break;
			memcpy(out + o, "\xEF\xBF\xBD", 3);
			o += 3;
			i++;
			continue;
		}
		if (o + len >= cap)
			break;
		if (len == 1 && (u[0] < 0x20 || u[0] == 0x7F) && u[0] != '\t' && u[0] != '\r' &&
		    u[0] != '\n')
			out[o] = '.';
		else
			memcpy(out + o, u, len);
		o += len;
		i += len;
	}
	out[o] = '\0';
	return out;
}
