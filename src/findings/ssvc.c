/* ssvc.c - the CERT/CC SSVC decision tables (CISA BOD 26-04 remediation timelines and the
 * CISA coordinator tree), read from the data folder at run time and looked up per finding. */
#include "base/compat.h"

#include <errno.h>
#include <strings.h>

#include "base/buf.h"
#include "base/mem.h"
#include "findings/findings_int.h"

#define SSVC_FILE_MAX (64 * 1024)
#define SSVC_ROWS_MAX 64
#define SSVC_COLS 5

/* A table: up to SSVC_COLS decision columns (the last one is the outcome). */
struct ssvc_table {
	size_t n;
	char cell[SSVC_ROWS_MAX][SSVC_COLS][64];
	int row_no[SSVC_ROWS_MAX];
};

struct finding_ssvc {
	struct ssvc_table bod, coord;
};

/* Column headers looked up by name (prefix), as the data README asks, not by position. */
static const char *const bod_cols[SSVC_COLS] = {"In KEV", "Publicly Exposed", "Automatable",
						"Technical Impact", "CISA BOD 26-04"};
static const char *const coord_cols[SSVC_COLS] = {"Exploitation", "Automatable", "Technical Impact",
						  "Mission and Well-Being", "CISA Levels"};

static int read_small(const char *path, struct buf *b, struct merr *e)
{
	FILE *f = fopen(path, "r");
	char chunk[4096];
	size_t n;
	int rc = 0;

	if (!f)
		return merr_at(e, M_EIO, path, -1, -1, NULL, "cannot open: %s", strerror(errno));
	while (rc == 0 && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		rc = buf_add(b, chunk, n);
	fclose(f);
	if (rc)
		return merr_at(e, rc, path, -1, -1, NULL, "file too large or out of memory");
	return 0;
}

/* Splits one CSV line of plain fields (the SSVC files use no quotes) in place. */
static size_t split_line(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *p = line;

	while (n < max) {
		f[n++] = p;
		p = strchr(p, ',');
		if (!p)
			break;
		*p++ = '\0';
	}
	return n;
}

static int map_header(char **f, size_t nf, const char *const *names, int *idx, const char *path,
		      struct merr *e)
{
	for (size_t c = 0; c < SSVC_COLS; c++) {
		idx[c] = -1;
		for (size_t i = 0; i < nf; i++)
			if (!strncmp(f[i], names[c], strlen(names[c])))
				idx[c] = (int)i;
		if (idx[c] < 0)
			return merr_at(e, M_EPARSE, path, 1, -1, names[c], "column missing");
	}
	return 0;
}

static int parse_table(const char *path, char *text, const char *const *names, struct ssvc_table *t,
		       struct merr *e)
{
	char *save = text, *line, *f[16];
	int idx[SSVC_COLS], rc;
	long lineno = 0;

	t->n = 0;
	while ((line = strsep(&save, "\n")) != NULL) {
		size_t nf, len = strlen(line);
		if (len && line[len - 1] == '\r')
			line[--len] = '\0';
		lineno++;
		if (!len)
			continue;
		nf = split_line(line, f, ARRAY_SIZE(f));
		if (lineno == 1) {
			if ((rc = map_header(f, nf, names, idx, path, e)))
				return rc;
			continue;
		}
		if (t->n >= SSVC_ROWS_MAX)
			return merr_at(e, M_ETOOBIG, path, lineno, -1, NULL, "too many rows");
		for (size_t c = 0; c < SSVC_COLS; c++) {
			if ((size_t)idx[c] >= nf || strlen(f[idx[c]]) >= sizeof(t->cell[0][0]))
				return merr_at(e, M_EPARSE, path, lineno, -1, names[c], "bad cell");
			snprintf(t->cell[t->n][c], sizeof(t->cell[0][0]), "%s", f[idx[c]]);
		}
		t->row_no[t->n] = (int)strtol(f[0], NULL, 10);
		t->n++;
	}
	if (t->n == 0)
		return merr_at(e, M_EPARSE, path, lineno, -1, NULL, "no rows");
	return 0;
}

static int load_one(const char *dir, const char *name, const char *const *cols,
		    struct ssvc_table *t, struct merr *e)
{
	char path[1024];
	struct buf b;
	int rc;

	snprintf(path, sizeof(path), "%s/ssvc/%s", dir, name);
	buf_init(&b, SSVC_FILE_MAX);
	rc = read_small(path, &b, e);
	if (rc == 0)
		rc = parse_table(path, b.ptr ? b.ptr : (char *)"", cols, t, e);
	buf_release(&b);
	return rc;
}

int finding_ssvc_load(const char *data_dir, struct finding_ssvc **out, struct merr *e)
{
	struct finding_ssvc *t = m_calloc(1, sizeof(*t));
	int rc;

	*out = NULL;
	if (!t)
		return merr_set(e, M_ENOMEM, "out of memory");
	rc = load_one(data_dir, "cisa_bod_26_04_1_0_0.csv", bod_cols, &t->bod, e);
	if (rc == 0)
		rc = load_one(data_dir, "cisa_coordinator_2_0_3.csv", coord_cols, &t->coord, e);
	if (rc) {
		m_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

void finding_ssvc_free(struct finding_ssvc *t)
{
	m_free(t);
}

static int find_row(const struct ssvc_table *t, const char *const *want)
{
	for (size_t r = 0; r < t->n; r++) {
		size_t c = 0;
		while (c < SSVC_COLS - 1 && !strcasecmp(t->cell[r][c], want[c]))
			c++;
		if (c == SSVC_COLS - 1)
			return (int)r;
	}
	return -1;
}

const char *finding_exploitation_name(enum finding_exploitation x)
{
	static const char *const names[] = {"none", "public poc", "active"};
	return (unsigned)x < ARRAY_SIZE(names) ? names[x] : "none";
}

const char *finding_mwi_name(enum finding_mwi m)
{
	static const char *const names[] = {"low", "medium", "high"};
	return (unsigned)m < ARRAY_SIZE(names) ? names[m] : "medium";
}

int finding_ssvc_decide(const struct finding_ssvc *t, const struct finding_ssvc_in *in,
			struct finding_ssvc_out *out, struct merr *e)
{
	const char *ti = in->total ? "total" : "partial", *au = in->automatable ? "yes" : "no";
	const char *bod_key[] = {in->in_kev ? "yes" : "no", in->exposed ? "yes" : "no", au, ti};
	const char *coord_key[] = {finding_exploitation_name(in->exploitation), au, ti,
				   finding_mwi_name(in->mwi)};
	int rb = find_row(&t->bod, bod_key), rcd = find_row(&t->coord, coord_key);
	const char *tl;
	char *end;

	memset(out, 0, sizeof(*out));
	if (rb < 0 || rcd < 0)
		return merr_set(e, M_ENOTFOUND,
				"no SSVC row for kev=%s exposed=%s automatable=%s "
				"ti=%s exploitation=%s mwi=%s",
				bod_key[0], bod_key[1], au, ti, coord_key[0], coord_key[3]);
	tl = t->bod.cell[rb][SSVC_COLS - 1];
	out->bod_row = t->bod.row_no[rb];
	out->coord_row = t->coord.row_no[rcd];
	snprintf(out->timeline, sizeof(out->timeline), "%s", tl);
	snprintf(out->decision, sizeof(out->decision), "%s", t->coord.cell[rcd][SSVC_COLS - 1]);
	out->days = (int)strtol(tl, &end, 10);
	if (end == tl || strncmp(end, " day", 4))
		out->days = -1;
	out->forensic = strstr(tl, "forensic") != NULL;
	return 0;
}

/* Value of metric `name` in a CVSS vector ("AV" in "CVSS:3.1/AV:N/..."), or '\0'. */
static char metric(const char *v, const char *name)
{
	size_t n = strlen(name);
	const char *p = v;

	while (p && *p) {
		if (!strncmp(p, name, n) && p[n] == ':')
			return p[n + 1];
		p = strchr(p, '/');
		if (p)
			p++;
	}
	return '\0';
}

bool finding_cvss_automatable(const char *v)
{
	if (!v || !*v)
		return false;
	if (metric(v, "Au")) /* v2: Access Vector, Access Complexity, Authentication */
		return metric(v, "AV") == 'N' && metric(v, "AC") == 'L' && metric(v, "Au") == 'N';
	if (metric(v, "AV") != 'N' || metric(v, "AC") != 'L' || metric(v, "PR") != 'N' ||
	    metric(v, "UI") != 'N')
		return false;
	return !metric(v, "AT") || metric(v, "AT") == 'N';
}

bool finding_cvss_total(const char *v)
{
	if (!v || !*v)
		return false;
	if (metric(v, "VC")) /* v4: vulnerable-system impact */
		return metric(v, "VC") == 'H' && metric(v, "VI") == 'H' && metric(v, "VA") == 'H';
	if (metric(v, "Au"))
		return metric(v, "C") == 'C' && metric(v, "I") == 'C' && metric(v, "A") == 'C';
	return metric(v, "C") == 'H' && metric(v, "I") == 'H' && metric(v, "A") == 'H';
}

int finding_ssvc_parse_buf(const char *text, size_t len, bool coordinator, struct merr *e)
{
	struct ssvc_table *t = m_calloc(1, sizeof(*t));
	char *copy = m_strndup(text, len);
	int rc;

	if (!t || !copy) {
		m_free(t);
		m_free(copy);
		return merr_set(e, M_ENOMEM, "out of memory");
	}
	rc = parse_table("<buffer>", copy, coordinator ? coord_cols : bod_cols, t, e);
	if (rc == 0)
		rc = (int)t->n;
	m_free(copy);
	m_free(t);
	return rc;
}
