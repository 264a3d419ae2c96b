/* test_checklist.c - the shipped catalogue (every item valid, ids unique, references
 * well-formed, a non-empty basic set for every business type x size), catalogue and answer
 * files refused with FILE:LINE: field, the scoring table (4/2/0/-1, 該当しない excluded,
 * normalised per tier and section), evidence selectors and 要確認. */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <regex.h>

#include "base/err.h"
#include "checklist/checklist.h"
#include "testutil.h"

static void test_checklist__shipped_catalogue_is_valid(void **state)
{
	const struct cl_catalogue *c;
	struct merr e;
	size_t nbt;
	const struct cl_btype *bt = cl_btypes(&nbt);
	static const char *const sizes[] = {"large", "medium", "small"};
	regex_t csf, cpg;
	bool used[32] = {false};

	(void)state;
	merr_init(&e);
	assert_int_equal(cl_catalogue_get(NULL, NULL, &c, &e), 0);
	assert_true(c->n_items >= 80);
	assert_int_equal(c->n_sec, 11);
	assert_int_equal(nbt, 13); /* the inventory's 13 codes: the 12 MLIT types and logistics */
	assert_int_equal(regcomp(&csf, "^(GV|ID|PR|DE|RS|RC)\\.[A-Z]{2}-[0-9]{2}$", REG_EXTENDED),
			 0);
	assert_int_equal(regcomp(&cpg, "^[1-6]\\.[A-Z]$", REG_EXTENDED), 0);
	for (size_t i = 0; i < c->n_items; i++) {
		const struct cl_item *it = &c->items[i];
		assert_non_null(it->id);
		for (size_t j = i + 1; j < c->n_items; j++)
			assert_string_not_equal(it->id, c->items[j].id);
		assert_true(*it->text_ja && *it->text_en && *it->guide_ja && *it->guide_en);
		assert_true(it->btypes != 0 && it->sizes != 0 && it->impact >= 1 &&
			    it->impact <= 3);
		assert_true(it->n_csf + it->n_cpg > 0);
		for (size_t k = 0; k < it->n_csf; k++) {
			assert_int_equal(regexec(&csf, it->csf[k], 0, NULL, 0), 0);
			assert_true(cl_csf_ok(it->csf[k]));
		}
		for (size_t k = 0; k < it->n_cpg; k++) {
			assert_int_equal(regexec(&cpg, it->cpg[k], 0, NULL, 0), 0);
			assert_true(cl_cpg_ok(it->cpg[k]));
		}
		for (size_t k = 0; k < it->n_evidence; k++)
			assert_true(cl_evidence_ok(it->evidence[k]));
		used[it->section] = true;
	}
	for (size_t s = 0; s < c->n_sec; s++)
		assert_true(used[s]);
	for (size_t b = 0; b < nbt; b++)
		for (size_t z = 0; z < 3; z++) {
			size_t basic = 0, sec_seen = 0;
			bool secs[32] = {false};
			for (size_t i = 0; i < c->n_items; i++)
				if (c->items[i].tier == CL_BASIC &&
				    cl_item_applies(&c->items[i], bt[b].code, sizes[z])) {
					basic++;
					if (!secs[c->items[i].section]) {
						secs[c->items[i].section] = true;
						sec_seen++;
					}
				}
			if (basic < 20 || sec_seen < 8)
				fail_msg("%s/%s: %zu basic items over %zu sections", bt[b].code,
					 sizes[z], basic, sec_seen);
		}
	/* what makes sense for the business: OT items for water, not for taxis */
	assert_true(cl_item_applies(cl_item_find(c, "CRT-03"), "water_utility", "small"));
	assert_false(cl_item_applies(cl_item_find(c, "CRT-03"), "taxi", "small"));
	assert_true(cl_item_applies(cl_item_find(c, "CRT-08"), "taxi", "small"));
	assert_true(cl_item_applies(cl_item_find(c, "NET-04"), "lodging", "small"));
	assert_false(cl_item_applies(cl_item_find(c, "NET-04"), "water_utility", "large"));
	regfree(&csf);
	regfree(&cpg);
}

static void test_checklist__reference_and_evidence_checks(void **state)
{
	(void)state;
	assert_true(cl_csf_ok("PR.AA-01"));
	assert_false(cl_csf_ok("PR.AC-01")); /* CSF 1.1 category, gone in 2.0 */
	assert_false(cl_csf_ok("ID.AM-06")); /* withdrawn in 2.0 */
	assert_false(cl_csf_ok("pr.aa-01"));
	assert_true(cl_cpg_ok("1.A"));
	assert_true(cl_cpg_ok("3.S"));
	assert_false(cl_cpg_ok("2.W")); /* CPG 1.0 id */
	assert_false(cl_cpg_ok("7.A"));
	assert_true(cl_evidence_ok("risky:rdp"));
	assert_true(cl_evidence_ok("risky:mgmt-*"));
	assert_true(cl_evidence_ok("kev:overdue"));
	assert_true(cl_evidence_ok("mail:no-dmarc"));
	assert_false(cl_evidence_ok("risky:nosuchservice"));
	assert_false(cl_evidence_ok("vuln:CVE-2024-1"));
	assert_false(cl_evidence_ok("risky:"));
}

#define HEAD                                                                                  \
	"version: \"9.1\"\ntitle: { ja: t, en: t }\nsections:\n  - { id: a, ja: A, en: A }\n" \
	"  - { id: b, ja: B, en: B }\nitems:\n"
#define ITEM(id, sec, tier, extra) ITEMS(id, sec, tier, "all", extra)
#define ITEMS(id, sec, tier, sizes, extra)                                    \
	"  - id: " id "\n    section: " sec "\n    tier: " tier               \
	"\n    business_types: all\n    sizes: " sizes "\n    impact: high\n" \
	"    text: { ja: t, en: t }\n    guidance: { ja: g, en: g }\n    csf: [PR.AA-01]\n" extra

static void test_checklist__bad_catalogues_name_file_line_field(void **state)
{
	static const struct {
		const char *yaml, *want;
	} cases[] = {
	    {HEAD ITEM("X-1", "a", "basic", "") ITEM("X-1", "a", "basic", ""),
	     "c.yaml:16: id: 'X-1' is used"},
	    {HEAD ITEM("X-1", "zz", "basic", ""), "c.yaml:8: section: unknown section 'zz'"},
	    {HEAD ITEM("X-1", "a", "expert", ""), "c.yaml:9: tier: expected basic or advanced"},
	    {HEAD ITEM("X-1", "a", "basic", "    cpg: [2.W]\n"), "c.yaml:16: cpg: '2.W' is not"},
	    {HEAD ITEM("X-1", "a", "basic", "    evidence: [risky:zz]\n"), "c.yaml:16: evidence:"},
	    {HEAD ITEM("X-1", "a", "basic", "    colour: red\n"),
	     "c.yaml:16: item: unknown key 'colour'"},
	    {HEAD "  - id: X-1\n    section: a\n    tier: basic\n    business_types: [railway, "
		  "spaceline]\n",
	     "c.yaml:10: business_types: unknown business type 'spaceline'"},
	    {HEAD "  - id: X-1\n    section: a\n", "c.yaml:7: tier: missing in item X-1"},
	    {"version: \"9.1\"\nitems: []\n", "c.yaml:2: items: sections: must come before"},
	    {HEAD ITEM("x1", "a", "basic", ""), "c.yaml:7: id: expected an id"},
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct cl_catalogue *c = NULL;
		struct merr e;
		char msg[700];
		merr_init(&e);
		assert_int_not_equal(
		    cl_catalogue_parse(cases[i].yaml, strlen(cases[i].yaml), "c.yaml", &c, &e), 0);
		assert_null(c);
		merr_format(&e, msg, sizeof(msg));
		if (!strstr(msg, cases[i].want))
			fail_msg("case %zu: got '%s', want '%s'", i, msg, cases[i].want);
	}
}

/* A small catalogue for the scoring table: two basic items in section a, one basic and two
 * advanced in b; B-2 applies to large operators only. */
static const char scoring_yaml[] =
    HEAD ITEM("A-1", "a", "basic", "    evidence: [risky:rdp]\n") ITEM("A-2", "a", "basic", "")
	ITEM("B-1", "b", "basic", "") ITEMS("B-2", "b", "advanced", "[large]", "")
	    ITEM("B-3", "b", "advanced", "    evidence: [kev:overdue]\n");

static struct cl_catalogue *scoring_catalogue(void)
{
	struct cl_catalogue *c = NULL;
	struct merr e;
	char msg[600];

	merr_init(&e);
	if (cl_catalogue_parse(scoring_yaml, strlen(scoring_yaml), "s.yaml", &c, &e)) {
		merr_format(&e, msg, sizeof(msg));
		fail_msg("%s", msg);
	}
	return c;
}

static void test_checklist__scoring_table(void **state)
{
	/* answers for A-1 A-2 B-1 B-2 B-3 (B-2: large operators only) ('-' unanswered), size, expected scores (-1: none) */
	static const struct {
		const char *ans, *size;
		double total, basic, advanced, sec_a;
		bool basic_done;
	} rows[] = {
	    {"DDDDD", "large", 100, 100, 100, 100, true},
	    {"PPPPP", "large", 50, 50, 50, 50, false},
	    {"NNNNN", "large", 0, 0, 0, 0, false},
	    {"UUUUU", "large", 0, 0, 0, 0, false},	    /* -1 each, floored at 0 */
	    {"DDDUU", "large", 50, 100, 0, 100, true},	    /* 12 - 2 = 10 of 20 */
	    {"DUDDD", "large", 75, 58.3, 100, 37.5, false}, /* 15/20; basic 7/12; a 3/8 */
	    {"DXDDD", "large", 100, 100, 100, 100, true},   /* 該当しない excluded */
	    {"XXXXX", "large", -1, -1, -1, -1, true},	    /* nothing counted */
	    {"DDDXN", "large", 75, 100, 0, 100, true},
	    {"DDD-D", "small", 100, 100, 100, 100, true},  /* B-2 does not apply */
	    {"DD--D", "small", 75, 66.7, 100, 100, false}, /* B-1 unanswered: 0 of 4 */
	    {"PDDDD", "medium", 87.5, 83.3, 100, 75, false},
	};
	struct cl_catalogue *c = scoring_catalogue();
	static const char *const ids[] = {"A-1", "A-2", "B-1", "B-2", "B-3"};

	(void)state;
	for (size_t r = 0; r < ARRAY_SIZE(rows); r++) {
		struct cl_answers a;
		struct cl_score sc;
		cl_answers_init(&a);
		for (size_t i = 0; i < 5; i++) {
			char ch = rows[r].ans[i];
			enum cl_answer v = ch == 'D'   ? CL_DONE
					   : ch == 'P' ? CL_PARTIAL
					   : ch == 'N' ? CL_NOT_DONE
					   : ch == 'U' ? CL_UNKNOWN
					   : ch == 'X' ? CL_NA
						       : CL_UNANSWERED;
			if (v != CL_UNANSWERED)
				assert_int_equal(
				    cl_answers_add(&a, ids[i], v, v == CL_NA ? "理由" : NULL, 0),
				    0);
		}
		assert_int_equal(cl_score_compute(c, &a, "bus", rows[r].size, &sc), 0);
		if (sc.total.score != rows[r].total || sc.tier[CL_BASIC].score != rows[r].basic ||
		    sc.tier[CL_ADVANCED].score != rows[r].advanced ||
		    sc.section[0].score != rows[r].sec_a || sc.basic_done != rows[r].basic_done)
			fail_msg(
			    "row %zu (%s %s): total %.1f basic %.1f advanced %.1f a %.1f done %d",
			    r, rows[r].ans, rows[r].size, sc.total.score, sc.tier[0].score,
			    sc.tier[1].score, sc.section[0].score, sc.basic_done);
		cl_score_release(&sc);
		cl_answers_release(&a);
	}
	assert_true(cl_normalise(-3, 8) == 0);
	assert_true(cl_normalise(1, 3) == 33.3);
	assert_true(cl_normalise(2, 3) == 66.7);
	assert_true(cl_normalise(0, 0) == -1);
	cl_catalogue_free(c);
}

static void test_checklist__evidence_and_contradictions(void **state)
{
	struct cl_catalogue *c = scoring_catalogue();
	struct cl_finding f[] = {
	    {7, "risky:rdp", "risky_service", "RDP が公開されています", "127.0.0.1:3389/tcp", false,
	     0},
	    {8, "vuln:CVE-2021-44228", "vulnerability", "log4j", "x", true,
	     500}, /* overdue at 1000 */
	};
	struct cl_answers a;
	cJSON *o = cJSON_CreateObject(), *x;

	(void)state;
	assert_true(cl_evidence_match("risky:rdp", &f[0], 1000));
	assert_true(cl_evidence_match("risky:*", &f[0], 1000));
	assert_false(cl_evidence_match("risky:vnc", &f[0], 1000));
	assert_true(cl_evidence_match("kev:overdue", &f[1], 1000));
	assert_false(cl_evidence_match("kev:overdue", &f[1], 400)); /* not yet overdue */
	cl_answers_init(&a);
	assert_int_equal(cl_answers_add(&a, "A-1", CL_DONE, NULL, 0), 0);
	assert_int_equal(cl_answers_add(&a, "A-2", CL_DONE, NULL, 0), 0);
	assert_int_equal(cl_answers_add(&a, "B-1", CL_DONE, NULL, 0), 0);
	assert_int_equal(cl_answers_add(&a, "B-2", CL_NOT_DONE, NULL, 0), 0);
	assert_int_equal(cl_answers_add(&a, "B-3", CL_PARTIAL, NULL, 0), 0);
	assert_int_equal(cl_evaluate_json(c, &a, "bus", "large", f, 2, 1000, o), 0);
	/* A-1 done while RDP is open: 要確認 with finding 7; B-3 partial is a gap, not 要確認 */
	x = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "contradictions"), 0);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "contradictions")), 1);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(x, "item")), "A-1");
	assert_int_equal((int)cJSON_GetNumberValue(cJSON_GetObjectItem(
			     cJSON_GetArrayItem(cJSON_GetObjectItem(x, "findings"), 0), "finding")),
			 7);
	assert_false(cJSON_IsTrue(cJSON_GetObjectItem(o, "basic_done")));
	/* advice: 要確認 first, then B-3 (own KEV evidence) before B-2 */
	x = cJSON_GetObjectItem(o, "advice");
	assert_string_equal(
	    cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(x, 0), "item")), "A-1");
	assert_string_equal(
	    cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(x, 1), "item")), "B-3");
	assert_string_equal(
	    cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(x, 2), "item")), "B-2");
	assert_non_null(
	    cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(x, 0), "guidance_ja")));
	cJSON_Delete(o);
	cl_answers_release(&a);
	cl_catalogue_free(c);
}

static void test_checklist__answer_files(void **state)
{
	static const struct {
		const char *file, *text, *want; /* want NULL: accepted */
	} cases[] = {
	    {"a.yaml",
	     "catalogue: \"2025.1\"\nanswers:\n  ORG-01: 実施している\n  ORG-02: { answer: na, "
	     "comment: \"<script>x</script>\" }\n",
	     NULL},
	    {"a.yaml", "catalogue: \"2025.1\"\nanswers:\n  ORG-01: done\n  ORG-01: done\n",
	     "a.yaml:4: item: ORG-01 answered twice"},
	    {"a.yaml", "catalogue: \"2025.1\"\nanswers:\n  ORG-01: yes\n",
	     "a.yaml:3: answer: 'yes' is not an answer"},
	    {"a.yaml", "answers:\n  ORG-01: done\n", "a.yaml:1: catalogue: missing"},
	    {"a.yaml", "catalogue: \"2025.1\"\nanswers:\n  ORG-01: { answer: done, note: x }\n",
	     "a.yaml:3: ORG-01: unknown key 'note'"},
	    {"a.yaml", "catalogue: \"2025.1\"\nanswers:\n  ORG-01: { answer: 該当しない }\n",
	     "a.yaml:3: comment: 該当しない (na) needs"},
	    {"a.csv", "catalogue,item,answer,comment\n2025.1,ORG-01,一部実施,\"a, \"\"b\"\"\"\n",
	     NULL},
	    {"a.csv", "catalogue,item,answer\n2025.1,ORG-01,done,extra\n",
	     "a.csv:2: csv: 4 fields"},
	    {"a.csv", "item,answer\nORG-01,done\n", "a.csv:1: header: expected"},
	    {"a.csv", "catalogue,item,answer,comment\n2025.1,ORG-01,done,\"open\n",
	     "a.csv:2: csv: unterminated"},
	    {"a.csv", "catalogue,item,answer,comment\n2025.1,ORG-01,\xff,\n", "a.csv:2: encoding"},
	    {"a.yaml", "catalogue: \"2025.1\"\nanswers:\n  ORG-01: d\xffne\n",
	     "a.yaml:3: encoding: not valid UTF-8 (byte offset 40)"},
	    /* found by fuzz_checklist_answers' long run: a control byte inside an item id */
	    {"a.csv", "catalogue,item,answer,comment\n2025.1,NE\x11-04,na,x\n",
	     "a.csv:2: item: item id may hold only"},
	    {"a.yaml", "catalogue: \"2025.1\"\nanswers:\n  \"ORG 01\": done\n",
	     "a.yaml:3: item: item id may hold only"},
	    {"a.csv", "catalogue,item,answer\n202\x15.1,ORG-01,done\n",
	     "a.csv:2: catalogue: bad version"},
	    {"a.yaml", "catalogue: \"2025 1\"\nanswers:\n  ORG-01: done\n",
	     "a.yaml:1: catalogue: may hold only"},
	    /* ... and a U+FFFF or a C1 control in a comment (YAML cannot carry either) */
	    {"a.csv",
	     "catalogue,item,answer,comment\n2025.1,ORG-01,done,a\xef\xbf\xbf"
	     "b\n",
	     "a.csv:2: comment: contains a noncharacter"},
	    {"a.csv",
	     "catalogue,item,answer,comment\n2025.1,ORG-01,done,a\xc2\x85"
	     "b\n",
	     "a.csv:2: comment: contains a control character"},
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct cl_answers a;
		struct merr e;
		char msg[700];
		int rc;
		merr_init(&e);
		rc = cl_answers_parse(cases[i].text, strlen(cases[i].text), cases[i].file, &a, &e);
		merr_format(&e, msg, sizeof(msg));
		if (!cases[i].want) {
			if (rc)
				fail_msg("case %zu refused: %s", i, msg);
			cl_answers_release(&a);
			continue;
		}
		if (rc == 0 || !strstr(msg, cases[i].want))
			fail_msg("case %zu: got '%s', want '%s'", i, rc ? msg : "(accepted)",
				 cases[i].want);
	}
}

static void test_checklist__write_reads_back(void **state)
{
	const struct cl_catalogue *c;
	struct cl_answers a, b;
	struct buf out;

	(void)state;
	assert_int_equal(cl_catalogue_get(NULL, NULL, &c, NULL), 0);
	for (int csv = 0; csv < 2; csv++) {
		cl_answers_init(&a);
		a.version = strdup(c->version);
		assert_int_equal(cl_answers_add(&a, "ORG-01", CL_DONE, "a, \"b\"\nc: {d}\t<e>", 0),
				 0);
		assert_int_equal(cl_answers_add(&a, "NET-04", CL_NA, "Wi-Fi なし", 0), 0);
		assert_int_equal(cl_answers_add(&a, "ORG-02", CL_UNKNOWN, NULL, 0), 0);
		buf_init(&out, 1 << 20);
		assert_int_equal(cl_answers_write(&a, c, "org-1", csv, &out, NULL), 0);
		assert_int_equal(
		    cl_answers_parse(buf_str(&out), out.len, csv ? "x.csv" : "x.yaml", &b, NULL),
		    0);
		assert_int_equal(b.n, 3);
		for (size_t i = 0; i < 3; i++) {
			assert_string_equal(a.v[i].item, b.v[i].item);
			assert_int_equal(a.v[i].answer, b.v[i].answer);
			assert_true((!a.v[i].comment && !b.v[i].comment) ||
				    strcmp(a.v[i].comment, b.v[i].comment) == 0);
		}
		assert_string_equal(b.version, c->version);
		cl_answers_release(&b);
		cl_answers_release(&a);
		buf_release(&out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_checklist__shipped_catalogue_is_valid),
	    cmocka_unit_test(test_checklist__reference_and_evidence_checks),
	    cmocka_unit_test(test_checklist__bad_catalogues_name_file_line_field),
	    cmocka_unit_test(test_checklist__scoring_table),
	    cmocka_unit_test(test_checklist__evidence_and_contradictions),
	    cmocka_unit_test(test_checklist__answer_files),
	    cmocka_unit_test(test_checklist__write_reads_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
