/* cmd_vuln.c - `mamori vuln match` (which CVEs concern a service, and how sure
 * we are) and `mamori vuln show` (everything the store holds on one CVE). */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <unistd.h> /* optind */
#include <time.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "vuln/match.h"

#define MAX_PLATFORMS 16

const char cmd_vuln_usage[] =
    "match: evaluates the loaded NVD configurations (then CVE 5, then JVN) for one\n"
    "service (a CPE 2.3 string or 2.2 URI, or --product VENDOR:PRODUCT with --version; or\n"
    "--batch FILE, one service a line: CPE, or VENDOR:PRODUCT<TAB>VERSION[<TAB>BANNER],\n"
    "printing counts per state and the time taken) and prints each CVE with its state,\n"
    "KEV / EPSS / CVSS and the evidence.\n"
    "States: affected, probable-backport, affected-if-platform, product-only,\n"
    "incomparable, not-affected (docs/MATCHING.md).\n"
    "サービスに該当する脆弱性を、判定の根拠・KEV・EPSS・CVSS とともに表示します。\n"
    "show: description, CVSS, CWE, KEV, EPSS, JVN, references, configurations.\n"
    "CVE の詳細(説明、CVSS、KEV、EPSS、JVN、参照、構成)を表示します。\n";

static cJSON *result_json(const struct vuln_result *r)
{
	const struct vuln_cve_facts *f = r->cve;
	cJSON *o = cJSON_CreateObject(), *k;

	cJSON_AddStringToObject(o, "cve", f->id);
	cJSON_AddStringToObject(o, "state", vuln_state_name(r->state));
	cJSON_AddStringToObject(o, "state_ja", vuln_state_label_ja(r->state));
	cJSON_AddStringToObject(o, "basis", vuln_basis_name(r->basis));
	cJSON_AddStringToObject(o, "source", r->source ? r->source : "");
	cJSON_AddStringToObject(o, "evidence", r->evidence);
	if (r->platform[0])
		cJSON_AddStringToObject(o, "platform", r->platform);
	if (r->backport)
		cJSON_AddStringToObject(o, "backport", r->backport);
	k = cJSON_AddObjectToObject(o, "kev");
	cJSON_AddBoolToObject(k, "in_kev", f->in_kev);
	if (f->in_kev) {
		cJSON_AddStringToObject(k, "date_added", f->kev_date_added);
		cJSON_AddStringToObject(k, "due_date", f->kev_due_date);
		cJSON_AddBoolToObject(k, "known_ransomware", f->kev_ransomware);
	}
	if (f->has_epss) {
		k = cJSON_AddObjectToObject(o, "epss");
		cJSON_AddNumberToObject(k, "score", f->epss);
		cJSON_AddNumberToObject(k, "percentile", f->epss_percentile);
	}
	if (f->cvss_version[0]) {
		k = cJSON_AddObjectToObject(o, "cvss");
		cJSON_AddNumberToObject(k, "score", f->cvss);
		cJSON_AddStringToObject(k, "version", f->cvss_version);
		cJSON_AddStringToObject(k, "vector", f->cvss_vector);
		cJSON_AddStringToObject(k, "severity", f->severity);
	}
	if (f->jvn_id[0]) {
		k = cJSON_AddObjectToObject(o, "jvn");
		cJSON_AddStringToObject(k, "id", f->jvn_id);
		if (f->jvn_title_ja)
			cJSON_AddStringToObject(k, "title_ja", f->jvn_title_ja);
	}
	return o;
}

static void print_result(const struct vuln_result *r)
{
	const struct vuln_cve_facts *f = r->cve;

	printf("%-16s %s / %s", f->id, vuln_state_label_ja(r->state), vuln_state_name(r->state));
	if (f->in_kev)
		printf("  KEV %s 期限/due %s%s", f->kev_date_added, f->kev_due_date,
		       f->kev_ransomware ? " ランサムウェア/ransomware: Known" : "");
	if (f->cvss_version[0])
		printf("  CVSS %.1f (v%s %s)", f->cvss, f->cvss_version, f->severity);
	if (f->has_epss)
		printf("  EPSS %.3f (%.1f%%)", f->epss, f->epss_percentile * 100);
	printf("\n    根拠/evidence [%s, %s]: %s\n", r->source ? r->source : "",
	       vuln_basis_name(r->basis), r->evidence[0] ? r->evidence : "-");
	if (r->platform[0])
		printf("    プラットフォーム/platform: %s\n", r->platform);
	if (r->backport)
		printf("    バックポート/backport: %s (配布元の修正を確認してください / check the "
		       "distro advisory)\n",
		       r->backport);
	if (f->jvn_id[0])
		printf("    JVN %s %s\n", f->jvn_id, f->jvn_title_ja ? f->jvn_title_ja : "");
}

struct match_opts {
	struct vuln_product p;
	const char *batch;
	const char *platforms[MAX_PLATFORMS];
	char vendor[256];
	unsigned flags;
	bool all;
};

static int opt_product(void *args, const char *arg, const char **why)
{
	struct match_opts *o = args;
	char *colon;

	snprintf(o->vendor, sizeof(o->vendor), "%s", arg);
	if (!(colon = strchr(o->vendor, ':'))) {
		*why = "wants VENDOR:PRODUCT / ベンダー:製品";
		return -1;
	}
	*colon = '\0';
	o->p.vendor = o->vendor;
	o->p.product = colon + 1;
	return 0;
}

static int opt_platform(void *args, const char *arg, const char **why)
{
	struct match_opts *o = args;

	if (o->p.n_platforms >= MAX_PLATFORMS) {
		*why = "too many --platform / 指定が多すぎます";
		return -1;
	}
	o->platforms[o->p.n_platforms++] = arg;
	return 0;
}

static const struct cli_opt match_table[] = {
    OPT_CALLBACK("product", opt_product, "VENDOR:PRODUCT",
		 "vendor and product (aliases folded: nginx:nginx = f5:nginx)"),
    OPT_STRING("version", struct match_opts, p.version, "V",
	       "version as the banner shows it (7.2p1, 9.9.3-P1)"),
    OPT_STRING("banner", struct match_opts, p.banner, "TEXT",
	       "raw banner; a distro revision makes matches probable-backport"),
    OPT_CALLBACK("platform", opt_platform, "CPE",
		 "another CPE known on the host (OS, hardware); repeatable"),
    OPT_BOOL("all", struct match_opts, all, "also CVEs that name the product but do not apply"),
    OPT_JSON(),
    OPT_STRING("batch", struct match_opts, batch, "FILE", "one service a line; counts only"),
    OPT_END(),
};

static int parse_match_opts(struct cli *c, int argc, char **argv, struct match_opts *o)
{
	int first, rc;

	if ((rc = cli_parse_options(c, match_table, o, argc, argv, &first)))
		return rc;
	if (o->all)
		o->flags |= VULN_MATCH_ALL;
	o->p.platforms = o->platforms;
	if (first < argc)
		o->p.cpe = argv[first++];
	if (first < argc)
		return cli_usage_error(c, "unexpected argument '%s'", argv[first]);
	if (o->batch && (o->p.cpe || o->p.vendor))
		return cli_usage_error(c, "--batch takes no CPE or --product");
	if (o->batch)
		return 0;
	if (!!o->p.cpe == !!o->p.vendor)
		return cli_usage_error(c, "give either a CPE or --product VENDOR:PRODUCT");
	if (o->p.cpe && o->p.version)
		return cli_usage_error(c, "--version goes with --product (a CPE has its version)");
	return 0;
}

static void print_matches(struct cli *c, const struct match_opts *o, const struct vuln_result *r,
			  size_t n)
{
	size_t counts[VULN_PROBABLE_BACKPORT + 1] = {0};

	if (c->json) {
		cJSON *root = cJSON_CreateObject(), *arr;
		cJSON *q = cJSON_AddObjectToObject(root, "query");
		if (o->p.cpe)
			cJSON_AddStringToObject(q, "cpe", o->p.cpe);
		else
			cJSON_AddStringToObject(q, "vendor", o->p.vendor),
			    cJSON_AddStringToObject(q, "product", o->p.product);
		if (o->p.version)
			cJSON_AddStringToObject(q, "version", o->p.version);
		if (o->p.banner)
			cJSON_AddStringToObject(q, "banner", o->p.banner);
		cJSON_AddNumberToObject(root, "count", (double)n);
		arr = cJSON_AddArrayToObject(root, "results");
		for (size_t i = 0; i < n; i++)
			cJSON_AddItemToArray(arr, result_json(&r[i]));
		cli_print_json(root);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		counts[r[i].state]++;
		print_result(&r[i]);
	}
	printf(
	    "%zu 件 / %zu CVEs: 影響あり/affected %zu, バックポート可能性/probable-backport %zu, "
	    "条件付き/if-platform %zu, 製品のみ/product-only %zu, 判定不能/incomparable %zu\n",
	    n, n, counts[VULN_AFFECTED], counts[VULN_PROBABLE_BACKPORT],
	    counts[VULN_AFFECTED_IF_PLATFORM], counts[VULN_PRODUCT_ONLY],
	    counts[VULN_INCOMPARABLE]);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run_batch(struct cli *c, const struct match_opts *o, struct merr *e)
{
	struct vuln_batch_stats st;
	double t0 = now_s(), dt;
	int rc;

	rc = vuln_match_batch(cli_store(c), o->batch, o->flags, 0, &st, e);
	if (rc)
		return rc;
	dt = now_s() - t0;
	if (c->json) {
		cJSON *root = cJSON_CreateObject(), *sj = cJSON_AddObjectToObject(root, "states");
		cJSON_AddNumberToObject(root, "services", (double)st.services);
		cJSON_AddNumberToObject(root, "rejected", (double)st.rejected);
		cJSON_AddNumberToObject(root, "results", (double)st.results);
		cJSON_AddNumberToObject(root, "seconds", dt);
		for (int i = 0; i <= VULN_PROBABLE_BACKPORT; i++)
			cJSON_AddNumberToObject(sj, vuln_state_name((enum vuln_state)i),
						(double)st.states[i]);
		return cli_print_json(root);
	}
	printf("%zu サービス / services (%zu 不正 / rejected), %zu 件 / results in %.3f s\n",
	       st.services, st.rejected, st.results, dt);
	for (int i = VULN_PROBABLE_BACKPORT; i >= 0; i--)
		printf("  %-22s %zu\n", vuln_state_name((enum vuln_state)i), st.states[i]);
	return 0;
}

static int vuln_match_cmd(struct cli *c, int argc, char **argv)
{
	struct match_opts o = {0};
	struct vuln_matcher *m = NULL;
	const struct vuln_result *r;
	struct store *s;
	struct merr e;
	size_t n;
	int rc = parse_match_opts(c, argc, argv, &o);

	if (rc)
		return rc;
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	if (o.batch) {
		rc = run_batch(c, &o, &e);
		return rc ? cli_fail(c, rc, &e) : 0;
	}
	rc = vuln_matcher_new(s, &m, &e);
	if (rc == 0)
		rc = vuln_match_one(m, &o.p, o.flags, &r, &n, &e);
	if (rc == 0)
		print_matches(c, &o, r, n);
	vuln_matcher_free(m);
	return rc ? cli_fail(c, rc, &e) : 0;
}

static const char *jstr(const cJSON *o, const char *k)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(o, k));
	return s ? s : "";
}

static void print_configs(const cJSON *cfgs)
{
	const cJSON *cfg, *node, *g, *smp;
	int i = 0;

	cJSON_ArrayForEach(cfg, cfgs)
	{
		printf("  構成/configuration %d (%s):\n", ++i, jstr(cfg, "operator"));
		cJSON_ArrayForEach(node, cJSON_GetObjectItem(cfg, "nodes"))
		{
			printf("    node (%s%s):\n", jstr(node, "operator"),
			       cJSON_IsTrue(cJSON_GetObjectItem(node, "negate")) ? ", negated"
										 : "");
			cJSON_ArrayForEach(g, cJSON_GetObjectItem(node, "products"))
			{
				printf(
				    "      %s %s: %d entries\n", jstr(g, "product"),
				    cJSON_IsTrue(cJSON_GetObjectItem(g, "vulnerable"))
					? "(脆弱/vulnerable)"
					: "(条件/platform)",
				    (int)cJSON_GetNumberValue(cJSON_GetObjectItem(g, "entries")));
				cJSON_ArrayForEach(smp, cJSON_GetObjectItem(g, "samples"))
				{
					printf("        %s\n", cJSON_GetStringValue(smp));
				}
			}
		}
	}
}

static void print_show(const cJSON *o)
{
	const cJSON *cvss = cJSON_GetObjectItem(o, "cvss"), *kev = cJSON_GetObjectItem(o, "kev");
	const cJSON *epss = cJSON_GetObjectItem(o, "epss"), *x;

	printf("%s  %s\n", jstr(o, "id"), jstr(o, "severity"));
	cJSON_ArrayForEach(x, cJSON_GetObjectItem(o, "jvn"))
	{
		printf("JVN %s %s %s\n", jstr(x, "id"), jstr(x, "title_ja"),
		       jstr(x, "severity_ja"));
	}
	printf("説明/description: %s\n", jstr(o, "description"));
	printf("公開/published: %s  更新/modified: %s  CWE: %s\n", jstr(o, "published"),
	       jstr(o, "last_modified"), jstr(o, "cwe"));
	if (cJSON_GetObjectItem(cvss, "v3_score"))
		printf("CVSS v3: %.1f %s\n",
		       cJSON_GetNumberValue(cJSON_GetObjectItem(cvss, "v3_score")),
		       jstr(cvss, "v3_vector"));
	if (cJSON_GetObjectItem(cvss, "v2_score"))
		printf("CVSS v2: %.1f %s\n",
		       cJSON_GetNumberValue(cJSON_GetObjectItem(cvss, "v2_score")),
		       jstr(cvss, "v2_vector"));
	if (kev)
		printf("KEV: 追加/added %s 期限/due %s ランサムウェア/ransomware %s\n  %s\n  "
		       "対応/action: "
		       "%s\n",
		       jstr(kev, "date_added"), jstr(kev, "due_date"),
		       jstr(kev, "known_ransomware"), jstr(kev, "vulnerability_name"),
		       jstr(kev, "required_action"));
	if (epss)
		printf("EPSS: %.5f (percentile %.5f)\n",
		       cJSON_GetNumberValue(cJSON_GetObjectItem(epss, "score")),
		       cJSON_GetNumberValue(cJSON_GetObjectItem(epss, "percentile")));
	print_configs(cJSON_GetObjectItem(o, "configurations"));
	printf("参照/references:\n");
	cJSON_ArrayForEach(x, cJSON_GetObjectItem(o, "references"))
	{
		printf("  %s\n", jstr(x, "url"));
	}
}

static int vuln_show_cmd(struct cli *c, int argc, char **argv)
{
	struct store *s;
	struct merr e;
	cJSON *o = NULL;
	int rc;

	if ((rc = cli_json_only(c, argc, argv)))
		return rc;
	if (optind + 1 != argc || strncasecmp(argv[optind], "CVE-", 4) != 0)
		return cli_usage_error(c, "give one CVE id (CVE-YYYY-NNNN)");
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	rc = vuln_cve_describe(s, argv[optind], &o, &e);
	if (rc)
		return cli_fail(c, rc, &e);
	if (c->json)
		return cli_print_json(o);
	print_show(o);
	cJSON_Delete(o);
	return 0;
}

const struct cli_verb cmd_vuln_verbs[] = {
    {"match", vuln_match_cmd, "CVEs for one service / サービスの脆弱性判定", match_table, "[CPE]"},
    {"show", vuln_show_cmd, "one CVE in full / CVE の詳細", cli_json_opts, "CVE-YYYY-NNNN"},
    {0},
};

int cmd_vuln(struct cli *c, int argc, char **argv)
{
	return cli_dispatch_verbs(c, cli_find("vuln"), cmd_vuln_verbs,
				  ARRAY_SIZE(cmd_vuln_verbs) - 1, argc, argv);
}
