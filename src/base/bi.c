/* bi.c - the half of a stored "日本語 / English" text for one language (bi.h). */
#include "base/bi.h"

#include <stdio.h>
#include <string.h>

static bool non_ascii_n(const char *s, size_t n)
{
	for (size_t i = 0; i < n && s[i]; i++)
		if ((unsigned char)s[i] >= 0x80)
			return true;
	return false;
}

bool bi_has_non_ascii(const char *s)
{
	return s && non_ascii_n(s, strlen(s));
}

/* "… (要確認 / needs confirmation)" inside an English half: keep the English of the pair. */
static void drop_ja_pairs(const char *en, char *buf, size_t cap)
{
	size_t n = 0;

	while (*en && n + 1 < cap) {
		const char *mid, *close;
		if (*en == '(' && (mid = strstr(en, " / ")) && (close = strchr(en, ')')) &&
		    mid < close && non_ascii_n(en + 1, (size_t)(mid - en - 1))) {
			int k =
			    snprintf(buf + n, cap - n, "(%.*s)", (int)(close - mid - 3), mid + 3);
			n = k > 0 && (size_t)k < cap - n ? n + (size_t)k : cap - 1;
			en = close + 1;
			continue;
		}
		buf[n++] = *en++;
	}
	buf[n] = '\0';
}

const char *bi_half(const char *text, bool en, char *buf, size_t cap)
{
	const char *cut = NULL, *p;

	if (!text)
		return "";
	/* the first " / " with Japanese before it and only English after it (notes like
	 * "(要確認 / needs confirmation)" aside) */
	for (p = strstr(text, " / "); p && !cut && cap; p = strstr(p + 1, " / ")) {
		if (!non_ascii_n(text, (size_t)(p - text)))
			continue;
		drop_ja_pairs(p + 3, buf, cap);
		if (!bi_has_non_ascii(buf))
			cut = p;
	}
	for (p = cut ? NULL : strstr(text, " / "); p; p = strstr(p + 1, " / "))
		cut = p;
	if (!cut || !cap)
		return text;
	if (en) {
		drop_ja_pairs(cut + 3, buf, cap);
		return buf;
	}
	snprintf(buf, cap, "%.*s", (int)(cut - text), text);
	return buf;
}

const char *bi_msg_half(const char *text, bool en, char *buf, size_t cap)
{
	const char *cut = NULL;

	if (!text)
		return "";
	if (!cap || !bi_has_non_ascii(text))
		return text;
	for (const char *p = strstr(text, " / "); p; p = strstr(p + 1, " / "))
		if (!non_ascii_n(text, (size_t)(p - text)) && bi_has_non_ascii(p + 3))
			cut = p;
	if (!cut)
		return bi_half(text, en, buf, cap);
	if (en)
		snprintf(buf, cap, "%.*s", (int)(cut - text), text);
	else
		snprintf(buf, cap, "%s", cut + 3);
	return buf;
}

const char *bi_ascii_words(const char *text, char *buf, size_t cap)
{
	size_t n = 0;

	if (!cap)
		return "";
	for (const char *p = text ? text : ""; *p;) {
		const char *w = p;
		bool ascii = true;
		while (*p && *p != ' ')
			ascii &= (unsigned char)*p++ < 0x80;
		if (ascii && p > w && n + (size_t)(p - w) + 2 < cap) {
			if (n)
				buf[n++] = ' ';
			memcpy(buf + n, w, (size_t)(p - w));
			n += (size_t)(p - w);
		}
		while (*p == ' ')
			p++;
	}
	buf[n] = '\0';
	return buf;
}
