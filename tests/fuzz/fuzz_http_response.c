/* fuzz_http_response.c - the HTTP response parser (headers, chunked body, title)
 * over untrusted bytes, with and without end of stream. */
#include "base/compat.h"

#include "fingerprint/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct fp_http_options opts[] = {{0}, {.eof = true}, {.head_only = true}};
	struct fp_http_response r;
	char title[64];

	for (size_t i = 0; i < ARRAY_SIZE(opts); i++) {
		int rc = fp_http_parse((const char *)data, size, &opts[i], &r);
		if (rc == FP_DONE && (r.consumed > size || r.body_len > FP_HTTP_BODY_MAX))
			abort();
		fp_http_response_release(&r);
	}
	fp_html_title((const char *)data, size, title, sizeof(title));
	return 0;
}
