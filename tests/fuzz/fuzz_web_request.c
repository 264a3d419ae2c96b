/* fuzz_web_request.c - raw HTTP request bytes through the web front end's pure parsers:
 * request line, path segments, query, cookies, form body, then route matching. */
#include "base/compat.h"

#include "web/web_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct web_arena a;
	struct web_raw_request r;
	struct web_kvs params;
	const struct web_route *rt = NULL;
	struct buf b;

	if (size > (1 << 16))
		return 0;
	web_arena_init(&a, 1 << 20);
	if (web_raw_parse(&a, (const char *)data, size, &r) == 0) {
		if (web_route_find(&a, r.method, &r.path, &rt, &params) == 0 && !rt)
			__builtin_trap();
		/* a report download's file name is a period and a fixed format, never a path */
		if (rt && strstr(rt->pattern, "/reports/{file}")) {
			char period[8];
			const char *ext = NULL, *file = web_kv_get(&params, "file");
			if (web_report_file_parse(file, period, &ext) &&
			    (strlen(period) != 6 || strchr(file, '/') || strstr(file, "..") ||
			     (strcmp(ext, "pdf") != 0 && strcmp(ext, "html") != 0)))
				__builtin_trap();
		}
		/* a path segment holds no control character (it may reach a header or a log) */
		for (size_t i = 0; i < r.path.n; i++)
			for (const char *c = r.path.seg[i]; *c; c++)
				if ((unsigned char)*c < 0x20 || *c == 0x7f)
					__builtin_trap();
		/* whatever was parsed comes out of the escaper with no markup left in it */
		buf_init(&b, 1 << 20);
		for (size_t i = 0; i < r.path.n; i++)
			web_htmlf(&b, WEB_LANG_JA, "%s%u", r.path.seg[i], r.path.seg[i]);
		for (size_t i = 0; i < r.query.n; i++)
			web_html_escape(&b, r.query.v[i].val);
		for (size_t i = 0; i < r.form.n; i++)
			web_html_escape(&b, r.form.v[i].val);
		if (strpbrk(buf_str(&b), "<>\"'"))
			__builtin_trap();
		buf_release(&b);
	}
	web_arena_release(&a);
	return 0;
}
