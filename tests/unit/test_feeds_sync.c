/* test_feeds_sync.c - the untrusted-input readers of `feeds sync`: cvelistV5 zip member
 * names and the MyJVN status element. */
#include "base/compat.h"

#include "testutil.h"
#include "feeds/feeds.h"

static int name_check(const char *s)
{
	return feeds_cve5_member_name(s, strlen(s));
}

static void test_cve5_member__accepts_record_paths(void **state)
{
	(void)state;
	assert_int_equal(0, name_check("deltaCves/cves/2024/3xxx/CVE-2024-3400.json"));
	assert_int_equal(0, name_check("cves/2021/44xxx/CVE-2021-44228.json"));
	assert_int_equal(0, name_check("CVE-1999-0001.json"));
}

static void test_cve5_member__skips_other_files(void **state)
{
	(void)state;
	assert_int_equal(1, name_check("deltaCves/deltaLog.json"));
	assert_int_equal(1, name_check("cves.zip"));
	assert_int_equal(1, name_check("cves/2024/3xxx/CVE-2024-3400.json.orig"));
	assert_int_equal(1, name_check("cves/2024/3xxx/CVE-24-3400.json"));
	assert_int_equal(1, name_check("cves/2024/3xxx/CVE-2024-34a0.json"));
}

static void test_cve5_member__refuses_escaping_names(void **state)
{
	(void)state;
	assert_int_equal(M_EPARSE, name_check("../../etc/CVE-2024-0001.json"));
	assert_int_equal(M_EPARSE, name_check("cves/../CVE-2024-0001.json"));
	assert_int_equal(M_EPARSE, name_check("/abs/CVE-2024-0002.json"));
	assert_int_equal(M_EPARSE, name_check("cves\\2024\\CVE-2024-0003.json"));
	assert_int_equal(M_EPARSE, name_check("cves/2024/CVE-2024-0004\n.json"));
	assert_int_equal(M_EPARSE, feeds_cve5_member_name("CVE-2024-0005.json\0x", 20));
	assert_int_equal(M_EPARSE, name_check(""));
}

static const char overview[] =
    "<?xml version=\"1.0\"?><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\""
    " xmlns:status=\"http://jvndb.jvn.jp/myjvn/Status\"><status:Status version=\"3.3\""
    " method=\"getVulnOverviewList\" retCd=\"0\" errCd=\"\" errMsg=\"\" totalRes=\"%s\""
    " totalResRet=\"%s\" firstRes=\"%s\"/></rdf:RDF>";

static int status_of(const char *total, const char *ret, const char *first,
		     struct feeds_jvn_status *st, struct merr *e)
{
	char doc[1024];
	snprintf(doc, sizeof(doc), overview, total, ret, first);
	return feeds_jvn_status_parse(doc, strlen(doc), st, e);
}

static void test_jvn_status__reads_paging_numbers(void **state)
{
	struct feeds_jvn_status st;
	(void)state;
	assert_int_equal(0, status_of("26432", "50", "51", &st, NULL));
	assert_int_equal(26432, st.total_res);
	assert_int_equal(50, st.total_res_ret);
	assert_int_equal(51, st.first_res);
	assert_int_equal(0, st.ret_cd);
	assert_string_equal("getVulnOverviewList", st.method);
	/* The shared sample's empty firstRes means 0, not an error. */
	assert_int_equal(0, status_of("0", "0", "", &st, NULL));
	assert_int_equal(0, st.first_res);
}

static void test_jvn_status__rejects_bad_counts_with_field(void **state)
{
	struct feeds_jvn_status st;
	struct merr e;
	(void)state;
	merr_init(&e);
	assert_int_equal(M_EPARSE, status_of("many", "1", "1", &st, &e));
	assert_string_equal("totalRes", e.field);
	assert_true(e.line >= 1);
	merr_init(&e);
	assert_int_equal(M_EPARSE, status_of("5", "9", "1", &st, &e));
	assert_string_equal("totalResRet", e.field);
	assert_int_equal(M_EPARSE, status_of("-1", "0", "1", &st, NULL));
	assert_int_equal(M_EPARSE, status_of("99999999999", "0", "1", &st, NULL));
}

static void test_jvn_status__needs_the_status_element_in_its_namespace(void **state)
{
	static const char other_ns[] =
	    "<r xmlns:status=\"urn:x\"><status:Status totalRes=\"1\"/></r>";
	static const char broken[] = "<r><status:Status totalRes=\"1\"";
	struct feeds_jvn_status st;
	struct merr e;
	(void)state;
	merr_init(&e);
	assert_int_equal(M_EPARSE, feeds_jvn_status_parse(other_ns, strlen(other_ns), &st, &e));
	assert_string_equal("status:Status", e.field);
	assert_int_equal(M_EPARSE, feeds_jvn_status_parse(broken, strlen(broken), &st, NULL));
}

static void test_jvn_status__reads_the_shared_samples(void **state)
{
	static const struct {
		const char *file;
		long total, ret, first;
	} samples[] = {
	    {"jvn/examples/hnd/getVulnOverviewList_hnd.xml", 6, 2, 1},
	    {"jvn/examples/hnd/getVulnDetailInfo_hnd_JVNDB-2022-000097.xml", 1, 1, 1},
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(samples); i++) {
		char path[1024], *doc;
		struct feeds_jvn_status st;
		FILE *f;
		long n;
		snprintf(path, sizeof(path), "%s/%s", tu_data_dir(), samples[i].file);
		f = fopen(path, "rb");
		assert_non_null(f);
		fseek(f, 0, SEEK_END);
		n = ftell(f);
		fseek(f, 0, SEEK_SET);
		doc = malloc((size_t)n);
		assert_non_null(doc);
		assert_int_equal((size_t)n, fread(doc, 1, (size_t)n, f));
		fclose(f);
		assert_int_equal(0, feeds_jvn_status_parse(doc, (size_t)n, &st, NULL));
		assert_int_equal(samples[i].total, st.total_res);
		assert_int_equal(samples[i].ret, st.total_res_ret);
		assert_int_equal(samples[i].first, st.first_res);
		free(doc);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cve5_member__accepts_record_paths),
	    cmocka_unit_test(test_cve5_member__skips_other_files),
	    cmocka_unit_test(test_cve5_member__refuses_escaping_names),
	    cmocka_unit_test(test_jvn_status__reads_paging_numbers),
	    cmocka_unit_test(test_jvn_status__rejects_bad_counts_with_field),
	    cmocka_unit_test(test_jvn_status__needs_the_status_element_in_its_namespace),
	    cmocka_unit_test(test_jvn_status__reads_the_shared_samples),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
