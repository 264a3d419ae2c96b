/* fuzz_inventory_yaml.c - the inventory YAML reader on arbitrary bytes; what it accepts must
 * write back out (inv_write_yaml) and read again to the same number of rows. */
#include "base/compat.h"

#include "base/buf.h"
#include "inventory/inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t rows(const struct inv_doc *d)
{
	size_t n = d->n_orgs + d->n_exclusions;

	for (size_t i = 0; i < d->n_orgs; i++)
		n += d->orgs[i].n_aliases + d->orgs[i].n_contacts + d->orgs[i].n_assets +
		     d->orgs[i].n_products + d->orgs[i].n_scopes;
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct inv_doc *d = NULL, *again = NULL;
	struct merr e;
	struct buf b;

	merr_init(&e);
	if (inv_parse_yaml((const char *)data, size, "fuzz.yaml", &d, &e) != 0)
		return 0;
	buf_init(&b, 0);
	if (inv_write_yaml(d, &b, &e) == 0) {
		merr_init(&e);
		if (inv_parse_yaml(buf_str(&b), b.len, "again.yaml", &again, &e) != 0 ||
		    rows(again) != rows(d)) {
			char msg[1024];
			merr_format(&e, msg, sizeof(msg));
			fprintf(stderr, "round trip failed: %s\n%s\n", msg, buf_str(&b));
			abort();
		}
	}
	inv_doc_free(again);
	inv_doc_free(d);
	buf_release(&b);
	return 0;
}
