/* checklist_int.h - inside the checklist module: the strict YAML walk both file readers use. */
#ifndef MAMORI_CHECKLIST_INT_H
#define MAMORI_CHECKLIST_INT_H

#include "base/compat.h"

#include <yaml.h>

#include "checklist/checklist.h"

struct cl_y {
	yaml_document_t doc;
	bool loaded;
	const char *file;
	struct merr *e;
	unsigned char *seen;
	size_t n_nodes;
};

/* Parses buf into y->doc (UTF-8 and NUL checked first). */
int cl_y_load(struct cl_y *y, const char *buf, size_t len, const char *file, struct merr *e);
void cl_y_release(struct cl_y *y);
long cl_y_line(const yaml_node_t *n);
int cl_y_fail(struct cl_y *y, const yaml_node_t *n, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Node idx, refusing a second visit (only an alias reaches a node twice). */
yaml_node_t *cl_y_visit(struct cl_y *y, int idx, const yaml_node_t *parent, const char *field);
/* The scalar text of n (max bytes, no control characters except tab/newline when multiline). */
int cl_y_text(struct cl_y *y, yaml_node_t *n, const char *field, size_t max, const char **out);
bool cl_y_is_null(const yaml_node_t *n);

#endif
