/* fuzz_inventory_csv.c - the bulk-asset CSV reader on arbitrary bytes. */
#include "base/compat.h"

#include "inventory/inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct inv_doc *d = NULL;
	struct merr e;
	char msg[1024];

	merr_init(&e);
	if (inv_parse_csv((const char *)data, size, "fuzz.csv", &d, &e) != 0) {
		merr_format(&e, msg, sizeof(msg)); /* the message must be formattable */
		return 0;
	}
	for (size_t i = 0; i < d->n_orgs; i++)
		if (!d->orgs[i].assets_only || !d->orgs[i].n_assets)
			abort(); /* every org of a CSV comes from at least one asset row */
	inv_doc_free(d);
	return 0;
}
