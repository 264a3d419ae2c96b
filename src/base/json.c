/* json.c - cJSON helpers shared by the CLI, the API and the modules' JSON output. */
#include "base/compat.h"

#include "base/err.h"
#include "base/json.h"
#include "base/mtime.h"

void json_add_str(cJSON *o, const char *k, const char *s)
{
	if (s)
		cJSON_AddStringToObject(o, k, s);
	else
		cJSON_AddNullToObject(o, k);
}

void json_add_time(cJSON *o, const char *k, int64_t t)
{
	char s[TIME_STR_MAX];

	if (!t) {
		cJSON_AddNullToObject(o, k);
		return;
	}
	time_fmt_utc(t, s);
	cJSON_AddStringToObject(o, k, s);
}

static int hexval(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

int json_check_strings(const char *p, size_t len, long line0, long long off0, struct merr *e)
{
	char key[64] = "", cur[64];
	size_t n_cur = 0;
	long line = line0 > 0 ? line0 : 1;
#define AT_LINE (line0 > 0 ? line : -1)
#define AT_OFF (off0 >= 0 ? off0 + (long long)i : -1)

	for (size_t i = 0; i < len; i++) {
		size_t start;
		if (p[i] == '\n')
			line++;
		if (p[i] != '"')
			continue;
		start = ++i;
		n_cur = 0;
		for (; i < len && p[i] != '"'; i++) {
			unsigned char c = (unsigned char)p[i];
			if (c < 0x20)
				return merr_at(e, M_EPARSE, NULL, AT_LINE, AT_OFF,
					       key[0] ? key : NULL,
					       "raw control character 0x%02x inside a JSON string"
					       " (must be escaped); refused",
					       c);
			if (c == '\\' && i + 1 < len) {
				if (p[i + 1] == 'u' && i + 5 < len && hexval(p[i + 2]) == 0 &&
				    hexval(p[i + 3]) == 0 && hexval(p[i + 4]) == 0 &&
				    hexval(p[i + 5]) == 0)
					return merr_at(
					    e, M_EPARSE, NULL, AT_LINE, AT_OFF, key[0] ? key : NULL,
					    "NUL (\\u0000) inside a JSON string; refused");
				i++;
				continue;
			}
			if (n_cur < sizeof(cur) - 1)
				cur[n_cur++] = (char)c;
		}
		(void)start;
		/* a key when the next non-blank byte is ':' */
		for (size_t j = i + 1; j < len; j++) {
			if (p[j] == ' ' || p[j] == '\t' || p[j] == '\r' || p[j] == '\n')
				continue;
			if (p[j] == ':') {
				memcpy(key, cur, n_cur);
				key[n_cur] = '\0';
			}
			break;
		}
	}
	return 0;
#undef AT_LINE
#undef AT_OFF
}

cJSON *json_parse_checked(const char *p, size_t len, const char **end, struct merr *e, int *refused)
{
	*refused = 0;
	if (json_check_strings(p, len, 1, 0, e)) {
		*refused = 1;
		if (end)
			*end = p;
		return NULL;
	}
	return cJSON_ParseWithLengthOpts(p, len, end, false);
}
