/*
 * mail.c - the message an alert becomes: header checks (no CR/LF: no header injection),
 * RFC 2047 subjects, base64 UTF-8 bodies, webhook URL checks and HMAC signatures.
 */
#include "base/compat.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>
#include <time.h>

#include "base/curl_lazy.h"
#include "alert/alert.h"

bool alert_header_ok(const char *v)
{
	if (!v)
		return false;
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

bool alert_addr_ok(const char *a)
{
	const char *at;
	if (!a || !*a || strlen(a) > 254 || !alert_header_ok(a))
		return false;
	at = strchr(a, '@');
	if (!at || at == a || !at[1] || strchr(at + 1, '@'))
		return false;
	for (const unsigned char *p = (const unsigned char *)a; *p; p++)
		if (*p > 0x7e || strchr(" <>()[]\\,;:\"", *p))
			return false;
	return true;
}

int alert_webhook_url_check(const char *url, struct merr *e)
{
	CURLU *u;
	char *scheme = NULL, *host = NULL;
	int rc = 0;

	if (!url || !*url || strlen(url) > 2048)
		return merr_set(e, M_EINVAL, "webhook URL empty or too long");
	for (const unsigned char *p = (const unsigned char *)url; *p; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return merr_set(e, M_EINVAL, "webhook URL has a control byte or space");
	u = curl_url();
	if (!u)
		return merr_set(e, M_ENOMEM, "out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK)
		rc = merr_set(e, M_EINVAL, "webhook URL does not parse: %s", url);
	else if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)
		rc = merr_set(e, M_EINVAL, "webhook URL must be http or https, not %s", scheme);
	else if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host || !*host)
		rc = merr_set(e, M_EINVAL, "webhook URL has no host");
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return rc;
}

static int add_b64(struct buf *out, const unsigned char *p, size_t n)
{
	unsigned char tmp[4 * 64 / 3 + 8];
	int rc = 0;
	while (n && !rc) {
		size_t k = n > 48 ? 48 : n;
		int w = EVP_EncodeBlock(tmp, p, (int)k);
		rc = buf_add(out, tmp, (size_t)w);
		p += k;
		n -= k;
	}
	return rc;
}

/* Encoded words of at most 45 input bytes each, never splitting a UTF-8 sequence. */
int alert_mime_word(struct buf *out, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t n = strlen(text);
	int rc = 0, first = 1;
	while (n && !rc) {
		size_t k = n > 45 ? 45 : n;
		while (k < n && k > 0 && (p[k] & 0xc0) == 0x80)
			k--;
		if (k == 0)
			k = n > 45 ? 45 : n;
		rc = buf_adds(out, first ? "=?UTF-8?B?" : "\r\n =?UTF-8?B?");
		if (!rc)
			rc = add_b64(out, p, k);
		if (!rc)
			rc = buf_adds(out, "?=");
		first = 0;
		p += k;
		n -= k;
	}
	return rc;
}

static int add_body_b64(struct buf *out, const char *body)
{
	const unsigned char *p = (const unsigned char *)body;
	size_t n = strlen(body);
	int rc = 0;
	while (n && !rc) {
		size_t k = n > 57 ? 57 : n; /* 76 columns */
		rc = add_b64(out, p, k);
		if (!rc)
			rc = buf_adds(out, "\r\n");
		p += k;
		n -= k;
	}
	return rc;
}

int alert_mail_build(struct buf *out, const char *from, const char *to, const char *subject,
		     const char *body, int64_t date, const char *msgid_local, struct merr *e)
{
	char d[64];
	struct tm tm;
	time_t t = (time_t)date;
	int rc;

	if (!alert_addr_ok(from) || !alert_addr_ok(to))
		return merr_set(e, M_EINVAL,
				"refused: bad address in From or To (CR/LF or syntax)");
	if (!alert_header_ok(subject) || !alert_header_ok(msgid_local))
		return merr_set(e, M_EINVAL, "refused: CR/LF or control byte in a header value");
	if (!gmtime_r(&t, &tm) || !strftime(d, sizeof d, "%a, %d %b %Y %H:%M:%S +0000", &tm))
		return merr_set(e, M_EINVAL, "bad date");
	rc = buf_addf(out,
		      "Date: %s\r\nFrom: %s\r\nTo: %s\r\nMessage-ID: <%s@mamori.invalid>\r\n"
		      "Subject: ",
		      d, from, to, msgid_local);
	if (!rc)
		rc = alert_mime_word(out, subject);
	if (!rc)
		rc = buf_adds(out,
			      "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
			      "Content-Transfer-Encoding: base64\r\n\r\n");
	if (!rc)
		rc = add_body_b64(out, body);
	return rc ? merr_set(e, rc, "message too big") : 0;
}

int alert_hmac_hex(const char *secret, const char *body, size_t len, char out[65])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int ml = 0;
	if (!HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)body, len, mac,
		  &ml) ||
	    ml != 32)
		return M_EINVAL;
	for (unsigned i = 0; i < ml; i++)
		snprintf(out + 2 * i, 3, "%02x", mac[i]);
	return 0;
}
