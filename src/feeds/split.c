/*
 * split.c - the streaming record splitter: decompression (isa-l igzip, liblzma) in fixed chunks
 * and a string/escape/depth-aware byte scanner that cuts records without parsing them.
 */
#include "base/compat.h"

#include <errno.h>

#include <isa-l/igzip_lib.h>
#include <lzma.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "base/buf.h"
#include "base/mem.h"
#include "feeds/split.h"

enum fmt { FMT_PLAIN, FMT_GZIP, FMT_XZ };

/* Where the scanner is in the document (SPLIT_ARRAY). */
enum phase {
	PH_START,     /* before the root value */
	PH_ROOT,      /* inside the root object, between members */
	PH_ARRAY,     /* inside the record array, between elements */
	PH_REC,	      /* inside a record */
	PH_ROOT_SKIP, /* inside a nested value of the root object that is not the array */
	PH_END	      /* the root value is closed */
};

/* Where the scanner is within the root object's members. */
enum rstate { R_KEY_WAIT, R_KEY, R_COLON, R_VAL_WAIT, R_VAL_STR, R_VAL_LIT, R_AFTER_VAL };

#define HDR_MAX 16
#define HDR_VAL_MAX 256
#define KEY_MAX 128

struct split_hdr {
	char key[KEY_MAX];
	char val[HDR_VAL_MAX];
};

struct split {
	enum split_mode mode;
	char array_key[KEY_MAX];
	size_t rec_max;
	/* source */
	FILE *f;
	const unsigned char *mem;
	size_t mem_len, mem_pos;
	enum fmt fmt;
	struct inflate_state *z; /* isa-l: gzip at twice zlib's speed, CRC checked */
	lzma_stream x;
	bool x_init, in_eof, stream_end;
	unsigned char *raw;
	size_t raw_len;
	long long raw_total;
	/* decompressed chunk */
	unsigned char *out;
	size_t out_len, out_pos;
	long long out_base; /* stream offset of out[0] */
	long line;	    /* line at out_pos */
	/* scanner */
	enum phase ph;
	enum rstate rs;
	bool root_is_array, in_str, esc, lit, oversized, fatal, done, started;
	int depth;
	struct buf key, val, rec;
	long long rec_off;
	long rec_line;
	long long skip_before;
	struct split_hdr hdr[HDR_MAX];
	int n_hdr;
};

static const unsigned char GZ_MAGIC[] = {0x1f, 0x8b};
static const unsigned char XZ_MAGIC[] = {0xfd, '7', 'z', 'X', 'Z', 0x00};

static size_t src_read(struct split *s, unsigned char *dst, size_t cap)
{
	size_t n;

	if (s->f) {
		n = fread(dst, 1, cap, s->f);
	} else {
		n = s->mem_len - s->mem_pos;
		if (n > cap)
			n = cap;
		memcpy(dst, s->mem + s->mem_pos, n);
		s->mem_pos += n;
	}
	if (n < cap)
		s->in_eof = true;
	s->raw_total += (long long)n;
	return n;
}

static bool src_error(const struct split *s)
{
	return s->f && ferror(s->f);
}

/* Reads the first bytes, picks the decompressor by magic, and keeps them as input. */
static int detect(struct split *s, struct merr *e)
{
	s->raw_len = src_read(s, s->raw, SPLIT_CHUNK);
	if (src_error(s))
		return merr_set(e, M_EIO, "read error");
	if (s->raw_len >= sizeof(GZ_MAGIC) && memcmp(s->raw, GZ_MAGIC, sizeof(GZ_MAGIC)) == 0) {
		s->fmt = FMT_GZIP;
		if (!(s->z = m_malloc(sizeof(*s->z))))
			return merr_set(e, M_ENOMEM, "cannot start gzip decoder");
		isal_inflate_init(s->z);
		s->z->crc_flag = ISAL_GZIP; /* header parsed, CRC-32 and length checked */
		s->z->next_in = s->raw;
		s->z->avail_in = (uint32_t)s->raw_len;
	} else if (s->raw_len >= sizeof(XZ_MAGIC) &&
		   memcmp(s->raw, XZ_MAGIC, sizeof(XZ_MAGIC)) == 0) {
		s->fmt = FMT_XZ;
		if (lzma_stream_decoder(&s->x, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
			return merr_set(e, M_ENOMEM, "cannot start xz decoder");
		s->x_init = true;
		s->x.next_in = s->raw;
		s->x.avail_in = s->raw_len;
	} else {
		s->fmt = FMT_PLAIN;
	}
	return 0;
}

static int truncated(struct split *s, const char *what, struct merr *e)
{
	long long at = s->ph == PH_REC ? s->rec_off : s->out_base + (long long)s->out_len;
	s->fatal = true;
	return merr_at(e, M_EPARSE, NULL, -1, at, NULL,
		       "truncated %s stream: decompressed data ends at byte %lld%s", what,
		       s->out_base + (long long)s->out_len,
		       s->ph == PH_REC ? " inside the record starting here" : "");
}

/* isa-l's error codes, for the message. */
static const char *isal_err_name(int r)
{
	switch (r) {
	case ISAL_INVALID_BLOCK: return "invalid deflate block";
	case ISAL_INVALID_SYMBOL: return "invalid deflate symbol";
	case ISAL_INVALID_LOOKBACK: return "invalid distance";
	case ISAL_INVALID_WRAPPER: return "invalid gzip header";
	case ISAL_UNSUPPORTED_METHOD: return "not deflate";
	case ISAL_INCORRECT_CHECKSUM: return "CRC-32 or length mismatch";
	default: return "data error";
	}
}

static int fill_gzip(struct split *s, struct merr *e)
{
	struct inflate_state *z = s->z;

	for (;;) {
		int zr;
		if (z->avail_in == 0 && !s->in_eof) {
			s->raw_len = src_read(s, s->raw, SPLIT_CHUNK);
			if (src_error(s))
				return merr_set(e, M_EIO, "read error");
			z->next_in = s->raw;
			z->avail_in = (uint32_t)s->raw_len;
		}
		z->next_out = s->out;
		z->avail_out = (uint32_t)SPLIT_CHUNK;
		zr = isal_inflate(z);
		s->out_len = SPLIT_CHUNK - z->avail_out;
		if (zr < 0 || zr == ISAL_NEED_DICT) {
			s->fatal = true;
			return merr_at(e, M_EPARSE, NULL, -1, s->out_base + (long long)s->out_len,
				       NULL, "corrupt gzip stream (compressed byte %lld): %s",
				       s->raw_total - (long long)z->avail_in, isal_err_name(zr));
		}
		if (z->block_state == ISAL_BLOCK_FINISH) {
			/* Another gzip member may follow (concatenated .gz files are valid). */
			if (z->avail_in == 0 && !s->in_eof) {
				s->raw_len = src_read(s, s->raw, SPLIT_CHUNK);
				z->next_in = s->raw;
				z->avail_in = (uint32_t)s->raw_len;
			}
			if (z->avail_in >= 2 && memcmp(z->next_in, GZ_MAGIC, 2) == 0) {
				uint8_t *in = z->next_in;
				uint32_t n = z->avail_in;
				isal_inflate_reset(z);
				z->crc_flag = ISAL_GZIP;
				z->next_in = in;
				z->avail_in = n;
			} else {
				s->stream_end = true;
			}
			if (s->out_len || s->stream_end)
				return (int)(s->out_len > 0);
			continue;
		}
		if (s->out_len)
			return 1;
		if (s->in_eof && z->avail_in == 0)
			return truncated(s, "gzip", e);
	}
}

static int fill_xz(struct split *s, struct merr *e)
{
	for (;;) {
		lzma_ret xr;
		if (s->x.avail_in == 0 && !s->in_eof) {
			s->raw_len = src_read(s, s->raw, SPLIT_CHUNK);
			if (src_error(s))
				return merr_set(e, M_EIO, "read error");
			s->x.next_in = s->raw;
			s->x.avail_in = s->raw_len;
		}
		s->x.next_out = s->out;
		s->x.avail_out = SPLIT_CHUNK;
		xr = lzma_code(&s->x, s->in_eof && s->x.avail_in == 0 ? LZMA_FINISH : LZMA_RUN);
		s->out_len = SPLIT_CHUNK - s->x.avail_out;
		if (xr == LZMA_STREAM_END) {
			s->stream_end = true;
			return (int)(s->out_len > 0);
		}
		if (xr == LZMA_MEM_ERROR)
			return merr_set(e, M_ENOMEM, "out of memory in xz decoder");
		if (xr == LZMA_BUF_ERROR && s->out_len == 0)
			return truncated(s, "xz", e);
		if (xr != LZMA_OK && xr != LZMA_BUF_ERROR) {
			s->fatal = true;
			return merr_at(e, M_EPARSE, NULL, -1, s->out_base + (long long)s->out_len,
				       NULL,
				       "corrupt xz stream (compressed byte %lld, lzma error %d)",
				       s->raw_total - (long long)s->x.avail_in, (int)xr);
		}
		if (s->out_len)
			return 1;
	}
}

/* Makes the next decompressed chunk current. Returns 1, 0 at the end, or an error. */
static int fill(struct split *s, struct merr *e)
{
	s->out_base += (long long)s->out_len;
	s->out_len = s->out_pos = 0;
	if (s->stream_end)
		return 0;
	switch (s->fmt) {
	case FMT_GZIP: return fill_gzip(s, e);
	case FMT_XZ: return fill_xz(s, e);
	case FMT_PLAIN: break;
	}
	if (s->raw_len) { /* the bytes read by detect() */
		memcpy(s->out, s->raw, s->raw_len);
		s->out_len = s->raw_len;
		s->raw_len = 0;
		return 1;
	}
	if (s->in_eof) {
		s->stream_end = true;
		return 0;
	}
	s->out_len = src_read(s, s->out, SPLIT_CHUNK);
	if (src_error(s))
		return merr_set(e, M_EIO, "read error");
	if (!s->out_len)
		s->stream_end = true;
	return s->out_len > 0;
}

static int open_common(struct split *s, enum split_mode mode, const char *array_key,
		       size_t record_max, struct merr *e)
{
	s->mode = mode;
	snprintf(s->array_key, sizeof(s->array_key), "%s",
		 array_key ? array_key : "vulnerabilities");
	s->rec_max = record_max ? record_max : SPLIT_RECORD_MAX_DEFAULT;
	s->line = 1;
	s->skip_before = -1;
	buf_init(&s->key, KEY_MAX);
	buf_init(&s->val, HDR_VAL_MAX);
	buf_init(&s->rec, s->rec_max + 1);
	s->raw = m_malloc(SPLIT_CHUNK);
	s->out = m_malloc(SPLIT_CHUNK);
	if (!s->raw || !s->out)
		return merr_set(e, M_ENOMEM, "out of memory opening a feed");
	return detect(s, e);
}

int split_open_file(const char *path, enum split_mode mode, const char *array_key,
		    size_t record_max, struct split **out, struct merr *e)
{
	struct split *s = m_calloc(1, sizeof(*s));
	int rc;

	*out = NULL;
	if (!s)
		return merr_set(e, M_ENOMEM, "out of memory opening %s", path);
	s->f = fopen(path, "rb");
	if (!s->f) {
		m_free(s);
		return merr_at(e, M_EIO, path, -1, -1, NULL, "cannot open: %s", strerror(errno));
	}
	rc = open_common(s, mode, array_key, record_max, e);
	if (rc) {
		merr_set_file(e, path);
		split_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

int split_open_mem(const void *p, size_t len, enum split_mode mode, const char *array_key,
		   size_t record_max, struct split **out, struct merr *e)
{
	struct split *s = m_calloc(1, sizeof(*s));
	int rc;

	*out = NULL;
	if (!s)
		return merr_set(e, M_ENOMEM, "out of memory opening a feed");
	s->mem = p;
	s->mem_len = len;
	rc = open_common(s, mode, array_key, record_max, e);
	if (rc) {
		split_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void split_free(struct split *s)
{
	if (!s)
		return;
	if (s->f)
		fclose(s->f);
	m_free(s->z);
	if (s->x_init)
		lzma_end(&s->x);
	buf_release(&s->key);
	buf_release(&s->val);
	buf_release(&s->rec);
	m_free(s->raw);
	m_free(s->out);
	m_free(s);
}

bool split_fatal(const struct split *s)
{
	return s->fatal;
}

const char *split_header(const struct split *s, const char *key)
{
	for (int i = 0; i < s->n_hdr; i++)
		if (strcmp(s->hdr[i].key, key) == 0)
			return s->hdr[i].val;
	return NULL;
}

const char *split_format(const struct split *s)
{
	static const char *const names[] = {"plain", "gzip", "xz"};
	return names[s->fmt];
}

long long split_offset(const struct split *s)
{
	return s->out_base + (long long)s->out_pos;
}

long long split_raw_offset(const struct split *s)
{
	return s->raw_total;
}

void split_skip_before(struct split *s, long long offset)
{
	s->skip_before = offset;
}

static bool is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int structure_error(struct split *s, struct merr *e, const char *what, int c)
{
	s->fatal = true;
	return merr_at(e, M_EPARSE, NULL, s->line, split_offset(s), NULL, "%s, found '%c'", what,
		       c);
}

/* Starts a record at the current byte. */
static void rec_start(struct split *s, unsigned char c)
{
	buf_reset(&s->rec);
	s->rec_off = split_offset(s);
	s->rec_line = s->line;
	s->oversized = false;
	s->depth = 0;
	s->in_str = s->esc = false;
	s->lit = !(c == '{' || c == '[' || c == '"');
	s->ph = PH_REC;
}

/* Appends p[0..n) to the record unless it outgrew the cap. */
static int rec_add(struct split *s, const unsigned char *p, size_t n)
{
	if (s->oversized || !n)
		return 0;
	if (s->rec.len + n > s->rec_max) {
		s->oversized = true;
		buf_reset(&s->rec);
		return 0;
	}
	return buf_add(&s->rec, p, n);
}

/* Bytes that end a run the record scanner skips: inside a string, and between tokens. */
static const bool str_stop[256] = {['"'] = true, ['\\'] = true, ['\n'] = true};
static const bool struct_stop[256] = {
    ['"'] = true, ['{'] = true, ['['] = true, ['}'] = true, [']'] = true, ['\n'] = true};

/* The first i' >= i with str_stop[p[i']] (a quote, backslash or newline), or n: inside a
 * string, where most of a record's bytes are, 16 bytes a step where SSE2 is there. */
static size_t skip_str(const unsigned char *p, size_t i, size_t n)
{
#ifdef __SSE2__
	const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'),
		      nl = _mm_set1_epi8('\n');

	for (; i + 16 <= n; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		int bits = _mm_movemask_epi8(
		    _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
				 _mm_cmpeq_epi8(v, nl)));
		if (bits)
			return i + (size_t)__builtin_ctz((unsigned)bits);
	}
#endif
	while (i < n && !str_stop[p[i]])
		i++;
	return i;
}

/*
 * Scans the record from out_pos; returns true when it ended (out_pos is past it).
 * The hot loop of the whole ingest: strings are skipped byte by byte with no copy.
 */
static bool scan_record(struct split *s)
{
	const unsigned char *p = s->out + s->out_pos;
	size_t n = s->out_len - s->out_pos, i = 0;
	bool done = false;

	while (i < n && !done) {
		unsigned char c;
		if (s->in_str) {
			while (i < n) {
				if (s->esc) { /* the escaped byte is content, even a quote */
					s->esc = false;
					i++;
					continue;
				}
				i = skip_str(p, i, n);
				if (i == n)
					break;
				c = p[i++];
				if (c == '\\') {
					s->esc = true;
				} else if (c == '\n') {
					s->line++;
				} else { /* '"' */
					s->in_str = false;
					break;
				}
			}
			if (!s->in_str && s->depth == 0 && !s->lit)
				done = true; /* a string element */
			continue;
		}
		if (s->lit) {
			c = p[i];
			if (c == ',' || c == ']' || c == '}' || is_ws(c)) {
				done = true;
				break;
			}
			i++;
			continue;
		}
		while (i < n && !struct_stop[p[i]])
			i++;
		if (i == n)
			break;
		c = p[i++];
		switch (c) {
		case '"': s->in_str = true; break;
		case '{':
		case '[': s->depth++; break;
		case '}':
		case ']':
			if (--s->depth == 0)
				done = true;
			break;
		default: s->line++; break; /* '\n' */
		}
	}
	rec_add(s, p, i);
	s->out_pos += i;
	return done;
}

static void hdr_keep(struct split *s)
{
	if (s->n_hdr >= HDR_MAX || s->key.len == 0)
		return;
	snprintf(s->hdr[s->n_hdr].key, KEY_MAX, "%s", buf_str(&s->key));
	snprintf(s->hdr[s->n_hdr].val, HDR_VAL_MAX, "%s", buf_str(&s->val));
	s->n_hdr++;
}

/* One byte of the root object's member list (outside nested values). */
static int root_byte(struct split *s, unsigned char c, struct merr *e)
{
	switch (s->rs) {
	case R_KEY_WAIT:
		if (c == '"') {
			buf_reset(&s->key);
			s->esc = false;
			s->rs = R_KEY;
		} else if (c == '}') {
			s->ph = PH_END;
		} else if (c != ',' && !is_ws(c)) {
			return structure_error(s, e, "expected a member name", c);
		}
		return 0;
	case R_KEY:
		if (s->esc)
			s->esc = false;
		else if (c == '\\')
			s->esc = true;
		else if (c == '"') {
			s->rs = R_COLON;
			return 0;
		}
		buf_addc(&s->key, (char)c); /* over-long keys are cut; they never match */
		return 0;
	case R_COLON:
		if (c == ':')
			s->rs = R_VAL_WAIT;
		else if (!is_ws(c))
			return structure_error(s, e, "expected ':'", c);
		return 0;
	case R_VAL_WAIT:
		if (is_ws(c))
			return 0;
		buf_reset(&s->val);
		if (c == '[' && strcmp(buf_str(&s->key), s->array_key) == 0) {
			s->ph = PH_ARRAY;
			s->started = true;
		} else if (c == '{' || c == '[') {
			s->ph = PH_ROOT_SKIP;
			s->depth = 1;
			s->in_str = s->esc = false;
		} else if (c == '"') {
			s->esc = false;
			s->rs = R_VAL_STR;
		} else {
			buf_addc(&s->val, (char)c);
			s->rs = R_VAL_LIT;
		}
		return 0;
	case R_VAL_STR:
		if (s->esc)
			s->esc = false;
		else if (c == '\\')
			s->esc = true;
		else if (c == '"') {
			hdr_keep(s);
			s->rs = R_AFTER_VAL;
			return 0;
		}
		buf_addc(&s->val, (char)c);
		return 0;
	case R_VAL_LIT:
		if (c == ',' || c == '}' || is_ws(c)) {
			hdr_keep(s);
			s->rs = R_AFTER_VAL;
			return root_byte(s, c, e);
		}
		buf_addc(&s->val, (char)c);
		return 0;
	case R_AFTER_VAL:
		if (c == ',')
			s->rs = R_KEY_WAIT;
		else if (c == '}')
			s->ph = PH_END;
		else if (!is_ws(c))
			return structure_error(s, e, "expected ',' or '}'", c);
		return 0;
	}
	return 0;
}

/* Skips a nested value of the root object; returns when it closed or the chunk ended. */
static void skip_nested(struct split *s)
{
	while (s->out_pos < s->out_len && s->ph == PH_ROOT_SKIP) {
		unsigned char c = s->out[s->out_pos++];
		if (c == '\n')
			s->line++;
		if (s->in_str) {
			if (s->esc)
				s->esc = false;
			else if (c == '\\')
				s->esc = true;
			else if (c == '"')
				s->in_str = false;
		} else if (c == '"') {
			s->in_str = true;
		} else if (c == '{' || c == '[') {
			s->depth++;
		} else if ((c == '}' || c == ']') && --s->depth == 0) {
			s->ph = PH_ROOT;
			s->rs = R_AFTER_VAL;
		}
	}
}

/* Returns 1 when a record is complete, 0 when the chunk is used up, or an error. */
static int step_array(struct split *s, struct merr *e)
{
	while (s->out_pos < s->out_len) {
		unsigned char c;
		int rc;
		switch (s->ph) {
		case PH_REC:
			if (scan_record(s))
				return 1;
			continue;
		case PH_ROOT_SKIP: skip_nested(s); continue;
		default: break;
		}
		c = s->out[s->out_pos];
		switch (s->ph) {
		case PH_START:
			if (c == 0xef && s->out_base + (long long)s->out_pos == 0 &&
			    s->out_len >= 3 && s->out[1] == 0xbb && s->out[2] == 0xbf) {
				s->out_pos += 3; /* UTF-8 byte order mark */
				continue;
			}
			if (c == '{') {
				s->ph = PH_ROOT;
				s->rs = R_KEY_WAIT;
			} else if (c == '[') {
				s->ph = PH_ARRAY;
				s->root_is_array = s->started = true;
			} else if (!is_ws(c)) {
				return structure_error(s, e, "expected a JSON object or array", c);
			}
			break;
		case PH_ROOT:
			rc = root_byte(s, c, e);
			if (rc)
				return rc;
			break;
		case PH_ARRAY:
			if (c == ']') {
				s->ph = s->root_is_array ? PH_END : PH_ROOT;
				s->rs = R_AFTER_VAL;
			} else if (c == '}') { /* would be an empty record that consumes nothing */
				return structure_error(s, e, "expected a value or ']'", c);
			} else if (c != ',' && !is_ws(c)) {
				rec_start(s, c);
				continue; /* the record scanner takes this byte */
			}
			break;
		case PH_END:
			if (!is_ws(c))
				return structure_error(s, e, "data after the end of the document",
						       c);
			break;
		default: break;
		}
		if (c == '\n')
			s->line++;
		s->out_pos++;
	}
	return 0;
}

/* Returns 1 when a line is complete, 0 when the chunk is used up. */
static int step_lines(struct split *s)
{
	while (s->out_pos < s->out_len) {
		const unsigned char *p = s->out + s->out_pos;
		size_t n = s->out_len - s->out_pos;
		const unsigned char *nl = memchr(p, '\n', n);
		size_t take = nl ? (size_t)(nl - p) : n;

		if (s->ph != PH_REC) {
			buf_reset(&s->rec);
			s->rec_off = split_offset(s);
			s->rec_line = s->line;
			s->oversized = false;
			s->ph = PH_REC;
		}
		rec_add(s, p, take);
		s->out_pos += take;
		if (nl) {
			s->out_pos++;
			s->line++;
			s->ph = PH_ARRAY;
			return 1;
		}
	}
	return 0;
}

static bool blank(const struct buf *b)
{
	for (size_t i = 0; i < b->len; i++)
		if (!is_ws((unsigned char)b->ptr[i]))
			return false;
	return true;
}

/* Hands the finished record out, or reports it as oversized. Returns 1, 0 (skip) or error. */
static int emit(struct split *s, struct split_rec *rec, struct merr *e)
{
	if (s->oversized) {
		s->oversized = false;
		return merr_at(e, M_ETOOBIG, NULL, s->rec_line, s->rec_off, NULL,
			       "record larger than %zu bytes; skipped", s->rec_max);
	}
	if (s->mode == SPLIT_LINES) {
		if (s->rec.len && s->rec.ptr[s->rec.len - 1] == '\r')
			s->rec.ptr[--s->rec.len] = '\0';
		if (blank(&s->rec))
			return 0;
	}
	if (s->skip_before >= 0 && s->rec_off < s->skip_before)
		return 0;
	rec->p = buf_str(&s->rec);
	rec->len = s->rec.len;
	rec->offset = s->rec_off;
	rec->line = s->rec_line;
	return 1;
}

static int at_end(struct split *s, struct split_rec *rec, struct merr *e)
{
	s->done = true;
	if (s->mode == SPLIT_RAW)
		return 0;
	if (s->mode == SPLIT_LINES) {
		/* Every line of a line-based feed ends with a newline: a last line without one
		 * is where the file was cut (EPSS 0.7 for 0.708230000), never taken. */
		if (s->ph != PH_REC || blank(&s->rec))
			return 0;
		s->fatal = true;
		return merr_at(e, M_EPARSE, NULL, s->rec_line, s->rec_off, NULL,
			       "the file ends without a newline: its last line may be cut short;"
			       " refused (truncated file?) / 最終行に改行がありません（途中で切れた"
			       "ファイル）");
	}
	if (s->ph == PH_REC && s->lit)
		return emit(s, rec, e);
	if (s->ph == PH_END && s->started)
		return 0;
	s->fatal = true;
	if (s->ph == PH_REC)
		return merr_at(e, M_EPARSE, NULL, s->rec_line, s->rec_off, NULL,
			       "input ends inside the record starting here");
	if (!s->started)
		return merr_at(e, M_EPARSE, NULL, s->line, split_offset(s), NULL,
			       "no \"%s\" array found", s->array_key);
	return merr_at(e, M_EPARSE, NULL, s->line, split_offset(s), NULL,
		       "input ends before the document is closed");
}

int split_next(struct split *s, struct split_rec *rec, struct merr *e)
{
	if (s->fatal || s->done)
		return 0;
	for (;;) {
		int rc;
		if (s->out_pos >= s->out_len) {
			rc = fill(s, e);
			if (rc < 0) {
				s->fatal = true;
				return rc;
			}
			if (rc == 0)
				return at_end(s, rec, e);
		}
		if (s->mode == SPLIT_RAW) {
			rec->p = (const char *)s->out;
			rec->len = s->out_len;
			rec->offset = s->out_base;
			rec->line = -1;
			s->out_pos = s->out_len;
			return 1;
		}
		rc = s->mode == SPLIT_LINES ? step_lines(s) : step_array(s, e);
		if (rc < 0)
			return rc;
		if (rc == 0)
			continue;
		if (s->mode == SPLIT_ARRAY)
			s->ph = PH_ARRAY;
		rc = emit(s, rec, e);
		if (rc != 0)
			return rc;
	}
}
