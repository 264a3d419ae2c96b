/* csv.c - bulk assets from CSV (RFC 4180: quoted fields, "" inside quotes, fields over
 * several lines), header org,kind,value[,declared_by[,note]]; errors carry the line. */
#include "base/compat.h"

#include "base/buf.h"
#include "base/mem.h"
#include "base/utf8.h"
#include "inventory/inventory_int.h"

#define CSV_MAX_FIELDS 8

static const char *const csv_columns[] = {"org", "kind", "value", "declared_by", "note"};

struct csv {
	const char *p, *end;
	long line;	/* line of the next character */
	long rec_line;	/* line the current record started on */
	struct buf rec; /* the fields, each NUL-terminated */
	size_t off[CSV_MAX_FIELDS];
	int n;
	const char *file;
	struct merr *e;
};

static int csv_fail(struct csv *r, long line, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int csv_fail(struct csv *r, long line, const char *field, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return merr_at(r->e, M_EPARSE, r->file, line, -1, field, "%s", msg);
}

static int end_field(struct csv *r)
{
	if (r->n >= CSV_MAX_FIELDS)
		return csv_fail(r, r->rec_line, NULL, "more than %d fields", CSV_MAX_FIELDS);
	if (r->rec.len - r->off[r->n] > INV_FIELD_MAX)
		return csv_fail(r, r->rec_line, csv_columns[r->n < 5 ? r->n : 4],
				"field longer than %d bytes", INV_FIELD_MAX);
	if (buf_addc(&r->rec, '\0'))
		return merr_set(r->e, M_ENOMEM, "out of memory reading CSV");
	r->n++;
	if (r->n < CSV_MAX_FIELDS)
		r->off[r->n] = r->rec.len;
	return 0;
}

static int add_char(struct csv *r, char ch)
{
	int rc;

	/* A NUL would cut the C string the field becomes (a.kanto\0-rail.test read as
	 * a.kanto); other control characters have no place in these fields either. */
	if ((unsigned char)ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r')
		return csv_fail(r, r->line, csv_columns[r->n < 5 ? r->n : 4],
				"control character 0x%02x in the field; refused",
				(unsigned char)ch);
	rc = buf_addc(&r->rec, ch);
	if (rc == M_ETOOBIG)
		return csv_fail(r, r->rec_line, NULL, "record too long");
	return rc ? merr_set(r->e, M_ENOMEM, "out of memory reading CSV") : 0;
}

/* Reads a quoted field's body; r->p is just past the opening quote. */
static int read_quoted(struct csv *r)
{
	long opened = r->line;

	for (;;) {
		int rc;
		if (r->p >= r->end)
			return csv_fail(r, opened, NULL, "unterminated quoted field (opened here)");
		if (*r->p == '"') {
			if (r->p + 1 < r->end && r->p[1] == '"') {
				r->p += 2;
				rc = add_char(r, '"');
			} else {
				r->p++;
				break;
			}
		} else {
			if (*r->p == '\n')
				r->line++;
			rc = add_char(r, *r->p++);
		}
		if (rc)
			return rc;
	}
	if (r->p < r->end && *r->p != ',' && *r->p != '\n' && *r->p != '\r')
		return csv_fail(r, r->line, NULL, "unexpected character after a closing quote");
	return 0;
}

/* Reads one record into r->rec; returns 1 when read, 0 at end of input. */
static int next_record(struct csv *r)
{
	int rc;

	if (r->p >= r->end)
		return 0;
	buf_reset(&r->rec);
	r->n = 0;
	r->off[0] = 0;
	r->rec_line = r->line;
	for (;;) {
		if (r->p < r->end && *r->p == '"') {
			r->p++;
			rc = read_quoted(r);
			if (rc)
				return rc;
		}
		while (r->p < r->end && *r->p != ',' && *r->p != '\n' &&
		       !(*r->p == '\r' && (r->p + 1 == r->end || r->p[1] == '\n'))) {
			if (*r->p == '"')
				return csv_fail(r, r->line, NULL,
						"a quote inside an unquoted field (quote the whole "
						"field and double the quote)");
			if ((rc = add_char(r, *r->p++)))
				return rc;
		}
		if ((rc = end_field(r)))
			return rc;
		if (r->p >= r->end)
			return 1;
		if (*r->p == ',') {
			r->p++;
			continue;
		}
		if (*r->p == '\r')
			r->p++;
		if (r->p < r->end)
			r->p++; /* '\n' */
		r->line++;
		return 1;
	}
}

static const char *fld(struct csv *r, int i)
{
	return i < r->n ? r->rec.ptr + r->off[i] : "";
}

static int check_header(struct csv *r, int *ncols)
{
	if (r->n < 3 || r->n > (int)ARRAY_SIZE(csv_columns))
		goto bad;
	for (int i = 0; i < r->n; i++)
		if (strcmp(fld(r, i), csv_columns[i]) != 0)
			goto bad;
	*ncols = r->n;
	return 0;
bad:
	return csv_fail(r, r->rec_line, "header",
			"expected the header org,kind,value,declared_by,note (the last two "
			"optional)");
}

/* Finds the org for slug, adding it; rows of one org usually come together. */
static struct inv_org *org_for(struct inv_doc *d, struct inv_org **last, const char *slug,
			       long line)
{
	struct inv_org *o;

	if (*last && strcmp((*last)->slug, slug) == 0)
		return *last;
	for (size_t i = d->n_orgs; i-- > 0;)
		if (strcmp(d->orgs[i].slug, slug) == 0)
			return *last = &d->orgs[i];
	o = inv_doc_add_org(d);
	if (!o)
		return NULL;
	o->slug = inv_strdup(d, slug);
	o->assets_only = true;
	o->line = line;
	return *last = o->slug ? o : NULL;
}

static int opt_field(struct csv *r, struct inv_doc *d, int i, char **out)
{
	const char *s = fld(r, i);

	*out = NULL;
	if (!*s)
		return 0;
	*out = inv_strdup(d, s);
	return *out ? 0 : merr_set(r->e, M_ENOMEM, "out of memory reading CSV");
}

static int one_row(struct csv *r, struct inv_doc *d, struct inv_org **last, int ncols)
{
	const char *slug = fld(r, 0), *kind = fld(r, 1);
	struct inv_org *o;
	struct inv_asset *a;
	char msg[200];
	size_t bad;
	int rc;

	if (r->n != ncols)
		return csv_fail(r, r->rec_line, NULL, "%d fields, the header has %d", r->n, ncols);
	for (int i = 0; i < r->n; i++)
		if (!utf8_valid(fld(r, i), strlen(fld(r, i)), &bad))
			return csv_fail(r, r->rec_line, csv_columns[i],
					"not valid UTF-8 (byte %zu of the value; save the file "
					"as UTF-8)",
					bad);
	if (!inv_slug_valid(slug))
		return csv_fail(r, r->rec_line, "org", "'%.80s' is not a valid organisation id",
				slug);
	if (!inv_asset_kind_valid(kind))
		return csv_fail(r, r->rec_line, "kind",
				"'%.40s' is not one of domain, hostname, ipv4, ipv6, cidr", kind);
	o = org_for(d, last, slug, r->rec_line);
	a = o ? inv_org_add_asset(d, o) : NULL;
	if (!a)
		return merr_set(r->e, M_ENOMEM, "out of memory reading CSV");
	a->line = r->rec_line;
	a->kind = inv_strdup(d, kind);
	if (!a->kind)
		return merr_set(r->e, M_ENOMEM, "out of memory reading CSV");
	rc = inv_asset_canon(d, kind, fld(r, 2), &a->value, msg, sizeof(msg));
	if (rc == M_ENOMEM)
		return merr_set(r->e, M_ENOMEM, "out of memory reading CSV");
	if (rc)
		return csv_fail(r, r->rec_line, "value", "%s", msg);
	if ((rc = opt_field(r, d, 3, &a->declared_by)) || (rc = opt_field(r, d, 4, &a->note)))
		return rc;
	return 0;
}

static bool blank_record(struct csv *r)
{
	return r->n == 1 && !*fld(r, 0);
}

int inv_parse_csv(const char *buf, size_t len, const char *file, struct inv_doc **out,
		  struct merr *e)
{
	struct csv r = {.p = buf, .end = buf + len, .line = 1, .file = file, .e = e};
	struct inv_doc *d = NULL;
	struct inv_org *last = NULL;
	int rc, ncols = 0;

	*out = NULL;
	if (len > INV_FILE_MAX)
		return merr_at(e, M_ETOOBIG, file, -1, -1, NULL, "larger than %zu bytes",
			       INV_FILE_MAX);
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		r.p += 3; /* the BOM spreadsheet programs write */
	buf_init(&r.rec, 64 << 10);
	d = inv_doc_new();
	if (!d) {
		rc = merr_set(e, M_ENOMEM, "out of memory reading CSV");
		goto out;
	}
	rc = next_record(&r);
	if (rc == 0)
		rc = csv_fail(&r, 1, "header", "empty file (expected org,kind,value,...)");
	if (rc < 0)
		goto out;
	if ((rc = check_header(&r, &ncols)))
		goto out;
	while ((rc = next_record(&r)) == 1) {
		if (blank_record(&r))
			continue;
		if ((rc = one_row(&r, d, &last, ncols)))
			goto out;
	}
	if (rc == 0)
		rc = inv_doc_check(d, file, e);
out:
	buf_release(&r.rec);
	if (rc) {
		inv_doc_free(d);
		return rc;
	}
	*out = d;
	return 0;
}
