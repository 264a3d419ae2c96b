/* test_report.c - the chart scaling shared by PDF and HTML, the SVG output of a chart, and
 * HTML escaping of hostile names and evidence. */
#include "base/compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "report/report.h"

static void test_chart__nice_max_rounds_up_to_1_2_5(void **state)
{
	(void)state;
	assert_true(report_chart_nice_max(0) == 1);
	assert_true(report_chart_nice_max(3) == 5);
	assert_true(report_chart_nice_max(7) == 10);
	assert_true(report_chart_nice_max(10) == 10);
	assert_true(report_chart_nice_max(11) == 20);
	assert_true(report_chart_nice_max(250) == 500);
}

static void test_chart__y_maps_zero_to_bottom_and_max_to_top(void **state)
{
	(void)state;
	assert_true(report_chart_y(0, 100, 20, 120) == 120);
	assert_true(report_chart_y(100, 100, 20, 120) == 20);
	assert_true(report_chart_y(50, 100, 20, 120) == 70);
	assert_true(report_chart_y(150, 100, 20, 120) == 20); /* clamped */
	assert_true(report_chart_y(-5, 100, 20, 120) == 120);
	assert_true(report_chart_y(5, 0, 20, 120) == 120); /* no scale: bottom */
}

static void test_chart__x_centres_slots(void **state)
{
	(void)state;
	assert_true(report_chart_x(0, 2, 0, 100) == 25);
	assert_true(report_chart_x(1, 2, 0, 100) == 75);
	assert_true(report_chart_x(0, 0, 10, 100) == 10);
}

static void test_chart__svg_has_prefixed_ids_and_no_xml_declaration(void **state)
{
	struct report_chart c;
	struct buf b;
	struct merr e;

	(void)state;
	memset(&c, 0, sizeof c);
	c.kind = REPORT_CHART_BAR;
	snprintf(c.title, sizeof c.title, "緊急度");
	c.n = 2;
	snprintf(c.label[0], sizeof c.label[0], "KEV");
	snprintf(c.label[1], sizeof c.label[1], "<script>");
	c.value[0] = 3;
	c.value[1] = 1;
	buf_init(&b, 0);
	merr_init(&e);
	assert_int_equal(report_chart_svg(&c, 160, 120, "zz9-", &b, &e), 0);
	assert_non_null(strstr(buf_str(&b), "<svg"));
	assert_null(strstr(buf_str(&b), "<?xml"));
	assert_non_null(strstr(buf_str(&b), "id=\"zz9-"));
	assert_null(strstr(buf_str(&b), "<script")); /* labels are drawn as glyphs */
	buf_release(&b);
}

static void test_html__escapes_hostile_org_name_and_banner(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	assert_int_equal(report_html_escape(&b, "<script>alert('x')</script> & \"株式会社\""), 0);
	assert_string_equal(buf_str(&b), "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; "
					 "&quot;株式会社&quot;");
	buf_reset(&b);
	assert_int_equal(report_html_escape(&b, NULL), 0);
	assert_int_equal(b.len, 0);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_chart__nice_max_rounds_up_to_1_2_5),
	    cmocka_unit_test(test_chart__y_maps_zero_to_bottom_and_max_to_top),
	    cmocka_unit_test(test_chart__x_centres_slots),
	    cmocka_unit_test(test_chart__svg_has_prefixed_ids_and_no_xml_declaration),
	    cmocka_unit_test(test_html__escapes_hostile_org_name_and_banner),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	report_cleanup();
	return rc;
}
