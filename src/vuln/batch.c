/*
 * batch.c - matching a file of service fingerprints: identical lines are matched once and
 * counted by multiplicity, and the distinct lines, grouped by product, are shared between
 * worker threads, each with its own store connection and matcher.
 */
#include "base/compat.h"

#include <errno.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/hash.h"
#include "base/buf.h"
#include "base/mem.h"
#include "vuln/match.h"

#define LINE_MAX_BYTES 4096
#define THREADS_MAX 4
#define DISTINCT_MAX ((size_t)1 << 22) /* distinct lines held in memory */

struct entry {
	char *line; /* owned, without the newline */
	size_t count;
	size_t group_len; /* bytes of the line naming the product (the grouping key) */
};

struct gsize {
	size_t size, g;
};

struct batch {
	struct entry *v;
	size_t n, cap;
	size_t *slot; /* open addressing over v: index + 1, 0 empty */
	size_t slots;
	size_t *gstart; /* groups: [gstart[i], gstart[i + 1]) in v after sorting */
	size_t n_groups;
	struct gsize *gorder; /* groups, largest first */
	size_t next;	      /* next group to take (under mu) */
	pthread_mutex_t mu;
	unsigned flags;
};

bool vuln_batch_line(char *line, struct vuln_product *p, char *vendor, size_t cap)
{
	char *f[3] = {line, NULL, NULL}, *colon;

	memset(p, 0, sizeof(*p));
	line[strcspn(line, "\r\n")] = '\0';
	for (int i = 1; i < 3 && f[i - 1]; i++)
		if ((f[i] = strchr(f[i - 1], '\t')))
			*f[i]++ = '\0';
	if (!*line || *line == '#')
		return false;
	if (strncmp(line, "cpe:", 4) == 0) {
		p->cpe = line;
	} else {
		snprintf(vendor, cap, "%s", line);
		if (!(colon = strchr(vendor, ':')))
			return false;
		*colon = '\0';
		p->vendor = vendor;
		p->product = colon + 1;
		p->version = f[1];
	}
	p->banner = f[2];
	return true;
}

/* The product part of a line: "vendor:product" before the tab, or a CPE's first 5 fields. */
static size_t group_len(const char *line)
{
	size_t n = strcspn(line, "\t");
	if (strncmp(line, "cpe:", 4) == 0) {
		int colons = 0;
		for (size_t i = 0; i < n; i++)
			if (line[i] == ':' && i > 0 && line[i - 1] != '\\' && ++colons == 5)
				return i;
	}
	return n;
}

static int grow_slots(struct batch *b)
{
	size_t slots = b->slots ? b->slots * 2 : 1024;
	size_t *slot = m_calloc(slots, sizeof(*slot));

	if (!slot)
		return M_ENOMEM;
	for (size_t i = 0; i < b->n; i++) {
		size_t j = hash_str(b->v[i].line) & (slots - 1);
		while (slot[j])
			j = (j + 1) & (slots - 1);
		slot[j] = i + 1;
	}
	m_free(b->slot);
	b->slot = slot;
	b->slots = slots;
	return 0;
}

/* Counts line (no newline) once more, adding it when new. */
static int add_line(struct batch *b, const char *line)
{
	size_t j;

	if ((b->n + 1) * 2 > b->slots && grow_slots(b))
		return M_ENOMEM;
	for (j = hash_str(line) & (b->slots - 1); b->slot[j]; j = (j + 1) & (b->slots - 1)) {
		struct entry *en = &b->v[b->slot[j] - 1];
		if (strcmp(en->line, line) == 0) {
			en->count++;
			return 0;
		}
	}
	if (b->n >= DISTINCT_MAX)
		return M_ETOOBIG;
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 1024;
		void *nv = m_realloc(b->v, cap * sizeof(*b->v));
		if (!nv)
			return M_ENOMEM;
		b->v = nv;
		b->cap = cap;
	}
	if (!(b->v[b->n].line = m_strdup(line)))
		return M_ENOMEM;
	b->v[b->n].count = 1;
	b->v[b->n].group_len = group_len(line);
	b->slot[j] = ++b->n;
	return 0;
}

static int read_lines(struct batch *b, const char *path, struct merr *e)
{
	char line[LINE_MAX_BYTES];
	struct stat sb;
	FILE *f;
	long no = 0;
	size_t services = 0;
	int rc = 0;

	if (stat(path, &sb) != 0)
		return merr_at(e, M_ENOTFOUND, path, -1, -1, NULL, "cannot open: %s",
			       strerror(errno));
	if (S_ISDIR(sb.st_mode))
		return merr_at(e, M_EINVAL, path, -1, -1, NULL,
			       "is a folder: give a batch file, one service a line / フォルダです");
	if (!(f = fopen(path, "r")))
		return merr_at(e, M_EIO, path, -1, -1, NULL, "cannot open: %s", strerror(errno));
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		no++;
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] && line[0] != '#') {
			rc = add_line(b, line);
			services++;
		}
	}
	if (rc == 0 && ferror(f))
		rc = M_EIO;
	fclose(f);
	if (rc == M_EIO)
		return merr_at(e, rc, path, no, -1, NULL, "read error");
	if (rc == M_ETOOBIG)
		return merr_at(e, rc, path, no, -1, NULL, "more than %zu distinct lines",
			       DISTINCT_MAX);
	if (rc == 0 && services == 0)
		return merr_at(e, M_EPARSE, path, -1, -1, NULL,
			       "no service lines: nothing to match / 照合するサービスがありません");
	return rc ? merr_set(e, rc, "out of memory") : 0;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	size_t n = x->group_len < y->group_len ? x->group_len : y->group_len;
	int r = memcmp(x->line, y->line, n);

	if (r)
		return r;
	if (x->group_len != y->group_len)
		return x->group_len < y->group_len ? -1 : 1;
	return strcmp(x->line, y->line);
}

static int cmp_group(const void *a, const void *b)
{
	const struct gsize *x = a, *y = b;
	return x->size < y->size ? 1 : x->size > y->size ? -1 : 0;
}

static bool same_group(const struct entry *a, const struct entry *b)
{
	return a->group_len == b->group_len && memcmp(a->line, b->line, a->group_len) == 0;
}

/* Sorts the lines by product and lists the groups, largest first (so the big ones start
 * early and the small ones fill in). */
static int make_groups(struct batch *b)
{
	size_t g = 0;

	qsort(b->v, b->n, sizeof(*b->v), cmp_entry);
	b->gstart = m_calloc(b->n + 2, sizeof(*b->gstart));
	b->gorder = m_calloc(b->n + 1, sizeof(*b->gorder));
	if (!b->gstart || !b->gorder)
		return M_ENOMEM;
	for (size_t i = 0; i < b->n; i++)
		if (i == 0 || !same_group(&b->v[i - 1], &b->v[i]))
			b->gstart[g++] = i;
	b->gstart[g] = b->n;
	b->n_groups = g;
	for (size_t i = 0; i < g; i++) {
		b->gorder[i].g = i;
		b->gorder[i].size = b->gstart[i + 1] - b->gstart[i];
	}
	qsort(b->gorder, g, sizeof(*b->gorder), cmp_group);
	return 0;
}

struct worker {
	struct batch *b;
	struct store *s; /* the worker's own connection (NULL: use caller's) */
	struct store *borrowed;
	const char *path;
	struct vuln_batch_stats st;
	struct merr e;
	int rc;
};

static void match_entry(struct worker *w, struct vuln_matcher *m, const struct entry *en)
{
	char line[LINE_MAX_BYTES], vendor[LINE_MAX_BYTES];
	struct vuln_product p;
	const struct vuln_result *r;
	size_t n;

	snprintf(line, sizeof(line), "%s", en->line);
	if (!vuln_batch_line(line, &p, vendor, sizeof(vendor)))
		return;
	w->st.services += en->count;
	if (vuln_match_one(m, &p, w->b->flags, &r, &n, NULL)) {
		w->st.rejected += en->count;
		return;
	}
	w->st.results += n * en->count;
	for (size_t i = 0; i < n; i++)
		w->st.states[r[i].state] += en->count;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct vuln_matcher *m = NULL;
	struct store *s = w->borrowed;

	if (!s && (w->rc = store_open_existing(w->path, &w->s, &w->e)) == 0)
		s = w->s;
	if (s && (w->rc = vuln_matcher_new(s, &m, &w->e)) == 0) {
		for (;;) {
			size_t g;
			pthread_mutex_lock(&w->b->mu);
			g = w->b->next < w->b->n_groups ? w->b->gorder[w->b->next++].g : SIZE_MAX;
			pthread_mutex_unlock(&w->b->mu);
			if (g == SIZE_MAX)
				break;
			for (size_t i = w->b->gstart[g]; i < w->b->gstart[g + 1]; i++)
				match_entry(w, m, &w->b->v[i]);
		}
	}
	vuln_matcher_free(m);
	store_close(w->s);
	w->s = NULL;
	return NULL;
}

static int run_workers(struct store *s, struct batch *b, int threads, struct vuln_batch_stats *out,
		       struct merr *e)
{
	struct worker w[THREADS_MAX];
	pthread_t th[THREADS_MAX];
	bool started[THREADS_MAX] = {false};
	char path[4096];
	int rc = 0;

	store_peer_location(s, path, sizeof(path)); /* each worker opens its own handle */
	if (!path[0])
		threads = 1;
	memset(w, 0, sizeof(w));
	for (int i = 0; i < threads; i++) {
		w[i].b = b;
		w[i].path = path;
		w[i].borrowed = i == 0 ? s : NULL;
		merr_init(&w[i].e);
	}
	for (int i = 1; i < threads; i++)
		started[i] = pthread_create(&th[i], NULL, worker_main, &w[i]) == 0;
	worker_main(&w[0]); /* the calling thread works too, on the caller's connection */
	for (int i = 1; i < threads; i++)
		if (started[i])
			pthread_join(th[i], NULL);
	for (int i = 0; i < threads; i++) {
		if (w[i].rc && !rc) {
			rc = w[i].rc;
			if (e)
				*e = w[i].e;
		}
		out->services += w[i].st.services;
		out->rejected += w[i].st.rejected;
		out->results += w[i].st.results;
		for (int k = 0; k <= VULN_PROBABLE_BACKPORT; k++)
			out->states[k] += w[i].st.states[k];
	}
	return rc;
}

int vuln_match_batch(struct store *s, const char *path, unsigned flags, int threads,
		     struct vuln_batch_stats *out, struct merr *e)
{
	struct batch b = {.flags = flags};
	int rc;

	memset(out, 0, sizeof(*out));
	if (threads <= 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		threads = n > 0 ? (int)n : 1;
	}
	if (threads > THREADS_MAX)
		threads = THREADS_MAX;
	pthread_mutex_init(&b.mu, NULL);
	rc = read_lines(&b, path, e);
	if (rc == 0 && (rc = make_groups(&b)))
		merr_set(e, rc, "out of memory");
	if (rc == 0) {
		if ((size_t)threads > b.n_groups)
			threads = b.n_groups ? (int)b.n_groups : 1;
		rc = run_workers(s, &b, threads, out, e);
	}
	for (size_t i = 0; i < b.n; i++)
		m_free(b.v[i].line);
	m_free(b.v);
	m_free(b.slot);
	m_free(b.gstart);
	m_free(b.gorder);
	pthread_mutex_destroy(&b.mu);
	return rc;
}
