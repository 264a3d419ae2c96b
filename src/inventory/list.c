/* list.c - every asset of the organisations a filter allows, one row at a time (the
 * console's assets CSV): no document is built, so the cost is one row, not the register. */
#include "base/compat.h"

#include "base/buf.h"
#include "inventory/inventory.h"

int inv_assets_each(struct store *s, const struct inv_filter *f, inv_asset_fn fn, void *arg,
		    struct merr *e)
{
	struct store_stmt *st = NULL;
	struct buf sql;
	int rc, k = 0;

	buf_init(&sql, 1024);
	buf_adds(&sql, "SELECT o.slug, a.kind, a.value, a.status, a.source, a.declared_by, a.note,"
		       " a.first_seen, a.last_seen FROM assets a JOIN orgs o ON o.id = a.org_id"
		       " WHERE 1 = 1");
	if (f && f->slug)
		buf_adds(&sql, " AND o.slug = ?");
	if (f && f->sector)
		buf_adds(&sql, " AND o.sector = ?");
	if (f && f->critical >= 0)
		buf_adds(&sql, f->critical ? " AND o.critical = 1" : " AND o.critical = 0");
	buf_adds(&sql, " ORDER BY o.slug, a.kind, a.value");
	if (!sql.ptr) {
		buf_release(&sql);
		return merr_set(e, M_ENOMEM, "assets query");
	}
	rc = store_prepare(s, sql.ptr, &st, e);
	buf_release(&sql);
	if (rc)
		return rc;
	if (f && f->slug)
		stmt_bind_text(st, ++k, f->slug);
	if (f && f->sector)
		stmt_bind_text(st, ++k, f->sector);
	while ((rc = stmt_step(st, e)) == 1) {
		struct inv_asset_row r = {
		    .org = stmt_text(st, 0),
		    .kind = stmt_text(st, 1),
		    .value = stmt_text(st, 2),
		    .status = stmt_text(st, 3),
		    .source = stmt_text(st, 4),
		    .declared_by = stmt_text(st, 5),
		    .note = stmt_text(st, 6),
		    .first_seen = stmt_is_null(st, 7) ? 0 : stmt_int64(st, 7),
		    .last_seen = stmt_is_null(st, 8) ? 0 : stmt_int64(st, 8),
		};
		if ((rc = fn(arg, &r)))
			break;
	}
	stmt_finalize(st);
	return rc;
}
