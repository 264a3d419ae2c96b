/* fuzz_checklist_answers.c - the answer file reader (YAML and CSV, chosen by the first byte)
 * on arbitrary bytes: what it accepts has no duplicate item, comments within the limit, a
 * reason for every 該当しない, and writes back (cl_answers_write) to the same answers. */
#include "base/compat.h"

#include "base/buf.h"
#include "checklist/checklist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cl_answers a, b;
	struct cl_catalogue c = {.version = "2025.1"};
	struct merr e;
	struct buf out;
	bool csv;

	if (size < 1)
		return 0;
	csv = data[0] & 1;
	merr_init(&e);
	if (cl_answers_parse((const char *)data + 1, size - 1, csv ? "f.csv" : "f.yaml", &a, &e))
		return 0;
	for (size_t i = 0; i < a.n; i++) {
		if (cl_answers_find(&a, a.v[i].item) != &a.v[i])
			abort();
		if (a.v[i].comment && strlen(a.v[i].comment) > CL_COMMENT_MAX)
			abort();
		if (a.v[i].answer == CL_NA && !a.v[i].comment)
			abort();
	}
	buf_init(&out, 0);
	if (a.version && cl_answers_write(&a, &c, NULL, csv, &out, &e) == 0 && a.n) {
		if (cl_answers_parse(buf_str(&out), out.len, csv ? "f.csv" : "f.yaml", &b, &e))
			abort();
		if (b.n != a.n)
			abort();
		for (size_t i = 0; i < a.n; i++)
			if (strcmp(a.v[i].item, b.v[i].item) || a.v[i].answer != b.v[i].answer)
				abort();
		cl_answers_release(&b);
	}
	buf_release(&out);
	cl_answers_release(&a);
	return 0;
}
