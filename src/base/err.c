/* err.c - error codes, messages and the error context. */
#include "base/compat.h"

#include "base/err.h"
#include "base/utf8.h"

static const struct {
	int code;
	const char *name, *en, *ja;
	int exit_status, http_status;
} err_table[] = {
#define ERR_ROW(suffix, value, name, exit_status, http_status, en, ja) \
	{M_##suffix, name, en, ja, exit_status, http_status},
    MAMORI_ERR_MAP(ERR_ROW)
#undef ERR_ROW
};

/* The row of code, or -1. */
static int row(int code)
{
	if (code > 0 || code < M_ERR_MIN)
		return -1;
	return err_table[-code].code == code ? -code : -1;
}

const char *mamori_strerror(int code)
{
	int i = row(code);
	return i < 0 ? "unknown error" : err_table[i].en;
}

const char *mamori_strerror_ja(int code)
{
	int i = row(code);
	return i < 0 ? "不明なエラー" : err_table[i].ja;
}

const char *mamori_errname(int code)
{
	int i = row(code);
	return i < 0 ? "unknown" : err_table[i].name;
}

int mamori_err_exit_status(int code)
{
	int i = row(code);
	return i < 0 ? 1 : err_table[i].exit_status;
}

int mamori_err_http_status(int code)
{
	int i = row(code);
	return i < 0 ? 500 : err_table[i].http_status;
}

void merr_init(struct merr *e)
{
	if (!e)
		return;
	memset(e, 0, sizeof(*e));
	e->line = -1;
	e->offset = -1;
}

static void copy_str(char *dst, size_t cap, const char *src)
{
	if (!src) {
		dst[0] = '\0';
		return;
	}
	snprintf(dst, cap, "%s", src);
}

static int merr_vat(struct merr *e, int code, const char *file, long line, long long offset,
		    const char *field, const char *fmt, va_list ap)
{
	if (!e || e->code != 0)
		return code;
	e->code = code;
	e->line = line;
	e->offset = offset;
	copy_str(e->file, sizeof(e->file), file);
	copy_str(e->field, sizeof(e->field), field);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	return code;
}

int merr_set(struct merr *e, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	merr_vat(e, code, NULL, -1, -1, NULL, fmt, ap);
	va_end(ap);
	return code;
}

int merr_at(struct merr *e, int code, const char *file, long line, long long offset,
	    const char *field, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	merr_vat(e, code, file, line, offset, field, fmt, ap);
	va_end(ap);
	return code;
}

void merr_set_file(struct merr *e, const char *file)
{
	if (e && e->code != 0 && e->file[0] == '\0')
		copy_str(e->file, sizeof(e->file), file);
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

void merr_format(const struct merr *e, char *out, size_t out_len)
{
	size_t n = 0;

	if (!out_len)
		return;
	out[0] = '\0';
	if (!e)
		return;
#define ADD(...)                                                             \
	do {                                                                 \
		if (n < out_len) {                                           \
			int w = snprintf(out + n, out_len - n, __VA_ARGS__); \
			n += w > 0 ? (size_t)w : 0;                          \
		}                                                            \
	} while (0)
	if (e->file[0]) {
		ADD("%s:", e->file);
		if (e->line >= 0)
			ADD("%ld:", e->line);
		else if (e->offset >= 0)
			ADD("@%lld:", e->offset);
		ADD(" ");
	} else if (e->line >= 0) {
		ADD("line %ld: ", e->line);
	} else if (e->offset >= 0) {
		ADD("offset %lld: ", e->offset);
	}
	if (e->field[0])
		ADD("%s: ", e->field);
	ADD("%s", e->msg[0] ? e->msg : mamori_strerror(e->code));
#undef ADD
	/* Messages quote bad input: invalid bytes and control characters are shown escaped,
	 * never sent raw to a terminal or stored raw in a log row. */
	if (!utf8_valid(out, strlen(out), NULL) || has_control(out)) {
		char tmp[2048];
		size_t len = strlen(out);
		if (len >= sizeof(tmp))
			len = sizeof(tmp) - 1;
		memcpy(tmp, out, len);
		utf8_escape(tmp, len, out, out_len);
	}
}
