/* doc.c - the document writer behind both outputs: each call appends escaped HTML to a
 * buffer and lays the same content out with pango on an A4 cairo PDF page. */
#include "base/compat.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "report/cairo_lazy.h"
#include "report/pango_lazy.h"
#include "base/mem.h"
#include "report/report_int.h"

#define PAGE_W 595.0
#define PAGE_H 842.0
#define MARGIN 48.0
#define FONT "Noto Sans CJK JP"
#define MAXCOLS 8

struct doc {
	struct buf html;
	int err;
	char path_tmp[32];
	cairo_surface_t *sf;
	cairo_t *cr;
	struct buf pdf;
	double y;
	int page, charts;
	size_t ncols;
	double widths[MAXCOLS];
	bool row_shade;
};

static const char CSS[] =
    "body{font-family:'Noto Sans CJK JP','Hiragino Sans',sans-serif;color:#222;max-width:"
    "960px;margin:2em auto;padding:0 1em;line-height:1.5}"
    "h1{color:#1a4d8c;border-bottom:3px solid #1a4d8c;padding-bottom:.2em}"
    "h2{color:#1a4d8c;border-bottom:1px solid #ccc;margin-top:2em}"
    "table{border-collapse:collapse;width:100%;font-size:.85em;margin:.5em 0}"
    "th{background:#1a4d8c;color:#fff;text-align:left;padding:4px}"
    "td{border-bottom:1px solid #ddd;padding:4px;vertical-align:top;word-break:break-all}"
    ".small{font-size:.85em}.muted{color:#777;font-size:.85em}.big{font-size:1.3em}"
    ".alert{color:#b00020;font-weight:bold}.charts{display:flex;gap:1em;flex-wrap:wrap}"
    ".grade{display:inline-block;font-size:3em;font-weight:bold;color:#fff;background:#1a4d8c;"
    "width:1.6em;text-align:center;border-radius:.2em;margin-right:.5em;vertical-align:middle}"
    ".pb{border-top:2px dashed #ccc;margin:2em 0}";

static void h(struct doc *d, const char *s)
{
	if (!d->err)
		d->err = buf_adds(&d->html, s);
}

static void hx(struct doc *d, const char *s)
{
	if (!d->err)
		d->err = report_html_escape(&d->html, s);
}

static cairo_status_t to_buf(void *closure, const unsigned char *data, unsigned int len)
{
	return buf_add(closure, data, len) ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

int doc_open(struct doc **out, const char *title, enum report_lang lang, struct merr *e)
{
	struct doc *d = m_calloc(1, sizeof *d);

	if (!d)
		return merr_set(e, M_ENOMEM, "report: out of memory");
	buf_init(&d->html, 0);
	buf_init(&d->pdf, 0);
	d->sf = cairo_pdf_surface_create_for_stream(to_buf, &d->pdf, PAGE_W, PAGE_H);
	d->cr = cairo_create(d->sf);
	d->y = MARGIN;
	d->page = 1;
	h(d, "<!DOCTYPE html>\n<html lang=\"");
	h(d, lang == REPORT_EN ? "en" : "ja");
	h(d, "\"><head><meta charset=\"utf-8\"><title>");
	hx(d, title);
	h(d, "</title><style>");
	h(d, CSS);
	h(d, "</style></head><body>\n");
	*out = d;
	return 0;
}

void doc_free(struct doc *d)
{
	if (!d)
		return;
	if (d->cr)
		cairo_destroy(d->cr);
	if (d->sf)
		cairo_surface_destroy(d->sf);
	buf_release(&d->html);
	buf_release(&d->pdf);
	m_free(d);
}

static int write_file(const char *path, const struct buf *b, struct merr *e)
{
	FILE *f = fopen(path, "wb");
	bool ok;

	if (!f)
		return merr_set(e, M_EIO, "%s: cannot create", path);
	ok = fwrite(b->ptr, 1, b->len, f) == b->len;
	ok = (fclose(f) == 0) && ok;
	return ok ? 0 : merr_set(e, M_EIO, "%s: write failed", path);
}

int doc_finish(struct doc *d, const char *base, struct merr *e)
{
	char path[4096];
	int rc;

	h(d, "</body></html>\n");
	cairo_destroy(d->cr);
	d->cr = NULL;
	cairo_surface_finish(d->sf);
	if (cairo_surface_status(d->sf) != CAIRO_STATUS_SUCCESS)
		d->err = M_EIO;
	if (d->err) {
		rc = merr_set(e, d->err, "%s: report output failed", base);
		doc_free(d);
		return rc;
	}
	snprintf(path, sizeof path, "%s.html", base);
	rc = write_file(path, &d->html, e);
	snprintf(path, sizeof path, "%s.pdf", base);
	if (!rc)
		rc = write_file(path, &d->pdf, e);
	doc_free(d);
	return rc;
}

/* ---- PDF layout */

static void new_page(struct doc *d)
{
	char n[16];
	PangoLayout *l = pango_cairo_create_layout(d->cr);
	PangoFontDescription *fd = pango_font_description_from_string(FONT " 7");

	pango_layout_set_font_description(l, fd);
	snprintf(n, sizeof n, "- %d -", d->page);
	pango_layout_set_text(l, n, -1);
	cairo_set_source_rgb(d->cr, 0.5, 0.5, 0.5);
	cairo_move_to(d->cr, PAGE_W / 2 - 10, PAGE_H - 30);
	pango_cairo_show_layout(d->cr, l);
	pango_font_description_free(fd);
	g_object_unref(l);
	cairo_show_page(d->cr);
	d->page++;
	d->y = MARGIN;
}

static void need(struct doc *d, double hgt)
{
	if (d->y + hgt > PAGE_H - MARGIN)
		new_page(d);
}

static PangoLayout *layout(struct doc *d, const char *s, double size, bool bold, double width)
{
	PangoLayout *l = pango_cairo_create_layout(d->cr);
	PangoFontDescription *fd = pango_font_description_from_string(FONT);

	pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
	if (bold)
		pango_font_description_set_weight(fd, PANGO_WEIGHT_BOLD);
	pango_layout_set_font_description(l, fd);
	pango_layout_set_width(l, (int)(width * PANGO_SCALE));
	pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_text(l, s ? s : "", -1);
	pango_font_description_free(fd);
	return l;
}

static double lay_h(PangoLayout *l)
{
	int w, hh;

	pango_layout_get_pixel_size(l, &w, &hh);
	return hh;
}

/* Flowing text at the cursor; breaks pages between lines of long text. */
static void flow(struct doc *d, const char *s, double size, bool bold, const double rgb[3],
		 double gap)
{
	PangoLayout *l = layout(d, s, size, bold, PAGE_W - 2 * MARGIN);
	PangoLayoutIter *it = pango_layout_get_iter(l);

	cairo_set_source_rgb(d->cr, rgb[0], rgb[1], rgb[2]);
	do {
		PangoRectangle r;
		int base = pango_layout_iter_get_baseline(it);
		pango_layout_iter_get_line_extents(it, NULL, &r);
		double lh = r.height / (double)PANGO_SCALE;
		need(d, lh);
		cairo_set_source_rgb(d->cr, rgb[0], rgb[1], rgb[2]);
		cairo_move_to(d->cr, MARGIN, d->y + (base - r.y) / (double)PANGO_SCALE);
		pango_cairo_show_layout_line(d->cr, pango_layout_iter_get_line_readonly(it));
		d->y += lh;
	} while (pango_layout_iter_next_line(it));
	pango_layout_iter_free(it);
	g_object_unref(l);
	d->y += gap;
}

static const double BLACK[3] = {0.13, 0.13, 0.13}, BLUE[3] = {0.10, 0.30, 0.55},
		    GREY[3] = {0.45, 0.45, 0.45}, RED[3] = {0.69, 0, 0.13};

void doc_heading(struct doc *d, int level, const char *s)
{
	h(d, level == 1 ? "<h1>" : "<h2>");
	hx(d, s);
	h(d, level == 1 ? "</h1>\n" : "</h2>\n");
	need(d, level == 1 ? 60 : 50);
	if (level > 1)
		d->y += 8;
	flow(d, s, level == 1 ? 18 : 13, true, BLUE, 2);
	cairo_set_source_rgb(d->cr, BLUE[0], BLUE[1], BLUE[2]);
	cairo_set_line_width(d->cr, level == 1 ? 2 : 0.7);
	cairo_move_to(d->cr, MARGIN, d->y);
	cairo_line_to(d->cr, PAGE_W - MARGIN, d->y);
	cairo_stroke(d->cr);
	d->y += 8;
}

void doc_para(struct doc *d, enum doc_style st, const char *s)
{
	static const char *const cls[] = {"", " class=\"small\"", " class=\"muted\"",
					  " class=\"big\"", " class=\"alert\""};
	static const double size[] = {9.5, 8, 8, 13, 9.5};

	h(d, "<p");
	h(d, cls[st]);
	h(d, ">");
	hx(d, s);
	h(d, "</p>\n");
	flow(d, s, size[st], st == DOC_BIG || st == DOC_ALERT,
	     st == DOC_MUTED   ? GREY
	     : st == DOC_ALERT ? RED
			       : BLACK,
	     5);
}

void doc_paraf(struct doc *d, enum doc_style st, const char *fmt, ...)
{
	char s[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s, sizeof s, fmt, ap);
	va_end(ap);
	doc_para(d, st, s);
}

void doc_grade(struct doc *d, char grade, const char *caption)
{
	char g[2] = {grade ? grade : '-', 0};
	PangoLayout *l;

	h(d, "<p><span class=\"grade\">");
	hx(d, g);
	h(d, "</span><span class=\"big\">");
	hx(d, caption);
	h(d, "</span></p>\n");
	need(d, 64);
	cairo_set_source_rgb(d->cr, BLUE[0], BLUE[1], BLUE[2]);
	cairo_rectangle(d->cr, MARGIN, d->y, 56, 56);
	cairo_fill(d->cr);
	l = layout(d, g, 36, true, 56);
	pango_layout_set_alignment(l, PANGO_ALIGN_CENTER);
	cairo_set_source_rgb(d->cr, 1, 1, 1);
	cairo_move_to(d->cr, MARGIN, d->y + 28 - lay_h(l) / 2);
	pango_cairo_show_layout(d->cr, l);
	g_object_unref(l);
	l = layout(d, caption, 12, false, PAGE_W - 2 * MARGIN - 72);
	cairo_set_source_rgb(d->cr, BLACK[0], BLACK[1], BLACK[2]);
	cairo_move_to(d->cr, MARGIN + 72, d->y + 28 - lay_h(l) / 2);
	pango_cairo_show_layout(d->cr, l);
	g_object_unref(l);
	d->y += 66;
}

void doc_charts(struct doc *d, const struct report_chart *c, size_t n, double w, double h_)
{
	char pfx[16];
	double gap = n > 1 ? (PAGE_W - 2 * MARGIN - w * (double)n) / (double)(n - 1) : 0;

	h(d, "<div class=\"charts\">");
	for (size_t i = 0; i < n; i++) {
		snprintf(pfx, sizeof pfx, "c%d-", d->charts++);
		h(d, "<div>");
		if (!d->err)
			d->err = report_chart_svg(&c[i], w, h_, pfx, &d->html, NULL);
		h(d, "</div>");
	}
	h(d, "</div>\n");
	need(d, h_ + 10);
	for (size_t i = 0; i < n; i++) {
		cairo_save(d->cr);
		cairo_translate(d->cr, MARGIN + (double)i * (w + (gap > 0 ? gap : 8)), d->y);
		report_chart_draw(d->cr, &c[i], w, h_);
		cairo_restore(d->cr);
	}
	d->y += h_ + 10;
}

static double row_pdf(struct doc *d, const char *const *cells, bool head)
{
	PangoLayout *l[MAXCOLS];
	double x = MARGIN, hmax = 0, width = PAGE_W - 2 * MARGIN;

	for (size_t i = 0; i < d->ncols; i++) {
		l[i] = layout(d, cells[i], 7.5, head, d->widths[i] * width - 6);
		if (lay_h(l[i]) > hmax)
			hmax = lay_h(l[i]);
	}
	need(d, hmax + 6);
	if (head || d->row_shade) {
		if (head)
			cairo_set_source_rgb(d->cr, BLUE[0], BLUE[1], BLUE[2]);
		else
			cairo_set_source_rgb(d->cr, 0.95, 0.96, 0.98);
		cairo_rectangle(d->cr, MARGIN, d->y, width, hmax + 6);
		cairo_fill(d->cr);
	}
	for (size_t i = 0; i < d->ncols; i++) {
		if (head)
			cairo_set_source_rgb(d->cr, 1, 1, 1);
		else
			cairo_set_source_rgb(d->cr, BLACK[0], BLACK[1], BLACK[2]);
		cairo_move_to(d->cr, x + 3, d->y + 3);
		pango_cairo_show_layout(d->cr, l[i]);
		x += d->widths[i] * width;
		g_object_unref(l[i]);
	}
	d->y += hmax + 6;
	if (!head)
		d->row_shade = !d->row_shade;
	return hmax;
}

void doc_table_begin(struct doc *d, size_t ncols, const double *widths, const char *const *headers)
{
	d->ncols = ncols > MAXCOLS ? MAXCOLS : ncols;
	memcpy(d->widths, widths, d->ncols * sizeof *widths);
	d->row_shade = false;
	h(d, "<table><tr>");
	for (size_t i = 0; i < d->ncols; i++) {
		h(d, "<th>");
		hx(d, headers[i]);
		h(d, "</th>");
	}
	h(d, "</tr>\n");
	need(d, 40);
	row_pdf(d, headers, true);
}

void doc_table_row(struct doc *d, const char *const *cells)
{
	h(d, "<tr>");
	for (size_t i = 0; i < d->ncols; i++) {
		h(d, "<td>");
		hx(d, cells[i]);
		h(d, "</td>");
	}
	h(d, "</tr>\n");
	row_pdf(d, cells, false);
}

void doc_table_end(struct doc *d)
{
	h(d, "</table>\n");
	d->y += 6;
}

void doc_page_break(struct doc *d)
{
	h(d, "<div class=\"pb\"></div>\n");
	new_page(d);
}
