/* yaml.c - the strict YAML walk of the checklist's files (catalogue and answers): UTF-8
 * checked with its line, aliases refused (a node reached twice), texts bounded. */
#include "base/compat.h"

#include "checklist/checklist_int.h"

#include "base/mem.h"
#include "base/utf8.h"

long cl_y_line(const yaml_node_t *n)
{
	return n ? (long)n->start_mark.line + 1 : -1;
}

int cl_y_fail(struct cl_y *y, const yaml_node_t *n, const char *field, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return merr_at(y->e, M_EPARSE, y->file, cl_y_line(n), -1, field, "%s", msg);
}

int cl_y_load(struct cl_y *y, const char *buf, size_t len, const char *file, struct merr *e)
{
	yaml_parser_t p;
	int rc = 0;

	memset(y, 0, sizeof(*y));
	y->file = file;
	y->e = e;
	if (len > CL_FILE_MAX)
		return merr_at(e, M_ETOOBIG, file, -1, -1, NULL, "larger than %zu bytes",
			       CL_FILE_MAX);
	if ((rc = utf8_check_file(buf, len, file, e)))
		return rc;
	if (memchr(buf, '\0', len)) {
		long line = 1;
		for (const char *q = buf; *q; q++)
			line += *q == '\n';
		return merr_at(e, M_EPARSE, file, line, -1, "encoding", "contains a NUL byte");
	}
	if (!yaml_parser_initialize(&p))
		return merr_set(e, M_ENOMEM, "out of memory starting the YAML parser");
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&p, &y->doc)) {
		rc = merr_at(e, M_EPARSE, file, (long)p.problem_mark.line + 1, -1, "yaml", "%s%s%s",
			     p.problem ? p.problem : "malformed YAML", p.context ? " " : "",
			     p.context ? p.context : "");
		yaml_parser_delete(&p);
		return rc;
	}
	yaml_parser_delete(&p);
	y->loaded = true;
	y->n_nodes = (size_t)(y->doc.nodes.top - y->doc.nodes.start);
	y->seen = m_calloc(y->n_nodes ? y->n_nodes : 1, 1);
	if (!y->seen) {
		cl_y_release(y);
		return merr_set(e, M_ENOMEM, "out of memory");
	}
	if (!yaml_document_get_root_node(&y->doc)) {
		cl_y_release(y);
		return merr_at(e, M_EPARSE, file, 1, -1, NULL, "empty file");
	}
	y->seen[0] = 1;
	return 0;
}

void cl_y_release(struct cl_y *y)
{
	if (y->loaded)
		yaml_document_delete(&y->doc);
	y->loaded = false;
	m_free(y->seen);
	y->seen = NULL;
}

yaml_node_t *cl_y_visit(struct cl_y *y, int idx, const yaml_node_t *parent, const char *field)
{
	yaml_node_t *n = yaml_document_get_node(&y->doc, idx);

	if (!n) {
		cl_y_fail(y, parent, field, "missing value");
		return NULL;
	}
	if (y->seen[idx - 1]) {
		cl_y_fail(y, parent, field, "YAML aliases (*name) are not supported here");
		return NULL;
	}
	y->seen[idx - 1] = 1;
	return n;
}

bool cl_y_is_null(const yaml_node_t *n)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	v = (const char *)n->data.scalar.value;
	return !*v || strcmp(v, "~") == 0 || strcmp(v, "null") == 0;
}

int cl_y_text(struct cl_y *y, yaml_node_t *n, const char *field, size_t max, const char **out)
{
	const char *v;
	size_t len;

	*out = NULL;
	if (n->type != YAML_SCALAR_NODE)
		return cl_y_fail(y, n, field, "expected a single value, not a %s",
				 n->type == YAML_MAPPING_NODE ? "mapping" : "list");
	if (cl_y_is_null(n))
		return 0;
	v = (const char *)n->data.scalar.value;
	len = n->data.scalar.length;
	if (strlen(v) != len)
		return cl_y_fail(y, n, field, "contains a NUL character");
	if (len > max)
		return cl_y_fail(y, n, field, "too long (%zu bytes, at most %zu)", len, max);
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)v[i];
		if ((ch < 0x20 && ch != '\n' && ch != '\t' && ch != '\r') || ch == 0x7f)
			return cl_y_fail(y, n, field, "contains a control character");
	}
	*out = v;
	return 0;
}
