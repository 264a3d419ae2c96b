/*
 * norm.c - the matching key of Japanese and English text (NFKC + case fold through
 * utf8proc, then kana, long-vowel, small-kana, itaiji and space folding), code-point and
 * UTF-16 slicing of entity offsets, X's HTML entities, SimHash of a key.
 */
#include "base/compat.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <utf8proc.h>

#include "base/mem.h"
#include "sns/sns.h"

/* Common itaiji (variant kanji) written in names, folded to the everyday form. The pairs are
 * UTF-8 text so the table reads as it folds; decoded once on first use. */
static const char *const itaiji_pairs[][2] = {
    {"髙", "高"}, {"﨑", "崎"}, {"嵜", "崎"}, {"碕", "崎"}, {"國", "国"}, {"邊", "辺"},
    {"邉", "辺"}, {"濱", "浜"}, {"澤", "沢"}, {"齋", "斎"}, {"齊", "斉"}, {"嶋", "島"},
    {"嶌", "島"}, {"廣", "広"}, {"櫻", "桜"}, {"驛", "駅"}, {"鐵", "鉄"}, {"會", "会"},
    {"關", "関"}, {"德", "徳"}, {"眞", "真"}, {"縣", "県"}, {"舘", "館"}, {"槇", "槙"},
    {"瀨", "瀬"}, {"惠", "恵"}, {"藏", "蔵"}, {"螢", "蛍"}, {"龜", "亀"}, {"曾", "曽"},
    {"學", "学"}, {"臺", "台"}, {"寳", "宝"}, {"寶", "宝"}, {"黑", "黒"}, {"榮", "栄"},
};
#define N_ITAIJI (sizeof itaiji_pairs / sizeof itaiji_pairs[0])
static int32_t itaiji_from[N_ITAIJI], itaiji_to[N_ITAIJI];
static pthread_once_t itaiji_once = PTHREAD_ONCE_INIT;

static int32_t cp_of(const char *s)
{
	utf8proc_int32_t c = -1;
	utf8proc_iterate((const utf8proc_uint8_t *)s, -1, &c);
	return c;
}

static void itaiji_init(void)
{
	for (size_t i = 0; i < N_ITAIJI; i++) {
		itaiji_from[i] = cp_of(itaiji_pairs[i][0]);
		itaiji_to[i] = cp_of(itaiji_pairs[i][1]);
	}
}

static int32_t itaiji(int32_t c)
{
	if (c < 0x4E00)
		return c;
	for (size_t i = 0; i < N_ITAIJI; i++)
		if (itaiji_from[i] == c)
			return itaiji_to[i];
	return c;
}

static bool is_kana(int32_t c)
{
	return c >= 0x3041 && c <= 0x309F;
}

static bool is_space(int32_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' ||
	       c == 0x3000 || c == 0x00A0 || (c >= 0x2000 && c <= 0x200B) || c == 0x202F ||
	       c == 0x205F || c == 0xFEFF || c < 0x20 || c == 0x7F;
}

/* Folds one code point after NFKC + case fold; -1: drop it. prev: the last emitted. */
static int32_t fold(int32_t c, int32_t prev)
{
	if (c >= 0x30A1 && c <= 0x30F6)
		c -= 0x60; /* katakana -> hiragana (ヵヶ -> ゕゖ) */
	switch (c) {
	case 0x3041:
	case 0x3043:
	case 0x3045:
	case 0x3047:
	case 0x3049: /* ぁぃぅぇぉ */
	case 0x3063:
	case 0x3083:
	case 0x3085:
	case 0x3087:
	case 0x308E: /* っゃゅょゎ */ return c + 1;
	case 0x3095: return 0x304B; /* ゕ -> か */
	case 0x3096: return 0x3051; /* ゖ -> け */
	case 0x3094: return 0x3076; /* ゔ -> ぶ */
	case 0x30FB: return -1;	    /* ・ */
	case 0x3099:
	case 0x309A: /* a voicing mark NFKC could not compose (after a space) */ return -1;
	case 0x30FC:
	case 0x301C: /* ー 〜 */ return is_kana(prev) || prev == 0x30FC ? -1 : 0x30FC;
	case 0x2010:
	case 0x2011:
	case 0x2012:
	case 0x2013:
	case 0x2014:
	case 0x2015:
	case 0x2212:
	case 0x2043:
	case 0xFE63: return is_kana(prev) ? -1 : '-';
	default: return itaiji(c);
	}
}

struct emit {
	struct buf *out;
	int32_t prev;	    /* last emitted code point, 0 at start */
	bool space_pending; /* white space seen since prev */
	int rc;
};

static void put(struct emit *em, int32_t c)
{
	if (em->rc)
		return;
	if (is_space(c)) {
		em->space_pending = true;
		return;
	}
	if ((c = fold(c, em->prev)) < 0)
		return;
	if (em->space_pending && em->prev) {
		/* Japanese is written without spaces: drop those between two non-ASCII
		 * characters, keep one between words otherwise. */
		if (!(em->prev >= 0x80 && c >= 0x80))
			em->rc = buf_addc(em->out, ' ');
	}
	em->space_pending = false;
	utf8proc_uint8_t b[4];
	utf8proc_ssize_t n = utf8proc_encode_char(c, b);
	if (!em->rc)
		em->rc = buf_add(em->out, b, (size_t)n);
	em->prev = c;
}

#define NORM_OPTS (UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD)

int sns_norm(const char *s, size_t len, struct buf *out)
{
	struct emit em = {.out = out};
	size_t i = 0;

	pthread_once(&itaiji_once, itaiji_init);
	while (i < len) {
		/* ASCII runs: lower case, spaces, no library call. */
		unsigned char ch = (unsigned char)s[i];
		if (ch < 0x80) {
			put(&em, ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
			i++;
			continue;
		}
		/* A run of non-ASCII characters (up to the next ASCII byte): decode,
		 * decompose with compatibility and case fold, compose, fold. */
		size_t j = i;
		while (j < len && (unsigned char)s[j] >= 0x80)
			j++;
		size_t cap = (j - i) * 4 + 16, n = 0;
		utf8proc_int32_t stackbuf[1024], *cps = stackbuf;
		if (cap > ARRAY_SIZE(stackbuf) && !(cps = m_malloc(cap * sizeof *cps)))
			return M_ENOMEM;
		int last_bc = 0;
		size_t k = i;
		while (k < j) {
			utf8proc_int32_t c;
			utf8proc_ssize_t r = utf8proc_iterate((const utf8proc_uint8_t *)s + k,
							      (utf8proc_ssize_t)(j - k), &c);
			if (r <= 0 || c < 0) {
				c = 0xFFFD;
				r = 1;
			}
			k += (size_t)r;
			if (n + 18 >= cap) { /* decompositions are at most 18 code points */
				size_t ncap = cap * 2;
				utf8proc_int32_t *nb = m_malloc(ncap * sizeof *nb);
				if (!nb) {
					if (cps != stackbuf)
						m_free(cps);
					return M_ENOMEM;
				}
				memcpy(nb, cps, n * sizeof *cps);
				if (cps != stackbuf)
					m_free(cps);
				cps = nb;
				cap = ncap;
			}
			utf8proc_ssize_t d = utf8proc_decompose_char(
			    c, cps + n, (utf8proc_ssize_t)(cap - n), NORM_OPTS, &last_bc);
			if (d < 0 || (size_t)d > cap - n)
				cps[n++] = 0xFFFD;
			else
				n += (size_t)d;
		}
		utf8proc_ssize_t m = utf8proc_normalize_utf32(cps, (utf8proc_ssize_t)n, NORM_OPTS);
		for (utf8proc_ssize_t x = 0; x < m; x++) {
			int32_t c = cps[x];
			/* NFKC makes full-width ASCII ASCII: fold its case as well. */
			put(&em, c >= 'A' && c <= 'Z' ? c + 32 : c);
		}
		if (cps != stackbuf)
			m_free(cps);
		i = j;
	}
	return em.rc;
}

/* ------------------------------------------------------------ offsets */

static size_t cp_len(unsigned char b)
{
	return b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
}

bool sns_slice_cp(const char *s, size_t len, long start, long end, size_t *off, size_t *n)
{
	if (start < 0 || end < start)
		return false;
	size_t i = 0;
	long cp = 0;
	size_t a = SIZE_MAX;
	while (true) {
		if (cp == start)
			a = i;
		if (cp == end) {
			if (a == SIZE_MAX)
				return false;
			*off = a;
			*n = i - a;
			return true;
		}
		if (i >= len)
			return false;
		i += cp_len((unsigned char)s[i]);
		if (i > len)
			return false;
		cp++;
	}
}

bool sns_slice_utf16(const char *s, size_t len, long off16, long len16, size_t *off, size_t *n)
{
	if (off16 < 0 || len16 < 0)
		return false;
	long end16 = off16 + len16, u = 0;
	size_t i = 0, a = SIZE_MAX;
	while (true) {
		if (u == off16)
			a = i;
		if (u == end16) {
			if (a == SIZE_MAX)
				return false;
			*off = a;
			*n = i - a;
			return true;
		}
		if (u > end16 || i >= len)
			return false; /* past the end, or inside a surrogate pair */
		size_t l = cp_len((unsigned char)s[i]);
		i += l;
		if (i > len)
			return false;
		u += l == 4 ? 2 : 1;
	}
}

size_t sns_html_decode(char *s, size_t len)
{
	size_t r = 0, w = 0;
	while (r < len) {
		if (s[r] != '&') {
			s[w++] = s[r++];
			continue;
		}
		static const struct {
			const char *ent;
			char c;
		} ents[] = {{"&amp;", '&'},  {"&lt;", '<'},   {"&gt;", '>'},
			    {"&quot;", '"'}, {"&#39;", '\''}, {"&apos;", '\''}};
		bool done = false;
		for (size_t k = 0; k < ARRAY_SIZE(ents); k++) {
			size_t el = strlen(ents[k].ent);
			if (len - r >= el && !memcmp(s + r, ents[k].ent, el)) {
				s[w++] = ents[k].c;
				r += el;
				done = true;
				break;
			}
		}
		if (done)
			continue;
		if (len - r > 3 && s[r + 1] == '#') {
			size_t k = r + 2;
			int base = 10;
			if (s[k] == 'x' || s[k] == 'X') {
				base = 16;
				k++;
			}
			long v = 0;
			size_t dig = 0;
			while (k < len && dig < 7 && isxdigit((unsigned char)s[k]) &&
			       (base == 16 || isdigit((unsigned char)s[k]))) {
				int d = isdigit((unsigned char)s[k])
					    ? s[k] - '0'
					    : (tolower((unsigned char)s[k]) - 'a' + 10);
				v = v * base + d;
				k++;
				dig++;
			}
			if (dig && k < len && s[k] == ';' && v > 0 && v <= 0x10FFFF &&
			    !(v >= 0xD800 && v <= 0xDFFF)) {
				utf8proc_uint8_t b[4];
				utf8proc_ssize_t n = utf8proc_encode_char((utf8proc_int32_t)v, b);
				if ((size_t)n <= k + 1 - r) { /* never longer than the entity */
					memcpy(s + w, b, (size_t)n);
					w += (size_t)n;
					r = k + 1;
					continue;
				}
			}
		}
		s[w++] = s[r++];
	}
	if (w < len)
		s[w] = '\0';
	return w;
}

/* ------------------------------------------------------------ SimHash */

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

uint64_t sns_simhash(const char *norm, size_t len)
{
	int32_t w[3] = {0, 0, 0};
	int v[64] = {0};
	size_t i = 0, ncp = 0;
	long grams = 0;
	while (i < len) {
		/* URLs and @mentions differ between copies of one message: skip them. */
		if ((len - i >= 4 && !memcmp(norm + i, "http", 4)) || norm[i] == '@') {
			while (i < len && norm[i] != ' ' && norm[i] != '\n')
				i++;
			continue;
		}
		utf8proc_int32_t c;
		utf8proc_ssize_t r = utf8proc_iterate((const utf8proc_uint8_t *)norm + i,
						      (utf8proc_ssize_t)(len - i), &c);
		if (r <= 0) {
			c = 0xFFFD;
			r = 1;
		}
		i += (size_t)r;
		if (c == ' ')
			continue;
		w[0] = w[1];
		w[1] = w[2];
		w[2] = c;
		if (++ncp < 3)
			continue;
		uint64_t h = mix64(((uint64_t)(uint32_t)w[0] << 42) ^
				   ((uint64_t)(uint32_t)w[1] << 21) ^ (uint64_t)(uint32_t)w[2]);
		for (int b = 0; b < 64; b++)
			v[b] += (h >> b) & 1 ? 1 : -1;
		grams++;
	}
	uint64_t out = 0;
	if (!grams)
		return mix64(ncp + 1);
	for (int b = 0; b < 64; b++)
		if (v[b] > 0)
			out |= 1ULL << b;
	return out;
}

double sns_poisson_tail(long k, double lambda)
{
	if (k <= 0)
		return 1.0;
	if (lambda <= 0)
		return 0.0;
	/* Sum the terms from k upwards in log space (they shrink fast past lambda). */
	double sum = 0;
	for (long i = k; i < k + 1000; i++) {
		double t = exp(-lambda + (double)i * log(lambda) - lgamma((double)i + 1));
		sum += t;
		if (i > lambda && t < sum * 1e-12)
			break;
	}
	return sum > 1 ? 1 : sum;
}
