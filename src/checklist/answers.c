/* answers.c - answer files (YAML or CSV) read strictly with FILE:LINE errors, checked
 * against a catalogue, and written back in the same format. */
#include "base/compat.h"

#include "base/mem.h"
#include "base/utf8.h"
#include "checklist/checklist_int.h"

#define CL_ANSWERS_MAX 1000

static const struct {
	const char *s;
	enum cl_answer a;
} answer_words[] = {
    {"実施している", CL_DONE},	      {"done", CL_DONE},	 {"一部実施", CL_PARTIAL},
    {"一部実施している", CL_PARTIAL}, {"partial", CL_PARTIAL},	 {"未実施", CL_NOT_DONE},
    {"実施していない", CL_NOT_DONE},  {"not_done", CL_NOT_DONE}, {"わからない", CL_UNKNOWN},
    {"unknown", CL_UNKNOWN},	      {"該当しない", CL_NA},	 {"na", CL_NA},
};

int cl_answer_parse(const char *s, enum cl_answer *out)
{
	for (size_t i = 0; s && i < ARRAY_SIZE(answer_words); i++)
		if (strcmp(s, answer_words[i].s) == 0) {
			*out = answer_words[i].a;
			return 0;
		}
	return M_EPARSE;
}

const char *cl_answer_code(enum cl_answer a)
{
	static const char *const n[] = {"unanswered", "done",	 "partial",
					"not_done",   "unknown", "na"};
	return (unsigned)a < ARRAY_SIZE(n) ? n[a] : "unanswered";
}

const char *cl_answer_ja(enum cl_answer a)
{
	static const char *const n[] = {"未回答", "実施している", "一部実施",
					"未実施", "わからない",	  "該当しない"};
	return (unsigned)a < ARRAY_SIZE(n) ? n[a] : "未回答";
}

const char *cl_answer_en(enum cl_answer a)
{
	static const char *const n[] = {"unanswered", "done",	    "partly done",
					"not done",   "don't know", "not applicable"};
	return (unsigned)a < ARRAY_SIZE(n) ? n[a] : "unanswered";
}

int cl_answer_points(enum cl_answer a)
{
	switch (a) {
	case CL_DONE: return 4;
	case CL_PARTIAL: return 2;
	case CL_UNKNOWN: return -1;
	default: return 0;
	}
}

void cl_answers_init(struct cl_answers *a)
{
	memset(a, 0, sizeof(*a));
}

void cl_answers_release(struct cl_answers *a)
{
	for (size_t i = 0; i < a->n; i++) {
		m_free(a->v[i].item);
		m_free(a->v[i].comment);
	}
	m_free(a->v);
	m_free(a->version);
	m_free(a->org);
	cl_answers_init(a);
}

int cl_answers_add(struct cl_answers *a, const char *item, enum cl_answer ans, const char *comment,
		   long line)
{
	struct cl_answer_row *r;

	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 64;
		void *v = m_realloc(a->v, cap * sizeof(*a->v));
		if (!v)
			return M_ENOMEM;
		a->v = v;
		a->cap = cap;
	}
	r = &a->v[a->n];
	memset(r, 0, sizeof(*r));
	r->answer = ans;
	r->line = line;
	if (!(r->item = m_strdup(item)))
		return M_ENOMEM;
	if (comment && *comment && !(r->comment = m_strdup(comment))) {
		m_free(r->item);
		return M_ENOMEM;
	}
	a->n++;
	return 0;
}

const struct cl_answer_row *cl_answers_find(const struct cl_answers *a, const char *item)
{
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i].item, item) == 0)
			return &a->v[i];
	return NULL;
}

/* Item ids, catalogue versions and org slugs are letters, digits and - . _ ; anything else
 * (a control byte the CSV reader passes through) could not be written back and read again. */
static bool plain_id(const char *s)
{
	return !s[strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._")];
}

/* Checks one answer's parts; adds it. file/line for errors. */
static int add_checked(struct cl_answers *a, const char *file, long line, const char *item,
		       const char *answer, const char *comment, struct merr *e)
{
	enum cl_answer v;
	size_t bad;

	if (!item || !*item)
		return merr_at(e, M_EPARSE, file, line, -1, "item", "missing item id");
	if (strlen(item) > 32)
		return merr_at(e, M_EPARSE, file, line, -1, "item", "item id too long");
	if (!plain_id(item))
		return merr_at(e, M_EPARSE, file, line, -1, "item",
			       "item id may hold only letters, digits and - . _");
	if (cl_answers_find(a, item))
		return merr_at(e, M_EPARSE, file, line, -1, "item",
			       "%s answered twice (first on line %ld)", item,
			       cl_answers_find(a, item)->line);
	if (a->n >= CL_ANSWERS_MAX)
		return merr_at(e, M_ETOOBIG, file, line, -1, "item", "more than %d answers",
			       CL_ANSWERS_MAX);
	if (!answer || !*answer)
		return merr_at(e, M_EPARSE, file, line, -1, "answer", "missing answer for %s",
			       item);
	if (cl_answer_parse(answer, &v))
		return merr_at(
		    e, M_EPARSE, file, line, -1, "answer",
		    "'%.40s' is not an answer (実施している, 一部実施, 未実施, わからない, "
		    "該当しない; or done, partial, not_done, unknown, na)",
		    answer);
	if (comment) {
		size_t len = strlen(comment);
		if (len > CL_COMMENT_MAX)
			return merr_at(e, M_EPARSE, file, line, -1, "comment",
				       "too long (%zu bytes, at most %d)", len, CL_COMMENT_MAX);
		if (!utf8_valid(comment, len, &bad))
			return merr_at(e, M_EPARSE, file, line, -1, "comment", "not valid UTF-8");
		/* What YAML cannot carry (C0/C1 controls, U+FFFE/U+FFFF) is refused in both
		 * formats, so an accepted file can always be written back as either. */
		for (size_t i = 0; i < len; i++) {
			const unsigned char *u = (const unsigned char *)comment + i;
			if ((u[0] < 0x20 && u[0] != '\n' && u[0] != '\t' && u[0] != '\r') ||
			    u[0] == 0x7f || (u[0] == 0xc2 && u[1] >= 0x80 && u[1] <= 0x9f))
				return merr_at(e, M_EPARSE, file, line, -1, "comment",
					       "contains a control character");
			if (u[0] == 0xef && u[1] == 0xbf && (u[2] == 0xbe || u[2] == 0xbf))
				return merr_at(e, M_EPARSE, file, line, -1, "comment",
					       "contains a noncharacter (U+FFFE or U+FFFF)");
		}
	}
	if (v == CL_NA && (!comment || !*comment))
		return merr_at(e, M_EPARSE, file, line, -1, "comment",
			       "該当しない (na) needs the reason in the comment (%s)", item);
	if (cl_answers_add(a, item, v, comment, line))
		return merr_set(e, M_ENOMEM, "out of memory");
	return 0;
}

/* ------------------------------------------------------------ YAML */

static int y_answer(struct cl_y *y, struct cl_answers *a, yaml_node_t *k, yaml_node_t *v)
{
	const char *item, *ans = NULL, *comment = NULL;
	int rc;

	if ((rc = cl_y_text(y, k, "item", 64, &item)))
		return rc;
	if (v->type == YAML_SCALAR_NODE) {
		if ((rc = cl_y_text(y, v, "answer", 64, &ans)))
			return rc;
	} else if (v->type == YAML_MAPPING_NODE) {
		bool seen_a = false, seen_c = false;
		for (yaml_node_pair_t *p = v->data.mapping.pairs.start;
		     p < v->data.mapping.pairs.top; p++) {
			yaml_node_t *kk = cl_y_visit(y, p->key, v, "answer"), *vv;
			const char *key;
			if (!kk)
				return M_EPARSE;
			key =
			    kk->type == YAML_SCALAR_NODE ? (const char *)kk->data.scalar.value : "";
			if (strcmp(key, "answer") && strcmp(key, "comment"))
				return cl_y_fail(y, kk, item ? item : "answer",
						 "unknown key '%.40s' (answer, comment)", key);
			if (!(vv = cl_y_visit(y, p->value, kk, key)))
				return M_EPARSE;
			if (!strcmp(key, "answer")) {
				if (seen_a)
					return cl_y_fail(y, kk, "answer", "repeated key");
				seen_a = true;
				rc = cl_y_text(y, vv, "answer", 64, &ans);
			} else {
				if (seen_c)
					return cl_y_fail(y, kk, "comment", "repeated key");
				seen_c = true;
				/* length checked by add_checked, with the right message */
				rc = cl_y_text(y, vv, "comment", CL_FILE_MAX, &comment);
			}
			if (rc)
				return rc;
		}
	} else {
		return cl_y_fail(y, v, "answer",
				 "expected an answer or { answer: ..., comment: ... }");
	}
	return add_checked(a, y->file, cl_y_line(k), item, ans, comment, y->e);
}

static int parse_yaml(const char *buf, size_t len, const char *file, struct cl_answers *a,
		      struct merr *e)
{
	struct cl_y y;
	yaml_node_t *root;
	bool seen[3] = {false, false, false};
	int rc;

	if ((rc = cl_y_load(&y, buf, len, file, e)))
		return rc;
	root = yaml_document_get_root_node(&y.doc);
	if (root->type != YAML_MAPPING_NODE)
		rc = cl_y_fail(&y, root, "answers", "expected catalogue:, org: and answers:");
	for (yaml_node_pair_t *p = rc ? NULL : root->data.mapping.pairs.start;
	     rc == 0 && p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = cl_y_visit(&y, p->key, root, "answers"), *v;
		const char *key, *s;
		int i;
		if (!k) {
			rc = M_EPARSE;
			break;
		}
		key = k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "";
		i = !strcmp(key, "catalogue") ? 0
		    : !strcmp(key, "org")     ? 1
		    : !strcmp(key, "answers") ? 2
					      : -1;
		if (i < 0) {
			rc = cl_y_fail(&y, k, "answers",
				       "unknown key '%.40s' (catalogue, org, answers)", key);
			break;
		}
		if (seen[i]) {
			rc = cl_y_fail(&y, k, key, "repeated key");
			break;
		}
		seen[i] = true;
		if (!(v = cl_y_visit(&y, p->value, k, key))) {
			rc = M_EPARSE;
			break;
		}
		if (i < 2) {
			if ((rc = cl_y_text(&y, v, key, 128, &s)))
				break;
			if (!s || !*s)
				rc = cl_y_fail(&y, v, key, "must not be empty");
			else if (!plain_id(s))
				rc = cl_y_fail(&y, v, key,
					       "may hold only letters, digits and - . _");
			else if (!(*(i == 0 ? &a->version : &a->org) = m_strdup(s)))
				rc = merr_set(e, M_ENOMEM, "out of memory");
			continue;
		}
		if (cl_y_is_null(v))
			continue;
		if (v->type != YAML_MAPPING_NODE) {
			rc = cl_y_fail(&y, v, "answers", "expected item id: answer lines");
			break;
		}
		for (yaml_node_pair_t *q = v->data.mapping.pairs.start;
		     rc == 0 && q < v->data.mapping.pairs.top; q++) {
			yaml_node_t *ik = cl_y_visit(&y, q->key, v, "item"), *iv;
			if (!ik || !(iv = cl_y_visit(&y, q->value, ik, "answer")))
				rc = M_EPARSE;
			else
				rc = y_answer(&y, a, ik, iv);
		}
	}
	if (rc == 0 && !seen[0])
		rc = merr_at(e, M_EPARSE, file, 1, -1, "catalogue",
			     "missing: name the catalogue version the answers were given against "
			     "(catalogue: \"2025.1\")");
	cl_y_release(&y);
	return rc;
}

/* ------------------------------------------------------------ CSV */

struct csv {
	const char *p, *end, *file;
	long line, rec_line;
	struct merr *e;
	struct buf f[4];
	int n;
};

/* Reads one record into r->f (at most 4 fields). 1: a record, 0: end, <0: error. */
static int csv_record(struct csv *r)
{
	for (int i = 0; i < 4; i++)
		buf_reset(&r->f[i]);
	r->n = 0;
	/* skip blank lines */
	while (r->p < r->end && (*r->p == '\n' || *r->p == '\r')) {
		if (*r->p == '\n')
			r->line++;
		r->p++;
	}
	if (r->p >= r->end)
		return 0;
	r->rec_line = r->line;
	r->n = 1;
	for (;;) {
		struct buf *b = &r->f[r->n - 1];
		if (r->p < r->end && *r->p == '"') {
			r->p++;
			for (;;) {
				if (r->p >= r->end)
					return merr_at(r->e, M_EPARSE, r->file, r->rec_line, -1,
						       "csv", "unterminated quoted field");
				if (*r->p == '"') {
					if (r->p + 1 < r->end && r->p[1] == '"') {
						if (buf_addc(b, '"'))
							goto big;
						r->p += 2;
						continue;
					}
					r->p++;
					break;
				}
				if (*r->p == '\n')
					r->line++;
				if (buf_addc(b, *r->p++))
					goto big;
			}
			if (r->p < r->end && *r->p != ',' && *r->p != '\n' && *r->p != '\r')
				return merr_at(r->e, M_EPARSE, r->file, r->line, -1, "csv",
					       "text after a closing quote");
		} else {
			while (r->p < r->end && *r->p != ',' && *r->p != '\n' && *r->p != '\r') {
				if (*r->p == '"')
					return merr_at(r->e, M_EPARSE, r->file, r->line, -1, "csv",
						       "a quote inside an unquoted field");
				if (buf_addc(b, *r->p++))
					goto big;
			}
		}
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			if (r->n == 4)
				return merr_at(
				    r->e, M_EPARSE, r->file, r->rec_line, -1, "csv",
				    "more than 4 fields (catalogue,item,answer,comment)");
			r->n++;
			continue;
		}
		if (r->p < r->end && *r->p == '\r')
			r->p++;
		if (r->p < r->end && *r->p == '\n') {
			r->p++;
			r->line++;
		}
		return 1;
	}
big:
	return merr_at(r->e, M_EPARSE, r->file, r->rec_line, -1, "comment",
		       "field too long (at most %d bytes)", CL_COMMENT_MAX);
}

static bool csv_header(const char *buf, size_t len)
{
	static const char h[] = "catalogue,item,answer";
	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3)) {
		buf += 3;
		len -= 3;
	}
	return len >= sizeof(h) - 1 && !memcmp(buf, h, sizeof(h) - 1);
}

static int parse_csv(const char *buf, size_t len, const char *file, struct cl_answers *a,
		     struct merr *e)
{
	struct csv r = {buf, buf + len, file, 1, 1, e, {{0}}, 0};
	size_t bad;
	int rc, ncol;

	if (len > CL_FILE_MAX)
		return merr_at(e, M_ETOOBIG, file, -1, -1, NULL, "larger than %zu bytes",
			       CL_FILE_MAX);
	if (!utf8_valid(buf, len, &bad) || memchr(buf, '\0', len)) {
		long line = 1;
		for (size_t i = 0; i < bad && i < len; i++)
			line += buf[i] == '\n';
		return merr_at(e, M_EPARSE, file, line, -1, "encoding",
			       "not valid UTF-8 (Excel: save as 「CSV UTF-8」)");
	}
	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		r.p += 3;
	for (int i = 0; i < 4; i++)
		buf_init(&r.f[i], CL_COMMENT_MAX + 1);
	rc = csv_record(&r);
	if (rc == 1) {
		if (r.n < 3 || strcmp(buf_str(&r.f[0]), "catalogue") ||
		    strcmp(buf_str(&r.f[1]), "item") || strcmp(buf_str(&r.f[2]), "answer") ||
		    (r.n == 4 && strcmp(buf_str(&r.f[3]), "comment")))
			rc = merr_at(e, M_EPARSE, file, r.rec_line, -1, "header",
				     "expected catalogue,item,answer,comment");
		else
			rc = 0;
	} else if (rc == 0) {
		rc = merr_at(e, M_EPARSE, file, 1, -1, "header", "empty file");
	}
	ncol = r.n;
	while (rc == 0 && (rc = csv_record(&r)) == 1) {
		const char *ver = buf_str(&r.f[0]);
		if (r.n != ncol) {
			rc = merr_at(e, M_EPARSE, file, r.rec_line, -1, "csv",
				     "%d fields, the header has %d", r.n, ncol);
			break;
		}
		if (!*ver) {
			rc = merr_at(e, M_EPARSE, file, r.rec_line, -1, "catalogue", "missing");
			break;
		}
		if (!a->version) {
			if (strlen(ver) > 31 || !plain_id(ver) || !(a->version = m_strdup(ver))) {
				rc = merr_at(e, M_EPARSE, file, r.rec_line, -1, "catalogue",
					     "bad version");
				break;
			}
		} else if (strcmp(a->version, ver)) {
			rc = merr_at(e, M_EPARSE, file, r.rec_line, -1, "catalogue",
				     "version %.31s differs from %s on the first row", ver,
				     a->version);
			break;
		}
		rc = add_checked(a, file, r.rec_line, buf_str(&r.f[1]), buf_str(&r.f[2]),
				 ncol == 4 && r.f[3].len ? buf_str(&r.f[3]) : NULL, e);
	}
	for (int i = 0; i < 4; i++)
		buf_release(&r.f[i]);
	if (rc == 0 && !a->version)
		rc = merr_at(e, M_EPARSE, file, 2, -1, "catalogue", "no answers in the file");
	return rc < 0 ? rc : 0;
}

int cl_answers_parse(const char *buf, size_t len, const char *file, struct cl_answers *out,
		     struct merr *e)
{
	size_t fl = file ? strlen(file) : 0;
	bool csv = (fl > 4 && !strcasecmp(file + fl - 4, ".csv")) || csv_header(buf, len);
	int rc;

	cl_answers_init(out);
	rc = csv ? parse_csv(buf, len, file, out, e) : parse_yaml(buf, len, file, out, e);
	if (rc)
		cl_answers_release(out);
	return rc;
}

int cl_answers_check(const struct cl_catalogue *c, const struct cl_answers *a, const char *btype,
		     const char *size, bool complete, struct merr *e)
{
	if (a->version && strcmp(a->version, c->version))
		return merr_at(e, M_EPARSE, NULL, -1, -1, "catalogue",
			       "answers are for catalogue %s, not %s", a->version, c->version);
	for (size_t i = 0; i < a->n; i++) {
		const struct cl_item *it = cl_item_find(c, a->v[i].item);
		if (!it)
			return merr_at(e, M_EPARSE, NULL, a->v[i].line, -1, "item",
				       "unknown item id '%s' in catalogue %s", a->v[i].item,
				       c->version);
		if (!cl_item_applies(it, btype, size))
			return merr_at(e, M_EPARSE, NULL, a->v[i].line, -1, "item",
				       "%s does not apply to %s/%s (see checklist items "
				       "--business-type %s --size %s)",
				       it->id, btype ? btype : "-", size ? size : "-",
				       btype ? btype : "-", size ? size : "-");
		if (a->v[i].answer == CL_UNANSWERED)
			return merr_at(e, M_EPARSE, NULL, a->v[i].line, -1, "answer",
				       "%s has no answer", it->id);
	}
	if (complete)
		for (size_t i = 0; i < c->n_items; i++)
			if (cl_item_applies(&c->items[i], btype, size) &&
			    !cl_answers_find(a, c->items[i].id)) {
				size_t missing = 0;
				for (size_t j = i; j < c->n_items; j++)
					missing += cl_item_applies(&c->items[j], btype, size) &&
						   !cl_answers_find(a, c->items[j].id);
				return merr_at(
				    e, M_EPARSE, NULL, -1, -1, "answers",
				    "%zu applicable item(s) unanswered, first %s: answer "
				    "every item to submit (or save a draft)",
				    missing, c->items[i].id);
			}
	return 0;
}

/* ------------------------------------------------------------ writing */

static int yaml_quoted(struct buf *b, const char *s)
{
	int rc = buf_addc(b, '"');
	for (; rc == 0 && *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			rc = buf_addf(b, "\\%c", ch);
		else if (ch == '\n')
			rc = buf_adds(b, "\\n");
		else if (ch == '\r')
			rc = buf_adds(b, "\\r");
		else if (ch == '\t')
			rc = buf_adds(b, "\\t");
		else
			rc = buf_addc(b, (char)ch);
	}
	return rc ? rc : buf_addc(b, '"');
}

static int csv_field(struct buf *b, const char *s)
{
	int rc;
	if (!strpbrk(s, ",\"\r\n"))
		return buf_adds(b, s);
	rc = buf_addc(b, '"');
	for (; rc == 0 && *s; s++)
		rc = *s == '"' ? buf_adds(b, "\"\"") : buf_addc(b, *s);
	return rc ? rc : buf_addc(b, '"');
}

int cl_answers_write(const struct cl_answers *a, const struct cl_catalogue *c, const char *org,
		     bool csv, struct buf *out, struct merr *e)
{
	int rc = 0;
	const char *ver = a->version ? a->version : c->version;

	if (csv) {
		rc = buf_adds(out, "catalogue,item,answer,comment\n");
		for (size_t i = 0; rc == 0 && i < a->n; i++) {
			rc = csv_field(out, ver);
			rc = rc ? rc
				: buf_addf(out, ",%s,%s,", a->v[i].item,
					   cl_answer_ja(a->v[i].answer));
			if (rc == 0 && a->v[i].comment)
				rc = csv_field(out, a->v[i].comment);
			rc = rc ? rc : buf_addc(out, '\n');
		}
	} else {
		rc = buf_addf(out, "# 自己点検チェックリスト回答 / checklist answers\ncatalogue: ");
		rc = rc ? rc : yaml_quoted(out, ver);
		if (rc == 0 && org) {
			rc = buf_adds(out, "\norg: ");
			rc = rc ? rc : yaml_quoted(out, org);
		}
		rc = rc ? rc : buf_adds(out, "\nanswers:\n");
		for (size_t i = 0; rc == 0 && i < a->n; i++) {
			const struct cl_item *it = c ? cl_item_find(c, a->v[i].item) : NULL;
			if (it)
				rc = buf_addf(out, "  # %s\n", it->text_ja);
			rc = rc ? rc
				: buf_addf(out, "  %s: { answer: %s", a->v[i].item,
					   cl_answer_ja(a->v[i].answer));
			if (rc == 0 && a->v[i].comment) {
				rc = buf_adds(out, ", comment: ");
				rc = rc ? rc : yaml_quoted(out, a->v[i].comment);
			}
			rc = rc ? rc : buf_adds(out, " }\n");
		}
	}
	return rc ? merr_set(e, rc, "writing the answers") : 0;
}
