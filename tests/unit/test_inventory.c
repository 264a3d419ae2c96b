/* test_inventory.c - inventory import (YAML, CSV), idempotence, refusals with FILE:LINE
 * and an untouched store, allocation failures, export round trip, the scope check. */
#include "base/compat.h"

#include "base/buf.h"
#include "base/mem.h"
#include "base/mtime.h"
#include "inventory/inventory.h"
#include "store/store.h"
#include "testutil.h"

#include <time.h>

static const char *const inv_tables[] = {"orgs",       "org_aliases",	    "contacts",
					 "assets",     "declared_products", "scopes",
					 "exclusions", "audit_log"};

/* 2026-11-23 00:00 UTC: scopes run 2026-04-01 .. 2027-03-31 JST. */
static int64_t now_ts(void)
{
	int64_t t;
	assert_int_equal(time_parse("2026-11-23T00:00:00Z", &t), 0);
	return t;
}

static int64_t at(const char *iso)
{
	int64_t t;
	assert_int_equal(time_parse(iso, &t), 0);
	return t;
}

static struct store *fresh_store(const char *name)
{
	char path[512];
	struct store *s = NULL;
	struct merr e;

	tu_path(path, sizeof(path), name);
	remove(path);
	merr_init(&e);
	assert_int_equal(store_open(path, &s, &e), 0);
	return s;
}

/* Every row of every inventory table, as text: "the store's content". */
static char *dump(struct store *s)
{
	struct buf b;

	buf_init(&b, 0);
	for (size_t t = 0; t < ARRAY_SIZE(inv_tables); t++) {
		char sql[128];
		struct store_stmt *st = NULL;
		snprintf(sql, sizeof(sql), "SELECT * FROM %s ORDER BY 1, 2", inv_tables[t]);
		assert_int_equal(store_prepare(s, sql, &st, NULL), 0);
		buf_addf(&b, "[%s]\n", inv_tables[t]);
		while (stmt_step(st, NULL) == 1) {
			for (int c = 0; c < stmt_columns(st); c++)
				buf_addf(&b, "%s|", stmt_text(st, c) ? stmt_text(st, c) : "NULL");
			buf_addc(&b, '\n');
		}
		stmt_finalize(st);
	}
	return buf_detach(&b, NULL);
}

static int64_t count(struct store *s, const char *sql)
{
	int64_t n = -1;
	assert_int_equal(store_query_int(s, sql, &n, NULL), 0);
	return n;
}

static int import_text(struct store *s, const char *name, const char *text, int64_t now,
		       struct inv_import_stats *st, struct merr *e)
{
	merr_init(e);
	/* these tests are about what an import changes: removals are allowed (--prune) */
	struct inv_import_opts o = {.prune = true};
	return inv_import_file_ex(s, tu_write_file(name, text), now, &o, st, e);
}

static const char good_yaml[] =
    "version: 1\n"
    "exclusions:\n"
    "  - cidr: 127.0.99.0/24\n"
    "    reason: 他機関の設備 / another agency's equipment\n"
    "organisations:\n"
    "  - id: kanto-rail\n"
    "    name: { ja: 関東旅客鉄道株式会社, en: \"Kanto Passenger Railway Co., Ltd.\" }\n"
    "    aliases: [関東鉄道, KPR]\n"
    "    sector: railways\n"
    "    size: large\n"
    "    critical: true\n"
    "    contacts:\n"
    "      - { name: 山田 太郎, email: csirt@kanto-rail.test, role: CSIRT }\n"
    "    assets:\n"
    "      - domain: kanto-rail.test\n"
    "      - hostname: WWW.kanto-rail.test\n"
    "      - cidr: 127.0.10.0/28\n"
    "        declared_by: 事業者申告 2026-04\n"
    "      - ipv6: \"::1\"\n"
    "    products:\n"
    "      - cpe: \"cpe:2.3:a:openbsd:openssh:7.2:p1:*:*:*:*:*:*\"\n"
    "      - { vendor: nginx, product: nginx, version: 1.22.1, declared_by: 事業者申告 }\n"
    "    scope:\n"
    "      - cidr: 127.0.10.0/28\n"
    "        authorised_by: 山田 太郎 (CSIRT責任者)\n"
    "        from: 2026-04-01\n"
    "        until: 2027-03-31\n"
    "      - cidr: ::1/128\n"
    "        authorised_by: 山田 太郎\n"
    "        from: 2026-04-01\n"
    "        until: 2027-03-31\n"
    "  - id: minato-bus\n"
    "    name: みなと交通バス\n"
    "    business_type: bus\n"
    "    size: small\n"
    "    scope:\n"
    "      - { cidr: 127.0.22.0/29, authorised_by: 木村, from: 2026-04-01, until: "
    "2027-03-31 }\n";

/* Display names for lists: from a cached map, the slug when unknown, a rename seen within a
 * second and a second store never answered from the first one's map. */
static void test_inventory__display_names_cached_and_fresh(void **state)
{
	struct store *s = fresh_store("names.db"), *s2 = fresh_store("names2.db");
	struct inv_import_stats st;
	struct merr e;
	char b[256];

	(void)state;
	assert_int_equal(import_text(s, "names.yaml", good_yaml, now_ts(), &st, &e), 0);
	assert_string_equal(inv_org_display_name(s, "kanto-rail", false, b, sizeof b),
			    "関東旅客鉄道株式会社");
	assert_string_equal(inv_org_display_name(s, "kanto-rail", true, b, sizeof b),
			    "Kanto Passenger Railway Co., Ltd.");
	assert_string_equal(inv_org_display_name(s, "no-such-org", false, b, sizeof b),
			    "no-such-org");
	assert_string_equal(inv_org_display_name(s2, "kanto-rail", false, b, sizeof b),
			    "kanto-rail"); /* the other store has no such org */
	assert_int_equal(
	    store_exec(s,
		       "UPDATE orgs SET name_ja = '新関東鉄道', updated_at = updated_at + 5 "
		       "WHERE slug = 'kanto-rail'",
		       &e),
	    0);
	struct timespec w = {1, 100000000};
	nanosleep(&w, NULL);
	assert_string_equal(inv_org_display_name(s, "kanto-rail", false, b, sizeof b),
			    "新関東鉄道");
	store_close(s);
	store_close(s2);
}

static void test_inventory__imports_good_file(void **state)
{
	struct store *s = fresh_store("good.db");
	struct inv_import_stats st;
	struct merr e;
	struct inv_doc *d = NULL;

	assert_int_equal(import_text(s, "good.yaml", good_yaml, now_ts(), &st, &e), 0);
	assert_int_equal(st.orgs_added, 2);
	assert_int_equal(st.assets_added, 4);
	assert_int_equal(st.scopes_added, 3);
	assert_int_equal(st.products_added, 2);
	assert_int_equal(st.aliases_added, 2);
	assert_int_equal(st.exclusions_added, 1);
	assert_int_equal(
	    count(s, "SELECT count(*) FROM assets WHERE value = 'www.kanto-rail.test'"),
	    1); /* names are stored lowercased */
	assert_int_equal(
	    inv_load(s, &(struct inv_filter){"kanto-rail", NULL, -1, INV_WITH_ALL}, &d, &e), 0);
	assert_int_equal(d->n_orgs, 1);
	assert_string_equal(d->orgs[0].name_en, "Kanto Passenger Railway Co., Ltd.");
	assert_true(d->orgs[0].critical);
	assert_int_equal(d->orgs[0].n_contacts, 1);
	assert_string_equal(d->orgs[0].contacts[0].email, "csirt@kanto-rail.test");
	/* until 2027-03-31 is the last second of that JST day */
	assert_int_equal(d->orgs[0].scopes[1].valid_until, at("2027-03-31T23:59:59+09:00"));
	assert_int_equal(d->orgs[0].scopes[1].valid_from, at("2026-04-01T00:00:00+09:00"));
	inv_doc_free(d);
	assert_int_equal(count(s, "SELECT count(*) FROM audit_log WHERE action = "
				  "'inventory.import'"),
			 1);
	store_close(s);
}

static void test_inventory__reimport_changes_nothing(void **state)
{
	struct store *s = fresh_store("again.db");
	struct inv_import_stats st;
	struct merr e;
	char *before, *after;

	assert_int_equal(import_text(s, "a.yaml", good_yaml, now_ts(), &st, &e), 0);
	before = dump(s);
	/* a day later: nothing differs, so not even updated_at moves */
	assert_int_equal(import_text(s, "a.yaml", good_yaml, now_ts() + 86400, &st, &e), 0);
	after = dump(s);
	assert_string_equal(before, after);
	assert_int_equal(st.orgs_unchanged, 2);
	assert_int_equal(st.orgs_added + st.orgs_updated, 0);
	assert_int_equal(st.assets_unchanged, 4);
	assert_int_equal(st.assets_added + st.assets_removed + st.assets_updated, 0);
	assert_int_equal(st.scopes_added + st.scopes_removed + st.contacts_added, 0);
	assert_int_equal(st.exclusions_added + st.exclusions_updated, 0);
	m_free(before);
	m_free(after);
	store_close(s);
}

static char *replace(const char *text, const char *from, const char *to)
{
	const char *p = strstr(text, from);
	struct buf b;

	assert_non_null(p);
	buf_init(&b, 0);
	buf_add(&b, text, (size_t)(p - text));
	buf_adds(&b, to);
	buf_adds(&b, p + strlen(from));
	return buf_detach(&b, NULL);
}

static void test_inventory__changed_file_updates_in_place(void **state)
{
	struct store *s = fresh_store("change.db");
	struct inv_import_stats st;
	struct merr e;
	int64_t id_before, bus_updated;
	char *v1, *v2;

	assert_int_equal(import_text(s, "c.yaml", good_yaml, now_ts(), &st, &e), 0);
	id_before = count(s, "SELECT id FROM orgs WHERE slug = 'kanto-rail'");
	bus_updated = count(s, "SELECT updated_at FROM orgs WHERE slug = 'minato-bus'");
	/* a discovered candidate must survive the inventory's sync */
	assert_int_equal(
	    store_exec(s,
		       "INSERT INTO assets (org_id, kind, value, status, source) "
		       "SELECT id, 'hostname', 'dev.kanto-rail.test', 'candidate', 'ct' "
		       "FROM orgs WHERE slug = 'kanto-rail'",
		       NULL),
	    0);
	v1 = replace(good_yaml, "      - domain: kanto-rail.test\n",
		     "      - domain: kanto-rail2.test\n");
	v2 = replace(v1, "role: CSIRT", "role: CSIRT責任者");
	assert_int_equal(import_text(s, "c2.yaml", v2, now_ts() + 60, &st, &e), 0);
	assert_int_equal(st.orgs_updated, 1);
	assert_int_equal(st.orgs_unchanged, 1);
	assert_int_equal(st.assets_added, 1);
	assert_int_equal(st.assets_removed, 1);
	assert_int_equal(st.contacts_added, 1);
	assert_int_equal(st.contacts_removed, 1);
	assert_int_equal(count(s, "SELECT id FROM orgs WHERE slug = 'kanto-rail'"), id_before);
	assert_int_equal(count(s, "SELECT updated_at FROM orgs WHERE slug = 'kanto-rail'"),
			 now_ts() + 60);
	assert_int_equal(count(s, "SELECT updated_at FROM orgs WHERE slug = 'minato-bus'"),
			 bus_updated);
	assert_int_equal(count(s, "SELECT count(*) FROM assets WHERE source = 'ct'"), 1);
	assert_int_equal(count(s, "SELECT count(*) FROM assets WHERE value = 'kanto-rail.test'"),
			 0);
	/* a file naming only one org leaves the other alone */
	assert_int_equal(import_text(s, "c3.yaml",
				     "version: 1\norganisations:\n  - id: minato-bus\n"
				     "    name: みなと交通バス\n    business_type: bus\n",
				     now_ts() + 120, &st, &e),
			 0);
	assert_int_equal(st.orgs_updated, 1); /* size and scope went */
	assert_int_equal(st.scopes_removed, 1);
	assert_int_equal(count(s, "SELECT count(*) FROM orgs"), 2);
	assert_int_equal(count(s, "SELECT count(*) FROM scopes"), 2);
	m_free(v1);
	m_free(v2);
	store_close(s);
}

/* ---- refusals ---- */

#define HEAD                                    \
	"version: 1\n"                          \
	"organisations:\n"                      \
	"  - id: other-org\n"                   \
	"    name: { ja: 他社, en: Other }\n" \
	"    sector: railways\n"

static const struct bad_case {
	const char *name;
	const char *text;
	const char *want; /* merr_format output, after "FILE:" */
} bad_cases[] = {
    {"syntax", HEAD "    assets: [ { domain: x.test }\n", "7: yaml: "},
    {"unknown key", HEAD "    sectr: railways\n",
     "6: organisations: unknown key 'sectr' (expected one of: id, name"},
    {"unknown top key", "version: 1\norganizations: []\n",
     "2: inventory: unknown key 'organizations'"},
    {"repeated key", HEAD "    sector: water\n", "6: sector: repeated key"},
    {"unknown sector", "version: 1\norganisations:\n  - id: x\n    name: X\n    sector: space\n",
     "3: sector: unknown sector 'space'"},
    {"unknown business type",
     "version: 1\norganisations:\n  - id: x\n    name: X\n    business_type: rocket\n",
     "3: business_type: unknown business type 'rocket'"},
    {"cidr host bits", HEAD "    assets:\n      - cidr: 127.0.10.1/28\n",
     "7: cidr: '127.0.10.1/28' is not a valid CIDR prefix"},
    {"bad ipv4", HEAD "    assets:\n      - ipv4: 127.0.0.256\n",
     "7: ipv4: '127.0.0.256' is not a valid IPv4 address"},
    {"ipv6 given as ipv4", HEAD "    assets:\n      - ipv4: \"::1\"\n",
     "7: ipv4: '::1' is not a valid IPv4 address"},
    {"bad email", HEAD "    contacts:\n      - { name: A, email: a@@x.test }\n",
     "7: contacts.email: 'a@@x.test' is not a valid e-mail address"},
    {"short cpe", HEAD "    products:\n      - cpe: \"cpe:2.3:a:openbsd:openssh:7.2\"\n",
     "7: products.cpe: 'cpe:2.3:a:openbsd:openssh:7.2' is not a CPE 2.3 string"},
    {"cpe with escaped colon counts one component",
     HEAD "    products:\n      - cpe: \"cpe:2.3:a:a\\\\:b:c:1:*:*:*:*:*:*\"\n",
     "7: products.cpe: 'cpe:2.3:a:a\\:b:c:1:*:*:*:*:*:*' is not a CPE 2.3 string"},
    {"until before from",
     HEAD "    scope:\n      - cidr: 127.0.40.0/28\n        authorised_by: A\n"
	  "        from: 2026-06-01\n        until: 2026-05-01\n",
     "7: scope.until: until is before from (127.0.40.0/28)"},
    {"expired",
     HEAD "    scope:\n      - cidr: 127.0.40.0/28\n        authorised_by: A\n"
	  "        from: 2025-04-01\n        until: 2026-03-31\n",
     "7: scope.until: authorisation for 127.0.40.0/28 expired on 2026-03-31 JST"},
    {"year out of range",
     HEAD "    scope:\n      - cidr: 127.0.40.0/28\n        authorised_by: A\n"
	  "        from: 0026-04-01\n        until: 2027-03-31\n",
     "9: scope.from: '0026-04-01' is not a date"},
    {"missing authorised_by",
     HEAD "    scope:\n      - { cidr: 127.0.40.0/28, from: 2026-04-01, until: 2027-03-31 }\n",
     "7: scope.authorised_by: missing"},
    {"overlap in file",
     HEAD "    scope:\n"
	  "      - { cidr: 127.0.40.0/24, authorised_by: A, from: 2026-04-01, until: 2027-03-31 }\n"
	  "      - { cidr: 127.0.40.16/28, authorised_by: A, from: 2026-04-01, until: "
	  "2027-03-31 }\n",
     "8: scope.cidr: 127.0.40.16/28 overlaps 127.0.40.0/24 of other-org (line 7)"},
    {"overlap with store",
     HEAD "    scope:\n"
	  "      - { cidr: 127.0.8.0/21, authorised_by: A, from: 2026-04-01, until: 2027-03-31 }\n",
     "7: scope.cidr: 127.0.8.0/21 overlaps 127.0.10.0/28, authorised for kanto-rail"},
    {"duplicate org id", HEAD "  - id: other-org\n    name: 重複\n    sector: water\n",
     "6: id: duplicate organisation id 'other-org' (first at line 3)"},
    {"duplicate asset", HEAD "    assets:\n      - domain: a.test\n      - domain: A.test\n",
     "8: domain: duplicate asset domain 'a.test' of other-org (first at line 7)"},
    {"not utf-8", HEAD "    aliases: [\"\xff\xfe\"]\n", "6: encoding: not valid UTF-8"},
    {"bad bool", HEAD "    critical: yes\n", "6: critical: expected true or false"},
    {"bad size", HEAD "    size: huge\n", "6: size: 'huge' is not large, medium or small"},
    {"alias node",
     HEAD "    aliases: &a [x]\n  - id: y\n    name: Y\n    sector: water\n"
	  "    aliases: *a\n",
     "10: aliases: YAML aliases (*name) are not supported here"},
    {"reserved id",
     "version: 1\norganisations:\n  - id: sector-water\n    name: X\n"
     "    sector: water\n",
     "3: id: 'sector-water' is reserved"},
    {"digits-only id",
     "version: 1\norganisations:\n  - id: \"123\"\n    name: X\n"
     "    sector: water\n",
     "3: id: '123' is reserved"},
    {"no version", "organisations: []\n", "1: version: missing"},
    {"wrong version", "version: 2\n", "1: version: unsupported version"},
    {"empty", "", "1: empty file"},
    {"comma in flow name",
     "version: 1\norganisations:\n  - id: x\n"
     "    name: { ja: X, en: X Co., Ltd. }\n    sector: water\n",
     "4: name: unknown key 'Ltd.'"},
};

static void test_inventory__refuses_bad_input_and_keeps_store(void **state)
{
	struct store *s = fresh_store("bad.db");
	struct inv_import_stats st;
	struct merr e;
	char *before;

	assert_int_equal(import_text(s, "base.yaml", good_yaml, now_ts(), &st, &e), 0);
	before = dump(s);
	for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		char msg[1024], want[600], *after;
		int rc = import_text(s, "bad.yaml", bad_cases[i].text, now_ts(), &st, &e);
		merr_format(&e, msg, sizeof(msg));
		snprintf(want, sizeof(want), "%s/bad.yaml:%s", tu_tmpdir(), bad_cases[i].want);
		if (rc != M_EPARSE || strncmp(msg, want, strlen(want)) != 0)
			fail_msg("case '%s': rc %d, got\n  %s\nwant prefix\n  %s",
				 bad_cases[i].name, rc, msg, want);
		after = dump(s);
		if (strcmp(before, after) != 0)
			fail_msg("case '%s' changed the store", bad_cases[i].name);
		m_free(after);
	}
	m_free(before);
	store_close(s);
}

static void test_inventory__dry_run_writes_nothing(void **state)
{
	struct store *s = fresh_store("dry.db");
	struct inv_import_stats st;
	struct merr e;
	char *before, *after;

	before = dump(s);
	merr_init(&e);
	assert_int_equal(
	    inv_import_file(s, tu_write_file("dry.yaml", good_yaml), now_ts(), true, &st, &e), 0);
	assert_int_equal(st.orgs_added, 2); /* reports what it would do */
	after = dump(s);
	assert_string_equal(before, after);
	m_free(before);
	m_free(after);
	store_close(s);
}

/* ---- allocation failures ---- */

static void test_inventory__survives_every_allocation_failure(void **state)
{
	struct store *s = fresh_store("nomem.db");
	struct inv_import_stats st;
	struct merr e;
	char *v2 = replace(good_yaml, "role: CSIRT", "role: SOC");
	const char *path;
	char *before;
	long n, failures = 0;
	int rc;

	assert_int_equal(import_text(s, "n1.yaml", good_yaml, now_ts(), &st, &e), 0);
	path = tu_write_file("n2.yaml", v2);
	before = dump(s);
	for (n = 0; n < 100000; n++) {
		char *after;
		merr_init(&e);
		mem_fail_after(n);
		rc = inv_import_file_ex(s, path, now_ts() + 10,
					&(struct inv_import_opts){.prune = true}, &st, &e);
		failures = mem_failures();
		mem_fail_reset();
		assert_true(rc == 0 || rc == M_ENOMEM);
		if (rc == 0 && failures == 0)
			break;
		assert_int_equal(rc, M_ENOMEM);
		after = dump(s);
		assert_string_equal(before, after);
		m_free(after);
	}
	assert_true(n > 5); /* the loop really failed allocations before succeeding */
	assert_int_equal(count(s, "SELECT count(*) FROM contacts WHERE role = 'SOC'"), 1);
	m_free(before);
	m_free(v2);
	store_close(s);
}

/* A file cut at a line boundary parses, but must not withdraw what it lost (issue #19):
 * removals need the end marker or prune; the marker must be last and count the orgs. */
static void test_inventory__removals_need_the_end_marker_or_prune(void **state)
{
	struct store *s = fresh_store("prune.db");
	struct inv_import_stats st;
	struct inv_doc *d = NULL;
	struct merr e;
	char *cut = replace(good_yaml, "role: CSIRT", "role: CSIRT2");
	char *whole = m_malloc(strlen(cut) + 16);

	assert_int_equal(import_text(s, "p1.yaml", good_yaml, now_ts(), &st, &e), 0);
	merr_init(&e);
	assert_int_equal(
	    inv_import_file(s, tu_write_file("p2.yaml", cut), now_ts(), false, &st, &e),
	    M_ECONFIRM);
	assert_non_null(strstr(e.msg, "contact"));
	assert_int_equal(count(s, "SELECT count(*) FROM contacts WHERE role = 'CSIRT'"), 1);
	/* a dry run succeeds and counts what it would need */
	assert_int_equal(inv_import_file(s, tu_write_file("p2.yaml", cut), now_ts(), true, &st, &e),
			 0);
	assert_int_equal(st.removals_refused, 1);
	/* with the marker as the last key, counting the two organisations: allowed */
	snprintf(whole, strlen(cut) + 16, "%send: 2\n", cut);
	assert_int_equal(
	    inv_import_file(s, tu_write_file("p3.yaml", whole), now_ts(), false, &st, &e), 0);
	assert_int_equal(st.contacts_removed, 1);
	/* a wrong count, or the marker not last, is a parse error */
	snprintf(whole, strlen(cut) + 16, "%send: 3\n", cut);
	assert_int_equal(inv_parse_yaml(whole, strlen(whole), "p4.yaml", &d, &e), M_EPARSE);
	snprintf(whole, strlen(cut) + 16, "end: 2\n%s", cut);
	assert_int_equal(inv_parse_yaml(whole, strlen(whole), "p5.yaml", &d, &e), M_EPARSE);
	assert_null(d);
	m_free(cut);
	m_free(whole);
	store_close(s);
}

/* ---- CSV ---- */

static void test_inventory__imports_csv_with_quotes(void **state)
{
	struct store *s = fresh_store("csv.db");
	struct inv_import_stats st;
	struct merr e;
	static const char csv[] = "\xef\xbb\xbforg,kind,value,declared_by,note\r\n"
				  "kanto-rail,hostname,a.kanto-rail.test,\"山田, 太郎\",\r\n"
				  "kanto-rail,ipv4,127.0.10.9,,\"say \"\"hi\"\"\"\r\n"
				  "\n"
				  "minato-bus,cidr,127.0.22.0/29,,\"two\nlines\"\n"
				  "kanto-rail,domain,kanto-rail.test,,\n";

	assert_int_equal(import_text(s, "base.yaml", good_yaml, now_ts(), &st, &e), 0);
	assert_int_equal(import_text(s, "a.csv", csv, now_ts(), &st, &e), 0);
	/* kanto-rail's inventory assets are now exactly the CSV's three */
	assert_int_equal(st.assets_added, 3);
	assert_int_equal(st.assets_unchanged, 1);
	assert_int_equal(st.assets_removed, 3); /* www, the cidr, ::1 */
	assert_int_equal(count(s, "SELECT count(*) FROM assets a JOIN orgs o ON o.id = a.org_id "
				  "WHERE o.slug = 'kanto-rail'"),
			 3);
	assert_int_equal(count(s, "SELECT count(*) FROM assets WHERE declared_by = '山田, 太郎'"),
			 1);
	assert_int_equal(count(s, "SELECT count(*) FROM assets WHERE note = 'say \"hi\"'"), 1);
	assert_int_equal(count(s, "SELECT count(*) FROM assets WHERE note = 'two\nlines'"), 1);
	/* the rest of the org is not touched by a CSV */
	assert_int_equal(count(s, "SELECT count(*) FROM scopes"), 3);
	store_close(s);
}

static void test_inventory__refuses_bad_csv_line(void **state)
{
	static const struct bad_case csv_cases[] = {
	    {"bad kind", "org,kind,value\nkanto-rail,domain,a.test\nkanto-rail,host,b.test\n",
	     "3: kind: 'host' is not one of domain"},
	    {"bad header", "organisation,kind,value\n", "1: header: expected the header"},
	    {"field count", "org,kind,value\nkanto-rail,domain\n", "2: 2 fields, the header has 3"},
	    {"unterminated quote", "org,kind,value\nkanto-rail,domain,\"a.test\n\n",
	     "2: unterminated quoted field"},
	    {"stray quote", "org,kind,value\nkanto-rail,domain,a\"b.test\n",
	     "2: a quote inside an unquoted field"},
	    {"unknown org", "org,kind,value\nkanto-rail,domain,a.test\nnobody,domain,b.test\n",
	     "3: org: no organisation 'nobody'"},
	    {"not utf-8", "org,kind,value,declared_by\nkanto-rail,domain,a.test,\x93\xfa\n",
	     "2: declared_by: not valid UTF-8"},
	    {"bad cidr", "org,kind,value\r\nkanto-rail,cidr,127.0.10.0/33\r\n",
	     "2: value: '127.0.10.0/33' is not a valid CIDR prefix"},
	};
	struct store *s = fresh_store("badcsv.db");
	struct inv_import_stats st;
	struct merr e;
	char *before;

	assert_int_equal(import_text(s, "base.yaml", good_yaml, now_ts(), &st, &e), 0);
	before = dump(s);
	for (size_t i = 0; i < ARRAY_SIZE(csv_cases); i++) {
		char msg[1024], want[600], *after;
		int rc = import_text(s, "bad.csv", csv_cases[i].text, now_ts(), &st, &e);
		merr_format(&e, msg, sizeof(msg));
		snprintf(want, sizeof(want), "%s/bad.csv:%s", tu_tmpdir(), csv_cases[i].want);
		if (rc >= 0 || strncmp(msg, want, strlen(want)) != 0)
			fail_msg("case '%s': rc %d, got\n  %s\nwant prefix\n  %s",
				 csv_cases[i].name, rc, msg, want);
		after = dump(s);
		if (strcmp(before, after) != 0)
			fail_msg("case '%s' changed the store", csv_cases[i].name);
		m_free(after);
	}
	m_free(before);
	store_close(s);
}

/* ---- export ---- */

static void test_inventory__export_reimports_to_same_state(void **state)
{
	struct store *s = fresh_store("exp.db"), *s2 = fresh_store("exp2.db");
	struct inv_import_stats st;
	struct merr e;
	struct buf b, b2;
	char *d1, *d2;

	assert_int_equal(import_text(s, "e.yaml", good_yaml, now_ts(), &st, &e), 0);
	buf_init(&b, 0);
	buf_init(&b2, 0);
	assert_int_equal(inv_export(s, NULL, &b, &e), 0);
	/* into the same store: nothing changes */
	assert_int_equal(import_text(s, "export.yaml", buf_str(&b), now_ts() + 5, &st, &e), 0);
	assert_int_equal(st.orgs_unchanged, 2);
	assert_int_equal(st.orgs_added + st.orgs_updated + st.exclusions_added, 0);
	/* into a new store: the same inventory, exported byte for byte the same */
	assert_int_equal(import_text(s2, "export.yaml", buf_str(&b), now_ts(), &st, &e), 0);
	assert_int_equal(inv_export(s2, NULL, &b2, &e), 0);
	assert_string_equal(buf_str(&b), buf_str(&b2));
	d1 = dump(s);
	d2 = dump(s2);
	assert_string_equal(d1, d2);
	m_free(d1);
	m_free(d2);
	buf_release(&b);
	buf_release(&b2);
	store_close(s);
	store_close(s2);
}

/* ---- scope check ---- */

static struct store *scope_store(void)
{
	struct store *s = fresh_store("scope.db");
	struct inv_import_stats st;
	struct merr e;
	static const char extra[] =
	    "version: 1\n"
	    "organisations:\n"
	    "  - id: old-water\n"
	    "    name: 旧水道\n"
	    "    sector: water\n"
	    "    scope:\n"
	    "      - { cidr: 127.0.30.0/28, authorised_by: A, from: 2026-04-01, until: 2026-06-30 "
	    "}\n"
	    "  - id: future-port\n"
	    "    name: 未来港湾\n"
	    "    sector: ports\n"
	    "    scope:\n"
	    "      - { cidr: 127.0.31.0/28, authorised_by: B, from: 2027-01-01, until: 2027-12-31 "
	    "}\n";

	assert_int_equal(import_text(s, "s.yaml", good_yaml, now_ts(), &st, &e), 0);
	/* imported in May, when old-water's authorisation was still valid */
	assert_int_equal(import_text(s, "s2.yaml", extra, at("2026-05-01T00:00:00Z"), &st, &e), 0);
	merr_init(&e);
	assert_int_equal(inv_exclusion_add(s, "127.0.10.8/29", "保守中 / maintenance", "test",
					   now_ts(), NULL, &e),
			 0);
	return s;
}

static int check(struct store *s, const char *org, const char *addr, int64_t now,
		 struct inv_scope_verdict *v)
{
	struct ipaddr a;
	struct merr e;

	merr_init(&e);
	assert_int_equal(ip_parse(addr, &a), 0);
	return inv_scope_check(s, org, &a, now, v, &e);
}

static void test_scope__allows_and_refuses_with_reason(void **state)
{
	struct store *s = scope_store();
	struct inv_scope_verdict v;

	assert_int_equal(check(s, "kanto-rail", "127.0.10.3", now_ts(), &v), 0);
	assert_true(v.allowed);
	assert_true(v.scope_id > 0);
	assert_non_null(strstr(v.reason, "許可: 127.0.10.0/28 (山田 太郎 (CSIRT責任者), 2027-03-31 "
					 "JST まで) / allowed:"));
	assert_int_equal(check(s, "kanto-rail", "::1", now_ts(), &v), 0); /* IPv6 */
	assert_true(v.allowed);
	assert_int_equal(check(s, "kanto-rail", "::2", now_ts(), &v), M_ESCOPE);
	assert_false(v.allowed);
	assert_int_equal(check(s, "kanto-rail", "127.0.11.1", now_ts(), &v), M_ESCOPE);
	assert_int_equal(v.scope_id, 0);
	assert_non_null(strstr(v.reason, "not in any authorised range of kanto-rail"));
	assert_int_equal(check(s, "kanto-rail", "127.0.10.9", now_ts(), &v), M_ESCOPE);
	assert_non_null(strstr(v.reason, "除外: 127.0.10.8/29 (保守中 / maintenance)"));
	assert_non_null(strstr(v.reason, "excluded: 127.0.10.8/29"));
	assert_int_equal(check(s, "kanto-rail", "127.0.99.1", now_ts(), &v), M_ESCOPE);
	assert_non_null(strstr(v.reason, "excluded: 127.0.99.0/24"));
	assert_int_equal(check(s, "old-water", "127.0.30.1", now_ts(), &v), M_ESCOPE);
	assert_non_null(strstr(v.reason, "authorisation expired on 2026-06-30 JST"));
	assert_int_equal(check(s, "old-water", "127.0.30.1", at("2026-06-30T14:00:00Z"), &v), 0);
	assert_int_equal(check(s, "future-port", "127.0.31.1", now_ts(), &v), M_ESCOPE);
	assert_non_null(strstr(v.reason, "not yet valid until 2027-01-01 JST"));
	assert_int_equal(check(s, "nobody", "127.0.10.3", now_ts(), &v), M_ESCOPE);
	assert_non_null(strstr(v.reason, "unknown organisation: nobody"));
	/* the scope ends with its last JST day */
	assert_int_equal(check(s, "kanto-rail", "127.0.10.3", at("2027-03-31T14:59:59Z"), &v), 0);
	assert_int_equal(check(s, "kanto-rail", "127.0.10.3", at("2027-03-31T15:00:00Z"), &v),
			 M_ESCOPE);
	store_close(s);
}

static void test_scope__set_is_valid_scope_minus_exclusions(void **state)
{
	struct store *s = scope_store();
	struct ipset set;
	struct ipaddr a;
	struct merr e;

	ipset_init(&set);
	merr_init(&e);
	assert_int_equal(inv_scope_set(s, "kanto-rail", now_ts(), &set, &e), 0);
	assert_int_equal(ipset_count(&set), 16 - 8 + 1); /* /28 minus a /29, plus ::1 */
	ip_parse("127.0.10.9", &a);
	assert_false(ipset_contains(&set, &a));
	ip_parse("127.0.10.2", &a);
	assert_true(ipset_contains(&set, &a));
	ipset_release(&set);
	ipset_init(&set);
	assert_int_equal(inv_scope_set(s, "old-water", now_ts(), &set, &e), 0);
	assert_int_equal(ipset_count(&set), 0);
	assert_int_equal(inv_scope_set(s, "nobody", now_ts(), &set, &e), M_ENOTFOUND);
	ipset_release(&set);
	store_close(s);
}

static void test_scope__exclusions_add_update_remove(void **state)
{
	struct store *s = scope_store();
	struct merr e;
	bool added = false;

	merr_init(&e);
	assert_int_equal(
	    inv_exclusion_add(s, "127.0.10.8/29", "新しい理由", "x", now_ts(), &added, &e), 0);
	assert_false(added);
	assert_int_equal(count(s, "SELECT count(*) FROM exclusions WHERE reason = '新しい理由'"),
			 1);
	assert_int_equal(inv_exclusion_add(s, "127.0.10.9/29", "r", "x", now_ts(), NULL, &e),
			 M_EPARSE);
	assert_int_equal(inv_exclusion_remove(s, "127.0.10.8/29", &e), 0);
	assert_int_equal(inv_exclusion_remove(s, "127.0.10.8/29", &e), M_ENOTFOUND);
	store_close(s);
}

/* 25 organisations: org-00 .. org-24, sector railways / water / ports by i % 3 (org-24 has
 * none: a bus company), critical when i % 4 == 0. */
static struct store *paging_store(void)
{
	struct store *s = fresh_store("paging.db");
	struct inv_import_stats st;
	struct merr e;
	struct buf y;
	static const char *const sectors[] = {"railways", "water", "ports"};

	buf_init(&y, 0);
	buf_adds(&y, "version: 1\norganisations:\n");
	for (int i = 0; i < 25; i++) {
		buf_addf(&y, "  - id: org-%02d\n    name: 事業者%02d\n", i, i);
		if (i < 24)
			buf_addf(&y, "    sector: %s\n", sectors[i % 3]);
		else
			buf_addf(&y, "    business_type: bus\n");
		buf_addf(&y, "    critical: %s\n", i % 4 == 0 ? "true" : "false");
	}
	assert_int_equal(import_text(s, "paging.yaml", buf_str(&y), now_ts(), &st, &e), 0);
	buf_release(&y);
	assert_int_equal(st.orgs_added, 25);
	return s;
}

/* Loads a page and checks its total, its size and its first slug (NULL: empty). */
static void check_page(struct store *s, struct inv_filter f, int64_t limit, int64_t offset,
		       int64_t total, size_t n, const char *first)
{
	struct inv_doc *d = NULL;
	struct merr e;
	int64_t t = -1;

	merr_init(&e);
	assert_int_equal(inv_load_page(s, &f, limit, offset, &d, &t, &e), 0);
	assert_int_equal(t, total);
	assert_int_equal(d->n_orgs, n);
	if (first)
		assert_string_equal(d->orgs[0].slug, first);
	for (size_t i = 1; i < d->n_orgs; i++) /* ordered by slug */
		assert_true(strcmp(d->orgs[i - 1].slug, d->orgs[i].slug) < 0);
	inv_doc_free(d);
}

static void test_inventory__page_counts_total_and_honours_limit_offset(void **state)
{
	struct store *s = paging_store();
	struct inv_filter all = {NULL, NULL, -1, 0};
	struct inv_doc *d = NULL;
	struct merr e;
	int64_t t;

	check_page(s, all, 10, 0, 25, 10, "org-00");
	check_page(s, all, 10, 20, 25, 5, "org-20"); /* the last, short page */
	check_page(s, all, 10, 24, 25, 1, "org-24");
	check_page(s, all, 10, 25, 25, 0, NULL); /* offset at the end */
	check_page(s, all, 10, 1000, 25, 0, NULL);
	check_page(s, all, 0, 0, 25, 0, NULL); /* only the count */
	check_page(s, all, 1000, 0, 25, 25, "org-00");
	check_page(s, (struct inv_filter){NULL, NULL, 1, 0}, 100, 0, 7, 7, "org-00");
	check_page(s, (struct inv_filter){NULL, NULL, 0, 0}, 2, 1, 18, 2, "org-02");
	merr_init(&e);
	assert_int_equal(inv_load_page(s, &all, -1, 0, &d, &t, &e), M_EINVAL);
	assert_null(d);
	assert_int_equal(inv_load_page(s, &all, 1, -1, &d, &t, &e), M_EINVAL);
	store_close(s);
}

static void test_inventory__page_keeps_row_scope(void **state)
{
	struct store *s = paging_store();

	/* a bureau's sector: org-01, 04, ... 22 (8 of them), paged inside the sector */
	check_page(s, (struct inv_filter){NULL, "water", -1, 0}, 3, 0, 8, 3, "org-01");
	check_page(s, (struct inv_filter){NULL, "water", -1, 0}, 3, 6, 8, 2, "org-19");
	check_page(s, (struct inv_filter){NULL, "water", -1, 0}, 3, 8, 8, 0, NULL);
	check_page(s, (struct inv_filter){NULL, "water", 1, 0}, 10, 0, 2, 2, "org-04");
	/* an operator's own organisation: one row, whatever the offset asks */
	check_page(s, (struct inv_filter){"org-07", NULL, -1, 0}, 100, 0, 1, 1, "org-07");
	check_page(s, (struct inv_filter){"org-07", NULL, -1, 0}, 100, 1, 1, 0, NULL);
	/* an organisation outside the sector asked for, or no such organisation: nothing */
	check_page(s, (struct inv_filter){"org-07", "railways", -1, 0}, 100, 0, 0, 0, NULL);
	check_page(s, (struct inv_filter){"org-07", "water", -1, 0}, 100, 0, 1, 1, "org-07");
	check_page(s, (struct inv_filter){"no-such", NULL, -1, 0}, 100, 0, 0, 0, NULL);
	/* SQL metacharacters are values, never SQL */
	check_page(s, (struct inv_filter){NULL, "water' OR '1'='1", -1, 0}, 100, 0, 0, 0, NULL);
	store_close(s);
}

struct sector_count {
	char sector[32];
	int64_t orgs, critical;
};

static int collect_count(const char *sector, int64_t orgs, int64_t critical, void *arg)
{
	struct sector_count *c = arg;

	for (; c->sector[0]; c++)
		;
	snprintf(c->sector, sizeof(c->sector), "%s", sector ? sector : "-");
	c->orgs = orgs;
	c->critical = critical;
	return 0;
}

static void test_inventory__sector_counts_group_in_the_store(void **state)
{
	struct store *s = paging_store();
	struct sector_count c[8] = {0};
	struct merr e;

	merr_init(&e);
	assert_int_equal(
	    inv_sector_counts(s, &(struct inv_filter){NULL, NULL, -1, 0}, collect_count, c, &e), 0);
	/* no sector first (org-24, critical), then by code */
	assert_string_equal(c[0].sector, "-");
	assert_int_equal(c[0].orgs, 1);
	assert_int_equal(c[0].critical, 1);
	assert_string_equal(c[1].sector, "ports");
	assert_int_equal(c[1].orgs, 8);
	assert_int_equal(c[1].critical, 2); /* org-08, org-20 */
	assert_string_equal(c[2].sector, "railways");
	assert_int_equal(c[2].orgs, 8);
	assert_int_equal(c[2].critical, 2); /* org-00, org-12 */
	assert_string_equal(c[3].sector, "water");
	assert_int_equal(c[3].orgs, 8);
	assert_int_equal(c[3].critical, 2); /* org-04, org-16 */
	assert_string_equal(c[4].sector, "");
	memset(c, 0, sizeof(c));
	assert_int_equal(
	    inv_sector_counts(s, &(struct inv_filter){"org-05", NULL, -1, 0}, collect_count, c, &e),
	    0);
	assert_string_equal(c[0].sector, "ports");
	assert_int_equal(c[0].orgs, 1);
	assert_string_equal(c[1].sector, "");
	store_close(s);
}

static void test_inventory__field_checks(void **state)
{
	assert_true(inv_cpe23_valid("cpe:2.3:a:openbsd:openssh:7.2:p1:*:*:*:*:*:*"));
	assert_true(inv_cpe23_valid("cpe:2.3:a:a\\:b:c:1:*:*:*:*:*:*:*"));
	assert_false(inv_cpe23_valid("cpe:2.3:a:a\\:b:c:1:*:*:*:*:*:*"));
	assert_false(inv_cpe23_valid("cpe:/a:openbsd:openssh:7.2"));
	assert_false(inv_cpe23_valid("cpe:2.3:x:openbsd:openssh:7.2:p1:*:*:*:*:*:*"));
	assert_false(inv_cpe23_valid("cpe:2.3:a::openssh:7.2:p1:*:*:*:*:*:*"));
	assert_false(inv_cpe23_valid("cpe:2.3:a:openbsd:openssh:7.2:p1:*:*:*:*:*:*\\"));
	assert_true(inv_email_valid("csirt@kanto-rail.test"));
	assert_false(inv_email_valid("csirt@localhost"));
	assert_false(inv_email_valid("a b@x.test"));
	assert_false(inv_email_valid("@x.test"));
	assert_true(inv_hostname_valid("www.kanto-rail.test"));
	assert_false(inv_hostname_valid("-bad.test"));
	assert_false(inv_hostname_valid("a..test"));
	assert_true(inv_slug_reserved("sector-railways"));
	assert_true(inv_slug_reserved("42"));
	assert_false(inv_slug_reserved("kanto-rail"));
	assert_false(inv_slug_reserved("sectors"));
	assert_false(inv_slug_reserved("rail-sector-1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_inventory__imports_good_file),
	    cmocka_unit_test(test_inventory__page_counts_total_and_honours_limit_offset),
	    cmocka_unit_test(test_inventory__page_keeps_row_scope),
	    cmocka_unit_test(test_inventory__sector_counts_group_in_the_store),
	    cmocka_unit_test(test_inventory__reimport_changes_nothing),
	    cmocka_unit_test(test_inventory__changed_file_updates_in_place),
	    cmocka_unit_test(test_inventory__refuses_bad_input_and_keeps_store),
	    cmocka_unit_test(test_inventory__dry_run_writes_nothing),
	    cmocka_unit_test(test_inventory__survives_every_allocation_failure),
	    cmocka_unit_test(test_inventory__removals_need_the_end_marker_or_prune),
	    cmocka_unit_test(test_inventory__imports_csv_with_quotes),
	    cmocka_unit_test(test_inventory__refuses_bad_csv_line),
	    cmocka_unit_test(test_inventory__export_reimports_to_same_state),
	    cmocka_unit_test(test_scope__allows_and_refuses_with_reason),
	    cmocka_unit_test(test_scope__set_is_valid_scope_minus_exclusions),
	    cmocka_unit_test(test_scope__exclusions_add_update_remove),
	    cmocka_unit_test(test_inventory__field_checks),
	    cmocka_unit_test(test_inventory__display_names_cached_and_fresh),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
