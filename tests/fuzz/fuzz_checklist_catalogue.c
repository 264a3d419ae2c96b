/* fuzz_checklist_catalogue.c - the checklist catalogue reader on arbitrary bytes: what it
 * accepts has unique ids, known sections and well-formed references. */
#include "base/compat.h"

#include "checklist/checklist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cl_catalogue *c = NULL;
	struct merr e;

	merr_init(&e);
	if (cl_catalogue_parse((const char *)data, size, "fuzz.yaml", &c, &e) != 0)
		return 0;
	for (size_t i = 0; i < c->n_items; i++) {
		if (c->items[i].section >= c->n_sec ||
		    cl_item_find(c, c->items[i].id) != &c->items[i])
			abort();
		for (size_t k = 0; k < c->items[i].n_csf; k++)
			if (!cl_csf_ok(c->items[i].csf[k]))
				abort();
		for (size_t k = 0; k < c->items[i].n_cpg; k++)
			if (!cl_cpg_ok(c->items[i].cpg[k]))
				abort();
	}
	cl_catalogue_free(c);
	return 0;
}
