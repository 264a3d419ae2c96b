/* report_int.h - inside the report module: the document writer that produces the HTML page
 * and the PDF from the same calls, so both outputs always hold the same content. */
#ifndef MAMORI_REPORT_INT_H
#define MAMORI_REPORT_INT_H

#include "base/compat.h"

#include "report/report.h"

struct doc;

enum doc_style { DOC_NORMAL, DOC_SMALL, DOC_MUTED, DOC_BIG, DOC_ALERT };

int doc_open(struct doc **out, const char *title, enum report_lang lang, struct merr *e);
/* Writes base.html and base.pdf and frees d (also on failure). */
int doc_finish(struct doc *d, const char *base, struct merr *e);
void doc_free(struct doc *d);

void doc_heading(struct doc *d, int level, const char *s);
void doc_para(struct doc *d, enum doc_style st, const char *s);
void doc_paraf(struct doc *d, enum doc_style st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A grade badge with a caption to its right. */
void doc_grade(struct doc *d, char grade, const char *caption);
/* Charts side by side (at most 3), each w x h points. */
void doc_charts(struct doc *d, const struct report_chart *c, size_t n, double w, double h);
/* A table: ncols columns with relative widths (sum 1). */
void doc_table_begin(struct doc *d, size_t ncols, const double *widths, const char *const *headers);
void doc_table_row(struct doc *d, const char *const *cells);
void doc_table_end(struct doc *d);
void doc_page_break(struct doc *d);

#endif
