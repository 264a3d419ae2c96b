/*
 * files.c - the reports a folder holds (`mamori report --out DIR` writes them,
 * `mamori serve --reports-dir DIR` lists and serves them): their names, PREFIX<period>.<ext>,
 * with PREFIX "<slug>-" for an operator's quarterly report and "sector-<code>-" for a sector's.
 */
#include "base/compat.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "report/report.h"

const struct report_format report_formats[REPORT_FORMATS] = {
    {"pdf", "application/pdf"},
    {"html", "text/html; charset=utf-8"},
};

bool report_period_valid(const char *s, size_t n)
{
	if (!s || n != 6 || s[4] != 'Q' || s[5] < '1' || s[5] > '4')
		return false;
	for (size_t i = 0; i < 4; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

bool report_file_parse_lang(const char *file, char period[8], size_t *fmt, bool *en)
{
	const char *dot = file ? strchr(file, '.') : NULL;
	size_t n = dot ? (size_t)(dot - file) : 0;
	bool english = n == 9 && strncmp(file + 6, "-en", 3) == 0;

	if (!dot || !report_period_valid(file, english ? 6 : n))
		return false;
	if (english && !en)
		return false;
	for (size_t i = 0; i < REPORT_FORMATS; i++)
		if (strcmp(dot + 1, report_formats[i].ext) == 0) {
			memcpy(period, file, 6);
			period[6] = '\0';
			*fmt = i;
			if (en)
				*en = english;
			return true;
		}
	return false;
}

bool report_file_parse(const char *file, char period[8], size_t *fmt)
{
	return report_file_parse_lang(file, period, fmt, NULL);
}

bool report_name_safe(const char *s)
{
	if (!s || !*s || strlen(s) > 100)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return false;
	return true;
}

static int cmp_desc(const void *a, const void *b)
{
	return strcmp(((const struct report_file *)b)->period,
		      ((const struct report_file *)a)->period);
}

static struct report_file *entry_for(struct report_files *l, const char *period)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].period, period) == 0)
			return &l->v[i];
	if (l->n == REPORT_LIST_MAX)
		return NULL;
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	snprintf(l->v[l->n].period, sizeof(l->v[0].period), "%s", period);
	return &l->v[l->n++];
}

int report_files_list(const char *dir, const char *prefix, struct report_files *out)
{
	size_t pl = strlen(prefix);
	struct dirent *de;
	DIR *d;

	out->n = 0;
	if (!dir)
		return 0;
	if (!(d = opendir(dir)))
		return 0; /* not written yet: an empty list, not an error */
	while ((de = readdir(d)) != NULL) {
		char period[8];
		size_t f;
		bool english;
		struct report_file *en;
		struct stat st;
		if (strncmp(de->d_name, prefix, pl) != 0 ||
		    !report_file_parse_lang(de->d_name + pl, period, &f, &english))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
			continue;
		if ((en = entry_for(out, period)) != NULL && english) {
			en->fmt_en[f] = true;
			en->size_en[f] = (int64_t)st.st_size;
		} else if (en) {
			en->fmt[f] = true;
			en->size[f] = (int64_t)st.st_size;
		}
	}
	closedir(d);
	qsort(out->v, out->n, sizeof(out->v[0]), cmp_desc);
	return 0;
}
