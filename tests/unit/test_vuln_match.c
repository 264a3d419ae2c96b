/* test_vuln_match.c - version order, CPE 2.3, configuration evaluation and
 * matching, on the real records in the shared data. */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <ctype.h>

#include "base/mem.h"
#include "vuln/config.h"
#include "cpe/cpe.h"
#include "vuln/match.h"
#include "cpe/version.h"
#include "testutil.h"
#include "vuln_testload.h"

/* ---- version order ---- */

static void check_less(const char *a, const char *b)
{
	int r = 9;

	if (vuln_version_cmp(a, b, &r) != 0 || r != -1)
		fail_msg("expected %s < %s, got rc/result %d", a, b, r);
	if (vuln_version_cmp(b, a, &r) != 0 || r != 1)
		fail_msg("expected %s > %s, got rc/result %d", b, a, r);
}

static void check_equal(const char *a, const char *b)
{
	int r = 9;

	assert_int_equal(vuln_version_cmp(a, b, &r), 0);
	assert_int_equal(r, 0);
	assert_int_equal(vuln_version_cmp(b, a, &r), 0);
	assert_int_equal(r, 0);
}

static void test_version__openssl_letters(void **state)
{
	check_less("1.0.2z", "1.0.2za");
	check_less("1.0.2za", "1.0.2zb");
	check_less("1.0.2", "1.0.2k");
	check_less("1.0.2k", "1.0.2l");
	check_less("1.0.1f", "1.0.1g");
	check_less("0.9.8zh", "1.0.0");
}

static void test_version__numbers_compare_numerically(void **state)
{
	check_less("9", "10");
	check_less("h2", "h11");
	check_less("4.94", "4.94.2");
	check_equal("7.0", "7.0.0");
	check_equal("1.02", "1.2");
}

static void test_version__pre_releases_below_release(void **state)
{
	check_less("1.3.6rc2", "1.3.6");
	check_less("1.3.6", "1.3.6a");
	check_less("1.3.6rc1", "1.3.6rc2");
	check_less("1.0dev1", "1.0alpha1");
	check_less("1.0alpha1", "1.0beta1");
	check_less("1.0beta2", "1.0pre1");
	check_less("1.0pre1", "1.0rc1");
	check_less("1.0rc1", "1.0");
	check_less("1.0", "1.0p1");
	check_equal("1.0a1", "1.0alpha1");
	check_equal("1.0-beta2", "1.0b2");
	check_equal("2.0-release", "2.0");
}

static void test_version__openssh_portable(void **state)
{
	check_less("7.2p1", "7.2p2");
	check_less("7.2", "7.2p1");
	check_less("7.1p2", "7.2");
	check_less("7.9p1", "8.0p1");
}

static void test_version__bind_suffixes(void **state)
{
	check_less("9.9.3b1", "9.9.3rc1");
	check_less("9.9.3rc1", "9.9.3");
	check_less("9.9.3", "9.9.3-P1");
	check_less("9.9.3-P1", "9.9.3-P2");
	check_less("9.9.3", "9.9.3-S1");
	check_less("9.11.0rc1", "9.11.0");
	check_less("9.9.3-P1", "9.9.4");
	check_equal("9.9.3-P1", "9.9.3p1");
}

static void test_version__vendor_schemes(void **state)
{
	check_less("10.2.9", "10.2.9-h1"); /* PAN-OS hotfix */
	check_less("10.2.3-h2", "10.2.3-h11");
	check_less("10.2.9-h1", "10.2.10");
	check_equal("12.2(33)SXI", "12.2\\(33\\)sxi"); /* Cisco, as NVD escapes it */
	check_less("12.2(33)SXH", "12.2(33)SXI");
	check_less("12.2(14)sy", "12.2(14)sy1");
	check_less("22.7R2", "22.7R2.5"); /* Ivanti */
	check_less("22.7R1.4", "22.7R2");
	check_less("9.1R18", "9.1R18.3");
	check_less("9.1R18.3", "22.7R1");
	check_less("13.1-49.9", "13.1-49.15"); /* Citrix release-build */
	check_less("13.1-49.15", "13.1-51.15");
	check_less("2.8_mr10", "2.8.1");
}

static void test_version__different_schemes_are_incomparable(void **state)
{
	int r;

	assert_int_equal(vuln_version_cmp("2000", "11.7", &r), M_EINVAL);
	assert_int_equal(vuln_version_cmp("11.7", "2000", &r), M_EINVAL);
	assert_int_equal(vuln_version_cmp("2019", "15.2.1258.12", &r), M_EINVAL);
	assert_int_equal(vuln_version_cmp("beta", "1.0", &r), M_EINVAL);
	assert_int_equal(vuln_version_cmp("*", "1.0", &r), M_EINVAL);
	assert_int_equal(vuln_version_cmp("", "1.0", &r), M_EINVAL);
	assert_int_equal(vuln_version_cmp("2016", "2019", &r), 0);
	assert_int_equal(r, -1);
}

static void test_version__equal_versions_share_a_key(void **state)
{
	static const char *const same[][2] = {
	    {"7.0", "7.0.0"}, {"1.0a1", "1.0alpha1"}, {"9.9.3-P1", "9.9.3p1"}, {"V6.0", "6.00"}};
	struct vuln_ver a, b;
	char ka[VULN_VER_KEY_MAX], kb[VULN_VER_KEY_MAX];

	for (size_t i = 0; i < ARRAY_SIZE(same); i++) {
		assert_int_equal(vuln_ver_parse(same[i][0], &a), 0);
		assert_int_equal(vuln_ver_parse(same[i][1], &b), 0);
		assert_int_equal(vuln_ver_key(&a, ka, sizeof(ka)), 0);
		assert_int_equal(vuln_ver_key(&b, kb, sizeof(kb)), 0);
		assert_string_equal(ka, kb);
	}
	assert_int_equal(vuln_ver_parse("1.0.2k", &b), 0);
	assert_int_equal(vuln_ver_key(&b, kb, sizeof(kb)), 0);
	assert_string_not_equal(ka, kb);
}

static void check_split(const char *vp, const char *v, const char *base, const char *upd)
{
	char b[VULN_VER_STR_MAX], u[VULN_VER_STR_MAX];

	assert_int_equal(vuln_version_split(vp, v, b, sizeof(b), u, sizeof(u)), 0);
	assert_string_equal(b, base);
	assert_string_equal(u, upd);
}

static void test_version__splits_update_per_product(void **state)
{
	char out[64];

	check_split("openbsd:openssh", "7.2p1", "7.2", "p1");
	check_split("openbsd:openssh", "7.2", "7.2", "");
	check_split("isc:bind", "9.9.3-P1", "9.9.3", "p1");
	check_split("isc:bind", "9.16.8-S1", "9.16.8", "s1");
	check_split("isc:bind", "9.11.0rc1", "9.11.0", "rc1");
	check_split("paloaltonetworks:pan-os", "10.2.9-h1", "10.2.9", "h1");
	check_split("proftpd:proftpd", "1.3.0a", "1.3.0", "a");
	check_split("openssl:openssl", "1.0.1f", "1.0.1f", "");
	check_split("openssl:openssl", "1.0.2-beta1", "1.0.2", "beta1");
	check_split("php:php", "5.4.0RC1", "5.4.0", "rc1");
	check_split("pulsesecure:pulse_connect_secure", "9.1R18.3", "9.1r18.3", "");
	assert_int_equal(vuln_version_compose("3.6.1", "p1", out, sizeof(out)), 0);
	assert_string_equal(out, "3.6.1p1");
	assert_int_equal(vuln_version_compose("7.2", "*", out, sizeof(out)), 0);
	assert_string_equal(out, "7.2");
	assert_true(vuln_version_update_is_post("p1"));
	assert_false(vuln_version_update_is_post("rc1"));
}

/* ---- CPE ---- */

static void test_cpe__unescapes_and_formats_back(void **state)
{
	const char *s = "cpe:2.3:o:cisco:ios:12.2\\(33\\)sxi:*:*:*:*:*:*:*";
	struct cpe c;
	char out[CPE_STR_MAX];

	assert_int_equal(cpe_parse(s, &c, NULL), 0);
	assert_string_equal(cpe_literal(&c, CPE_VERSION), "12.2(33)sxi");
	assert_string_equal(cpe_literal(&c, CPE_PART), "o");
	assert_int_equal(c.a[CPE_UPDATE].kind, CPE_ANY);
	assert_int_equal(cpe_format(&c, out, sizeof(out)), 0);
	assert_string_equal(out, s);
	cpe_release(&c);

	assert_int_equal(cpe_parse("cpe:2.3:a:foo\\:bar:x\\-y:-:*:*:*:*:*:*:*", &c, NULL), 0);
	assert_string_equal(cpe_literal(&c, CPE_VENDOR), "foo:bar");
	assert_string_equal(cpe_literal(&c, CPE_PRODUCT), "x-y");
	assert_int_equal(c.a[CPE_VERSION].kind, CPE_NA);
	assert_int_equal(cpe_format(&c, out, sizeof(out)), 0);
	assert_string_equal(out, "cpe:2.3:a:foo\\:bar:x-y:-:*:*:*:*:*:*:*");
	cpe_release(&c);
}

static void test_cpe__wildcards_at_value_ends(void **state)
{
	struct cpe src, t1, t2;
	struct merr e;

	assert_int_equal(cpe_parse("cpe:2.3:a:openssl:openssl:1.0.2*:*:*:*:*:*:*:*", &src, NULL),
			 0);
	assert_true(src.a[CPE_VERSION].trail_star);
	assert_int_equal(cpe_parse("cpe:2.3:a:openssl:openssl:1.0.2k", &t1, NULL), 0);
	assert_int_equal(cpe_parse("cpe:2.3:a:openssl:openssl:1.0.1", &t2, NULL), 0);
	assert_int_equal(cpe_compare(&src, &t1, 0), CPE_SUPERSET);
	assert_int_equal(cpe_compare(&src, &t2, 0), CPE_DISJOINT);
	assert_true(cpe_matches(&src, &t1));
	/* a wildcard in the target: undefined */
	assert_int_equal(cpe_compare(&t1, &src, 0), CPE_UNDEFINED);
	cpe_release(&src);
	cpe_release(&t1);
	cpe_release(&t2);

	assert_int_equal(cpe_parse("cpe:2.3:a:v:p:??b:*", &src, NULL), 0);
	assert_int_equal(cpe_parse("cpe:2.3:a:v:p:xb", &t1, NULL), 0);
	assert_int_equal(cpe_compare_attr(&src.a[CPE_VERSION], &t1.a[CPE_VERSION]), CPE_SUPERSET);
	cpe_release(&src);
	cpe_release(&t1);

	merr_init(&e);
	assert_int_equal(cpe_parse("cpe:2.3:a:v:p:1*2:*", &src, &e), M_EPARSE);
	assert_string_equal(e.field, "version");
	assert_int_equal(cpe_parse("cpe:2.3:x:v:p", &src, NULL), M_EPARSE);
	assert_int_equal(cpe_parse("cpe:2.3:a:v:p:1:2:3:4:5:6:7:8:9", &src, NULL), M_EPARSE);
	assert_int_equal(cpe_parse("cpe:2.3:a:v:p:1\\", &src, NULL), M_EPARSE);
	assert_int_equal(cpe_parse("openssl", &src, NULL), M_EPARSE);
}

static void test_cpe__reads_22_uris(void **state)
{
	struct cpe c;
	char out[CPE_STR_MAX];

	assert_int_equal(cpe_parse("cpe:/a:openbsd:openssh:7.2p1", &c, NULL), 0);
	assert_string_equal(cpe_literal(&c, CPE_VERSION), "7.2p1");
	assert_int_equal(c.a[CPE_UPDATE].kind, CPE_ANY);
	cpe_release(&c);
	assert_int_equal(cpe_parse("cpe:/a:foo%21:bar:1.0::~~~android~x86~", &c, NULL), 0);
	assert_string_equal(cpe_literal(&c, CPE_VENDOR), "foo!");
	assert_string_equal(cpe_literal(&c, CPE_TARGET_SW), "android");
	assert_string_equal(cpe_literal(&c, CPE_TARGET_HW), "x86");
	assert_int_equal(c.a[CPE_UPDATE].kind, CPE_ANY);
	assert_int_equal(cpe_format(&c, out, sizeof(out)), 0);
	assert_string_equal(out, "cpe:2.3:a:foo\\!:bar:1.0:*:*:*:*:android:x86:*");
	cpe_release(&c);
	assert_int_equal(cpe_parse("cpe:/o:contiki-ng:contiki-ng", &c, NULL), 0);
	assert_string_equal(cpe_literal(&c, CPE_PRODUCT), "contiki-ng");
	cpe_release(&c);
	assert_int_equal(cpe_parse("cpe:/a:v:p:1%zz", &c, NULL), M_EPARSE);
}

static void check_rel(const char *s, const char *t, enum cpe_rel want)
{
	struct cpe a, b;

	assert_int_equal(cpe_parse(s, &a, NULL), 0);
	assert_int_equal(cpe_parse(t, &b, NULL), 0);
	if (cpe_compare(&a, &b, 0) != want)
		fail_msg("%s vs %s: %s, want %s", s, t, cpe_rel_name(cpe_compare(&a, &b, 0)),
			 cpe_rel_name(want));
	cpe_release(&a);
	cpe_release(&b);
}

static void test_cpe__name_relations(void **state)
{
	check_rel("cpe:2.3:a:openssl:openssl:1.0.1f", "cpe:2.3:a:OpenSSL:openssl:1.0.1F",
		  CPE_EQUAL);
	check_rel("cpe:2.3:a:openssl:openssl:*", "cpe:2.3:a:openssl:openssl:1.0.1f", CPE_SUPERSET);
	check_rel("cpe:2.3:a:openssl:openssl:1.0.1f", "cpe:2.3:a:openssl:openssl:*", CPE_SUBSET);
	check_rel("cpe:2.3:a:openssl:openssl:1.0.1f", "cpe:2.3:a:openssl:openssl:1.0.1g",
		  CPE_DISJOINT);
	check_rel("cpe:2.3:a:openssl:openssl:-", "cpe:2.3:a:openssl:openssl:1.0.1g", CPE_DISJOINT);
	check_rel("cpe:2.3:a:openssl:openssl:-", "cpe:2.3:a:openssl:openssl:-", CPE_EQUAL);
	check_rel("cpe:2.3:a:openssl:openssl:*:beta1", "cpe:2.3:a:openssl:openssl:1.0.1:*",
		  CPE_UNDEFINED); /* one attribute wider, one narrower */
}

/* ---- configurations on the real records ---- */

static cJSON *subset;

static const char *nvd_path(const char *file)
{
	static char p[1024];
	snprintf(p, sizeof(p), "%s/nvd/%s", tu_data_dir(), file);
	return p;
}

static struct vuln_configs *configs_of(const char *id)
{
	cJSON *v;
	struct vuln_configs *c = NULL;

	if (!subset) {
		char *text = vtl_read_file(nvd_path("nvdcve-2.0-subset.json.xz"), NULL);
		assert_non_null(text);
		subset = cJSON_Parse(text);
		free(text);
		assert_non_null(subset);
	}
	cJSON_ArrayForEach(v, cJSON_GetObjectItem(subset, "vulnerabilities"))
	{
		cJSON *cve = cJSON_GetObjectItem(v, "cve");
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(cve, "id")), id) == 0) {
			assert_int_equal(vuln_configs_parse(
					     cJSON_GetObjectItem(cve, "configurations"), &c, NULL),
					 0);
			return c;
		}
	}
	fail_msg("%s not in the NVD subset", id);
	return NULL;
}

/* Evaluates cfg for product (CPE) and up to 2 platforms; returns the state. */
static enum vuln_state eval3(const struct vuln_configs *cfg, const char *product, const char *plat1,
			     const char *plat2, struct vuln_eval *ev)
{
	struct cpe prod, plats[2];
	struct vuln_host h;
	size_t n = 0;
	struct vuln_eval local;

	if (!ev)
		ev = &local;
	assert_int_equal(cpe_parse(product, &prod, NULL), 0);
	if (plat1)
		assert_int_equal(cpe_parse(plat1, &plats[n++], NULL), 0);
	if (plat2)
		assert_int_equal(cpe_parse(plat2, &plats[n++], NULL), 0);
	assert_int_equal(vuln_host_init(&h, &prod, plats, n, NULL), 0);
	vuln_config_eval(cfg, &h, ev);
	vuln_host_release(&h);
	cpe_release(&prod);
	for (size_t i = 0; i < n; i++)
		cpe_release(&plats[i]);
	return ev->state;
}

static enum vuln_state eval1(const struct vuln_configs *cfg, const char *product)
{
	return eval3(cfg, product, NULL, NULL, NULL);
}

#define EXPECT(cfg, product, want)                                                      \
	do {                                                                            \
		enum vuln_state got_ = eval1(cfg, product);                             \
		if (got_ != (want))                                                     \
			fail_msg("%s: got %s, want %s", product, vuln_state_name(got_), \
				 vuln_state_name(want));                                \
	} while (0)

static void test_config__heartbleed_range_with_letters(void **state)
{
	struct vuln_configs *c = configs_of("CVE-2014-0160");
	struct vuln_eval ev;

	assert_int_equal(
	    eval3(c, "cpe:2.3:a:openssl:openssl:1.0.1f:*:*:*:*:*:*:*", NULL, NULL, &ev),
	    VULN_AFFECTED);
	assert_int_equal(ev.basis, VULN_BASIS_RANGE);
	assert_non_null(strstr(ev.evidence, "< 1.0.1g"));
	assert_non_null(strstr(ev.evidence, ">= 1.0.1"));
	EXPECT(c, "cpe:2.3:a:openssl:openssl:1.0.1", VULN_AFFECTED);
	EXPECT(c, "cpe:2.3:a:openssl:openssl:1.0.1g", VULN_NOT_AFFECTED);
	EXPECT(c, "cpe:2.3:a:openssl:openssl:1.0.0", VULN_NOT_AFFECTED);
	EXPECT(c, "cpe:2.3:a:openssl:openssl:1.0.0t", VULN_NOT_AFFECTED);
	EXPECT(c, "cpe:2.3:a:openssl:openssl:1.0.2", VULN_NOT_AFFECTED);
	/* version hidden: product only, never a confirmed finding */
	assert_int_equal(eval3(c, "cpe:2.3:a:openssl:openssl:*", NULL, NULL, &ev),
			 VULN_PRODUCT_ONLY);
	assert_int_equal(ev.basis, VULN_BASIS_VERSION_UNKNOWN);
	vuln_configs_free(c);
}

static void test_config__firmware_needs_its_hardware(void **state)
{
	struct vuln_configs *c = configs_of("CVE-2014-0160");
	const char *fw = "cpe:2.3:o:siemens:cp_1543-1_firmware:1.1:*:*:*:*:*:*:*";
	struct vuln_eval ev;

	assert_int_equal(eval3(c, fw, NULL, NULL, &ev), VULN_AFFECTED_IF_PLATFORM);
	assert_non_null(strstr(ev.platform, "h:siemens:cp_1543-1:"));
	assert_int_equal(eval3(c, fw, "cpe:2.3:h:siemens:cp_1543-1:-", NULL, NULL), VULN_AFFECTED);
	assert_int_equal(eval3(c, fw, "cpe:2.3:h:siemens:simatic_s7-1500:-", NULL, NULL),
			 VULN_NOT_AFFECTED);
	EXPECT(c, "cpe:2.3:o:siemens:cp_1543-1_firmware:1.2", VULN_NOT_AFFECTED);
	vuln_configs_free(c);
}

static void test_config__openssh_enumeration_with_portable_suffix(void **state)
{
	struct vuln_configs *c = configs_of("CVE-2016-8858");
	struct vuln_eval ev;

	assert_int_equal(eval3(c, "cpe:2.3:a:openbsd:openssh:7.2p1", NULL, NULL, &ev),
			 VULN_AFFECTED);
	assert_int_equal(ev.basis, VULN_BASIS_EXACT);
	EXPECT(c, "cpe:2.3:a:openbsd:openssh:6.8", VULN_AFFECTED);
	EXPECT(c, "cpe:2.3:a:openbsd:openssh:7.3p1", VULN_AFFECTED);
	EXPECT(c, "cpe:/a:openbsd:openssh:6.9p1", VULN_AFFECTED);
	EXPECT(c, "cpe:2.3:a:openbsd:openssh:6.7p1", VULN_NOT_AFFECTED);
	EXPECT(c, "cpe:2.3:a:openbsd:openssh:7.4p1", VULN_NOT_AFFECTED);
	vuln_configs_free(c);
}

static void test_config__and_with_platform_condition(void **state)
{
	struct vuln_configs *c = configs_of("CVE-1999-0289");
	const char *apache = "cpe:2.3:a:apache:http_server:1.3.0";
	struct vuln_eval ev;

	/* NVD names no version ('-'): product-level at best, and only on Windows x86 */
	assert_int_equal(eval3(c, apache, NULL, NULL, &ev), VULN_PRODUCT_ONLY);
	assert_int_equal(ev.basis, VULN_BASIS_NA_VERSION);
	assert_non_null(strstr(ev.platform, "microsoft:windows"));
	assert_int_equal(
	    eval3(c, apache, "cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:x86:*", NULL, &ev),
	    VULN_PRODUCT_ONLY);
	assert_non_null(strstr(ev.platform, "platform cpe:2.3:o:microsoft:windows"));
	assert_int_equal(eval3(c, apache, "cpe:2.3:o:canonical:ubuntu_linux:22.04", NULL, NULL),
			 VULN_NOT_AFFECTED);
	assert_int_equal(
	    eval3(c, apache, "cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:x64:*", NULL, NULL),
	    VULN_NOT_AFFECTED);
	EXPECT(c, "cpe:2.3:a:nginx:nginx:1.0", VULN_NOT_AFFECTED);
	vuln_configs_free(c);
}

static void test_config__bind_range_with_fixed_update(void **state)
{
	struct vuln_configs *c = configs_of("CVE-2016-2776");

	EXPECT(c, "cpe:2.3:a:isc:bind:9.9.9-P3", VULN_AFFECTED);
	EXPECT(c, "cpe:2.3:a:isc:bind:9.9.9:p3", VULN_AFFECTED);
	EXPECT(c, "cpe:2.3:a:isc:bind:9.9.8-P3", VULN_AFFECTED);
	EXPECT(c, "cpe:2.3:a:isc:bind:9.9.9-P4", VULN_NOT_AFFECTED);
	EXPECT(c, "cpe:2.3:a:isc:bind:9.9.10-P3", VULN_NOT_AFFECTED);
	EXPECT(c, "cpe:2.3:a:isc:bind:9.9.9", VULN_NOT_AFFECTED);
	EXPECT(c, "cpe:2.3:a:isc:bind:9.10.4-P3", VULN_AFFECTED);
	EXPECT(c, "cpe:2.3:a:isc:bind:9.10.4-P4", VULN_NOT_AFFECTED);
	EXPECT(c, "cpe:2.3:a:isc:bind:9.11.0rc1", VULN_AFFECTED);
	EXPECT(c, "cpe:2.3:a:isc:bind:9.11.0", VULN_NOT_AFFECTED);
	vuln_configs_free(c);
}

static void test_config__openssh_update_p1(void **state)
{
	struct vuln_configs *c = configs_of("CVE-2003-0190");

	EXPECT(c, "cpe:2.3:a:openbsd:openssh:3.6.1p1", VULN_AFFECTED);
	EXPECT(c, "cpe:2.3:a:openbsd:openssh:3.6.1:p1", VULN_AFFECTED);
	EXPECT(c, "cpe:2.3:a:openbsd:openssh:3.6.1p2", VULN_NOT_AFFECTED);
	EXPECT(c, "cpe:2.3:a:openbsd:openssh:3.5p1", VULN_AFFECTED);
	EXPECT(c, "cpe:2.3:a:openbsd:openssh:3.7p1", VULN_NOT_AFFECTED);
	vuln_configs_free(c);
}

static void test_config__panos_range_and_inline_hotfix(void **state)
{
	struct vuln_configs *c = configs_of("CVE-2013-5663");

	EXPECT(c, "cpe:2.3:o:paloaltonetworks:pan-os:4.0.8", VULN_AFFECTED);
	EXPECT(c, "cpe:2.3:o:paloaltonetworks:pan-os:4.0.9", VULN_NOT_AFFECTED);
	EXPECT(c, "cpe:2.3:o:paloaltonetworks:pan-os:4.1.8-h3", VULN_AFFECTED);
	EXPECT(c, "cpe:2.3:o:paloaltonetworks:pan-os:4.1.10", VULN_AFFECTED);
	EXPECT(c, "cpe:2.3:o:paloaltonetworks:pan-os:4.1.11", VULN_NOT_AFFECTED);
	EXPECT(c, "cpe:2.3:o:paloaltonetworks:pan-os:5.0.0-h1", VULN_AFFECTED);
	EXPECT(c, "cpe:2.3:o:paloaltonetworks:pan-os:5.0.1", VULN_NOT_AFFECTED);
	vuln_configs_free(c);
}

static void test_config__escaped_ios_versions(void **state)
{
	struct vuln_configs *c = configs_of("CVE-2004-0079");
	struct vuln_eval ev;

	/* IOS with OpenSSL-based products: the AND's other node is unknown */
	assert_int_equal(eval3(c, "cpe:2.3:o:cisco:ios:12.2(14)SY", NULL, NULL, &ev),
			 VULN_AFFECTED_IF_PLATFORM);
	assert_non_null(strstr(ev.evidence, "12.2\\(14\\)sy"));
	EXPECT(c, "cpe:2.3:o:cisco:ios:12.2\\(14\\)sy1:*:*:*:*:*:*:*", VULN_AFFECTED_IF_PLATFORM);
	EXPECT(c, "cpe:2.3:o:cisco:ios:12.2(14)SY2", VULN_NOT_AFFECTED);
	EXPECT(c, "cpe:2.3:o:cisco:ios:12.2(33)SXI", VULN_NOT_AFFECTED);
	vuln_configs_free(c);
}

static cJSON *cve5_of(const char *id)
{
	char p[1024];
	cJSON *rec, *aff;

	snprintf(p, sizeof(p), "%s/cve5/vulnrichment-subset.jsonl.xz", tu_data_dir());
	rec = vtl_cve5_record(p, id);
	assert_non_null(rec);
	aff = vtl_cve5_affected(rec);
	cJSON_Delete(rec);
	assert_non_null(aff);
	return aff;
}

static enum vuln_state eval5(const cJSON *aff, const char *product, struct vuln_eval *ev)
{
	struct cpe prod;
	struct vuln_host h;

	assert_int_equal(cpe_parse(product, &prod, NULL), 0);
	assert_int_equal(vuln_host_init(&h, &prod, NULL, 0, NULL), 0);
	vuln_cve5_eval(aff, &h, ev);
	vuln_host_release(&h);
	cpe_release(&prod);
	return ev->state;
}

#define EXPECT5(aff, product, want)                                                               \
	do {                                                                                      \
		struct vuln_eval ev_;                                                             \
		if (eval5(aff, product, &ev_) != (want))                                          \
			fail_msg("%s: got %s, want %s (%s)", product, vuln_state_name(ev_.state), \
				 vuln_state_name(want), ev_.evidence);                            \
	} while (0)

static void test_config__cve5_panos_hotfix_bounds(void **state)
{
	cJSON *aff = cve5_of("CVE-2024-3400");
	struct vuln_eval ev;

	assert_int_equal(eval5(aff, "cpe:2.3:o:paloaltonetworks:pan-os:10.2.9", &ev),
			 VULN_AFFECTED);
	assert_non_null(strstr(ev.evidence, "cna"));
	EXPECT5(aff, "cpe:2.3:o:paloaltonetworks:pan-os:10.2.9-h1", VULN_NOT_AFFECTED);
	EXPECT5(aff, "cpe:2.3:o:paloaltonetworks:pan-os:10.2.9:h1", VULN_NOT_AFFECTED);
	EXPECT5(aff, "cpe:2.3:o:paloaltonetworks:pan-os:10.2.8-h3", VULN_AFFECTED);
	EXPECT5(aff, "cpe:2.3:o:paloaltonetworks:pan-os:11.1.2-h2", VULN_AFFECTED);
	EXPECT5(aff, "cpe:2.3:o:paloaltonetworks:pan-os:11.1.2-h3", VULN_NOT_AFFECTED);
	EXPECT5(aff, "cpe:2.3:o:paloaltonetworks:pan-os:10.1.0", VULN_NOT_AFFECTED);
	EXPECT5(aff, "cpe:2.3:o:paloaltonetworks:pan-os:9.1.17", VULN_NOT_AFFECTED);
	EXPECT5(aff, "cpe:2.3:o:paloaltonetworks:pan-os:*", VULN_PRODUCT_ONLY);
	cJSON_Delete(aff);
}

static void test_config__cve5_fortios_prefers_cna_branches(void **state)
{
	cJSON *aff = cve5_of("CVE-2024-21762");

	EXPECT5(aff, "cpe:2.3:o:fortinet:fortios:7.2.6", VULN_AFFECTED);
	EXPECT5(aff, "cpe:2.3:o:fortinet:fortios:7.2.7", VULN_NOT_AFFECTED);
	EXPECT5(aff, "cpe:2.3:o:fortinet:fortios:6.0.17", VULN_AFFECTED);
	EXPECT5(aff, "cpe:2.3:o:fortinet:fortios:6.0.18", VULN_NOT_AFFECTED);
	EXPECT5(aff, "cpe:2.3:o:fortinet:fortios:7.4.2", VULN_AFFECTED);
	EXPECT5(aff, "cpe:2.3:o:fortinet:fortios:7.4.3", VULN_NOT_AFFECTED);
	/* CISA-ADP says 6.0.0 <= v < 6.2.16 across branches; the CNA lists 6.1 nowhere */
	EXPECT5(aff, "cpe:2.3:o:fortinet:fortios:6.1.5", VULN_NOT_AFFECTED);
	EXPECT5(aff, "cpe:2.3:a:fortinet:fortiproxy:7.0.14", VULN_AFFECTED);
	cJSON_Delete(aff);
}

/* Every version NVD names for a product, on every CVE naming it: the grouped
 * evaluation gives the same state as the entry-by-entry reference. */
static void test_config__groups_agree_with_entry_walk(void **state)
{
	static const char *const ids[] = {"CVE-2016-2776", "CVE-2004-0079", "CVE-2014-0160",
					  "CVE-2013-5663", "CVE-2003-0190", "CVE-2016-8858"};
	static const char *const hosts[] = {
	    "cpe:2.3:a:isc:bind:",	  "cpe:2.3:o:cisco:ios:",
	    "cpe:2.3:a:openssl:openssl:", "cpe:2.3:o:paloaltonetworks:pan-os:",
	    "cpe:2.3:a:openbsd:openssh:", "cpe:2.3:a:openbsd:openssh:"};
	size_t checked = 0;

	for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
		struct vuln_configs *c = configs_of(ids[i]);
		for (size_t j = 0; j < c->n; j++)
			for (size_t k = 0; k < c->cfg[j].n; k++)
				for (size_t l = 0; l < c->cfg[j].nodes[k].n; l++) {
					const struct vuln_cpematch *m = &c->cfg[j].nodes[k].m[l];
					const char *v = cpe_literal(&m->cpe, CPE_VERSION);
					const char *b = m->end_incl ? m->end_incl : m->end_excl;
					for (int pass = 0; pass < 2; pass++) {
						char prod[512], esc[256];
						const char *ver = pass ? b : v;
						struct vuln_eval a, r;
						struct cpe p;
						struct vuln_host h;
						size_t n = 0;
						if (!ver)
							continue;
						for (const char *x = ver; *x && n + 2 < sizeof(esc);
						     x++) {
							if (!isalnum((unsigned char)*x) &&
							    !strchr("._-", *x))
								esc[n++] = '\\';
							esc[n++] = *x;
						}
						esc[n] = '\0';
						snprintf(prod, sizeof(prod), "%s%s", hosts[i], esc);
						assert_int_equal(cpe_parse(prod, &p, NULL), 0);
						assert_int_equal(
						    vuln_host_init(&h, &p, NULL, 0, NULL), 0);
						vuln_config_eval(c, &h, &a);
						vuln_config_eval_walk(c, &h, &r);
						if (a.state != r.state)
							fail_msg("%s %s: %s vs walk %s", ids[i],
								 prod, vuln_state_name(a.state),
								 vuln_state_name(r.state));
						checked++;
						vuln_host_release(&h);
						cpe_release(&p);
					}
				}
		vuln_configs_free(c);
	}
	assert_true(checked > 300);
}

static void test_config__cve5_version_na_is_product_level(void **state)
{
	cJSON *aff = cJSON_Parse("[{\"source\":\"cna\",\"affected\":[{\"vendor\":\"Cisco\","
				 "\"product\":\"Cisco IOS XE Software\",\"versions\":[{"
				 "\"version\":\"n/a\",\"status\":\"affected\"}]}]}]");
	struct vuln_eval ev;

	assert_non_null(aff);
	assert_int_equal(eval5(aff, "cpe:2.3:o:cisco:ios_xe:16.9.1", &ev), VULN_PRODUCT_ONLY);
	assert_int_equal(ev.basis, VULN_BASIS_VERSION_UNKNOWN);
	assert_int_equal(eval5(aff, "cpe:2.3:o:cisco:ios:15.1", &ev), VULN_NOT_AFFECTED);
	cJSON_Delete(aff);
	/* a CNA that repeats the product name in versions (ZDI for Exim) */
	aff = cJSON_Parse("[{\"source\":\"cna\",\"affected\":[{\"vendor\":\"Exim\",\"product\":"
			  "\"Exim\",\"versions\":[{\"version\":\"exim 4.95\",\"status\":"
			  "\"affected\"}],\"defaultStatus\":\"unaffected\"}]}]");
	assert_int_equal(eval5(aff, "cpe:2.3:a:exim:exim:4.95", &ev), VULN_AFFECTED);
	assert_int_equal(eval5(aff, "cpe:2.3:a:exim:exim:4.96", &ev), VULN_NOT_AFFECTED);
	cJSON_Delete(aff);
}

static void test_config__rejects_malformed_trees(void **state)
{
	struct vuln_configs *c = NULL;
	struct merr e;

	merr_init(&e);
	assert_int_equal(vuln_configs_parse_text("{}", &c, &e), M_EPARSE);
	assert_int_equal(
	    vuln_configs_parse_text("[{\"nodes\":[{\"operator\":\"XOR\"}]}]", &c, NULL), M_EPARSE);
	assert_int_equal(
	    vuln_configs_parse_text(
		"[{\"nodes\":[{\"cpeMatch\":[{\"criteria\":\"cpe:2.3:a:a:b:1*2\"}]}]}]", &c, NULL),
	    M_EPARSE);
	assert_null(c);
	/* every allocation failing in turn: clean error, no leak (ASan checks) */
	for (long n = 0; n < 40; n++) {
		mem_fail_after(n);
		int rc = vuln_configs_parse_text(
		    "[{\"operator\":\"AND\",\"nodes\":[{\"operator\":\"OR\",\"cpeMatch\":[{"
		    "\"vulnerable\":true,\"criteria\":\"cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*"
		    "\","
		    "\"versionEndExcluding\":\"1.0.1g\"}]}]}]",
		    &c, NULL);
		mem_fail_reset();
		assert_true(rc == 0 || rc == M_ENOMEM);
		vuln_configs_free(c);
		c = NULL;
	}
}

/* ---- the matcher over a store ---- */

static struct store *st;

static int setup_store(void **state)
{
	char db[512], p[1024];
	struct merr e;

	merr_init(&e);
	tu_path(db, sizeof(db), "vuln.db");
	if (store_open(db, &st, &e) || vtl_schema(st, &e))
		return -1;
	snprintf(p, sizeof(p), "%s/nvd/nvdcve-2.0-subset.json.xz", tu_data_dir());
	if (vtl_load_nvd(st, p, &e))
		return -1;
	snprintf(p, sizeof(p), "%s/cve5/vulnrichment-subset.jsonl.xz", tu_data_dir());
	if (vtl_load_cve5(st, p, &e))
		return -1;
	snprintf(p, sizeof(p), "%s/kev/known_exploited_vulnerabilities.json", tu_data_dir());
	return vtl_load_kev(st, p, &e) ? -1 : 0;
}

static int teardown_store(void **state)
{
	store_close(st);
	cJSON_Delete(subset);
	subset = NULL;
	return 0;
}

static const struct vuln_result *find(const struct vuln_result *r, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(r[i].cve->id, id) == 0)
			return &r[i];
	return NULL;
}

static void test_match__heartbleed_joins_kev_and_sorts_kev_first(void **state)
{
	struct vuln_matcher *m;
	const struct vuln_result *r, *hb;
	size_t n;
	struct vuln_product p = {.vendor = "openssl", .product = "openssl", .version = "1.0.1f"};

	assert_int_equal(vuln_matcher_new(st, &m, NULL), 0);
	assert_int_equal(vuln_match_one(m, &p, 0, &r, &n, NULL), 0);
	assert_true(n > 1);
	hb = find(r, n, "CVE-2014-0160");
	assert_non_null(hb);
	assert_int_equal(hb->state, VULN_AFFECTED);
	assert_true(hb->cve->in_kev);
	assert_string_equal(hb->cve->kev_date_added, "2022-05-04");
	assert_string_equal(hb->source, "nvd");
	assert_true(r[0].cve->in_kev);
	for (size_t i = 1; i < n; i++) {
		assert_false(!r[i - 1].cve->in_kev && r[i].cve->in_kev);
		if (r[i - 1].cve->in_kev == r[i].cve->in_kev)
			assert_true(r[i - 1].cve->cvss >= r[i].cve->cvss);
	}
	p.version = "1.0.1g";
	assert_int_equal(vuln_match_one(m, &p, 0, &r, &n, NULL), 0);
	assert_null(find(r, n, "CVE-2014-0160"));
	assert_int_equal(vuln_match_one(m, &p, VULN_MATCH_ALL, &r, &n, NULL), 0);
	assert_non_null(find(r, n, "CVE-2014-0160"));
	assert_int_equal(find(r, n, "CVE-2014-0160")->state, VULN_NOT_AFFECTED);
	vuln_matcher_free(m);
}

static void test_match__banner_backport_is_probable(void **state)
{
	struct vuln_matcher *m;
	const struct vuln_result *r, *x;
	size_t n;
	struct vuln_product p = {.cpe = "cpe:2.3:a:openbsd:openssh:7.2p2",
				 .banner = "SSH-2.0-OpenSSH_7.2p2 Ubuntu-4ubuntu2.10"};

	assert_string_equal(vuln_banner_backport(p.banner), "Ubuntu package");
	assert_string_equal(vuln_banner_backport("nginx/1.18.0 (Ubuntu)"), "Ubuntu package");
	assert_string_equal(vuln_banner_backport("OpenSSH_8.4p1 Debian-5+deb11u3"),
			    "Debian package");
	assert_string_equal(vuln_banner_backport("Apache/2.4.6 (CentOS)"), "CentOS package");
	assert_string_equal(vuln_banner_backport("httpd-2.4.6-97.el7"),
			    "Red Hat Enterprise Linux package");
	assert_null(vuln_banner_backport("SSH-2.0-OpenSSH_7.2p2"));
	assert_null(vuln_banner_backport("Apache/2.4.49 (Unix) Delphi"));

	assert_int_equal(vuln_matcher_new(st, &m, NULL), 0);
	assert_int_equal(vuln_match_one(m, &p, 0, &r, &n, NULL), 0);
	x = find(r, n, "CVE-2016-8858");
	assert_non_null(x);
	assert_int_equal(x->state, VULN_PROBABLE_BACKPORT);
	assert_string_equal(x->backport, "Ubuntu package");
	p.banner = "SSH-2.0-OpenSSH_7.2p2";
	assert_int_equal(vuln_match_one(m, &p, 0, &r, &n, NULL), 0);
	assert_int_equal(find(r, n, "CVE-2016-8858")->state, VULN_AFFECTED);
	vuln_matcher_free(m);
}

static void test_match__aliases_unknown_versions_and_cve5(void **state)
{
	struct vuln_matcher *m;
	const struct vuln_result *r, *x;
	size_t n;
	struct vuln_product p = {.vendor = "igor_sysoev", .product = "nginx", .version = "0.6.38"};

	assert_int_equal(vuln_matcher_new(st, &m, NULL), 0);
	assert_int_equal(vuln_match_one(m, &p, 0, &r, &n, NULL), 0);
	x = find(r, n, "CVE-2009-2629"); /* 0.6.0 <= v < 0.6.39, as f5:nginx */
	assert_non_null(x);
	assert_int_equal(x->state, VULN_AFFECTED);
	p.version = NULL; /* server_tokens off */
	assert_int_equal(vuln_match_one(m, &p, 0, &r, &n, NULL), 0);
	assert_true(n > 0);
	for (size_t i = 0; i < n; i++)
		assert_int_not_equal(r[i].state, VULN_AFFECTED);
	assert_int_equal(find(r, n, "CVE-2009-2629")->state, VULN_PRODUCT_ONLY);

	struct vuln_product pan = {.cpe = "cpe:2.3:o:paloaltonetworks:pan-os:10.2.9:*:*:*:*:*:*:*"};
	assert_int_equal(vuln_match_one(m, &pan, 0, &r, &n, NULL), 0);
	x = find(r, n, "CVE-2024-3400");
	assert_non_null(x);
	assert_int_equal(x->state, VULN_AFFECTED);
	assert_string_equal(x->source, "cve5");
	assert_true(x->cve->in_kev);
	pan.cpe = "cpe:2.3:o:paloaltonetworks:pan-os:10.2.9:h1:*:*:*:*:*:*";
	assert_int_equal(vuln_match_one(m, &pan, 0, &r, &n, NULL), 0);
	assert_null(find(r, n, "CVE-2024-3400"));

	struct vuln_product bad = {.cpe = "cpe:2.3:a:*:*:1.0"};
	struct merr e;
	merr_init(&e);
	assert_int_equal(vuln_match_one(m, &bad, 0, &r, &n, &e), M_EINVAL);
	vuln_matcher_free(m);
}

static int print_one(const struct vuln_result *r, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

static void test_match__one_shot_and_describe(void **state)
{
	struct vuln_product p = {.cpe = "cpe:/a:openssl:openssl:1.0.1f"};
	int count = 0;
	cJSON *o = NULL;

	assert_int_equal(vuln_match(st, &p, 0, print_one, &count, NULL), 0);
	assert_true(count > 0);
	assert_int_equal(vuln_cve_describe(st, "CVE-2014-0160", &o, NULL), 0);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(o, "id")), "CVE-2014-0160");
	assert_non_null(cJSON_GetObjectItem(o, "kev"));
	assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(o, "configurations")) > 1);
	assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(o, "references")) > 10);
	cJSON_Delete(o);
	assert_int_equal(vuln_cve_describe(st, "CVE-1900-0001", &o, NULL), M_ENOTFOUND);
}

/* The batch path (distinct lines once, product groups over threads with their own store
 * connections) gives the same counts as matching every line one by one. */
static void test_match__batch_threads_agree_with_one_by_one(void **state)
{
	static const char *const lines[] = {
	    "openssl:openssl\t1.0.1f",
	    "openbsd:openssh\t7.2p1\tSSH-2.0-OpenSSH_7.2p1 Ubuntu-4ubuntu2.10",
	    "openssl:openssl\t1.0.1f",
	    "isc:bind\t9.9.3-P1",
	    "paloaltonetworks:pan-os\t10.2.9-h1",
	    "# a comment",
	    "openbsd:openssh",
	    "cpe:2.3:a:openssl:openssl:1.0.2za:*:*:*:*:*:*:*",
	    "nonsense-without-colon",
	    "openssl:openssl\t1.0.1g",
	    "openssl:openssl\t1.0.1f",
	};
	struct vuln_batch_stats one = {0}, b1, b2;
	struct vuln_matcher *m;
	char path[512];
	FILE *f;

	tu_path(path, sizeof(path), "batch.tsv");
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(vuln_matcher_new(st, &m, NULL), 0);
	for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
		char line[256], vendor[256];
		struct vuln_product p;
		const struct vuln_result *r;
		size_t n;
		fprintf(f, "%s\n", lines[i]);
		snprintf(line, sizeof(line), "%s", lines[i]);
		if (!vuln_batch_line(line, &p, vendor, sizeof(vendor)))
			continue;
		one.services++;
		assert_int_equal(vuln_match_one(m, &p, 0, &r, &n, NULL), 0);
		one.results += n;
		for (size_t k = 0; k < n; k++)
			one.states[r[k].state]++;
	}
	fclose(f);
	vuln_matcher_free(m);
	assert_int_equal(one.services, 9);
	assert_true(one.results > 0);
	assert_int_equal(vuln_match_batch(st, path, 0, 1, &b1, NULL), 0);
	assert_int_equal(vuln_match_batch(st, path, 0, 2, &b2, NULL), 0);
	assert_memory_equal(&one, &b1, sizeof(one));
	assert_memory_equal(&one, &b2, sizeof(one));
	assert_int_equal(vuln_match_batch(st, "/nonexistent/batch.tsv", 0, 2, &b2, NULL),
			 M_ENOTFOUND);
	/* a folder, or a batch without a service line, is not a successful match of nothing */
	assert_int_equal(vuln_match_batch(st, "/tmp", 0, 2, &b2, NULL), M_EINVAL);
	assert_int_equal(
	    vuln_match_batch(st, tu_write_file("empty.tsv", "# none\n\n"), 0, 2, &b2, NULL),
	    M_EPARSE);
}

/* A criterion from outside the feeds (a manual advisory's CPE) goes through the matcher's
 * evaluator: version-aware when it names a version, every version when it does not. */
static void test_criterion__manual_cpe_judged_by_the_evaluator(void **state)
{
	struct vuln_criterion *c = NULL, *any = NULL;
	enum vuln_state vs;
	struct merr e;

	(void)state;
	merr_init(&e);
	assert_int_equal(
	    vuln_criterion_new("cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*", &c, &e), 0);
	assert_int_equal(
	    vuln_criterion_match(c, &(struct vuln_product){.version = "2.4.49"}, &vs, &e), 0);
	assert_int_equal(vs, VULN_AFFECTED);
	assert_int_equal(
	    vuln_criterion_match(c, &(struct vuln_product){.version = "2.4.50"}, &vs, &e), 0);
	assert_int_equal(vs, VULN_NOT_AFFECTED);
	assert_int_equal(
	    vuln_criterion_match(
		c,
		&(struct vuln_product){.cpe = "cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*"},
		&vs, &e),
	    0);
	assert_int_equal(vs, VULN_AFFECTED);
	assert_int_equal(
	    vuln_criterion_match(c, &(struct vuln_product){.cpe = "not a cpe"}, &vs, &e), 0);
	assert_int_equal(vs, VULN_PRODUCT_ONLY); /* unreadable: version unknown */
	assert_int_equal(
	    vuln_criterion_new("cpe:2.3:a:apache:http_server:*:*:*:*:*:*:*:*", &any, &e), 0);
	assert_int_equal(
	    vuln_criterion_match(any, &(struct vuln_product){.version = "2.4.62"}, &vs, &e), 0);
	assert_int_equal(vs, VULN_AFFECTED);
	vuln_criterion_free(c);
	vuln_criterion_free(any);
	assert_int_equal(vuln_criterion_new("nonsense", &c, &e), M_EINVAL);
	assert_null(c);
}

int main(void)
{
	const struct CMUnitTest pure[] = {
	    cmocka_unit_test(test_version__openssl_letters),
	    cmocka_unit_test(test_version__numbers_compare_numerically),
	    cmocka_unit_test(test_version__pre_releases_below_release),
	    cmocka_unit_test(test_version__openssh_portable),
	    cmocka_unit_test(test_version__bind_suffixes),
	    cmocka_unit_test(test_version__vendor_schemes),
	    cmocka_unit_test(test_version__different_schemes_are_incomparable),
	    cmocka_unit_test(test_version__splits_update_per_product),
	    cmocka_unit_test(test_version__equal_versions_share_a_key),
	    cmocka_unit_test(test_cpe__unescapes_and_formats_back),
	    cmocka_unit_test(test_cpe__wildcards_at_value_ends),
	    cmocka_unit_test(test_cpe__reads_22_uris),
	    cmocka_unit_test(test_cpe__name_relations),
	    cmocka_unit_test(test_config__heartbleed_range_with_letters),
	    cmocka_unit_test(test_config__firmware_needs_its_hardware),
	    cmocka_unit_test(test_config__openssh_enumeration_with_portable_suffix),
	    cmocka_unit_test(test_config__and_with_platform_condition),
	    cmocka_unit_test(test_config__bind_range_with_fixed_update),
	    cmocka_unit_test(test_config__openssh_update_p1),
	    cmocka_unit_test(test_config__panos_range_and_inline_hotfix),
	    cmocka_unit_test(test_config__escaped_ios_versions),
	    cmocka_unit_test(test_config__cve5_panos_hotfix_bounds),
	    cmocka_unit_test(test_config__cve5_fortios_prefers_cna_branches),
	    cmocka_unit_test(test_config__cve5_version_na_is_product_level),
	    cmocka_unit_test(test_config__groups_agree_with_entry_walk),
	    cmocka_unit_test(test_config__rejects_malformed_trees),
	};
	const struct CMUnitTest store[] = {
	    cmocka_unit_test(test_match__heartbleed_joins_kev_and_sorts_kev_first),
	    cmocka_unit_test(test_match__banner_backport_is_probable),
	    cmocka_unit_test(test_match__aliases_unknown_versions_and_cve5),
	    cmocka_unit_test(test_match__one_shot_and_describe),
	    cmocka_unit_test(test_match__batch_threads_agree_with_one_by_one),
	    cmocka_unit_test(test_criterion__manual_cpe_judged_by_the_evaluator),
	};
	int rc = cmocka_run_group_tests_name("vuln_match", pure, NULL, NULL);

	return rc +
	       cmocka_run_group_tests_name("vuln_match_store", store, setup_store, teardown_store);
}
