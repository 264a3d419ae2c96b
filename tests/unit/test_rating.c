/* test_rating.c - the rating arithmetic (deductions sum to 100 - score, caps, factors),
 * grade bands, hysteresis, snapshots against the previous quarter, and the sector view. */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <math.h>

#include "base/mtime.h"
#include "rating/rating.h"
#include "store/store.h"
#include "testutil.h"

static const char *const kinds[] = {"vulnerability", "declared", "risky_service", "tls", "email"};
static const char *const sevs[] = {"critical", "high", "medium", "low", "info"};

static uint32_t lcg(uint32_t *x)
{
	*x = *x * 1664525u + 1013904223u;
	return *x >> 8;
}

/* Sum of the listed deductions, in tenths, from the JSON an analyst would read. */
static long json_sum(const struct rating_result *r)
{
	cJSON *o = rating_result_json(r), *d;
	long sum = 0;
	cJSON_ArrayForEach(d, cJSON_GetObjectItem(o, "deductions"))
	{
		sum += lround(cJSON_GetNumberValue(cJSON_GetObjectItem(d, "points")) * 10);
	}
	assert_int_equal(
	    lround((100.0 - cJSON_GetNumberValue(cJSON_GetObjectItem(o, "score"))) * 10), sum);
	cJSON_Delete(o);
	return sum;
}

static void test_rating__explanation_sums_exactly_to_100_minus_score(void **state)
{
	struct rating_item items[120];
	uint32_t seed = 12345;

	for (int round = 0; round < 300; round++) {
		struct rating_result r;
		size_t n = lcg(&seed) % ARRAY_SIZE(items);
		long sum = 0;
		for (size_t i = 0; i < n; i++) {
			items[i] = (struct rating_item){
			    .finding_id = (int64_t)i + 1,
			    .kind = kinds[lcg(&seed) % ARRAY_SIZE(kinds)],
			    .severity = sevs[lcg(&seed) % ARRAY_SIZE(sevs)],
			    .title = "t",
			    .asset = "a",
			    .kev = lcg(&seed) % 5 == 0,
			    .needs_confirmation = lcg(&seed) % 3 == 0,
			    .deadline = lcg(&seed) % 2 ? 500 : 0,
			};
		}
		memset(&r, 0, sizeof(r));
		assert_int_equal(rating_compute_items(items, n, 1000, &r, NULL), 0);
		for (size_t i = 0; i < r.n_d; i++) {
			assert_true(r.d[i].applied >= 0 && r.d[i].applied <= r.d[i].full);
			sum += r.d[i].applied;
		}
		assert_int_equal(sum, r.lost);
		assert_true(r.lost >= 0 && r.lost <= RATING_FULL);
		assert_true(fabs(r.score - (RATING_FULL - r.lost) / 10.0) < 1e-9);
		assert_int_equal(json_sum(&r), r.lost);
		rating_result_release(&r);
	}
}

static void test_rating__factors_needs_confirmation_declared_overdue(void **state)
{
	struct rating_item it[] = {
	    {1, "vulnerability", "critical", "kev", "a", true, false, 0},   /* 25.0 */
	    {2, "vulnerability", "critical", "kev?", "a", true, true, 0},   /* 25 x 0.4 = 10.0 */
	    {3, "declared", "high", "decl", "d", false, false, 0},	    /* 5 x 0.5 = 2.5 */
	    {4, "vulnerability", "medium", "late", "a", false, false, 500}, /* 2 x 1.5 = 3.0 */
	    {5, "declared", "low", "tiny", "d", false, true, 0},	    /* 0.5x.4x.5 = 0.1 */
	    {6, "tls", "info", "info", "a", false, false, 0},		    /* no deduction */
	};
	struct rating_result r;
	int want[] = {250, 100, 30, 25, 1};

	memset(&r, 0, sizeof(r));
	assert_int_equal(rating_compute_items(it, ARRAY_SIZE(it), 1000, &r, NULL), 0);
	assert_int_equal(r.n_d, 5);
	for (size_t i = 0; i < r.n_d; i++)
		assert_int_equal(r.d[i].applied, want[i]);
	assert_int_equal(r.lost, 406);
	assert_true(fabs(r.score - 59.4) < 1e-9);
	assert_int_equal(r.raw_grade, 'F');
	assert_non_null(strstr(r.d[1].factors, "needs confirmation"));
	assert_non_null(strstr(r.d[2].factors, "overdue")); /* sorted: 3.0 before 2.5 */
	assert_non_null(strstr(r.d[3].factors, "declared"));
	rating_result_release(&r);
}

static void test_rating__group_caps_cut_the_smallest_last(void **state)
{
	struct rating_item it[4];
	struct rating_result r;

	for (int i = 0; i < 4; i++)
		it[i] = (struct rating_item){i + 1, "vulnerability", "critical", "k", "a",
					     true,  false,	     0};
	memset(&r, 0, sizeof(r));
	assert_int_equal(rating_compute_items(it, 4, 0, &r, NULL), 0);
	/* KEV cap 60 points: 25 + 25 + 10 + 0 */
	assert_int_equal(r.d[0].applied, 250);
	assert_int_equal(r.d[1].applied, 250);
	assert_int_equal(r.d[2].applied, 100);
	assert_int_equal(r.d[3].applied, 0);
	assert_int_equal(r.d[3].full, 250);
	assert_true(fabs(r.score - 40.0) < 1e-9);
	rating_result_release(&r);

	/* empty: 100 points, A */
	memset(&r, 0, sizeof(r));
	assert_int_equal(rating_compute_items(NULL, 0, 0, &r, NULL), 0);
	assert_true(fabs(r.score - 100.0) < 1e-9);
	assert_int_equal(r.grade, 'A');
	rating_result_release(&r);
}

static void test_rating__grade_bands(void **state)
{
	static const struct {
		double score;
		char g;
	} cases[] = {{100, 'A'}, {90, 'A'}, {89.9, 'B'}, {80, 'B'}, {79.9, 'C'},
		     {70, 'C'},	 {60, 'D'}, {59.9, 'F'}, {0, 'F'}};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		assert_int_equal(rating_grade_for(cases[i].score), cases[i].g);
}

static void test_rating__hysteresis_needs_the_margin_to_move(void **state)
{
	static const struct {
		double score;
		char prev, want;
	} cases[] = {
	    {91.0, 'B', 'B'}, /* inside A by less than 2: stays B */
	    {92.0, 'B', 'A'}, /* past the edge by 2: A */
	    {79.0, 'B', 'B'}, /* below B by less than 2: stays B */
	    {77.9, 'B', 'C'}, /* 2.1 below: C */
	    {55.0, 'B', 'F'}, /* a collapse goes all the way */
	    {95.0, 'D', 'A'}, /* a big rise too */
	    {88.0, 'A', 'A'}, {87.9, 'A', 'B'},
	    {71.0, 'C', 'C'}, {85.0, '\0', 'B'}, /* no previous grade: the score's own */
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		assert_int_equal(rating_stable_grade(cases[i].score, cases[i].prev, 2.0),
				 cases[i].want);
}

/* ---------------------------------------------------------------- store */

static struct store *open_store(const char *name)
{
	char path[512];
	struct store *s = NULL;

	tu_path(path, sizeof(path), name);
	assert_int_equal(store_open(path, &s, NULL), 0);
	assert_int_equal(
	    store_exec(
		s,
		"INSERT INTO orgs (slug, name_ja, sector, created_at, updated_at) VALUES "
		"('a', 'A社', 'railways', 0, 0), ('b', 'B社', 'railways', 0, 0), ('c', 'C社', "
		"'water', 0, 0);"
		/* a and b were scanned; c never was (未診断: no grade, not in a mean) */
		"INSERT INTO scans (org_slug, mode, ports, started_at, finished_at, state, params) "
		"VALUES ('a', 'connect', '22', 1, 2, 'done', '{\"targets\":[\"10.0.0.0/30\"]}'), "
		"('b', 'connect', '22', 1, 2, 'done', '{}')",
		NULL),
	    0);
	return s;
}

static void test_rating__never_scanned_is_not_assessed_and_not_in_a_mean(void **state)
{
	struct store *s = open_store("unassessed.db");
	struct rating_result r;
	cJSON *o = NULL, *sec;
	int64_t q4;

	(void)state;
	assert_int_equal(time_parse("2026-11-01T00:00:00Z", &q4), 0);
	assert_int_equal(rating_compute(s, "c", q4, &r, NULL), 0);
	assert_false(r.assessed);
	o = rating_result_json(&r);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "grade")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "score")));
	cJSON_Delete(o);
	/* a stale "A 100" stored before is dropped, and nothing new is stored */
	assert_int_equal(store_exec(s,
				    "INSERT INTO ratings (org_slug, period, score, raw_grade, "
				    "grade, method, computed_at, explanation) VALUES ('c', "
				    "'2026Q4', 100, 'A', 'A', 'm', 1, '{}')",
				    NULL),
			 0);
	assert_int_equal(rating_store(s, &r, q4, NULL), 0);
	rating_result_release(&r);
	assert_int_equal(rating_load_json(s, "c", NULL, &o, NULL), M_ENOTFOUND);
	/* the sector view lists it as not assessed */
	assert_int_equal(rating_sector_json(s, "water", &o, NULL), 0);
	sec = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "sectors"), 0);
	assert_non_null(sec);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(sec, "periods")), 0);
	assert_int_equal((int)cJSON_GetNumberValue(cJSON_GetObjectItem(sec, "not_assessed")), 1);
	cJSON_Delete(o);
	store_close(s);
}

static void add_open(struct store *s, const char *org, const char *key, const char *sev)
{
	char sql[600];
	snprintf(
	    sql, sizeof(sql),
	    "INSERT INTO findings (org_slug, asset, issue_key, kind, source, state, severity, "
	    "title, first_seen, last_seen) VALUES ('%s', 'x', '%s', 'risky_service', 'network', "
	    "'open', '%s', 't', 0, 0)",
	    org, key, sev);
	assert_int_equal(store_exec(s, sql, NULL), 0);
}

static void test_rating__snapshot_hysteresis_against_previous_quarter(void **state)
{
	struct store *s = open_store("rating.db");
	struct rating_result r;
	int64_t q3, q4;
	cJSON *o = NULL;

	assert_int_equal(time_parse("2026-08-01T00:00:00Z", &q3), 0);
	assert_int_equal(time_parse("2026-11-01T00:00:00Z", &q4), 0);
	/* Q3: two high risky services: 100 - 16 = 84, B */
	add_open(s, "a", "risky:rdp", "high");
	add_open(s, "a", "risky:vnc", "high");
	assert_int_equal(rating_compute(s, "a", q3, &r, NULL), 0);
	assert_string_equal(r.period, "2026Q3");
	assert_int_equal(r.grade, 'B');
	assert_int_equal(rating_store(s, &r, q3, NULL), 0);
	rating_result_release(&r);

	/* Q4: one fixed: 92 is past A's edge by 2 -> A */
	assert_int_equal(store_exec(s,
				    "UPDATE findings SET state = 'fixed' WHERE issue_key = "
				    "'risky:vnc'",
				    NULL),
			 0);
	assert_int_equal(rating_compute(s, "a", q4, &r, NULL), 0);
	assert_int_equal(r.prev_grade, 'B');
	assert_string_equal(r.prev_period, "2026Q3");
	assert_int_equal(r.grade, 'A');
	assert_int_equal(rating_store(s, &r, q4, NULL), 0);
	rating_result_release(&r);

	/* one medium TLS finding added: 89 is under A by 1 -> stays B (hysteresis vs Q3's B)?
	 * No: hysteresis is against the previous quarter's grade, B; 89 gives B either way. */
	add_open(s, "a", "tls:tls1.0", "medium");
	assert_int_equal(rating_compute(s, "a", q4, &r, NULL), 0);
	assert_true(fabs(r.score - 89.0) < 1e-9);
	assert_int_equal(r.grade, 'B');
	rating_result_release(&r);

	assert_int_equal(rating_load_json(s, "a", "2026Q3", &o, NULL), 0);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(o, "grade")), "B");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "deductions")), 2);
	cJSON_Delete(o);
	assert_int_equal(rating_load_json(s, "a", NULL, &o, NULL), 0);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(o, "period")), "2026Q4");
	cJSON_Delete(o);
	assert_int_equal(rating_load_json(s, "zz", NULL, &o, NULL), M_ENOTFOUND);
	store_close(s);
}

static void test_rating__sector_view_mean_and_trend(void **state)
{
	struct store *s = open_store("sector.db");
	struct rating_result r;
	int64_t q3, q4;
	cJSON *o = NULL, *sec, *p;

	assert_int_equal(time_parse("2026-08-01T00:00:00Z", &q3), 0);
	assert_int_equal(time_parse("2026-11-01T00:00:00Z", &q4), 0);
	add_open(s, "a", "risky:rdp", "high"); /* a: 92 */
	for (int k = 0; k < 2; k++) {
		const char *org = k ? "b" : "a";
		assert_int_equal(rating_compute(s, org, q3, &r, NULL), 0); /* a 92, b 100 */
		assert_int_equal(rating_store(s, &r, q3, NULL), 0);
		rating_result_release(&r);
	}
	add_open(s, "b", "risky:smb", "critical"); /* b: 85 */
	for (int k = 0; k < 2; k++) {
		const char *org = k ? "b" : "a";
		assert_int_equal(rating_compute(s, org, q4, &r, NULL), 0);
		assert_int_equal(rating_store(s, &r, q4, NULL), 0);
		rating_result_release(&r);
	}
	/* a second snapshot of a in Q4 replaces the first in the view */
	assert_int_equal(rating_compute(s, "a", q4 + 10, &r, NULL), 0);
	assert_int_equal(rating_store(s, &r, q4 + 10, NULL), 0);
	rating_result_release(&r);

	assert_int_equal(rating_sector_json(s, "railways", &o, NULL), 0);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "sectors")), 1);
	sec = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "sectors"), 0);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(sec, "name_ja")), "鉄道");
	p = cJSON_GetArrayItem(cJSON_GetObjectItem(sec, "periods"), 0);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(p, "period")), "2026Q3");
	assert_int_equal((int)cJSON_GetNumberValue(cJSON_GetObjectItem(p, "orgs")), 2);
	assert_true(fabs(cJSON_GetNumberValue(cJSON_GetObjectItem(p, "mean")) - 96.0) < 1e-9);
	p = cJSON_GetArrayItem(cJSON_GetObjectItem(sec, "periods"), 1);
	assert_int_equal((int)cJSON_GetNumberValue(cJSON_GetObjectItem(p, "orgs")), 2);
	assert_true(fabs(cJSON_GetNumberValue(cJSON_GetObjectItem(p, "mean")) - 88.5) < 1e-9);
	assert_true(fabs(cJSON_GetNumberValue(cJSON_GetObjectItem(p, "mean_change")) + 7.5) < 1e-9);
	assert_int_equal(
	    (int)cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(p, "grades"), "B")),
	    1);
	cJSON_Delete(o);
	assert_int_equal(rating_sector_json(s, NULL, &o, NULL), 0);
	/* c never scanned: its sector is listed with not_assessed 1 and no period */
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "sectors")), 2);
	sec = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "sectors"), 1);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(sec, "sector")), "water");
	assert_int_equal((int)cJSON_GetNumberValue(cJSON_GetObjectItem(sec, "not_assessed")), 1);
	cJSON_Delete(o);
	store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rating__explanation_sums_exactly_to_100_minus_score),
	    cmocka_unit_test(test_rating__factors_needs_confirmation_declared_overdue),
	    cmocka_unit_test(test_rating__group_caps_cut_the_smallest_last),
	    cmocka_unit_test(test_rating__grade_bands),
	    cmocka_unit_test(test_rating__hysteresis_needs_the_margin_to_move),
	    cmocka_unit_test(test_rating__snapshot_hysteresis_against_previous_quarter),
	    cmocka_unit_test(test_rating__sector_view_mean_and_trend),
	    cmocka_unit_test(test_rating__never_scanned_is_not_assessed_and_not_in_a_mean),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
