/*
 * report.h - quarterly reports per organisation and per sector, written as a self-contained
 * HTML page and a PDF (cairo + pango) from one document description, with charts drawn once.
 *
 * Charts: report_chart_draw() draws on any cairo context; the PDF uses it directly and the
 * HTML embeds the same drawing through cairo's SVG surface (report_chart_svg), so both
 * outputs show identical charts. Every value interpolated into HTML is escaped
 * (report_html_escape).
 */
#ifndef MAMORI_REPORT_H
#define MAMORI_REPORT_H

#include "base/compat.h"

#include "base/buf.h"
#include "base/err.h"
#include "store/store.h"

/* ------------------------------------------------------------ charts */

enum report_chart_kind { REPORT_CHART_LINE, REPORT_CHART_BAR };

#define REPORT_CHART_MAX 16

struct report_chart {
	enum report_chart_kind kind;
	char title[96];
	size_t n;
	char label[REPORT_CHART_MAX][32]; /* x-axis labels (UTF-8) */
	char note[REPORT_CHART_MAX][8];	  /* drawn next to a point/bar ("A"), may be "" */
	double value[REPORT_CHART_MAX];
	double vmax;	  /* 0: report_chart_nice_max of the largest value */
	const char *font; /* pango family list; NULL: "Noto Sans CJK JP" */
};

/* Smallest 1, 2 or 5 x 10^k at or above v (v <= 0 gives 1). */
double report_chart_nice_max(double v);
/* Maps v in [0, vmax] to a y pixel between bottom (v = 0) and top (v = vmax), clamped. */
double report_chart_y(double v, double vmax, double top, double bottom);
/* x centre of slot i of n slots across [left, right]. */
double report_chart_x(size_t i, size_t n, double left, double right);

/* Draws c into the rectangle (0,0)-(w,h) of cr (a cairo_t *). */
void report_chart_draw(void *cr, const struct report_chart *c, double w, double h);
/* Appends c drawn as an <svg> element (no XML declaration) to out; element ids are
 * prefixed with id_prefix so several charts can share one page. */
int report_chart_svg(const struct report_chart *c, double w, double h, const char *id_prefix,
		     struct buf *out, struct merr *e);

/* ------------------------------------------------------------ HTML */

/* Appends s with & < > " ' escaped; NULL appends nothing. */
int report_html_escape(struct buf *out, const char *s);

/* ------------------------------------------------------------ reports */

enum report_lang { REPORT_JA, REPORT_EN };

struct report_opts {
	const char *period; /* "2026Q4" */
	enum report_lang lang;
	const char *out_dir;
	int64_t now;
};

/* Writes DIR/<org>-<period>.html and .pdf. M_ENOTFOUND for an unknown org. */
int report_quarterly(struct store *s, const char *org, const struct report_opts *o, struct merr *e);
/* Calls report_quarterly for every organisation; *n_out receives the count. */
int report_quarterly_all(struct store *s, const struct report_opts *o, size_t *n_out,
			 struct merr *e);
/* Sector reports have a folder of their own under DIR, apart from the operators' reports
 * (whose names come from operator slugs). */
#define REPORT_SECTOR_DIR "sectors"
/* Writes DIR/sectors/<code>-<period>.html and .pdf (creating DIR/sectors); sector is a code
 * ("railways") or its Japanese name ("鉄道"). M_ENOTFOUND for an unknown sector. */
int report_sector(struct store *s, const char *sector, const struct report_opts *o, struct merr *e);

/* Writes DIR/incident-<id>.html and .pdf: facts, NISC severity with reasons, clocks met or
 * missed, IoCs, versions, timeline (src/incident's full view). M_ENOTFOUND for no incident. */
int report_incident(struct store *s, int64_t id, const struct report_opts *o, struct merr *e);
/* The same within a reader's view (the console's PDF): v limits which incident (an operator:
 * their own, else M_ENOTFOUND), which IoCs and whether internal timeline events are shown.
 * v NULL: the full view. */
struct inc_view;
int report_incident_view(struct store *s, int64_t id, const struct inc_view *v,
			 const struct report_opts *o, struct merr *e);

/* Writes DIR/exercise-<run>.html and .pdf: the after-action report of an exercise run
 * (scenario, objectives, sources, the timeline chart and table of injects against the
 * participants' responses, each expected action on time / late / missed, scores per role and
 * team, facilitator's notes, comparison with earlier runs of the same scenario). */
int report_exercise(struct store *s, int64_t run, const struct report_opts *o, struct merr *e);

/* Releases the process-wide font and cairo caches pango and fontconfig keep (so leak
 * checkers see a clean exit). Call once, after the last report, from the front end. */
void report_cleanup(void);

/* ---------------------------------------------------------------- the files (files.c) */

/* The formats a report is written in: the only extensions a download may name. */
#define REPORT_FORMATS 2
struct report_format {
	const char *ext, *ctype;
};
extern const struct report_format report_formats[REPORT_FORMATS];
/* "2026Q4": four digits, Q, 1..4 (s[0..n)). */
bool report_period_valid(const char *s, size_t n);
/* Splits "2026Q4.pdf" into a period and an index into report_formats; false otherwise.
 * report_file_parse_lang also takes the English file "2026Q4-en.pdf" (*en true). */
bool report_file_parse_lang(const char *file, char period[8], size_t *fmt, bool *en);
bool report_file_parse(const char *file, char period[8], size_t *fmt);
/* Slugs and sector codes that may become part of a file name: [A-Za-z0-9_-], 1..100. */
bool report_name_safe(const char *s);

/* The reports named PREFIX<period>.<ext> in dir (regular files, not links), newest period
 * first; PREFIX is "<slug>-" or "sector-<code>-". No dir or no folder yet: none. */
#define REPORT_LIST_MAX 128
struct report_file {
	char period[8];
	bool fmt[REPORT_FORMATS], fmt_en[REPORT_FORMATS]; /* Japanese, English (-en) */
	int64_t size[REPORT_FORMATS], size_en[REPORT_FORMATS];
};
struct report_files {
	struct report_file v[REPORT_LIST_MAX];
	size_t n;
};
int report_files_list(const char *dir, const char *prefix, struct report_files *out);

#endif
