/* mtime.c - UTC storage, JST display, ISO 8601 parsing, quarters. */
#include "base/compat.h"

#include <ctype.h>
#include <string.h>

#include "base/err.h"
#include "base/mtime.h"

int64_t time_now(void)
{
	const char *pin = getenv("MAMORI_NOW");
	int64_t t;

	if (pin && *pin && time_parse(pin, &t) == 0)
		return t;
	return (int64_t)time(NULL);
}

/* Formats by hand rather than strftime: %Y does not zero-pad years below
 * 1000, and every string we write must parse back. */
enum time_style { STYLE_UTC, STYLE_JST, STYLE_JST_DATE };

static char *two(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10 % 10);
	p[1] = (char)('0' + v % 10);
	return p + 2;
}

/* Days since 1970-01-01 to the civil date (H. Hinnant's algorithm, proleptic Gregorian, as
 * gmtime). false outside years 0-9999. */
bool time_civil(int64_t days, int *year, int *month, int *day)
{
	int64_t z, era, doe, yoe, y, doy, mp, d, m;

	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	if (y < 0 || y > 9999)
		return false;
	*year = (int)y;
	*month = (int)m;
	*day = (int)d;
	return true;
}

/* Years 0-9999 without gmtime_r and snprintf (the console's pages show hundreds of times, and
 * those two were a fifth of a 200-row page's CPU time). false: another year, for the general
 * path. */
static bool fmt_fast(int64_t t, enum time_style style, char out[TIME_STR_MAX])
{
	int64_t days, secs;
	int y, m, d;
	char *p = out;

	if (t < -(INT64_C(1) << 50) || t > (INT64_C(1) << 50))
		return false;
	days = t / 86400;
	secs = t % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	if (!time_civil(days, &y, &m, &d))
		return false;
	p = two(p, (unsigned)(y / 100));
	p = two(p, (unsigned)(y % 100));
	*p++ = '-';
	p = two(p, (unsigned)m);
	*p++ = '-';
	p = two(p, (unsigned)d);
	if (style == STYLE_JST_DATE) {
		*p = '\0';
		return true;
	}
	*p++ = style == STYLE_UTC ? 'T' : ' ';
	p = two(p, (unsigned)(secs / 3600));
	*p++ = ':';
	p = two(p, (unsigned)(secs % 3600 / 60));
	if (style == STYLE_UTC) {
		*p++ = ':';
		p = two(p, (unsigned)(secs % 60));
		*p++ = 'Z';
	} else {
		memcpy(p, " JST", 4);
		p += 4;
	}
	*p = '\0';
	return true;
}

static void fmt(int64_t t, enum time_style style, char out[TIME_STR_MAX])
{
	time_t tt = (time_t)(t + (style == STYLE_UTC ? 0 : JST_OFFSET_SECONDS));
	struct tm tm;
	long long y;
	unsigned mo, d, h, mi, se;

	if (fmt_fast(t + (style == STYLE_UTC ? 0 : JST_OFFSET_SECONDS), style, out))
		return;
	if (!gmtime_r(&tt, &tm)) {
		snprintf(out, TIME_STR_MAX, "?");
		return;
	}
	y = (long long)tm.tm_year + 1900;
	mo = (unsigned)tm.tm_mon % 12 + 1;
	d = (unsigned)tm.tm_mday % 32;
	h = (unsigned)tm.tm_hour % 24;
	mi = (unsigned)tm.tm_min % 60;
	se = (unsigned)tm.tm_sec % 61;
	if (style == STYLE_UTC)
		snprintf(out, TIME_STR_MAX, "%04lld-%02u-%02uT%02u:%02u:%02uZ", y, mo, d, h, mi,
			 se);
	else if (style == STYLE_JST)
		snprintf(out, TIME_STR_MAX, "%04lld-%02u-%02u %02u:%02u JST", y, mo, d, h, mi);
	else
		snprintf(out, TIME_STR_MAX, "%04lld-%02u-%02u", y, mo, d);
}

void time_fmt_utc(int64_t t, char out[TIME_STR_MAX])
{
	fmt(t, STYLE_UTC, out);
}

void time_fmt_jst(int64_t t, char out[TIME_STR_MAX])
{
	fmt(t, STYLE_JST, out);
}

void time_fmt_jst_date(int64_t t, char out[TIME_STR_MAX])
{
	fmt(t, STYLE_JST_DATE, out);
}

static int digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)**p))
			return -1;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	*out = v;
	return 0;
}

static int days_in_month(int y, int m)
{
	static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : dm[m - 1];
}

int time_parse(const char *s, int64_t *out)
{
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, sec = 0, oh = 0, om = 0, sign = 1;
	struct tm tm = {0};

	if (!s || digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
	    digits(&p, 2, &d))
		return M_EPARSE;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		return M_EPARSE;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
			return M_EPARSE;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &sec))
				return M_EPARSE;
			if (*p == '.') {
				p++;
				if (!isdigit((unsigned char)*p))
					return M_EPARSE;
				while (isdigit((unsigned char)*p))
					p++;
			}
		}
		if (h > 23 || mi > 59 || sec > 60)
			return M_EPARSE;
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			sign = *p == '-' ? -1 : 1;
			p++;
			if (digits(&p, 2, &oh))
				return M_EPARSE;
			if (*p == ':')
				p++;
			if (digits(&p, 2, &om) || oh > 23 || om > 59)
				return M_EPARSE;
		}
	}
	if (*p != '\0')
		return M_EPARSE;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*out = (int64_t)timegm(&tm) - sign * (oh * 3600 + om * 60);
	return 0;
}

void time_quarter(int64_t t, char out[16])
{
	time_t tt = (time_t)(t + JST_OFFSET_SECONDS);
	struct tm tm;

	gmtime_r(&tt, &tm);
	snprintf(out, 16, "%04uQ%u", (unsigned)(tm.tm_year + 1900) % 10000u,
		 (unsigned)(tm.tm_mon % 12) / 3u + 1u);
}

int time_quarter_bounds(const char *label, int64_t *start, int64_t *end)
{
	const char *p = label;
	int y, q;
	struct tm a = {0}, b = {0};

	if (!label || digits(&p, 4, &y) || (*p != 'Q' && *p != 'q'))
		return M_EPARSE;
	p++;
	if (digits(&p, 1, &q) || q < 1 || q > 4 || *p)
		return M_EPARSE;
	a.tm_year = y - 1900;
	a.tm_mon = (q - 1) * 3;
	a.tm_mday = 1;
	b = a;
	b.tm_mon += 3;
	/* Quarters follow the JST calendar. */
	*start = (int64_t)timegm(&a) - JST_OFFSET_SECONDS;
	*end = (int64_t)timegm(&b) - JST_OFFSET_SECONDS;
	return 0;
}

int time_quarter_prev(const char *label, char out[16])
{
	int64_t start, end;

	if (time_quarter_bounds(label, &start, &end))
		return M_EPARSE;
	/* one second before the quarter starts lies in the previous one */
	time_quarter(start - 1, out);
	return 0;
}

void time_fmt_left(int64_t secs, bool en, char *out, size_t cap)
{
	int64_t a = secs < 0 ? -secs : secs;
	long long h = (long long)(a / 3600), m = (long long)(a % 3600 / 60);

	if (!cap)
		return;
	if (secs < 0) { /* past the deadline: the hours are what a reader weighs */
		if (h)
			snprintf(out, cap, en ? "%lld h overdue" : "%lld時間超過", h);
		else
			snprintf(out, cap, en ? "%lld min overdue" : "%lld分超過", m);
	} else if (h && !m)
		snprintf(out, cap, en ? "%lld h left" : "残り %lld時間", h);
	else if (h)
		snprintf(out, cap, en ? "%lld h %lld min left" : "残り %lld時間%lld分", h, m);
	else
		snprintf(out, cap, en ? "%lld min left" : "残り %lld分", m);
}
