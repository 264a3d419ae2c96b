/* collect.c - builds an organisation's candidate findings from the store: services and
 * declared products through the matcher (with KEV/EPSS/CVSS and the SSVC deadline), risky
 * ports, TLS and e-mail hygiene; and says which sources the latest runs covered. */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <strings.h>

#include "base/buf.h"
#include "base/mem.h"
#include "findings/findings_int.h"
#include "vuln/match.h"

/* Product-only matches name every CVE of the product when the version is hidden; only
 * the ones that matter most become findings (KEV, or CVSS >= 7), at most this many per
 * service, so an unversioned Apache does not bury the operator under 500 rows. */
#define PRODUCT_ONLY_MIN_CVSS 7.0
#define PRODUCT_ONLY_MAX 50

struct ctx {
	struct store *s;
	const char *org;
	const struct finding_opts *o;
	struct finding_set *set;
	struct vuln_matcher *m;
	struct finding_ssvc *ssvc;
	bool critical; /* orgs.critical: mission & well-being high */
	struct merr *e;
};

void finding_opts_init(struct finding_opts *o, const char *data_dir, int64_t now)
{
	o->data_dir = data_dir;
	o->now = now;
	o->epss_poc = 0.1;
}

/* Runs sql with org bound to ?1; a missing table (a module not merged yet) gives *absent. */
static int query_org(struct ctx *c, const char *sql, struct store_stmt **st, bool *absent)
{
	struct merr le;
	int rc;

	merr_init(&le);
	*absent = false;
	rc = store_prepare(c->s, sql, st, &le);
	if (rc) {
		if (strstr(le.msg, "no such table")) {
			*absent = true;
			return 0;
		}
		return merr_set(c->e, rc, "%s", le.msg);
	}
	stmt_bind_text(*st, 1, c->org);
	return 0;
}

static const char *sev_from_cvss(double cvss, const char *nvd_sev)
{
	if (cvss >= 9.0)
		return "critical";
	if (cvss >= 7.0)
		return "high";
	if (cvss >= 4.0)
		return "medium";
	if (cvss > 0)
		return "low";
	if (nvd_sev && !strcasecmp(nvd_sev, "critical"))
		return "critical";
	if (nvd_sev && !strcasecmp(nvd_sev, "high"))
		return "high";
	return nvd_sev && !strcasecmp(nvd_sev, "medium") ? "medium" : "low";
}

static int has_exploit_ref(struct ctx *c, const char *cve, bool *out)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(c->s,
			       "SELECT 1 FROM cve_refs WHERE cve_id = ? AND tags LIKE '%Exploit%' "
			       "LIMIT 1",
			       &st, c->e);
	*out = false;
	if (rc)
		return rc;
	stmt_bind_text(st, 1, cve);
	rc = stmt_step(st, c->e);
	stmt_finalize(st);
	if (rc < 0)
		return rc;
	*out = rc == 1;
	return 0;
}

static void reason(cJSON *r, const char *name, cJSON *value, const char *from)
{
	cJSON *o = cJSON_AddObjectToObject(r, name);
	cJSON_AddItemToObject(o, "value", value);
	cJSON_AddStringToObject(o, "from", from);
}

/* Affected with the service's version known. A version-unknown match only says
 * the product is named: it needs confirmation. */
static bool confirmed(const struct vuln_result *r)
{
	/* Affected-if-platform means the platform the CVE needs was not established
	 * on this host: that needs confirmation, like an unknown version. */
	return r->state == VULN_AFFECTED && r->basis != VULN_BASIS_VERSION_UNKNOWN;
}

/* SSVC inputs, the two table decisions, urgency and deadline of one vulnerability. */
static int decide(struct ctx *c, const struct vuln_result *r, bool exposed, const char *where,
		  struct finding_cand *f, cJSON *rs)
{
	const struct vuln_cve_facts *k = r->cve;
	struct finding_ssvc_in in = {0};
	struct finding_ssvc_out out;
	char from[256];
	bool exploit_ref = false;
	int rc, days = -1;

	if ((rc = has_exploit_ref(c, k->id, &exploit_ref)))
		return rc;
	in.in_kev = k->in_kev;
	in.exposed = exposed;
	in.automatable = finding_cvss_automatable(k->cvss_vector);
	in.total = finding_cvss_total(k->cvss_vector);
	in.mwi = c->critical ? FINDING_MWI_HIGH : FINDING_MWI_MEDIUM;
	if (k->in_kev)
		in.exploitation = FINDING_EXPL_ACTIVE;
	else if ((k->has_epss && k->epss >= c->o->epss_poc) || exploit_ref)
		in.exploitation = FINDING_EXPL_POC;
	if ((rc = finding_ssvc_decide(c->ssvc, &in, &out, c->e)))
		return rc;

	snprintf(from, sizeof(from), "kev table%s%s", k->in_kev ? ", added " : "",
		 k->in_kev ? k->kev_date_added : "");
	reason(rs, "in_kev", cJSON_CreateBool(k->in_kev), from);
	snprintf(from, sizeof(from), "%s (EPSS %.3f%s, threshold %.2f; exploit reference tag: %s)",
		 k->in_kev ? "KEV: exploited in the wild" : "EPSS / NVD reference tags",
		 k->has_epss ? k->epss : 0.0, k->has_epss ? "" : " unknown", c->o->epss_poc,
		 exploit_ref ? "yes" : "no");
	reason(rs, "exploitation", cJSON_CreateString(finding_exploitation_name(in.exploitation)),
	       from);
	reason(rs, "exposed", cJSON_CreateBool(exposed), where);
	snprintf(from, sizeof(from), "CVSS %s %s", k->cvss_version, k->cvss_vector);
	reason(rs, "automatable", cJSON_CreateBool(in.automatable), from);
	reason(rs, "technical_impact", cJSON_CreateString(in.total ? "total" : "partial"), from);
	reason(rs, "mission_wellbeing", cJSON_CreateString(finding_mwi_name(in.mwi)),
	       c->critical ? "orgs.critical = 1 (essential service)" : "orgs.critical = 0");
	snprintf(from, sizeof(from), "ssvc/cisa_bod_26_04_1_0_0.csv row %d", out.bod_row);
	reason(rs, "bod_26_04", cJSON_CreateString(out.timeline), from);
	snprintf(from, sizeof(from), "ssvc/cisa_coordinator_2_0_3.csv row %d", out.coord_row);
	reason(rs, "ssvc_decision", cJSON_CreateString(out.decision), from);

	/* One deadline rule for every finding (finding_deadline_days). */
	{
		/* a candidate (severity info) is due only when KEV says so */
		struct finding_deadline_in di = {k->in_kev,
						 strcmp(f->severity, "info") ? out.days : -1,
						 f->severity, exposed, true};
		const char *rule = NULL;
		days = finding_deadline_days(&di, &rule);
		f->deadline_days = days;
		reason(rs, "deadline_days",
		       days >= 0 ? cJSON_CreateNumber(days) : cJSON_CreateNull(), rule);
	}

	if (k->in_kev)
		rc = finding_cand_set(&f->urgency, f->needs_confirmation ? "KEV?" : "KEV");
	else {
		char u[16];
		size_t i;
		for (i = 0; out.decision[i] && i + 1 < sizeof(u); i++)
			u[i] = (char)toupper((unsigned char)out.decision[i]);
		u[i] = '\0';
		rc = finding_cand_set(&f->urgency, u);
	}
	if (rc == 0)
		rc = finding_cand_set(&f->ssvc_decision, out.decision);
	if (rc == 0)
		rc = finding_cand_set(&f->bod_timeline, out.timeline);
	return rc;
}

static char *evidence_json(const struct vuln_result *r, const char *cpe, const char *banner)
{
	cJSON *o = cJSON_CreateObject(), *m = cJSON_AddObjectToObject(o, "matcher");
	char *txt, *out;

	cJSON_AddStringToObject(o, "cpe", cpe ? cpe : "");
	if (banner)
		cJSON_AddStringToObject(o, "banner", banner);
	cJSON_AddStringToObject(m, "state", vuln_state_name(r->state));
	cJSON_AddStringToObject(m, "basis", vuln_basis_name(r->basis));
	cJSON_AddStringToObject(m, "source", r->source ? r->source : "");
	cJSON_AddStringToObject(m, "evidence", r->evidence ? r->evidence : "");
	if (r->platform && *r->platform)
		cJSON_AddStringToObject(m, "platform", r->platform);
	if (r->backport)
		cJSON_AddStringToObject(m, "backport", r->backport);
	txt = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	out = txt ? m_strdup(txt) : NULL;
	free(txt);
	return out;
}

/* Where a vulnerability was found: a service (ip set) or a declared product. */
struct vuln_site {
	const char *asset, *ip, *proto, *cpe, *banner, *label, *kind, *where;
	int port;
	enum finding_source source;
	bool exposed;
	int64_t seen_at;
};

/* A match too weak to be an open finding above info (docs/MATCHING.md "Candidates"): the
 * version was not compared (product-only, unknown version, NVD's version '-', a CVE 5
 * defaultStatus, JVN alone, or NVD '*' naming every version without a bound), or a
 * declared product that does not version-match. Kept as a 要確認 candidate at severity
 * info, its own severity in reasons.candidate_severity, for an analyst to promote. */
static const char *weak_match(const struct vuln_site *w, const struct vuln_result *r)
{
	if (r->state == VULN_PRODUCT_ONLY)
		return "product-only: the version was not compared";
	switch (r->basis) {
	case VULN_BASIS_VERSION_UNKNOWN: return "the service's version is unknown";
	case VULN_BASIS_NA_VERSION: return "NVD names no version ('-')";
	case VULN_BASIS_ANY_VERSION: return "NVD names every version ('*') without a bound";
	case VULN_BASIS_CVE5_DEFAULT: return "CVE 5 defaultStatus, no version range matched";
	default: break;
	}
	if (w->source == FINDING_SRC_DECLARED && !confirmed(r))
		return "declared product that does not version-match";
	return NULL;
}

static int add_vuln(struct ctx *c, const struct vuln_site *w, const struct vuln_result *r)
{
	const struct vuln_cve_facts *k = r->cve;
	struct finding_cand *f = finding_set_add(c->set);
	cJSON *rs = cJSON_CreateObject();
	char key[64], title[512], *txt = NULL;
	const char *weak = weak_match(w, r);
	bool sure = confirmed(r) && !weak;
	int rc;

	if (!f || !rs) {
		cJSON_Delete(rs);
		return merr_set(c->e, M_ENOMEM, "out of memory");
	}
	snprintf(key, sizeof(key), "vuln:%s", k->id);
	snprintf(title, sizeof(title), "%s %s の脆弱性%s%s / vulnerability in %s%s", k->id,
		 w->label, k->jvn_title_ja ? "（" : "", k->jvn_title_ja ? k->jvn_title_ja : "",
		 w->label, sure ? "" : " (要確認 / needs confirmation)");
	if (k->jvn_title_ja) /* close the parenthesis after the JVN title */
		snprintf(title, sizeof(title), "%s %s の脆弱性（%s） / vulnerability in %s%s",
			 k->id, w->label, k->jvn_title_ja, w->label,
			 sure ? "" : " (要確認 / needs confirmation)");
	f->source = w->source;
	f->port = w->port;
	f->seen_at = w->seen_at;
	f->needs_confirmation = !confirmed(r) || weak;
	f->cvss = k->cvss > 0 ? k->cvss : -1;
	f->epss = k->has_epss ? k->epss : -1;
	f->kev = k->in_kev;
	f->kev_ransomware = k->kev_ransomware;
	rc = finding_cand_set(&f->asset, w->asset);
	if (rc == 0)
		rc = finding_cand_set(&f->issue_key, key);
	if (rc == 0)
		rc = finding_cand_set(&f->kind, w->kind);
	if (rc == 0)
		rc = finding_cand_set(&f->severity,
				      weak ? "info" : sev_from_cvss(k->cvss, k->severity));
	if (weak) {
		reason(rs, "candidate", cJSON_CreateString(weak), "docs/MATCHING.md: candidates");
		reason(rs, "candidate_severity",
		       cJSON_CreateString(sev_from_cvss(k->cvss, k->severity)),
		       "severity if an analyst confirms the match");
	}
	if (rc == 0)
		rc = finding_cand_set(&f->title, title);
	if (rc == 0)
		rc = finding_cand_set(&f->ip, w->ip);
	if (rc == 0)
		rc = finding_cand_set(&f->proto, w->proto);
	if (rc == 0)
		rc = finding_cand_set(&f->cve_id, k->id);
	if (rc == 0)
		rc = finding_cand_set(&f->confidence, vuln_state_name(r->state));
	if (rc == 0)
		rc = finding_cand_set(&f->cvss_vector, k->cvss_vector[0] ? k->cvss_vector : NULL);
	if (rc == 0 && k->in_kev)
		rc = finding_cand_set(&f->kev_date_added, k->kev_date_added);
	if (rc == 0 && k->in_kev)
		rc = finding_cand_set(&f->kev_due_date, k->kev_due_date);
	if (rc == 0)
		rc = decide(c, r, w->exposed, w->where, f, rs);
	if (rc == 0 && !(txt = cJSON_PrintUnformatted(rs)))
		rc = merr_set(c->e, M_ENOMEM, "out of memory");
	if (rc == 0)
		rc = finding_cand_set(&f->reasons, txt);
	free(txt);
	cJSON_Delete(rs);
	if (rc == 0 && !(f->evidence = evidence_json(r, w->cpe, w->banner)))
		rc = merr_set(c->e, M_ENOMEM, "out of memory");
	return rc;
}

static bool keep_result(const struct vuln_result *r, size_t *product_only)
{
	switch (r->state) {
	case VULN_AFFECTED:
	case VULN_AFFECTED_IF_PLATFORM:
	case VULN_PROBABLE_BACKPORT:
		if (r->basis != VULN_BASIS_VERSION_UNKNOWN)
			return true;
		/* without a version it is as weak as product-only */
		__attribute__((fallthrough));
	case VULN_PRODUCT_ONLY:
		if (!r->cve->in_kev && r->cve->cvss < PRODUCT_ONLY_MIN_CVSS)
			return false;
		return ++*product_only <= PRODUCT_ONLY_MAX;
	default: return false;
	}
}

static int match_site(struct ctx *c, const struct vuln_site *w, const struct vuln_product *p)
{
	const struct vuln_result *r;
	size_t n = 0, product_only = 0;
	struct merr le;
	int rc;

	merr_init(&le);
	rc = vuln_match_one(c->m, p, 0, &r, &n, &le);
	if (rc == M_EINVAL)
		return 0; /* a CPE the matcher cannot read: nothing to match (kept in services) */
	if (rc)
		return merr_set(c->e, rc, "%s", le.msg);
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (keep_result(&r[i], &product_only))
			rc = add_vuln(c, w, &r[i]);
	return rc;
}

/* ---------------------------------------------------------------- simple findings */

static int add_simple(struct ctx *c, const char *asset, const char *key, const char *kind,
		      enum finding_source src, const char *ip, int port, const char *proto,
		      const char *severity, const char *ja, const char *en, const char *evidence,
		      int64_t seen_at)
{
	struct finding_cand *f = finding_set_add(c->set);
	char title[512];
	int rc;

	if (!f)
		return merr_set(c->e, M_ENOMEM, "out of memory");
	snprintf(title, sizeof(title), "%s / %s", ja, en);
	f->source = src;
	f->port = port;
	f->seen_at = seen_at;
	{
		struct finding_deadline_in di = {false, -1, severity, src == FINDING_SRC_NETWORK,
						 false};
		f->deadline_days = finding_deadline_days(&di, NULL);
	}
	rc = finding_cand_set(&f->asset, asset);
	if (rc == 0)
		rc = finding_cand_set(&f->issue_key, key);
	if (rc == 0)
		rc = finding_cand_set(&f->kind, kind);
	if (rc == 0)
		rc = finding_cand_set(&f->severity, severity);
	if (rc == 0)
		rc = finding_cand_set(&f->title, title);
	if (rc == 0)
		rc = finding_cand_set(&f->ip, ip);
	if (rc == 0)
		rc = finding_cand_set(&f->proto, proto);
	if (rc == 0)
		rc = finding_cand_set(&f->evidence, evidence);
	return rc ? merr_set(c->e, rc, "out of memory") : 0;
}

/* One network port: what the rest of the collector needs of a services or observations row. */
struct svc {
	const char *ip, *proto, *service, *cpe, *banner, *evidence, *tls_info, *product, *version,
	    *vendor;
	int port;
	int64_t seen_at;
};

/* The os.cpe23 parameter of the service's fingerprint match, if any, into out. */
static void service_os_cpe(const char *evidence, char *out, size_t cap)
{
	cJSON *ev = evidence ? cJSON_Parse(evidence) : NULL;
	const cJSON *os = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(ev, "match"),
					     "params"),
	    "os.cpe23");

	out[0] = '\0';
	if (cJSON_IsString(os) && strchr(os->valuestring, '{') == NULL)
		snprintf(out, cap, "%s", os->valuestring);
	cJSON_Delete(ev);
}

struct risky_arg {
	struct ctx *c;
	const struct svc *v;
	const char *asset;
	int rc;
};

static void on_risky(const struct finding_risky_rule *r, void *arg)
{
	struct risky_arg *a = arg;
	char key[64], ev[512];

	if (a->rc)
		return;
	snprintf(key, sizeof(key), "risky:%s", r->id);
	snprintf(ev, sizeof(ev),
		 "{\"rule\":\"%s\",\"port\":%d,\"proto\":\"%s\",\"service\":\"%s\"}", r->id,
		 a->v->port, a->v->proto, a->v->service ? a->v->service : "");
	a->rc = add_simple(a->c, a->asset, key, "risky_service", FINDING_SRC_NETWORK, a->v->ip,
			   a->v->port, a->v->proto, r->severity, r->reason_ja, r->reason_en, ev,
			   a->v->seen_at);
}

/* product, HTTP title, Recog description and the start of the banner, for pattern rules. */
static void port_text(const struct svc *v, char *out, size_t cap)
{
	cJSON *ev = v->evidence ? cJSON_Parse(v->evidence) : NULL;
	const char *title =
	    cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(ev, "http"), "title"));
	const char *desc = cJSON_GetStringValue(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(ev, "match"), "description"));

	snprintf(out, cap, "%s %s %s %s %.512s", v->vendor ? v->vendor : "",
		 v->product ? v->product : "", title ? title : "", desc ? desc : "",
		 v->banner ? v->banner : "");
	cJSON_Delete(ev);
}

static int tls_findings(struct ctx *c, const struct svc *v, const char *asset)
{
	cJSON *t = cJSON_Parse(v->tls_info);
	const struct finding_check *ck;
	size_t n;
	int rc = 0;

	if (!t)
		return 0; /* not JSON: nothing to judge (identify validates what it writes) */
	ck = finding_tls_checks(&n);
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (ck[i].hit(t))
			rc = add_simple(c, asset, ck[i].key, "tls", FINDING_SRC_NETWORK, v->ip,
					v->port, v->proto, ck[i].severity, ck[i].reason_ja,
					ck[i].reason_en, v->tls_info, v->seen_at);
	cJSON_Delete(t);
	return rc;
}

static int one_port(struct ctx *c, const struct svc *v)
{
	char asset[128], text[1400], label[300], where[200];
	struct finding_port p = {(uint16_t)v->port, v->proto, v->service, text};
	struct risky_arg a = {c, v, asset, 0};
	int rc;

	snprintf(asset, sizeof(asset), "%s:%d/%s", v->ip, v->port, v->proto);
	port_text(v, text, sizeof(text));
	finding_risky_match(&p, on_risky, &a);
	if ((rc = a.rc))
		return rc;
	if (v->tls_info && (rc = tls_findings(c, v, asset)))
		return rc;
	if (!v->cpe || !*v->cpe)
		return 0;
	if (v->product)
		snprintf(label, sizeof(label), "%s %s", v->product, v->version ? v->version : "");
	else { /* no product name: the CPE's, as people know it, never raw CPE tokens */
		finding_product_label(v->cpe, NULL, NULL, label, sizeof(label));
		if (v->version && *v->version && !strstr(label, v->version))
			snprintf(label + strlen(label), sizeof(label) - strlen(label), " %s",
				 v->version);
	}
	snprintf(where, sizeof(where), "open port %s seen by scan/identify", asset);
	struct vuln_site w = {asset, v->ip,	      v->proto, v->cpe,	 v->banner,
			      label, "vulnerability", where,	v->port, FINDING_SRC_NETWORK,
			      true,  v->seen_at};
	/* The OS fingerprinted on the same port is the host's platform: it settles
	 * configurations such as "OpenSSH on Red Hat Enterprise Linux 5". */
	char os_cpe[256] = "";
	const char *platforms[1] = {os_cpe};
	service_os_cpe(v->evidence, os_cpe, sizeof(os_cpe));
	struct vuln_product vp = {.cpe = v->cpe,
				  .banner = v->banner,
				  .platforms = platforms,
				  .n_platforms = os_cpe[0] ? 1 : 0};
	return match_site(c, &w, &vp);
}

/* Services of the org that the latest complete identify run (if any) still saw. */
static int from_services(struct ctx *c, struct finding_cover *cover, bool *have)
{
	struct store_stmt *st = NULL;
	bool absent;
	int64_t since = 0, run = 0;
	int rc = query_org(c,
			   "SELECT id, started_at FROM identify_runs WHERE org_slug = ? AND "
			   "complete = 1 ORDER BY started_at DESC, id DESC LIMIT 1",
			   &st, &absent);
	*have = false;
	if (rc || absent)
		return rc;
	if ((rc = stmt_step(st, c->e)) == 1) {
		run = stmt_int64(st, 0);
		since = stmt_int64(st, 1);
	}
	stmt_finalize(st);
	if (rc < 0)
		return rc;
	if (run) {
		cover->covered[FINDING_SRC_NETWORK] = true;
		snprintf(cover->why[FINDING_SRC_NETWORK], sizeof(cover->why[0]),
			 "identify run %lld (complete)", (long long)run);
	}
	rc = query_org(
	    c,
	    "SELECT ip, port, proto, service, cpe, banner, evidence, tls_info, product, "
	    "version, vendor, last_seen FROM services WHERE org_slug = ? AND last_seen >= ? "
	    "ORDER BY ip, port, proto",
	    &st, &absent);
	if (rc || absent)
		return rc;
	stmt_bind_int64(st, 2, since);
	while ((rc = stmt_step(st, c->e)) == 1) {
		struct svc v = {stmt_text(st, 0),  stmt_text(st, 2),	   stmt_text(st, 3),
				stmt_text(st, 4),  stmt_text(st, 5),	   stmt_text(st, 6),
				stmt_text(st, 7),  stmt_text(st, 8),	   stmt_text(st, 9),
				stmt_text(st, 10), (int)stmt_int64(st, 1), stmt_int64(st, 11)};
		*have = true;
		if ((rc = one_port(c, &v)))
			break;
	}
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

/* Before identify runs: open ports from the latest finished scan, for the port rules. */
static int from_observations(struct ctx *c, struct finding_cover *cover)
{
	struct store_stmt *st = NULL;
	bool absent;
	int64_t since = 0, scan = 0;
	int rc = query_org(c,
			   "SELECT id, started_at FROM scans WHERE org_slug = ? AND state = 'done' "
			   "ORDER BY started_at DESC, id DESC LIMIT 1",
			   &st, &absent);
	if (rc || absent)
		return rc;
	if ((rc = stmt_step(st, c->e)) == 1) {
		scan = stmt_int64(st, 0);
		since = stmt_int64(st, 1);
	}
	stmt_finalize(st);
	if (rc < 0 || !scan)
		return rc < 0 ? rc : 0;
	cover->covered[FINDING_SRC_NETWORK] = true;
	snprintf(cover->why[FINDING_SRC_NETWORK], sizeof(cover->why[0]), "scan %lld (done)",
		 (long long)scan);
	rc = query_org(c,
		       "SELECT ip, port, proto, last_seen FROM observations WHERE org_slug = ? AND "
		       "state = 'open' AND last_seen >= ? ORDER BY ip, port, proto",
		       &st, &absent);
	if (rc || absent)
		return rc;
	stmt_bind_int64(st, 2, since);
	while ((rc = stmt_step(st, c->e)) == 1) {
		struct svc v = {.ip = stmt_text(st, 0),
				.proto = stmt_text(st, 2),
				.port = (int)stmt_int64(st, 1),
				.seen_at = stmt_int64(st, 3)};
		if ((rc = one_port(c, &v)))
			break;
	}
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

static int from_declared(struct ctx *c, struct finding_cover *cover)
{
	struct store_stmt *st = NULL;
	bool absent;
	int rc = query_org(c,
			   "SELECT d.cpe, d.vendor, d.product, d.version, d.asset FROM "
			   "declared_products d JOIN orgs o ON o.id = d.org_id WHERE o.slug = ? "
			   "ORDER BY d.id",
			   &st, &absent);
	if (rc || absent)
		return rc;
	cover->covered[FINDING_SRC_DECLARED] = true;
	snprintf(cover->why[FINDING_SRC_DECLARED], sizeof(cover->why[0]), "inventory (declared)");
	while ((rc = stmt_step(st, c->e)) == 1) {
		const char *cpe = stmt_text(st, 0), *ven = stmt_text(st, 1),
			   *prod = stmt_text(st, 2);
		const char *ver = stmt_text(st, 3), *on = stmt_text(st, 4);
		char asset[600], label[300], where[400];
		snprintf(asset, sizeof(asset), "declared:%s", cpe ? cpe : "");
		if (!cpe)
			snprintf(asset, sizeof(asset), "declared:%s:%s:%s", ven ? ven : "",
				 prod ? prod : "", ver ? ver : "");
		finding_product_label(cpe, prod, ver, label, sizeof(label));
		snprintf(where, sizeof(where),
			 "declared in the inventory%s%s, not seen from the internet: exposure "
			 "controlled",
			 on ? " on " : "", on ? on : "");
		struct vuln_site w = {asset, NULL,	 NULL,	cpe, NULL,
				      label, "declared", where, 0,   FINDING_SRC_DECLARED,
				      false, c->o->now};
		struct vuln_product vp = {
		    .cpe = cpe, .vendor = ven, .product = prod, .version = ver};
		if ((rc = match_site(c, &w, &vp)))
			break;
	}
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

static int from_email(struct ctx *c, struct finding_cover *cover)
{
	const struct finding_mail_check *ck;
	struct store_stmt *st = NULL;
	size_t n;
	bool absent;
	int rc =
	    query_org(c,
		      "SELECT h.domain, h.spf_state, h.spf_all, h.dmarc_state, h.dmarc_p, "
		      "h.spf_record, h.dmarc_record, h.checked_at FROM email_hygiene h JOIN orgs "
		      "o ON o.id = h.org_id WHERE o.slug = ? ORDER BY h.domain",
		      &st, &absent);
	static const char *const cols[] = {"spf_state", "spf_all", "dmarc_state", "dmarc_p"};

	if (rc || absent)
		return rc;
	cover->covered[FINDING_SRC_EMAIL] = true;
	snprintf(cover->why[FINDING_SRC_EMAIL], sizeof(cover->why[0]), "email_hygiene");
	ck = finding_mail_checks(&n);
	while ((rc = stmt_step(st, c->e)) == 1) {
		const char *dom = stmt_text(st, 0);
		cJSON *ev = cJSON_CreateObject();
		char *evs;
		cJSON_AddStringToObject(ev, "spf", stmt_text(st, 5) ? stmt_text(st, 5) : "");
		cJSON_AddStringToObject(ev, "dmarc", stmt_text(st, 6) ? stmt_text(st, 6) : "");
		evs = cJSON_PrintUnformatted(ev);
		cJSON_Delete(ev);
		for (size_t i = 0; rc == 1 && i < n; i++) {
			const char *val = NULL;
			for (size_t k = 0; k < ARRAY_SIZE(cols); k++)
				if (!strcmp(cols[k], ck[i].column))
					val = stmt_text(st, (int)k + 1);
			if (val && !strcmp(val, ck[i].value) &&
			    add_simple(c, dom, ck[i].key, "email", FINDING_SRC_EMAIL, NULL, 0, NULL,
				       ck[i].severity, ck[i].reason_ja, ck[i].reason_en, evs,
				       stmt_int64(st, 7)))
				rc = M_ENOMEM;
		}
		free(evs);
		if (rc != 1)
			break;
	}
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

static int org_critical(struct ctx *c)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(c->s, "SELECT critical FROM orgs WHERE slug = ?", &st, c->e);
	if (rc)
		return rc;
	stmt_bind_text(st, 1, c->org);
	rc = stmt_step(st, c->e);
	if (rc == 1)
		c->critical = stmt_int64(st, 0) != 0;
	stmt_finalize(st);
	if (rc == 0)
		return merr_set(c->e, M_ENOTFOUND, "no organisation '%s'", c->org);
	return rc < 0 ? rc : 0;
}

int finding_collect(struct store *s, const char *org, const struct finding_opts *o,
		    struct finding_set *set, struct finding_cover *cover, struct merr *e)
{
	struct ctx c = {s, org, o, set, NULL, NULL, false, e};
	bool have_services = false;
	int rc;

	memset(cover, 0, sizeof(*cover));
	if ((rc = org_critical(&c)))
		return rc;
	if ((rc = finding_ssvc_load(o->data_dir, &c.ssvc, e)))
		return rc;
	rc = vuln_matcher_new(s, &c.m, e);
	if (rc == 0)
		rc = from_services(&c, cover, &have_services);
	if (rc == 0 && !have_services && !cover->covered[FINDING_SRC_NETWORK])
		rc = from_observations(&c, cover);
	if (rc == 0)
		rc = from_declared(&c, cover);
	if (rc == 0)
		rc = from_email(&c, cover);
	vuln_matcher_free(c.m);
	finding_ssvc_free(c.ssvc);
	return rc;
}

int finding_evaluate(struct store *s, const char *org, const struct finding_opts *o,
		     struct finding_stats *st, struct merr *e)
{
	struct finding_set set;
	struct finding_cover cover;
	int rc;

	finding_set_init(&set);
	rc = finding_collect(s, org, o, &set, &cover, e);
	if (rc == 0)
		rc = finding_apply(s, org, &set, &cover, o->now, st, e);
	finding_set_release(&set);
	return rc;
}
