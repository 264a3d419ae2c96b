/* load_int.h - for the inventory module's own files: reading an organisation's parts
 * with statements prepared once and reused (the import reads every org it touches). */
#ifndef MAMORI_INVENTORY_LOAD_INT_H
#define MAMORI_INVENTORY_LOAD_INT_H

#include "inventory/inventory.h"

struct inv_loader {
	struct store *s;
	struct store_stmt *st[5];
};

void inv_loader_init(struct inv_loader *l, struct store *s);
void inv_loader_release(struct inv_loader *l);
/* Appends o's parts chosen by `with` (INV_WITH_*; o->id set) from the store. */
int inv_loader_children(struct inv_loader *l, struct inv_doc *d, struct inv_org *o, unsigned with,
			struct merr *e);

/* SELECT of every orgs column by slug (one ? parameter), read with inv_read_org_row. */
extern const char inv_org_select_by_slug[];
int inv_read_org_row(struct inv_doc *d, struct inv_org *o, struct store_stmt *st);

#endif
