/*
 * run.c - DNS discovery: ask the resolver about each confirmed name of an organisation,
 * then write records, e-mail hygiene and candidates for that organisation in one transaction.
 */
#include "base/compat.h"

#include <time.h>

#include "base/mem.h"
#include "discover/discover_int.h"
#include "inventory/inventory.h"
#include "share/share.h"

/* The e-mail hygiene of one domain, when both its TXT questions were answered. */
struct hyg {
	char domain[256];
	struct disc_spf spf;
	struct disc_dmarc dmarc;
	char *spf_rec, *dmarc_rec; /* owned copies */
};

/* Everything one organisation's questions returned. */
struct found {
	struct disc_answer all;
	struct hyg *hyg;
	size_t n_hyg;
};

struct run {
	struct store *s;
	struct disc_resolver *r;
	int64_t now;
	struct timespec t0;
	int max_seconds;
	disc_event_fn fn;
	void *arg;
	struct disc_dns_stats *st;
	struct merr *e;
};

static void emit(struct run *R, struct disc_event *ev)
{
	if (R->fn)
		R->fn(ev, R->arg);
}

static int over_time(struct run *R)
{
	struct timespec t;

	if (R->max_seconds <= 0)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &t);
	if (t.tv_sec - R->t0.tv_sec < R->max_seconds)
		return 0;
	return merr_set(R->e, M_ETIMEOUT,
			"discovery stopped after %d s (time limit) / 制限時間を超えました",
			R->max_seconds);
}

/* Moves every record of a into all. */
static int take(struct disc_answer *all, struct disc_answer *a)
{
	for (size_t i = 0; i < a->n_rrs; i++) {
		struct disc_rr *r = &a->rrs[i];
		if (disc_answer_add(all, r->name, r->rtype, r->value, r->target, r->ttl))
			return M_ENOMEM;
	}
	return 0;
}

static const char *rcode_name(int rc)
{
	static const char *const n[] = {"NOERROR", "NXDOMAIN", "SERVFAIL", "REFUSED", "error"};

	return rc >= 0 && rc < (int)ARRAY_SIZE(n) ? n[rc] : "error";
}

/* Asks one question. Returns 0 (answered: *ok says whether the name could be looked up),
 * or a negative code that ends the run (resolver silent, time up, out of memory). */
static int ask(struct run *R, const char *org, const char *name, int rtype, struct disc_answer *all,
	       bool *ok)
{
	struct disc_answer a = {0};
	int rc = over_time(R);

	*ok = false;
	if (rc)
		return rc;
	R->st->queries++;
	rc = R->r->ops->query(R->r->impl, name, rtype, &a, R->e);
	if (rc == 0 && (a.rcode == DISC_RC_OK || a.rcode == DISC_RC_NXDOMAIN)) {
		*ok = true;
		if (take(all, &a))
			rc = merr_set(R->e, M_ENOMEM, "out of memory");
	} else if (rc == 0) {
		char msg[128];
		struct disc_event ev = {.kind = DISC_EV_ERROR, .org = org, .domain = name};
		snprintf(msg, sizeof(msg), "%s %s: %s", name, disc_rtype_name(rtype),
			 rcode_name(a.rcode));
		ev.error = msg;
		R->st->lookup_errors++;
		emit(R, &ev);
	}
	disc_answer_release(&a);
	return rc;
}

/* The TXT strings of owner in all[from..). */
static size_t txts_of(const struct disc_answer *all, size_t from, const char *owner,
		      const char **txt, size_t *len, size_t cap)
{
	size_t n = 0;

	for (size_t i = from; i < all->n_rrs && n < cap; i++) {
		if (all->rrs[i].rtype == DISC_TXT && strcmp(all->rrs[i].name, owner) == 0) {
			txt[n] = all->rrs[i].value;
			len[n++] = strlen(all->rrs[i].value);
		}
	}
	return n;
}

static int add_hygiene(struct found *f, const char *domain, size_t txt_from, size_t dmarc_from)
{
	const char *txt[32];
	size_t len[32], n;
	char dname[300];
	struct hyg *h, *v = m_realloc(f->hyg, (f->n_hyg + 1) * sizeof(*v));

	if (!v)
		return M_ENOMEM;
	f->hyg = v;
	h = memset(&f->hyg[f->n_hyg++], 0, sizeof(*h));
	snprintf(h->domain, sizeof(h->domain), "%s", domain);
	n = txts_of(&f->all, txt_from, domain, txt, len, ARRAY_SIZE(txt));
	disc_spf_eval(txt, len, n, &h->spf);
	if (h->spf.state == DISC_POL_OK || h->spf.state == DISC_POL_INVALID)
		h->spf_rec = m_strdup(txt[h->spf.record]);
	snprintf(dname, sizeof(dname), "_dmarc.%s", domain);
	n = txts_of(&f->all, dmarc_from, dname, txt, len, ARRAY_SIZE(txt));
	disc_dmarc_eval(txt, len, n, &h->dmarc);
	if (h->dmarc.state == DISC_POL_OK || h->dmarc.state == DISC_POL_INVALID)
		h->dmarc_rec = m_strdup(txt[h->dmarc.record]);
	return 0;
}

/* Every question about one name; for a domain also its _dmarc TXT and the hygiene. */
static int ask_name(struct run *R, const char *org, const char *name, bool domain, struct found *f)
{
	bool ok, txt_ok = false, dmarc_ok = false;
	size_t txt_from = 0, dmarc_from;
	char dname[300];
	int rc = 0;

	R->st->names++;
	for (int t = 0; rc == 0 && t < DISC_RTYPE_N; t++) {
		if (t == DISC_TXT)
			txt_from = f->all.n_rrs;
		rc = ask(R, org, name, t, &f->all, &ok);
		if (t == DISC_TXT)
			txt_ok = ok;
	}
	if (rc || !domain)
		return rc;
	snprintf(dname, sizeof(dname), "_dmarc.%s", name);
	dmarc_from = f->all.n_rrs;
	rc = ask(R, org, dname, DISC_TXT, &f->all, &dmarc_ok);
	/* A failed lookup is not "no SPF": keep the previous summary instead. */
	if (rc == 0 && txt_ok && dmarc_ok && add_hygiene(f, name, txt_from, dmarc_from))
		rc = merr_set(R->e, M_ENOMEM, "out of memory");
	return rc;
}

static int cmp_rr(const void *pa, const void *pb)
{
	const struct disc_rr *a = pa, *b = pb;
	int c = strcmp(a->name, b->name);

	if (!c)
		c = a->rtype - b->rtype;
	return c ? c : strcmp(a->value, b->value);
}

/* Sorts the records and drops repeats (one answer can repeat another's CNAME chain). */
static void dedupe(struct disc_answer *a)
{
	size_t o = 0;

	if (a->n_rrs < 2)
		return;
	qsort(a->rrs, a->n_rrs, sizeof(*a->rrs), cmp_rr);
	for (size_t i = 0; i < a->n_rrs; i++) {
		if (o && cmp_rr(&a->rrs[o - 1], &a->rrs[i]) == 0) {
			m_free(a->rrs[i].name);
			m_free(a->rrs[i].value);
			m_free(a->rrs[i].target);
			continue;
		}
		a->rrs[o++] = a->rrs[i];
	}
	a->n_rrs = o;
}

static int put_record(struct run *R, struct disc_w *w, const struct disc_org *o,
		      const struct disc_rr *rr)
{
	int64_t id = 0;
	const char *t = disc_rtype_name(rr->rtype);
	int rc = dw_exec(w, W_REC_GET, &id, "ittt", o->id, rr->name, t, rr->value);
	struct disc_event ev = {.kind = DISC_EV_RECORD, .org = o->slug, .rr = rr};

	if (rc == 1)
		rc = dw_exec(w, W_REC_UPD, NULL, "iii", (int64_t)rr->ttl, R->now, id);
	else if (rc == 0)
		rc = dw_exec(w, W_REC_INS, NULL, "itttiii", o->id, rr->name, t, rr->value,
			     (int64_t)rr->ttl, R->now, R->now);
	if (rc < 0)
		return rc;
	ev.is_new = id == 0;
	R->st->records++;
	R->st->records_new += ev.is_new;
	emit(R, &ev);
	return 0;
}

/* The candidate a record points to, if any: kind, value and why. */
static bool candidate_of(const struct disc_org *o, const struct disc_rr *rr, const char **kind,
			 const char **value, char *why, size_t cap, long *external)
{
	struct ipaddr ip;

	switch (rr->rtype) {
	case DISC_A:
	case DISC_AAAA:
		if (ip_parse(rr->value, &ip) != 0 || ipset_contains(&o->addrs, &ip))
			return false; /* already inside a registered address or range */
		*kind = ip.family == 4 ? "ipv4" : "ipv6";
		*value = rr->value;
		snprintf(why, cap, "%s の %s レコード / %s record of %s", rr->name,
			 disc_rtype_name(rr->rtype), disc_rtype_name(rr->rtype), rr->name);
		return true;
	case DISC_CNAME:
		*kind = "hostname";
		*value = rr->target;
		snprintf(why, cap, "%s の CNAME 先%s / CNAME target of %s%s", rr->name,
			 disc_org_owns_name(o, rr->target) ? "" : " (登録ドメイン外)", rr->name,
			 disc_org_owns_name(o, rr->target) ? "" : " (outside registered domains)");
		return rr->target != NULL;
	case DISC_MX:
	case DISC_NS:
		if (!rr->target || !disc_org_owns_name(o, rr->target)) {
			(*external)++; /* a provider's host is not the org's asset */
			return false;
		}
		*kind = "hostname";
		*value = rr->target;
		snprintf(why, cap, "%s の %s ホスト / %s host of %s", rr->name,
			 disc_rtype_name(rr->rtype), disc_rtype_name(rr->rtype), rr->name);
		return true;
	default: return false;
	}
}

static int put_candidates(struct run *R, struct disc_w *w, const struct disc_org *o,
			  const struct found *f)
{
	struct strv done = {0};
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < f->all.n_rrs; i++) {
		const char *kind, *value;
		char why[600];
		struct disc_event ev = {.kind = DISC_EV_CANDIDATE, .org = o->slug};
		size_t before = done.n;
		if (!candidate_of(o, &f->all.rrs[i], &kind, &value, why, sizeof(why),
				  &R->st->external))
			continue;
		if ((rc = strv_add_unique(&done, value, strlen(value))) != 0)
			rc = merr_set(R->e, rc, "out of memory");
		if (rc || done.n == before)
			continue; /* reported already in this run */
		rc = dw_candidate(w, o, kind, value, "dns", why, R->now, &ev.is_new);
		if (rc)
			break;
		ev.cand_kind = kind;
		ev.cand_value = value;
		ev.reason = why;
		R->st->candidates++;
		R->st->candidates_new += ev.is_new;
		emit(R, &ev);
	}
	strv_clear(&done);
	return rc;
}

static int put_hygiene(struct run *R, struct disc_w *w, const struct disc_org *o,
		       const struct hyg *h)
{
	const struct disc_spf *s = &h->spf;
	const struct disc_dmarc *d = &h->dmarc;
	bool dm = d->state == DISC_POL_OK;
	struct disc_event ev = {
	    .kind = DISC_EV_HYGIENE, .org = o->slug, .domain = h->domain, .spf = s, .dmarc = d};
	int rc = dw_exec(w, W_HYGIENE, NULL, "itttttittttitii", o->id, h->domain,
			 disc_pol_state_name(s->state), h->spf_rec, s->all[0] ? s->all : NULL,
			 s->redirect[0] ? s->redirect : NULL, (int64_t)s->n_includes,
			 disc_pol_state_name(d->state), h->dmarc_rec, dm ? d->p : NULL,
			 dm && d->sp[0] ? d->sp : NULL, (int64_t)(dm ? d->pct : 100),
			 dm && d->rua[0] ? d->rua : NULL, R->now, R->now);

	if (rc < 0)
		return rc;
	emit(R, &ev);
	return 0;
}

static int write_org(struct run *R, const struct disc_org *o, struct found *f)
{
	struct disc_w w;
	char detail[256];
	long rec0 = R->st->records_new, cand0 = R->st->candidates_new;
	int rc = store_begin(R->s, R->e);

	dw_init(&w, R->s, R->e);
	dedupe(&f->all);
	for (size_t i = 0; rc == 0 && i < f->all.n_rrs; i++)
		rc = put_record(R, &w, o, &f->all.rrs[i]);
	if (rc == 0)
		rc = put_candidates(R, &w, o, f);
	for (size_t i = 0; rc == 0 && i < f->n_hyg; i++)
		rc = put_hygiene(R, &w, o, &f->hyg[i]);
	snprintf(detail, sizeof(detail),
		 "{\"resolver\":\"%s\",\"records_new\":%ld,\"candidates_new\":%ld}", R->r->desc,
		 R->st->records_new - rec0, R->st->candidates_new - cand0);
	if (rc == 0)
		rc = dw_audit(&w, R->now, "system", "discover.dns", o->slug, detail);
	dw_release(&w);
	if (rc == 0)
		rc = store_commit(R->s, R->e);
	if (rc)
		store_rollback(R->s);
	else /* shared indicators against the DNS records just stored */
		rc = share_match_new(R->s, R->now, NULL, NULL, R->e);
	return rc;
}

static int run_org(struct run *R, const struct inv_org *io)
{
	struct disc_org o;
	struct found f = {0};
	int rc = disc_org_init(&o, io);

	if (rc)
		return merr_set(R->e, rc, "out of memory");
	R->st->orgs++;
	for (size_t i = 0; rc == 0 && i < o.domains.n; i++)
		rc = ask_name(R, o.slug, o.domains.v[i], true, &f);
	for (size_t i = 0; rc == 0 && i < o.hosts.n; i++)
		rc = ask_name(R, o.slug, o.hosts.v[i], false, &f);
	if (rc == 0)
		rc = write_org(R, &o, &f);
	disc_answer_release(&f.all);
	for (size_t i = 0; i < f.n_hyg; i++) {
		m_free(f.hyg[i].spf_rec);
		m_free(f.hyg[i].dmarc_rec);
	}
	m_free(f.hyg);
	disc_org_release(&o);
	return rc;
}

int disc_dns_run(struct store *s, const char *org_slug, struct disc_resolver *r, int64_t now,
		 int max_seconds, disc_event_fn fn, void *arg, struct disc_dns_stats *st,
		 struct merr *e)
{
	struct disc_dns_stats dummy;
	struct inv_filter flt = {.slug = org_slug, .critical = -1, .with = INV_WITH_ASSETS};
	struct inv_doc *doc = NULL;
	struct run R = {s, r, now, {0, 0}, max_seconds, fn, arg, st ? st : &dummy, e};
	int rc;

	memset(R.st, 0, sizeof(*R.st));
	clock_gettime(CLOCK_MONOTONIC, &R.t0);
	rc = inv_load(s, &flt, &doc, e);
	for (size_t i = 0; rc == 0 && i < doc->n_orgs; i++)
		rc = run_org(&R, &doc->orgs[i]);
	inv_doc_free(doc);
	return rc;
}
