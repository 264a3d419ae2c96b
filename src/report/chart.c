/* chart.c - the one chart drawing shared by the PDF and HTML outputs: a line chart (score
 * over quarters) and a bar chart (counts), drawn with cairo and labelled with pango. */
#include "base/compat.h"

#include <math.h>
#include <string.h>

#include "report/cairo_lazy.h"
#include "report/pango_lazy.h"
#include "base/mem.h"
#include "report/report.h"

#define PAD_L 34.0
#define PAD_R 10.0
#define PAD_T 24.0
#define PAD_B 22.0

static const double ACCENT[3] = {0.10, 0.30, 0.55};

double report_chart_nice_max(double v)
{
	double p, f;

	if (!(v > 0))
		return 1;
	p = pow(10, floor(log10(v)));
	f = v / p;
	if (f <= 1.0000001)
		return p;
	if (f <= 2.0000001)
		return 2 * p;
	if (f <= 5.0000001)
		return 5 * p;
	return 10 * p;
}

double report_chart_y(double v, double vmax, double top, double bottom)
{
	if (!(vmax > 0) || !(v > 0))
		return bottom;
	if (v > vmax)
		v = vmax;
	return bottom - (bottom - top) * (v / vmax);
}

double report_chart_x(size_t i, size_t n, double left, double right)
{
	if (n == 0)
		return left;
	return left + (right - left) * ((double)i + 0.5) / (double)n;
}

/* Text at (x, y); align -1 left, 0 centre, 1 right; y is the top of the text. */
static void text(cairo_t *cr, const char *font, const char *s, double size, double x, double y,
		 int align)
{
	PangoLayout *l = pango_cairo_create_layout(cr);
	PangoFontDescription *fd = pango_font_description_from_string(font);
	int w, h;

	pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
	pango_layout_set_font_description(l, fd);
	pango_layout_set_text(l, s, -1);
	pango_layout_get_pixel_size(l, &w, &h);
	cairo_move_to(cr, align < 0 ? x : align == 0 ? x - w / 2.0 : x - w, y);
	pango_cairo_show_layout(cr, l);
	pango_font_description_free(fd);
	g_object_unref(l);
}

static void axes(cairo_t *cr, const struct report_chart *c, const char *font, double vmax, double w,
		 double h)
{
	char lab[32];

	cairo_set_line_width(cr, 0.5);
	for (int k = 0; k <= 5; k++) {
		double y = report_chart_y(vmax * k / 5, vmax, PAD_T, h - PAD_B);
		cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
		cairo_move_to(cr, PAD_L, y);
		cairo_line_to(cr, w - PAD_R, y);
		cairo_stroke(cr);
		cairo_set_source_rgb(cr, 0.35, 0.35, 0.35);
		snprintf(lab, sizeof lab, "%g", vmax * k / 5);
		text(cr, font, lab, 7, PAD_L - 4, y - 5, 1);
	}
	for (size_t i = 0; i < c->n; i++)
		text(cr, font, c->label[i], 7, report_chart_x(i, c->n, PAD_L, w - PAD_R),
		     h - PAD_B + 4, 0);
	cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
	text(cr, font, c->title, 9, PAD_L - 30, 4, -1);
}

static void draw_line(cairo_t *cr, const struct report_chart *c, const char *font, double vmax,
		      double w, double h)
{
	cairo_set_source_rgb(cr, ACCENT[0], ACCENT[1], ACCENT[2]);
	cairo_set_line_width(cr, 2);
	for (size_t i = 0; i < c->n; i++) {
		double x = report_chart_x(i, c->n, PAD_L, w - PAD_R);
		double y = report_chart_y(c->value[i], vmax, PAD_T, h - PAD_B);
		if (i == 0)
			cairo_move_to(cr, x, y);
		else
			cairo_line_to(cr, x, y);
	}
	cairo_stroke(cr);
	for (size_t i = 0; i < c->n; i++) {
		double x = report_chart_x(i, c->n, PAD_L, w - PAD_R);
		double y = report_chart_y(c->value[i], vmax, PAD_T, h - PAD_B);
		cairo_set_source_rgb(cr, ACCENT[0], ACCENT[1], ACCENT[2]);
		cairo_new_path(cr);
		cairo_arc(cr, x, y, 3, 0, 2 * M_PI);
		cairo_fill(cr);
		if (c->note[i][0])
			text(cr, font, c->note[i], 8, x, y - 14, 0);
	}
}

static void draw_bars(cairo_t *cr, const struct report_chart *c, const char *font, double vmax,
		      double w, double h)
{
	char lab[32];
	double slot = c->n ? (w - PAD_L - PAD_R) / (double)c->n : 0;

	for (size_t i = 0; i < c->n; i++) {
		double x = report_chart_x(i, c->n, PAD_L, w - PAD_R);
		double y = report_chart_y(c->value[i], vmax, PAD_T, h - PAD_B);
		cairo_set_source_rgb(cr, ACCENT[0], ACCENT[1], ACCENT[2]);
		cairo_rectangle(cr, x - slot * 0.3, y, slot * 0.6, h - PAD_B - y);
		cairo_fill(cr);
		cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
		snprintf(lab, sizeof lab, "%g", c->value[i]);
		text(cr, font, c->note[i][0] ? c->note[i] : lab, 7, x, y - 11, 0);
	}
}

void report_chart_draw(void *crv, const struct report_chart *c, double w, double h)
{
	cairo_t *cr = crv;
	const char *font = c->font ? c->font : "Noto Sans CJK JP";
	double top = 0, vmax;

	for (size_t i = 0; i < c->n; i++)
		if (c->value[i] > top)
			top = c->value[i];
	vmax = c->vmax > 0 ? c->vmax : report_chart_nice_max(top);
	if (c->vmax <= 0 && vmax < 5)
		vmax = 5; /* counts: whole-number ticks */
	cairo_save(cr);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_rectangle(cr, 0, 0, w, h);
	cairo_fill(cr);
	axes(cr, c, font, vmax, w, h);
	if (c->kind == REPORT_CHART_LINE)
		draw_line(cr, c, font, vmax, w, h);
	else
		draw_bars(cr, c, font, vmax, w, h);
	cairo_restore(cr);
}

static cairo_status_t to_buf(void *closure, const unsigned char *data, unsigned int len)
{
	return buf_add(closure, data, len) ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

/* Copies svg to out, dropping the XML declaration and prefixing ids and their references. */
static int prefix_ids(const char *svg, const char *pfx, struct buf *out)
{
	static const char *const pats[] = {"id=\"", "href=\"#", "url(#"};
	const char *p = strstr(svg, "<svg");
	int rc = 0;

	if (!p)
		return M_EPARSE;
	while (*p && !rc) {
		size_t k, best = SIZE_MAX;
		const char *hit = NULL;
		for (k = 0; k < sizeof pats / sizeof pats[0]; k++) {
			const char *q = strstr(p, pats[k]);
			if (q && (!hit || q < hit)) {
				hit = q;
				best = k;
			}
		}
		if (!hit)
			return buf_adds(out, p);
		size_t pl = strlen(pats[best]);
		rc = buf_add(out, p, (size_t)(hit - p) + pl);
		if (!rc)
			rc = buf_adds(out, pfx);
		p = hit + pl;
	}
	return rc;
}

int report_chart_svg(const struct report_chart *c, double w, double h, const char *id_prefix,
		     struct buf *out, struct merr *e)
{
	struct buf svg;
	cairo_surface_t *sf;
	cairo_t *cr;
	int rc;

	buf_init(&svg, 16 << 20);
	sf = cairo_svg_surface_create_for_stream(to_buf, &svg, w, h);
	cr = cairo_create(sf);
	report_chart_draw(cr, c, w, h);
	cairo_destroy(cr);
	cairo_surface_finish(sf);
	rc = cairo_surface_status(sf) == CAIRO_STATUS_SUCCESS ? 0 : M_EIO;
	cairo_surface_destroy(sf);
	if (!rc && svg.len)
		rc = prefix_ids(buf_str(&svg), id_prefix, out);
	else if (!rc)
		rc = M_EIO;
	buf_release(&svg);
	if (rc)
		return merr_set(e, rc, "chart %s: SVG output failed", c->title);
	return 0;
}

int report_html_escape(struct buf *out, const char *s)
{
	int rc = 0;

	for (; s && *s && !rc; s++) {
		switch (*s) {
		case '&': rc = buf_adds(out, "&amp;"); break;
		case '<': rc = buf_adds(out, "&lt;"); break;
		case '>': rc = buf_adds(out, "&gt;"); break;
		case '"': rc = buf_adds(out, "&quot;"); break;
		case '\'': rc = buf_adds(out, "&#39;"); break;
		default: rc = buf_addc(out, *s);
		}
	}
	return rc;
}

void report_cleanup(void)
{
	/* Only pango's default font map is released. cairo_debug_reset_static_data()
	 * and FcFini() are debugging aids that assert when any cache entry is still
	 * referenced, which happened intermittently at exit; the process-wide caches
	 * they would free are left to exit (LSan suppressions in tests/support). */
	pango_cairo_font_map_set_default(NULL);
}
