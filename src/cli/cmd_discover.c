/* cmd_discover.c - `mamori discover`: DNS discovery of an organisation's registered names,
 * and `discover import` of passive files (crt.sh, Shodan, Censys) as observations. */
#include "base/compat.h"

#include <cjson/cJSON.h>

#include "base/mtime.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "discover/discover.h"

const char cmd_discover_usage[] =
    "Resolves A, AAAA, CNAME, MX, NS and TXT of every confirmed domain and hostname of ORG\n"
    "(and _dmarc.DOMAIN TXT), records them, summarises SPF/DMARC, and files new names and\n"
    "addresses as CANDIDATE assets (see 'mamori assets candidates'). Candidates are never\n"
    "scanned until an analyst confirms them.\n"
    "登録済みのドメイン・ホスト名を DNS "
    "で解決し、新しい名前とアドレスを候補資産として登録します。\n"
    "\n"
    "--resolver ADDR is remembered in the setting dns.resolver after a successful run\n"
    "('system' resets it to /etc/resolv.conf, the default).\n"
    "\n"
    "import: stores a passive file in one transaction (all of it or nothing; re-importing\n"
    "changes nothing). crtsh: crt.sh JSON (?output=json); shodan: `shodan download` JSON\n"
    "lines (.json or .json.gz); censys: a v2 host (API response or result object), an array\n"
    "of them, or JSON lines. Errors are reported as FILE:LINE: field: what is wrong.\n"
    "パッシブ情報（証明書透明性ログ、Shodan、Censys）を取り込みます。\n";

/* What a run printed or collected. */
struct out {
	struct cli *c;
	cJSON *records, *candidates, *hygiene, *errors;
	char org[128]; /* the organisation printed last, for its heading */
};

static void print_hygiene(const struct disc_event *ev)
{
	const struct disc_spf *s = ev->spf;
	const struct disc_dmarc *d = ev->dmarc;
	char spf[96], dm[96];

	if (s->state == DISC_POL_OK)
		snprintf(spf, sizeof(spf), "%s",
			 s->all[0]	  ? s->all
			 : s->redirect[0] ? "redirect"
					  : "(no all)");
	else
		snprintf(spf, sizeof(spf), "%s",
			 s->state == DISC_POL_NONE	 ? "なし / none"
			 : s->state == DISC_POL_MULTIPLE ? "複数 / multiple"
							 : "不正 / invalid");
	if (d->state == DISC_POL_OK)
		snprintf(dm, sizeof(dm), "p=%s%s%s pct=%d", d->p, d->sp[0] ? " sp=" : "", d->sp,
			 d->pct);
	else
		snprintf(dm, sizeof(dm), "%s",
			 d->state == DISC_POL_NONE	 ? "なし / none"
			 : d->state == DISC_POL_MULTIPLE ? "複数 / multiple"
							 : "不正 / invalid");
	printf("  メール / e-mail  %s: SPF %s; DMARC %s\n", ev->domain, spf, dm);
}

static cJSON *hygiene_json(const struct disc_event *ev)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "org", ev->org);
	cJSON_AddStringToObject(o, "domain", ev->domain);
	cJSON_AddStringToObject(o, "spf", disc_pol_state_name(ev->spf->state));
	if (ev->spf->all[0])
		cJSON_AddStringToObject(o, "spf_all", ev->spf->all);
	cJSON_AddStringToObject(o, "dmarc", disc_pol_state_name(ev->dmarc->state));
	if (ev->dmarc->state == DISC_POL_OK) {
		cJSON_AddStringToObject(o, "dmarc_p", ev->dmarc->p);
		if (ev->dmarc->sp[0])
			cJSON_AddStringToObject(o, "dmarc_sp", ev->dmarc->sp);
		cJSON_AddNumberToObject(o, "dmarc_pct", ev->dmarc->pct);
	}
	return o;
}

static void on_event_json(const struct disc_event *ev, struct out *o)
{
	cJSON *j;

	switch (ev->kind) {
	case DISC_EV_RECORD:
		j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "org", ev->org);
		cJSON_AddStringToObject(j, "name", ev->rr->name);
		cJSON_AddStringToObject(j, "type", disc_rtype_name(ev->rr->rtype));
		cJSON_AddStringToObject(j, "value", ev->rr->value);
		cJSON_AddNumberToObject(j, "ttl", ev->rr->ttl);
		cJSON_AddBoolToObject(j, "new", ev->is_new);
		cJSON_AddItemToArray(o->records, j);
		break;
	case DISC_EV_CANDIDATE:
		j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "org", ev->org);
		cJSON_AddStringToObject(j, "kind", ev->cand_kind);
		cJSON_AddStringToObject(j, "value", ev->cand_value);
		cJSON_AddStringToObject(j, "reason", ev->reason);
		cJSON_AddBoolToObject(j, "new", ev->is_new);
		cJSON_AddItemToArray(o->candidates, j);
		break;
	case DISC_EV_HYGIENE: cJSON_AddItemToArray(o->hygiene, hygiene_json(ev)); break;
	default: cJSON_AddItemToArray(o->errors, cJSON_CreateString(ev->error));
	}
}

static void on_event(const struct disc_event *ev, void *arg)
{
	struct out *o = arg;

	if (o->c->json) {
		on_event_json(ev, o);
		return;
	}
	if (o->c->quiet && ev->kind != DISC_EV_ERROR)
		return;
	if (strcmp(o->org, ev->org) != 0) {
		snprintf(o->org, sizeof(o->org), "%s", ev->org);
		printf("== %s (+ 新規 / new)\n", ev->org);
	}
	switch (ev->kind) {
	case DISC_EV_RECORD:
		printf("  %s %-28s %-5s %s\n", ev->is_new ? "+" : " ", ev->rr->name,
		       disc_rtype_name(ev->rr->rtype), ev->rr->value);
		break;
	case DISC_EV_CANDIDATE:
		printf("  候補 / candidate %s %-8s %s  (%s)\n", ev->is_new ? "[new]" : "     ",
		       ev->cand_kind, ev->cand_value, ev->reason);
		break;
	case DISC_EV_HYGIENE: print_hygiene(ev); break;
	default: fprintf(stderr, "mamori: discover: lookup failed / 名前解決失敗: %s\n", ev->error);
	}
}

struct run_opts {
	const char *org, *resolver;
	bool all;
	int timeout_ms, tries, max_time;
};

static const struct cli_opt run_opts_table[] = {
    OPT_BOOL("all", struct run_opts, all, "every organisation / 全組織"),
    OPT_STRING("resolver", struct run_opts, resolver, "ADDR[:PORT]",
	       "DNS server, e.g. 127.0.10.53 or [::1]:5353 / 問い合わせ先"),
    OPT_INT("timeout", struct run_opts, timeout_ms, 100, 10000, "MS",
	    "wait per try (default 2000) / 待ち時間"),
    OPT_INT("tries", struct run_opts, tries, 1, 5, "N", "tries per question (default 2)"),
    OPT_INT("max-time", struct run_opts, max_time, 1, 86400, "S",
	    "stop the whole run after S seconds (default 600)"),
    OPT_JSON(),
    OPT_END(),
};

static int parse_run_opts(struct cli *c, int argc, char **argv, struct run_opts *ro)
{
	int first, rc;

	*ro = (struct run_opts){.timeout_ms = 2000, .tries = 2, .max_time = 600};
	if ((rc = cli_parse_options(c, run_opts_table, ro, argc, argv, &first)))
		return rc;
	if (ro->all == (argc - first == 1) || argc - first > 1)
		return cli_usage_error(c, "give one ORG or --all");
	ro->org = ro->all ? NULL : argv[first];
	return 0;
}

static void print_summary(struct cli *c, const struct disc_dns_stats *st, const char *via)
{
	printf("%ld 組織 %ld 名 %ld 問合せ: レコード %ld 件 (新規 %ld)、候補 %ld 件 (新規 %ld)、"
	       "解決失敗 %ld\n",
	       st->orgs, st->names, st->queries, st->records, st->records_new, st->candidates,
	       st->candidates_new, st->lookup_errors);
	printf("%ld orgs, %ld names, %ld queries via %s: %ld records (%ld new), %ld candidates "
	       "(%ld new), %ld external MX/NS, %ld lookup errors\n",
	       st->orgs, st->names, st->queries, via, st->records, st->records_new, st->candidates,
	       st->candidates_new, st->external, st->lookup_errors);
}

static cJSON *stats_json(const struct disc_dns_stats *st, const char *via)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "resolver", via);
	cJSON_AddNumberToObject(o, "orgs", st->orgs);
	cJSON_AddNumberToObject(o, "names", st->names);
	cJSON_AddNumberToObject(o, "queries", st->queries);
	cJSON_AddNumberToObject(o, "records", st->records);
	cJSON_AddNumberToObject(o, "records_new", st->records_new);
	cJSON_AddNumberToObject(o, "candidates", st->candidates);
	cJSON_AddNumberToObject(o, "candidates_new", st->candidates_new);
	cJSON_AddNumberToObject(o, "external", st->external);
	cJSON_AddNumberToObject(o, "lookup_errors", st->lookup_errors);
	return o;
}

static int do_run(struct cli *c, int argc, char **argv)
{
	struct run_opts ro;
	struct disc_resolver r;
	struct disc_dns_stats st;
	struct out o = {.c = c};
	char saved[128];
	struct store *s;
	struct merr e;
	int rc = parse_run_opts(c, argc, argv, &ro);

	if (rc)
		return rc;
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	rc = ro.resolver ? 0 : disc_resolver_setting(s, saved, sizeof(saved), &e);
	if (rc == 0)
		rc = disc_resolver_open(ro.resolver ? ro.resolver : saved, ro.timeout_ms, ro.tries,
					&r, &e);
	if (rc)
		return cli_fail(c, rc, &e);
	if (c->json) {
		o.records = cJSON_CreateArray();
		o.candidates = cJSON_CreateArray();
		o.hygiene = cJSON_CreateArray();
		o.errors = cJSON_CreateArray();
	}
	rc = disc_dns_run(s, ro.org, &r, time_now(), ro.max_time, on_event, &o, &st, &e);
	if (rc == 0 && ro.resolver)
		rc = disc_resolver_setting_set(s, ro.resolver, time_now(), &e);
	if (rc == 0 && c->json) {
		cJSON *j = stats_json(&st, r.desc);
		cJSON_AddItemToObject(j, "records", o.records);
		cJSON_AddItemToObject(j, "candidates", o.candidates);
		cJSON_AddItemToObject(j, "hygiene", o.hygiene);
		cJSON_AddItemToObject(j, "errors", o.errors);
		o.records = o.candidates = o.hygiene = o.errors = NULL;
		cli_print_json(j);
	} else if (rc == 0 && !c->quiet) {
		print_summary(c, &st, r.desc);
	}
	cJSON_Delete(o.records);
	cJSON_Delete(o.candidates);
	cJSON_Delete(o.hygiene);
	cJSON_Delete(o.errors);
	disc_resolver_release(&r);
	return rc ? cli_fail(c, rc, &e) : 0;
}

struct import_args {
	const char *org, *format;
};

static const struct cli_opt import_opts[] = {
    OPT_STRING("org", struct import_args, org, "ORG", "the organisation / 組織"),
    OPT_STRING("format", struct import_args, format, "crtsh|shodan|censys", "the file's format"),
    OPT_JSON(),
    OPT_END(),
};

static int do_import(struct cli *c, int argc, char **argv)
{
	struct import_args a = {0};
	const char *org, *format;
	struct disc_import_stats st;
	struct store *s;
	struct merr e;
	int first, rc, fmt;

	if ((rc = cli_parse_options(c, import_opts, &a, argc, argv, &first)))
		return rc;
	org = a.org;
	format = a.format;
	if (!org || !format || argc - first != 1)
		return cli_usage_error(c, "give --org ORG --format FORMAT FILE");
	if ((fmt = disc_format_parse(format)) < 0)
		return cli_usage_error(c, "unknown format '%s' (crtsh, shodan, censys)", format);
	if (!(s = cli_store_checked(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	rc = disc_import_file(s, org, fmt, argv[first], time_now(), &st, &e);
	if (rc)
		return cli_fail(c, rc, &e);
	if (c->json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "org", org);
		cJSON_AddStringToObject(j, "format", format);
		cJSON_AddNumberToObject(j, "items", st.items);
		cJSON_AddNumberToObject(j, "observations_new", st.obs_new);
		cJSON_AddNumberToObject(j, "observations_updated", st.obs_updated);
		cJSON_AddNumberToObject(j, "observations_unchanged", st.obs_unchanged);
		cJSON_AddNumberToObject(j, "candidates_new", st.candidates_new);
		cJSON_AddNumberToObject(j, "ignored", st.ignored);
		cJSON_AddNumberToObject(j, "wildcards", st.wildcards);
		cJSON_AddNumberToObject(j, "unregistered", st.unregistered);
		return cli_print_json(j);
	}
	if (!c->quiet)
		printf("%s: %ld 件 / items; 観測 / observations: 新規 new %ld, 更新 updated %ld, "
		       "変化なし unchanged %ld; 候補 / candidates new %ld; 対象外 / ignored %ld; "
		       "ワイルドカード / wildcards %ld; 未登録アドレス / unregistered %ld\n",
		       argv[first], st.items, st.obs_new, st.obs_updated, st.obs_unchanged,
		       st.candidates_new, st.ignored, st.wildcards, st.unregistered);
	return 0;
}

const struct cli_verb cmd_discover_verbs[] = {
    {"", do_run, "", run_opts_table, "ORG"},
    {"import", do_import, "", import_opts, "FILE"},
    {0},
};

int cmd_discover(struct cli *c, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "import") == 0) {
		static char name[] = "discover import";
		c->cmd_name = name;
		return do_import(c, argc - 1, argv + 1);
	}
	return do_run(c, argc, argv);
}
