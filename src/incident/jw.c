/* jw.c - a small JSON text writer for the incident and case lists (incident_int.h): the rows go
 * straight into the reply buffer, without a cJSON tree per row, whose number printing
 * (sprintf + sscanf per number) and allocations were most of a 100-row list's CPU time. */
#include "base/compat.h"

#include <string.h>

#include "incident/incident_int.h"

static void key(struct jw *w, const char *k)
{
	if (w->rc)
		return;
	if (w->n++)
		w->rc = buf_addc(w->b, ',');
	if (!w->rc)
		w->rc = buf_add_json_str(w->b, k);
	if (!w->rc)
		w->rc = buf_addc(w->b, ':');
}

void jw_obj_begin(struct jw *w)
{
	w->n = 0;
	if (!w->rc)
		w->rc = buf_addc(w->b, '{');
}

void jw_obj_end(struct jw *w)
{
	if (!w->rc)
		w->rc = buf_addc(w->b, '}');
}

void jw_key_obj(struct jw *w, const char *k)
{
	key(w, k);
	jw_obj_begin(w);
}

void jw_str(struct jw *w, const char *k, const char *s)
{
	key(w, k);
	if (!w->rc)
		w->rc = s ? buf_add_json_str(w->b, s) : buf_adds(w->b, "null");
}

void jw_int(struct jw *w, const char *k, int64_t v)
{
	char tmp[24], out[24];
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	size_t n = 0, i = 0;

	key(w, k);
	do
		tmp[n++] = (char)('0' + u % 10);
	while ((u /= 10) && n < sizeof(tmp));
	if (v < 0)
		out[i++] = '-';
	while (n)
		out[i++] = tmp[--n];
	if (!w->rc)
		w->rc = buf_add(w->b, out, i);
}

void jw_null(struct jw *w, const char *k)
{
	key(w, k);
	if (!w->rc)
		w->rc = buf_adds(w->b, "null");
}

void jw_bool(struct jw *w, const char *k, bool v)
{
	key(w, k);
	if (!w->rc)
		w->rc = buf_adds(w->b, v ? "true" : "false");
}

/* "2026-11-23T03:40:47Z" without gmtime or printf: days to civil date (H. Hinnant's
 * algorithm, proleptic Gregorian). 0 is null, as json_add_time. */
void jw_time(struct jw *w, const char *k, int64_t t)
{
	char s[24];
	int64_t days, secs, z, era, doe, yoe, y, doy, mp, d, m;

	if (!t) {
		jw_null(w, k);
		return;
	}
	days = t / 86400;
	secs = t % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
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
	if (y < 0 || y > 9999) {
		key(w, k);
		if (!w->rc)
			w->rc = buf_adds(w->b, "null");
		return;
	}
	s[0] = '"';
	s[1] = (char)('0' + y / 1000);
	s[2] = (char)('0' + y / 100 % 10);
	s[3] = (char)('0' + y / 10 % 10);
	s[4] = (char)('0' + y % 10);
	s[5] = '-';
	s[6] = (char)('0' + m / 10);
	s[7] = (char)('0' + m % 10);
	s[8] = '-';
	s[9] = (char)('0' + d / 10);
	s[10] = (char)('0' + d % 10);
	s[11] = 'T';
	s[12] = (char)('0' + secs / 36000);
	s[13] = (char)('0' + secs / 3600 % 10);
	s[14] = ':';
	s[15] = (char)('0' + secs % 3600 / 600);
	s[16] = (char)('0' + secs % 3600 / 60 % 10);
	s[17] = ':';
	s[18] = (char)('0' + secs % 60 / 10);
	s[19] = (char)('0' + secs % 10);
	s[20] = 'Z';
	s[21] = '"';
	key(w, k);
	if (!w->rc)
		w->rc = buf_add(w->b, s, 22);
}
