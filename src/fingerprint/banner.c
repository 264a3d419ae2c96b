/*
 * banner.c - line-based greetings (SSH, FTP, SMTP, POP3, IMAP, EHLO), Telnet
 * option stripping and the MySQL first packet, as pure functions over bytes.
 */
#include "base/compat.h"

#include "fingerprint/banner.h"

#define SSH_PRE_LINES_MAX 32 /* RFC 4253 lets a server print lines before its ident */

/* Length of the line at p (without CR LF) and where the next one starts; false
 * when no LF is there yet. */
static bool next_line(const char *p, size_t n, size_t *line_len, size_t *next)
{
	const char *lf = memchr(p, '\n', n);

	if (!lf)
		return false;
	*line_len = (size_t)(lf - p);
	if (*line_len > 0 && p[*line_len - 1] == '\r')
		(*line_len)--;
	*next = (size_t)(lf - p) + 1;
	return true;
}

static void set_text(struct fp_banner *b, const char *s, size_t n)
{
	b->truncated = n >= sizeof(b->text);
	if (b->truncated)
		n = sizeof(b->text) - 1;
	memcpy(b->text, s, n);
	b->text[n] = '\0';
	b->text_len = n;
}

static int need_more_or_big(size_t n)
{
	return n > FP_BANNER_INPUT_MAX ? M_ETOOBIG : FP_NEED_MORE;
}

int fp_ssh_ident(const char *p, size_t n, struct fp_banner *out)
{
	size_t off = 0;

	memset(out, 0, sizeof(*out));
	for (int lines = 0; lines <= SSH_PRE_LINES_MAX; lines++) {
		size_t len, next;
		const char *l = p + off, *dash;
		if (!next_line(l, n - off, &len, &next)) {
			/* some servers omit the LF until the client speaks: accept a
			 * complete-looking ident only when more bytes cannot be expected */
			return need_more_or_big(n);
		}
		if (len >= 4 && memcmp(l, "SSH-", 4) == 0) {
			if (len > 255) /* RFC 4253: at most 255 bytes with CR LF */
				return M_EPARSE;
			dash = memchr(l + 4, '-', len - 4);
			if (!dash || (size_t)(dash - l - 4) >= sizeof(out->proto_version))
				return M_EPARSE;
			memcpy(out->proto_version, l + 4, (size_t)(dash - l - 4));
			set_text(out, dash + 1, len - (size_t)(dash + 1 - l));
			out->n_lines = 1;
			out->consumed = off + next;
			return FP_DONE;
		}
		off += next;
		if (off >= n)
			return need_more_or_big(n);
	}
	return M_EPARSE;
}

/* Reply code of an FTP/SMTP line "220 " / "220-": the code, or -1. */
static int reply_code(const char *l, size_t len, bool *more)
{
	if (len < 3 || l[0] < '1' || l[0] > '5' || l[1] < '0' || l[1] > '9' || l[2] < '0' ||
	    l[2] > '9')
		return -1;
	if (len > 3 && l[3] != ' ' && l[3] != '-')
		return -1;
	*more = len > 3 && l[3] == '-';
	return (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0');
}

/* FTP and SMTP: "220-first\r\n...\r\n220 last\r\n" (RFC 959 4.2, RFC 5321 4.2.1). */
static int coded_reply(const char *p, size_t n, struct fp_banner *out)
{
	size_t off = 0, len, next;
	bool more = false;
	int code = -1;

	while (next_line(p + off, n - off, &len, &next)) {
		const char *l = p + off;
		bool m = false;
		int c = reply_code(l, len, &m);
		if (out->n_lines == 0) {
			if (c < 0)
				return M_EPARSE;
			code = c;
			set_text(out, l + (len > 3 ? 4 : 3), len > 3 ? len - 4 : 0);
		}
		out->n_lines++;
		off += next;
		/* FTP continuation lines need not carry the code; the end is "220 " */
		if (c == code && !m) {
			more = false;
			break;
		}
		more = true;
		if (out->n_lines > 256)
			return M_ETOOBIG;
	}
	if (out->n_lines == 0 || more)
		return need_more_or_big(n);
	out->code = code;
	out->consumed = off;
	return FP_DONE;
}

static bool starts_with(const char *l, size_t len, const char *s)
{
	size_t k = strlen(s);
	return len >= k && memcmp(l, s, k) == 0;
}

/* POP3 "+OK text" / "-ERR text"; IMAP "* OK [code] text" / "* PREAUTH" / "* BYE". */
static int status_line(enum fp_greeting_proto proto, const char *p, size_t n, struct fp_banner *out)
{
	static const struct {
		enum fp_greeting_proto proto;
		const char *prefix;
		int code;
	} map[] = {
	    {FP_GREET_POP3, "+OK", 1},	  {FP_GREET_POP3, "-ERR", -1},
	    {FP_GREET_IMAP, "* OK", 1},	  {FP_GREET_IMAP, "* PREAUTH", 1},
	    {FP_GREET_IMAP, "* BYE", -1},
	};
	size_t len, next, k;

	if (!next_line(p, n, &len, &next))
		return need_more_or_big(n);
	for (k = 0; k < ARRAY_SIZE(map); k++)
		if (map[k].proto == proto && starts_with(p, len, map[k].prefix))
			break;
	if (k == ARRAY_SIZE(map))
		return M_EPARSE;
	p += strlen(map[k].prefix);
	len -= strlen(map[k].prefix);
	while (len > 0 && *p == ' ') {
		p++;
		len--;
	}
	if (proto == FP_GREET_IMAP && len > 0 && *p == '[') { /* [CAPABILITY ...] */
		const char *end = memchr(p, ']', len);
		if (end) {
			len -= (size_t)(end + 1 - p);
			p = end + 1;
			while (len > 0 && *p == ' ') {
				p++;
				len--;
			}
		}
	}
	set_text(out, p, len);
	out->code = map[k].code;
	out->n_lines = 1;
	out->consumed = next;
	return FP_DONE;
}

int fp_greeting(enum fp_greeting_proto proto, const char *p, size_t n, struct fp_banner *out)
{
	memset(out, 0, sizeof(*out));
	if (proto == FP_GREET_FTP || proto == FP_GREET_SMTP)
		return coded_reply(p, n, out);
	if (proto == FP_GREET_POP3 || proto == FP_GREET_IMAP)
		return status_line(proto, p, n, out);
	return M_EINVAL;
}

static void copy_cut(char *dst, size_t cap, const char *s, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

int fp_smtp_ehlo(const char *p, size_t n, struct fp_ehlo *out)
{
	size_t off = 0, len, next, lines = 0;

	memset(out, 0, sizeof(*out));
	while (next_line(p + off, n - off, &len, &next)) {
		const char *l = p + off;
		bool more = false;
		int c = reply_code(l, len, &more);
		if (c != 250)
			return M_EPARSE;
		l += 4;
		len = len >= 4 ? len - 4 : 0;
		if (lines++ == 0) {
			size_t w = 0;
			while (w < len && l[w] != ' ')
				w++;
			copy_cut(out->host, sizeof(out->host), l, w);
		} else if (out->n_ext < FP_EHLO_MAX_EXT) {
			copy_cut(out->ext[out->n_ext], sizeof(out->ext[0]), l, len);
			if (strncasecmp(out->ext[out->n_ext], "STARTTLS", 8) == 0)
				out->has_starttls = true;
			out->n_ext++;
		}
		off += next;
		if (!more) {
			out->consumed = off;
			return FP_DONE;
		}
		if (lines > 512)
			return M_ETOOBIG;
	}
	return need_more_or_big(n);
}

/* ---- Telnet (RFC 854): IAC = 255, SE 240, SB 250, WILL 251, WONT 252, DO 253, DONT 254 ---- */
enum { T_SE = 240, T_SB = 250, T_WILL = 251, T_WONT = 252, T_DO = 253, T_DONT = 254, T_IAC = 255 };

static void reply_add(unsigned char *reply, size_t cap, size_t *len, unsigned char verb,
		      unsigned char opt)
{
	if (!reply || !len || *len + 3 > cap)
		return;
	reply[(*len)++] = T_IAC;
	reply[(*len)++] = verb;
	reply[(*len)++] = opt;
}

int fp_telnet_strip(const char *p, size_t n, struct fp_banner *out, unsigned char *reply,
		    size_t reply_cap, size_t *reply_len)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t i = 0, o = 0;

	memset(out, 0, sizeof(*out));
	if (reply_len)
		*reply_len = 0;
	while (i < n) {
		if (u[i] != T_IAC) {
			if (o + 1 < sizeof(out->text))
				out->text[o++] = (char)u[i];
			else
				out->truncated = true;
			i++;
			continue;
		}
		if (i + 1 >= n)
			break; /* a lone IAC at the end: wait for its command */
		if (u[i + 1] == T_IAC) {
			if (o + 1 < sizeof(out->text))
				out->text[o++] = (char)0xff;
			i += 2;
		} else if (u[i + 1] >= T_WILL) {
			if (i + 2 >= n)
				break;
			if (u[i + 1] == T_DO)
				reply_add(reply, reply_cap, reply_len, T_WONT, u[i + 2]);
			else if (u[i + 1] == T_WILL)
				reply_add(reply, reply_cap, reply_len, T_DONT, u[i + 2]);
			i += 3;
		} else if (u[i + 1] == T_SB) {
			size_t k = i + 2;
			while (k + 1 < n && !(u[k] == T_IAC && u[k + 1] == T_SE))
				k++;
			if (k + 1 >= n)
				break;
			i = k + 2;
		} else {
			i += 2; /* NOP, GA, AYT ...: two bytes */
		}
	}
	out->text[o] = '\0';
	out->text_len = o;
	out->consumed = i;
	out->n_lines = 0;
	if (i < n)
		return need_more_or_big(n);
	return FP_DONE;
}

/* ---- MySQL (client/server protocol: 3-byte length, 1-byte sequence, payload) ---- */

static uint32_t le16(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t le32(const unsigned char *p)
{
	return le16(p) | le16(p + 2) << 16;
}

static int mysql_error(const unsigned char *pl, size_t len, struct fp_mysql *out)
{
	size_t off = 3;

	if (len < 3)
		return M_EPARSE;
	out->is_error = true;
	out->error_code = (uint16_t)le16(pl + 1);
	if (len >= 9 && pl[3] == '#') { /* '#' + 5-byte SQL state (4.1+) */
		memcpy(out->sql_state, pl + 4, 5);
		off = 9;
	}
	copy_cut(out->error_message, sizeof(out->error_message), (const char *)pl + off, len - off);
	return FP_DONE;
}

static int mysql_handshake10(const unsigned char *pl, size_t len, struct fp_mysql *out)
{
	const unsigned char *nul = memchr(pl + 1, 0, len - 1);
	size_t off;

	if (!nul)
		return M_EPARSE;
	out->protocol = 10;
	copy_cut(out->version, sizeof(out->version), (const char *)pl + 1, (size_t)(nul - pl - 1));
	off = (size_t)(nul - pl) + 1;
	/* thread id 4, auth data 8, filler 1, capability low 2 */
	if (off + 4 + 8 + 1 + 2 > len)
		return M_EPARSE;
	out->thread_id = le32(pl + off);
	off += 13;
	out->capabilities = le16(pl + off);
	off += 2;
	if (off + 1 + 2 + 2 + 1 + 10 > len)
		return FP_DONE; /* pre-4.1 servers stop here */
	out->charset = pl[off];
	off += 3; /* charset, status flags 2 */
	out->capabilities |= le16(pl + off) << 16;
	off += 2;
	{
		size_t auth_len = pl[off];
		off += 1 + 10;
		/* auth data part 2: max(13, auth_len - 8) bytes when CLIENT_SECURE_CONNECTION */
		if (out->capabilities & 0x8000)
			off += auth_len > 8 + 13 ? auth_len - 8 : 13;
	}
	if ((out->capabilities & 0x80000) && off < len) { /* CLIENT_PLUGIN_AUTH */
		const unsigned char *end = memchr(pl + off, 0, len - off);
		copy_cut(out->auth_plugin, sizeof(out->auth_plugin), (const char *)pl + off,
			 end ? (size_t)(end - pl - off) : len - off);
	}
	return FP_DONE;
}

int fp_mysql_greeting(const unsigned char *p, size_t n, struct fp_mysql *out)
{
	size_t len;

	memset(out, 0, sizeof(*out));
	if (n < 4)
		return FP_NEED_MORE;
	len = p[0] | (size_t)p[1] << 8 | (size_t)p[2] << 16;
	if (len == 0 || len > FP_BANNER_INPUT_MAX)
		return len == 0 ? M_EPARSE : M_ETOOBIG;
	if (n < 4 + len)
		return FP_NEED_MORE;
	out->consumed = 4 + len;
	if (p[4] == 0xff)
		return mysql_error(p + 4, len, out);
	if (p[4] == 10)
		return mysql_handshake10(p + 4, len, out);
	return M_EPARSE;
}

/* ---- which parser feeds which Recog database ---- */

static int parse_with_crlf(int (*parse)(const char *, size_t, struct fp_banner *), const char *p,
			   size_t n, struct fp_banner *b)
{
	char line[FP_BANNER_INPUT_MAX + 2];

	memcpy(line, p, n);
	memcpy(line + n, "\r\n", 2);
	return parse(line, n + 2, b);
}

static int norm_ssh(const char *p, size_t n, struct fp_banner *b)
{
	return fp_ssh_ident(p, n, b);
}

static int norm_ftp(const char *p, size_t n, struct fp_banner *b)
{
	return fp_greeting(FP_GREET_FTP, p, n, b);
}

static int norm_smtp(const char *p, size_t n, struct fp_banner *b)
{
	return fp_greeting(FP_GREET_SMTP, p, n, b);
}

static int norm_pop(const char *p, size_t n, struct fp_banner *b)
{
	return fp_greeting(FP_GREET_POP3, p, n, b);
}

static int norm_imap(const char *p, size_t n, struct fp_banner *b)
{
	return fp_greeting(FP_GREET_IMAP, p, n, b);
}

static int norm_telnet(const char *p, size_t n, struct fp_banner *b)
{
	return fp_telnet_strip(p, n, b, NULL, 0, NULL);
}

size_t fp_banner_text(const char *database, const char *raw, size_t n, char *out, size_t cap)
{
	static const struct {
		const char *database;
		int (*parse)(const char *p, size_t n, struct fp_banner *b);
	} table[] = {
	    {"ssh_banners", norm_ssh}, {"ftp_banners", norm_ftp},   {"smtp_banners", norm_smtp},
	    {"pop_banners", norm_pop}, {"imap_banners", norm_imap}, {"telnet_banners", norm_telnet},
	};
	struct fp_banner b;
	const char *src = raw;
	size_t len = n;

	if (cap == 0)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
		if (strcmp(table[i].database, database) != 0)
			continue;
		/* a line without its CR LF is complete for an analyst's input */
		if (table[i].parse(raw, n, &b) == FP_DONE ||
		    (n + 2 <= FP_BANNER_INPUT_MAX && !memchr(raw, '\n', n) &&
		     parse_with_crlf(table[i].parse, raw, n, &b) == FP_DONE)) {
			src = b.text;
			len = b.text_len;
		}
		break;
	}
	if (len >= cap)
		len = cap - 1;
	memmove(out, src, len);
	out[len] = '\0';
	return len;
}
